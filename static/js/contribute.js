/* Geotour contributor pages: pick a location (tap, GPS or a photo's EXIF GPS), keep a draft on the
 * phone until it is sent, and draw the small preview maps of imports and the moderation queue.
 * Every text comes from the server's HTML or goes in with textContent/values: never innerHTML.
 * An ES module: it runs after Leaflet and exifr (deferred classic scripts before it) and the outbox. */
// The geopark's centre as the server has it (geotour/web/maps.py), from the page's <meta>.
var centreMeta = document.querySelector('meta[name="geotour-map-center"]');
var GEOPARK_CENTER = centreMeta.getAttribute("content").split(",").map(Number);

function baseMap(el, zoom) {
  var map = L.map(el, { scrollWheelZoom: false }).setView(GEOPARK_CENTER, zoom || 10);
  var tiles = el.closest("[data-tiles]").dataset.tiles;
  L.tileLayer(tiles, { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map);
  return map;
}

/* --- photos sized for the link ------------------------------------------------------------ */
var PHOTO_MAX_SIDE = 1600,
  PHOTO_MAX_BYTES = 500 * 1024,
  PHOTO_QUALITIES = [0.82, 0.72, 0.62];

function canvasBlob(canvas, quality) {
  return new Promise(function (resolve) {
    canvas.toBlob(resolve, "image/jpeg", quality);
  });
}

/* A camera photo scaled to at most 1600 px on the long side, as a JPEG of at most ~500 KB. The server
 * cleans it again (Pillow) and stays the authority; a photo the browser cannot decode goes as it is. */
function shrinkPhoto(file) {
  if (!window.createImageBitmap) return Promise.resolve(file);
  return createImageBitmap(file, { imageOrientation: "from-image" })
    .then(function (bitmap) {
      var scale = Math.min(1, PHOTO_MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      if (bitmap.close) bitmap.close();
      return PHOTO_QUALITIES.reduce(function (chain, quality) {
        return chain.then(function (blob) {
          return blob && blob.size <= PHOTO_MAX_BYTES ? blob : canvasBlob(canvas, quality);
        });
      }, Promise.resolve(null));
    })
    .then(
      function (blob) {
        return blob && blob.size < file.size ? blob : file;
      },
      function () {
        return file;
      },
    );
}

function photoGps(file) {
  if (!window.exifr) return Promise.resolve(null);
  return window.exifr.gps(file).then(
    function (gps) {
      return gps && isFinite(gps.latitude) && isFinite(gps.longitude) ? gps : null;
    },
    function () {
      return null;
    },
  );
}

/* "-7,0123" is how many phones and people write it. */
function number(value) {
  var n = parseFloat(
    String(value || "")
      .trim()
      .replace(",", "."),
  );
  return isFinite(n) ? n : null;
}

/* --- the add/edit form --------------------------------------------------------------------- */
function featureForm(form) {
  var t = window.Geotour && window.Geotour.outboxPanel ? window.Geotour.outboxPanel.strings : {};
  var lat = form.querySelector("#gt-lat"),
    lon = form.querySelector("#gt-lon");
  var status = form.querySelector("#gt-location-status");
  var photos = form.querySelector("#gt-photos");
  var sendStatus = form.querySelector("#gt-send-status");
  var map = baseMap(form.querySelector("#gt-pick-map"));
  var marker = null;
  function place(la, lo, how) {
    lat.value = la.toFixed(6);
    lon.value = lo.toFixed(6);
    if (marker) marker.setLatLng([la, lo]);
    else marker = L.marker([la, lo], { draggable: true }).addTo(map);
    marker.off("dragend").on("dragend", function () {
      var p = marker.getLatLng();
      place(p.lat, p.lng, t.placed);
    });
    map.setView([la, lo], Math.max(map.getZoom(), 15));
    status.textContent = how || "";
    saveDraft();
  }
  function fromInputs() {
    var la = number(lat.value),
      lo = number(lon.value);
    if (la !== null && lo !== null) place(la, lo, "");
  }
  map.on("click", function (e) {
    place(e.latlng.lat, e.latlng.lng, t.placed);
  });
  lat.addEventListener("change", fromInputs);
  lon.addEventListener("change", fromInputs);
  form.querySelector("#gt-use-gps").addEventListener("click", function () {
    if (!navigator.geolocation) {
      status.textContent = t.gps_failed;
      return;
    }
    status.textContent = t.locating;
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        place(
          pos.coords.latitude,
          pos.coords.longitude,
          t.from_gps.replace("__M__", Math.round(pos.coords.accuracy)),
        );
      },
      function () {
        status.textContent = t.gps_failed;
      },
      { enableHighAccuracy: true, timeout: 20000 },
    );
  });
  photos.addEventListener("change", function (event) {
    var file = event.target.files[0];
    if (!file || lat.value) return;
    photoGps(file).then(function (gps) {
      if (gps && !lat.value) place(gps.latitude, gps.longitude, t.from_photo);
    });
  });
  /* drafts: every typed value is kept on the phone until it is sent or safe in the outbox */
  var key = form.dataset.draftKey;
  function saveDraft() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.type === "hidden") return;
      data[el.name] = el.type === "checkbox" ? el.checked : el.value;
    });
    try {
      localStorage.setItem(key, JSON.stringify(data));
    } catch (e) {
      /* private mode: no draft */
    }
  }
  var saved = null;
  try {
    saved = JSON.parse(localStorage.getItem(key) || "null");
  } catch (e) {
    saved = null;
  }
  if (saved && !form.closest("main").querySelector(".gt-problems")) {
    Object.keys(saved).forEach(function (name) {
      var el = form.elements[name];
      if (!el || el.type === "file") return;
      if (el.type === "checkbox") el.checked = !!saved[name];
      else if (!el.value) el.value = saved[name];
    });
  }
  form.addEventListener("input", saveDraft);
  fromInputs();
  if (window.GeotourOutbox && window.indexedDB) sendThroughOutbox(form, t, saveDraft, sendStatus);
  else form.addEventListener("submit", saveDraft);
}

/* The form goes into the outbox on the phone (photos shrunk, as Blobs) and is sent from there: at once
 * with signal, or by itself when the signal returns. The draft is dropped once the outbox holds it. */
function sendThroughOutbox(form, t, saveDraft, sendStatus) {
  var submit = form.querySelector("button[type=submit]");
  var csrf = form.querySelector("input[name=csrf_token]").value;
  function say(text) {
    sendStatus.textContent = text;
  }
  function properties() {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || ["csrf_token", "lat", "lon", "photos"].indexOf(el.name) >= 0) return;
      out[el.name] = el.type === "checkbox" ? el.checked : el.value;
    });
    return out;
  }
  function point() {
    var la = number(form.elements.lat.value),
      lo = number(form.elements.lon.value);
    return la === null || lo === null ? null : { type: "Point", coordinates: [lo, la] };
  }
  function photosOf(files) {
    var jobs = Array.prototype.slice.call(files, 0, 5).map(function (file) {
      return shrinkPhoto(file).then(function (blob) {
        return { blob: blob, name: blob === file ? file.name : file.name.replace(/\.[^.]*$/, "") + ".jpg" };
      });
    });
    return Promise.all(jobs);
  }
  function progress(item, index, loaded, total) {
    say(
      t.sending_photo
        .replace("__I__", index + 1)
        .replace("__N__", item.photos.length)
        .replace("__P__", Math.round((100 * loaded) / Math.max(total, 1))),
    );
  }
  function finish(item, result) {
    var sent = result.sent.filter(function (i) {
      return i.id === item.id;
    })[0];
    if (sent) {
      var mine = document.querySelector(".gt-outbox").getAttribute("data-mine-url");
      window.location.assign(
        mine + (mine.indexOf("?") < 0 ? "?" : "&") + "sent=" + encodeURIComponent(sent.submission_id),
      );
      return;
    }
    submit.disabled = false;
    say("");
    return GeotourOutbox.all().then(function (list) {
      var mine = list.filter(function (i) {
        return i.id === item.id;
      })[0];
      if (mine && mine.state === "failed")
        say(
          t.failed.replace(
            "__REASON__",
            window.Geotour && window.Geotour.outboxPanel
              ? window.Geotour.outboxPanel.reason(mine)
              : mine.error || "",
          ),
        );
      else say(t.kept);
    });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    saveDraft();
    var geometry = point();
    if (!geometry) {
      say(t.no_location);
      form.querySelector("#gt-pick-map").scrollIntoView();
      return;
    }
    submit.disabled = true;
    say(t.preparing);
    var files = form.elements.photos.files;
    photosOf(files)
      .then(function (photos) {
        var props = properties();
        return GeotourOutbox.add({
          owner: form.getAttribute("data-account"),
          layer: form.getAttribute("data-layer"),
          feature_id: form.getAttribute("data-feature") || null,
          properties: props,
          geometry: geometry,
          photos: photos,
          csrf: csrf,
        });
      })
      .then(function (item) {
        try {
          localStorage.removeItem(form.dataset.draftKey);
        } catch (e) {
          /* nothing kept */
        }
        if (!navigator.onLine) return finish(item, { sent: [] });
        say(t.sending);
        return GeotourOutbox.flush({
          csrf: csrf,
          progress: progress,
          owner: form.getAttribute("data-account"),
        }).then(function (result) {
          return finish(item, result);
        });
      })
      .catch(function () {
        submit.disabled = false;
        say(t.kept);
      });
  });
}

/* --- preview maps -------------------------------------------------------------------------- */
function previewMap(el) {
  /* Rows that are ready in blue; rows with a problem in red (where their position is on the globe at all). */
  var map = baseMap(el),
    points = [];
  function draw(features, color) {
    features.forEach(function (f) {
      var c = f.geometry.coordinates;
      if (!(Math.abs(c[1]) <= 90 && Math.abs(c[0]) <= 180)) return;
      var m = L.circleMarker([c[1], c[0]], {
        radius: 7,
        color: color,
        className: "gt-preview-" + color.slice(1),
      }).addTo(map);
      var label = document.createElement("span");
      label.textContent =
        f.row +
        ". " +
        f.properties.name +
        (f.properties.problems ? " — " + f.properties.problems.join(" ") : "");
      m.bindTooltip(label);
      points.push([c[1], c[0]]);
    });
  }
  draw(JSON.parse(el.dataset.features || "[]"), "#1d4ed8");
  draw(JSON.parse(el.dataset.rejected || "[]"), "#b91c1c");
  if (points.length) map.fitBounds(points, { maxZoom: 15, padding: [20, 20] });
}

function miniMap(el) {
  var fresh = JSON.parse(el.dataset["new"] || "null"),
    old = JSON.parse(el.dataset.old || "null");
  var map = baseMap(el, 14),
    points = [];
  if (old) {
    L.circleMarker([old[1], old[0]], { radius: 8, color: "#6b7280" }).addTo(map);
    points.push([old[1], old[0]]);
  }
  if (fresh) {
    L.circleMarker([fresh[1], fresh[0]], { radius: 8, color: "#1d4ed8" }).addTo(map);
    points.push([fresh[1], fresh[0]]);
  }
  if (points.length) map.fitBounds(points, { maxZoom: 16, padding: [20, 20] });
}

function start() {
  var form = document.getElementById("gt-feature-form");
  if (form && window.L) featureForm(form);
  var preview = document.getElementById("gt-preview-map");
  if (preview) previewMap(preview);
  Array.prototype.forEach.call(document.querySelectorAll(".gt-mini-map"), miniMap);
  if (document.querySelector("[data-clear-drafts]")) {
    /* the server has it: the drafts can go */
    try {
      var own =
        "geotour-draft:" +
        document.querySelector("[data-clear-drafts]").getAttribute("data-clear-drafts") +
        ":";
      Object.keys(localStorage).forEach(function (k) {
        if (k.indexOf(own) === 0) localStorage.removeItem(k);
      });
    } catch (e) {
      /* nothing kept */
    }
  }
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
