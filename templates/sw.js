/* Geotour service worker {{ version }}: the app shell on install; pages and layer data network-first
 * (so they are fresh when online and still there offline); map tiles cache-first, at most a few hundred. */
"use strict";
var SHELL = "geotour-shell-{{ version }}";
var DATA = "geotour-data-v1";
var TILES = "geotour-tiles-v1";
var MAX_TILES = 600;
var SHELL_URLS = {{ urls|tojson }};
var PRIVATE = {{ private_prefixes|tojson }};
var PUBLIC_API = /^\/api\/v1\/(layers(\/[^/]+(\/export)?)?|features\/[^/]+(\/nearby)?|nearby)$/;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.addAll(SHELL_URLS); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key.indexOf("geotour-shell-") === 0 && key !== SHELL; })
      .map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

function networkFirst(request, cacheName) {
  return fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(cacheName).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request).then(function (hit) {
      if (hit) return hit;
      if (request.mode === "navigate") return caches.match("/");
      return Response.error();
    });
  });
}

function trimTiles(cache) {
  cache.keys().then(function (keys) {
    keys.slice(0, Math.max(0, keys.length - MAX_TILES)).forEach(function (key) { cache.delete(key); });
  });
}

function tileFirst(request) {
  return caches.open(TILES).then(function (cache) {
    return cache.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok || response.type === "opaque") { cache.put(request, response.clone()); trimTiles(cache); }
        return response;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    if (request.destination === "image") event.respondWith(tileFirst(request));
    return;
  }
  if (url.pathname.indexOf("/embed") === 0 || url.pathname === "/oembed") return;
  // Signed-in pages and pending photos are personal: never keep them on a phone that others may use.
  if (PRIVATE.some(function (prefix) { return url.pathname.indexOf(prefix) === 0; })) return;
  if (url.pathname.indexOf("/api/v1/") === 0 && !PUBLIC_API.test(url.pathname)) return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || networkFirst(request, SHELL); }));
  } else if (request.mode === "navigate" || url.pathname.indexOf("/api/v1/") === 0) {
    event.respondWith(networkFirst(request, DATA));
  }
});
