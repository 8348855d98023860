/* Geotour service worker {{ version }}: the map and the places a visitor saw keep working without signal.
 *
 * - The app shell (map page, offline page, scripts, styles) is stored on install.
 * - Pages, the layer catalogue and feature data: network first, but a weak link that answers nothing
 *   within NETWORK_TIMEOUT_MS gets the saved copy (marked, so the page can say from when).
 * - Layer snapshots (immutable URLs): cache first; only the newest of each layer is kept.
 * - "Near me" answers, photos and map tiles: cache first or network first, each with an entry limit, so
 *   a moving position never grows the cache without end.
 * - What the page fetched before this worker controlled it is handed over with a "keep" message.
 * - An unvisited page opened offline gets the offline page, which lists the places saved here.
 * - Contributions waiting in the outbox are sent on Background Sync (static/js/outbox.js), each only as
 *   the account that wrote it.
 * - An answer marked private or no-store is never kept. */
"use strict";
importScripts({{ import_urls|join(", ")|safe }});

var SHELL = "geotour-shell-{{ version }}";
var PAGES = {{ pages_cache|tojson }}, MAX_PAGES = 60;
var DATA = "geotour-data-v2", MAX_DATA = 80;
var SNAPSHOTS = "geotour-snapshots-v1";
var NEARBY = "geotour-nearby-v1", MAX_NEARBY = 12;
var PHOTOS = "geotour-photos-v1", MAX_PHOTOS = 150;
var TILES = "geotour-tiles-v1", MAX_TILES = 600;
var SAVED_TILES = "geotour-tiles-saved-v1", MAX_SAVED_TILES = 5000;  // a saved route's corridor: never trimmed by browsing
var SAVED = "geotour-saved-v1";  // "save the whole geopark": pages and first photos, never trimmed by browsing
var TAG_HEADER = "X-Geotour-Tag";
var TRIP = "geotour-trip-v1", MAX_TRIP = 120;  // the pages of places added to the trip list: apart from browsing
var CACHES = [PAGES, DATA, SNAPSHOTS, NEARBY, PHOTOS, TILES, SAVED_TILES, SAVED, TRIP];
var NETWORK_TIMEOUT_MS = {{ network_timeout_ms }};
var SAVED_HEADER = {{ saved_header|tojson }}, FALLBACK_HEADER = {{ fallback_header|tojson }};
var SHELL_URLS = {{ urls|tojson }};
var CATALOGUE = {{ catalogue_url|tojson }};
var OFFLINE_PAGES = {{ offline_pages|tojson }};
var PRIVATE = {{ private_prefixes|tojson }};
var PUBLIC_API = new RegExp({{ public_api|tojson }});
var SNAPSHOT = new RegExp({{ snapshot_pattern|tojson }});
var NEARBY_API = new RegExp({{ nearby_api|tojson }});
var lastLang = "id";

self.addEventListener("install", function (event) {
  // The shell is public: fetched without cookies, it holds nobody's page and never touches a session.
  var shell = SHELL_URLS.map(function (url) { return new Request(url, { credentials: "omit" }); });
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.addAll(shell); })
    .then(keepLayers)
    .then(function () { return self.skipWaiting(); }));
});

/* The data the map draws, kept by the worker itself as it installs: a visitor who taps a place as soon as
 * the first page has loaded leaves that page before it can hand its data over (the "keep" message), and
 * would find an empty map offline. The immutable snapshots mostly come from the browser's HTTP cache. */
function keepLayers() {
  return fetch(CATALOGUE, { headers: { Accept: "application/json" } }).then(function (response) {
    if (!response.ok) return null;
    var copy = response.clone();
    return response.json().then(function (catalogue) {
      return store(DATA, CATALOGUE, copy, MAX_DATA).then(function () {
        return keep(catalogue.layers.map(function (entry) { return entry.map_snapshot_url; }), lastLang);
      });
    });
  }).catch(function () { /* no signal now: what the pages hand over is kept as before */ });
}

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) {
      return key.indexOf("geotour-") === 0 && key !== SHELL && CACHES.indexOf(key) < 0;
    }).map(function (key) { return caches.delete(key); }));
  }).then(dropPersonal).then(function () { return self.clients.claim(); }));
});

/* Delete any personal answer an older worker kept (it stored private photos), and do so again when
 * someone signs out on this phone. */
function dropPersonal() {
  return Promise.all(CACHES.map(function (name) {
    return caches.open(name).then(function (cache) {
      return cache.keys().then(function (keys) {
        return Promise.all(keys.map(function (key) {
          return cache.match(key).then(function (saved) {
            return saved && saved.type !== "opaque" && personal(saved) ? cache.delete(key) : null;
          });
        }));
      });
    });
  })).catch(function () {});
}

/* A copy of a response that says when it was saved. */
function stamped(response) {
  return response.blob().then(function (body) {
    var headers = new Headers(response.headers);
    headers.set(SAVED_HEADER, new Date().toISOString());
    return new Response(body, { status: response.status, statusText: response.statusText, headers: headers });
  });
}

/* A saved copy handed out because the network did not answer: the page shows "saved on ...". */
function fallback(saved) {
  return saved.blob().then(function (body) {
    var headers = new Headers(saved.headers);
    headers.set(FALLBACK_HEADER, "1");
    return new Response(body, { status: saved.status, statusText: saved.statusText, headers: headers });
  });
}

function trim(cache, maxEntries) {
  return cache.keys().then(function (keys) {  // oldest first: a key written again moves to the end
    return Promise.all(keys.slice(0, Math.max(0, keys.length - maxEntries)).map(function (key) { return cache.delete(key); }));
  });
}

/* Whether the server said an answer is for one person or not to be kept (a pending photo shown to its
 * sender, a signed-in page): such answers never go into this worker's caches. */
function personal(response) {
  return /(^|[\s,])(private|no-store)([\s,=]|$)/i.test(response.headers.get("Cache-Control") || "");
}

function store(cacheName, key, response, maxEntries) {
  if (!response || !response.ok || response.type === "opaqueredirect" || personal(response)) return Promise.resolve();
  return stamped(response).then(function (copy) {
    return caches.open(cacheName).then(function (cache) {
      var write = function () {
        return cache.delete(key, { ignoreVary: true }).then(function () { return cache.put(key, copy.clone()); });
      };
      return write().catch(function () {  // over quota: tiles are the easiest to do without
        return caches.delete(TILES).then(write);
      }).then(function () {
        if (cacheName === SNAPSHOTS) return dropOlderSnapshots(cache, key);
        return maxEntries ? trim(cache, maxEntries) : null;
      });
    });
  }).catch(function () { /* could not save: the answer still reaches the page */ });
}

function snapshotKind(url) {
  var match = SNAPSHOT.exec(new URL(url, self.location.origin).pathname);
  return match ? match[1] + (match[2] || "") : null;  // layer and view
}

function dropOlderSnapshots(cache, key) {
  var url = typeof key === "string" ? new URL(key, self.location.origin).href : key.url;
  var kind = snapshotKind(url);
  return cache.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.url !== url && snapshotKind(k.url) === kind; })
      .map(function (k) { return cache.delete(k); }));
  });
}

function timeout(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms, null); }); }

/* Network first; the saved copy when the network fails, errs, or says nothing for NETWORK_TIMEOUT_MS. */
function networkFirst(event, cacheName, maxEntries, otherwise) {
  var request = event.request;
  // Data asks the server every time (a 304 is small): the browser's HTTP cache must not pass for the
  // network, or an offline phone would show saved data without saying from when.
  var fresh = request.mode === "navigate" ? fetch(request) : fetch(request, { cache: "no-cache" });
  var saving = null;
  var network = fresh.then(function (response) {
    if (response.ok) saving = store(cacheName, request, response.clone(), maxEntries);
    return response;
  });
  // Extended now, while the event is live: the answer may come after the saved copy was already given.
  event.waitUntil(network.then(function () { return saving; }).catch(function () {}));
  return caches.match(request, { cacheName: cacheName, ignoreVary: true }).then(function (saved) {
    // A page the visitor never opened, kept by "save the whole geopark".
    if (saved || cacheName !== PAGES) return saved;
    return caches.match(request, { cacheName: SAVED, ignoreVary: true }).then(function (kept) {
      return kept || caches.match(request, { cacheName: TRIP, ignoreVary: true });  // added to the trip
    });
  }).then(function (saved) {
    if (!saved) {
      return network.catch(function () { return otherwise ? otherwise() : Response.error(); });
    }
    var usable = network.then(function (r) { return r.status < 500 ? r : null; }, function () { return null; });
    return Promise.race([usable, timeout(NETWORK_TIMEOUT_MS)]).then(function (response) {
      return response || fallback(saved);
    });
  });
}

function cacheFirst(event, cacheName, maxEntries, otherwise) {
  var request = event.request;
  return caches.match(request, { cacheName: cacheName, ignoreVary: true }).then(function (saved) {
    if (saved) return saved;
    return fetch(request).then(function (response) {
      if (response.ok || response.type === "opaque") {
        if (response.type === "opaque") {
          event.waitUntil(caches.open(cacheName).then(function (cache) {
            return cache.put(request, response.clone()).then(function () { return trim(cache, maxEntries); });
          }).catch(function () {}));
        } else {
          event.waitUntil(store(cacheName, request, response.clone(), maxEntries));
        }
      }
      return response;
    }).catch(function () { return otherwise ? otherwise() : Response.error(); });
  });
}

/* Offline, a snapshot of this layer that is not saved: the newest one of the layer that is. */
function newestSnapshot(url) {
  var kind = snapshotKind(url);
  return caches.open(SNAPSHOTS).then(function (cache) {
    return cache.keys().then(function (keys) {
      var same = keys.filter(function (k) { return snapshotKind(k.url) === kind; });
      return same.length ? cache.match(same[same.length - 1]).then(fallback) : Response.error();
    });
  });
}

function pageLang(url) {
  var lang = url.searchParams.get("lang");
  return OFFLINE_PAGES[lang] ? lang : lastLang;
}

/* A page that is not saved: the same page in another form (the map without ?site=), else the offline page. */
function pageOtherwise(url) {
  return function () {
    var plain = new URL(url.href);
    plain.searchParams.delete("site");
    plain.searchParams.delete("radius_m");
    return caches.match(url.href, { ignoreVary: true }).then(function (saved) {  // the shell's copy of the map
      return saved || caches.match(plain.href, { ignoreVary: true });
    }).then(function (saved) {
      if (saved) return fallback(saved);
      return caches.match(OFFLINE_PAGES[pageLang(url)], { ignoreVary: true }).then(function (offline) {
        return offline || Response.error();
      });
    });
  };
}

function isPrivate(path) {
  return PRIVATE.some(function (prefix) { return path.indexOf(prefix) === 0; });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    if (request.destination === "image") {
      event.respondWith(caches.match(request, { cacheName: SAVED_TILES }).then(function (saved) {
        return saved || cacheFirst(event, TILES, MAX_TILES);
      }));
    }
    return;
  }
  var path = url.pathname;
  if (path.indexOf("/embed") === 0 || path === "/oembed" || path === "/sw.js") return;
  // Signed-in pages are personal: never keep them on a phone that others may use.
  if (isPrivate(path)) return;
  if (path.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request, { ignoreVary: true }).then(function (hit) {
      return hit || fetch(request);
    }));
  } else if (path.indexOf("/photos/") === 0) {
    event.respondWith(caches.match(request, { cacheName: SAVED }).then(function (saved) {
      return saved || cacheFirst(event, PHOTOS, MAX_PHOTOS);
    }));
  } else if (SNAPSHOT.test(path)) {
    event.respondWith(cacheFirst(event, SNAPSHOTS, 0, function () { return newestSnapshot(request.url); }));
  } else if (NEARBY_API.test(path)) {
    event.respondWith(networkFirst(event, NEARBY, MAX_NEARBY));
  } else if (path.indexOf("/api/") === 0) {
    if (PUBLIC_API.test(path)) event.respondWith(networkFirst(event, DATA, MAX_DATA));
  } else if (request.mode === "navigate") {
    event.respondWith(networkFirst(event, PAGES, MAX_PAGES, pageOtherwise(url)));
  }
});

/* Where a URL the page fetched belongs. */
function cacheFor(url) {
  var path = url.pathname;
  if (url.origin !== self.location.origin || isPrivate(path) || path.indexOf("/embed") === 0) return null;
  if (SNAPSHOT.test(path)) return [SNAPSHOTS, 0];
  if (NEARBY_API.test(path)) return [NEARBY, MAX_NEARBY];
  if (path.indexOf("/photos/") === 0) return [PHOTOS, MAX_PHOTOS];
  if (path.indexOf("/api/") === 0) return PUBLIC_API.test(path) ? [DATA, MAX_DATA] : null;
  if (path.indexOf("/static/") === 0) return null;
  return [PAGES, MAX_PAGES];
}

/* Keep what a page fetched before this worker controlled it (its first visit). The browser's HTTP cache
 * answers most of these fetches, so little crosses the network again. */
function keep(urls, lang, lasting) {
  return urls.reduce(function (chain, raw) {
    return chain.then(function () {
      var url = new URL(raw, self.location.origin), where = cacheFor(url);
      if (!where) return null;
      if (lasting && where[0] === PAGES) where = [TRIP, MAX_TRIP];  // a page the visitor chose to keep
      return caches.match(url.href, { cacheName: where[0], ignoreVary: true }).then(function (saved) {
        if (saved && where[0] === SNAPSHOTS) return null;  // immutable: already right
        // In the page's language: a worker's own requests may not carry the browser's Accept-Language.
        return fetch(url.href, { credentials: "same-origin", headers: { "Accept-Language": lang } }).then(function (response) {
          return store(where[0], url.href, response, where[1]);
        }).catch(function () {});
      });
    });
  }, Promise.resolve());
}

/* Keep a route's corridor tiles (the page sends them only where the tile source allows saving many), four at
 * a time; a tile already kept is not fetched again. Tile servers answer without CORS headers as often as with
 * them, so the tiles are fetched as the map's <img> would and kept opaque. */
function keepTiles(urls) {
  var queue = urls.filter(function (u) { return /^https?:/.test(u); });
  function next() {
    var url = queue.shift();
    if (!url) return Promise.resolve();
    return caches.open(SAVED_TILES).then(function (cache) {
      return cache.match(url).then(function (saved) {
        if (saved) return null;
        return fetch(url, { mode: "no-cors", credentials: "omit" }).then(function (response) {
          return response.ok || response.type === "opaque" ? cache.put(url, response) : null;
        });
      });
    }).catch(function () {}).then(next);
  }
  return Promise.all([next(), next(), next(), next()]);
}

/* "Save the whole geopark" (static/js/save-geopark.js): keep every file of the list [[url, tag], ...] in SAVED,
 * three at a time, fetching only those whose tag changed since they were kept; drop the ones no longer
 * listed. Every client hears how far it has got. A page's own language: the cookie and Accept-Language. */
function tell(message) {
  return self.clients.matchAll({ includeUncontrolled: true }).then(function (pages) {
    pages.forEach(function (page) { page.postMessage(message); });
  });
}

var saving = null;
function saveAll(files, lang) {
  if (saving) return saving;
  var queue = files.slice(), total = files.length, done = 0, fetched = 0, failed = 0, wanted = {};
  files.forEach(function (f) { wanted[new URL(f[0], self.location.origin).href] = true; });
  saving = caches.open(SAVED).then(function (cache) {
    function next() {
      var file = queue.shift();
      if (!file) return Promise.resolve();
      var url = new URL(file[0], self.location.origin).href, tag = String(file[1]);
      var step = new URL(url).origin === self.location.origin ? keepFile(cache, url, tag) : keepTile(url);
      return step.then(function (got) { if (got) fetched += 1; }, function () { failed += 1; }).then(function () {
        done += 1;
        return tell({ type: "save-geopark", state: "progress", done: done, total: total, fetched: fetched, failed: failed });
      }).then(next);
    }
    function keepFile(cache, url, tag) {
      return cache.match(url, { ignoreVary: true }).then(function (kept) {
        if (kept && kept.headers.get(TAG_HEADER) === tag) return null;
        return fetch(url, { credentials: "same-origin", headers: { "Accept-Language": lang } }).then(function (response) {
          if (!response.ok || personal(response)) throw new Error(String(response.status));
          return stamped(response).then(function (copy) {
            var headers = new Headers(copy.headers);
            headers.set(TAG_HEADER, tag);
            return copy.blob().then(function (body) {
              return cache.put(url, new Response(body, { status: copy.status, statusText: copy.statusText, headers: headers }));
            });
          }).then(function () { return true; });
        });
      });
    }
    /* A map tile (only listed where the tile source allows saving many): kept as the map's <img> asks for it. */
    function keepTile(url) {
      return caches.open(SAVED_TILES).then(function (tiles) {
        return tiles.match(url).then(function (kept) {
          if (kept) return null;
          return fetch(url, { mode: "no-cors", credentials: "omit" }).then(function (response) {
            if (!(response.ok || response.type === "opaque")) throw new Error(String(response.status));
            return tiles.put(url, response).then(function () { return true; });
          });
        });
      });
    }
    return Promise.all([next(), next(), next()]).then(function () {
      return cache.keys().then(function (keys) {
        return Promise.all(keys.filter(function (k) { return !wanted[k.url]; }).map(function (k) { return cache.delete(k); }));
      });
    });
  }).then(function () {
    return tell({ type: "save-geopark", state: "done", done: done, total: total, fetched: fetched, failed: failed });
  }, function () {
    return tell({ type: "save-geopark", state: "failed", done: done, total: total, fetched: fetched, failed: failed + (total - done) });
  }).then(function () { saving = null; });
  return saving;
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.lang && OFFLINE_PAGES[data.lang]) lastLang = data.lang;
  if (data.type === "keep" && Array.isArray(data.urls)) event.waitUntil(keep(data.urls.slice(0, 50), lastLang, !!data.lasting));
  if (data.type === "keep" && Array.isArray(data.tiles)) event.waitUntil(keepTiles(data.tiles.slice(0, MAX_SAVED_TILES)));
  if (data.type === "flush-outbox") event.waitUntil(GeotourOutbox.flush());
  if (data.type === "save-geopark" && Array.isArray(data.files)) event.waitUntil(saveAll(data.files, lastLang));
  if (data.type === "drop-geopark") event.waitUntil(Promise.all([caches.delete(SAVED), caches.delete(SAVED_TILES)]).then(function () {
    return tell({ type: "save-geopark", state: "dropped" });
  }));
  if (data.type === "signed-out") event.waitUntil(dropPersonal());
});

self.addEventListener("sync", function (event) {
  if (event.tag !== GeotourOutbox.TAG) return;
  event.waitUntil(GeotourOutbox.flush().then(function (result) {
    if (result.waiting) throw new Error("still no signal: the browser tries again later");
  }));
});
