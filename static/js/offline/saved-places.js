/* The offline page: list the place pages the service worker saved on this phone (their titles read from
 * the saved HTML, written in with textContent). */
(function () {
  "use strict";
  var list = document.querySelector(".gt-saved-places");
  if (!list) return;
  var PLACE = /^\/(sites|msmes)\/[^/]+$/;
  var SUFFIX = / · Geotour CPUGG$/;

  function show(places) {
    list.textContent = "";
    if (!places.length) {
      var none = document.createElement("li");
      none.textContent = list.getAttribute("data-empty");
      list.appendChild(none);
      return;
    }
    places
      .sort(function (a, b) {
        return a.title.localeCompare(b.title);
      })
      .forEach(function (place) {
        var item = document.createElement("li"),
          link = document.createElement("a");
        link.href = place.url;
        link.textContent = place.title;
        item.appendChild(link);
        list.appendChild(item);
      });
  }

  function titleOf(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    return (doc.title || "").replace(SUFFIX, "").trim();
  }

  if (!window.caches) {
    show([]);
    return;
  }
  caches
    .open(list.getAttribute("data-pages-cache"))
    .then(function (cache) {
      return cache.keys().then(function (keys) {
        var seen = {};
        var places = keys.filter(function (k) {
          var path = new URL(k.url).pathname;
          if (!PLACE.test(path) || seen[path]) return false;
          seen[path] = true;
          return true;
        });
        return Promise.all(
          places.map(function (k) {
            return cache
              .match(k)
              .then(function (r) {
                return r.text();
              })
              .then(function (html) {
                return { url: k.url, title: titleOf(html) || new URL(k.url).pathname };
              });
          }),
        );
      });
    })
    .then(show, function () {
      show([]);
    });
})();
