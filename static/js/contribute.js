/* Geotour contributor pages: pick a location (tap, GPS or a photo's EXIF GPS), keep a draft on the
 * phone until it is sent, and draw the small preview maps of imports and the moderation queue.
 * Every text comes from the server's HTML or goes in with textContent/values: never innerHTML. */
(function () {
  "use strict";
  var GEOPARK_CENTER = [-7.15, 106.5];

  function baseMap(el, zoom) {
    var map = L.map(el, { scrollWheelZoom: false }).setView(GEOPARK_CENTER, zoom || 10);
    var tiles = el.closest("[data-tiles]").dataset.tiles;
    L.tileLayer(tiles, { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map);
    return map;
  }

  /* --- EXIF GPS from a JPEG, read in the browser so the point shows before sending ------------ */
  function readExifGps(buffer) {
    var view = new DataView(buffer);
    if (view.byteLength < 4 || view.getUint16(0) !== 0xffd8) return null;
    var offset = 2;
    while (offset + 4 < view.byteLength) {
      var marker = view.getUint16(offset), size = view.getUint16(offset + 2);
      if (marker === 0xffe1 && view.getUint32(offset + 4) === 0x45786966) return tiffGps(view, offset + 10);
      if ((marker & 0xff00) !== 0xff00) return null;
      offset += 2 + size;
    }
    return null;
  }
  function tiffGps(view, start) {
    var little = view.getUint16(start) === 0x4949;
    function u16(o) { return view.getUint16(start + o, little); }
    function u32(o) { return view.getUint32(start + o, little); }
    function entries(ifd) {
      var out = {}, n = u16(ifd);
      for (var i = 0; i < n; i++) { var e = ifd + 2 + i * 12; out[u16(e)] = e; }
      return out;
    }
    var ifd0 = entries(u32(4));
    if (!ifd0[0x8825]) return null;
    var gps = entries(u32(ifd0[0x8825] + 8));
    function dms(tag) {
      if (!gps[tag]) return null;
      var at = u32(gps[tag] + 8), value = 0;
      for (var i = 0; i < 3; i++) value += u32(at + i * 8) / u32(at + i * 8 + 4) / Math.pow(60, i);
      return value;
    }
    function ref(tag) { return gps[tag] ? String.fromCharCode(view.getUint8(start + gps[tag] + 8)) : ""; }
    var lat = dms(2), lon = dms(4);
    if (lat === null || lon === null || !isFinite(lat) || !isFinite(lon)) return null;
    return { lat: ref(1) === "S" ? -lat : lat, lon: ref(3) === "W" ? -lon : lon };
  }

  /* --- the add/edit form --------------------------------------------------------------------- */
  function featureForm(form) {
    var lat = form.querySelector("#gt-lat"), lon = form.querySelector("#gt-lon");
    var status = form.querySelector("#gt-location-status");
    var map = baseMap(form.querySelector("#gt-pick-map"));
    var marker = null;
    function place(la, lo, how) {
      lat.value = la.toFixed(6); lon.value = lo.toFixed(6);
      if (marker) marker.setLatLng([la, lo]); else marker = L.marker([la, lo], { draggable: true }).addTo(map);
      marker.off("dragend").on("dragend", function () { var p = marker.getLatLng(); place(p.lat, p.lng, "map"); });
      map.setView([la, lo], Math.max(map.getZoom(), 15));
      status.textContent = how;
      saveDraft();
    }
    function fromInputs() {
      var la = parseFloat(lat.value), lo = parseFloat(lon.value);
      if (isFinite(la) && isFinite(lo)) place(la, lo, "");
    }
    map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng, "\u2713"); });
    lat.addEventListener("change", fromInputs); lon.addEventListener("change", fromInputs);
    form.querySelector("#gt-use-gps").addEventListener("click", function () {
      if (!navigator.geolocation) return;
      status.textContent = "…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        place(pos.coords.latitude, pos.coords.longitude, "GPS ±" + Math.round(pos.coords.accuracy) + " m");
      }, function (err) { status.textContent = err.message; }, { enableHighAccuracy: true, timeout: 20000 });
    });
    form.querySelector("#gt-photos").addEventListener("change", function (event) {
      var file = event.target.files[0];
      if (!file || lat.value) return;
      file.slice(0, 256 * 1024).arrayBuffer().then(function (buffer) {
        var gps = null;
        try { gps = readExifGps(buffer); } catch (e) { gps = null; }
        if (gps) place(gps.lat, gps.lon, "EXIF GPS");
      });
    });
    /* drafts: every typed value is kept on the phone until the server accepts the form */
    var key = form.dataset.draftKey;
    function saveDraft() {
      var data = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.type === "file" || el.type === "hidden") return;
        data[el.name] = el.type === "checkbox" ? el.checked : el.value;
      });
      try { localStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* private mode: no draft */ }
    }
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
    if (saved && !form.closest("main").querySelector(".gt-problems")) {
      Object.keys(saved).forEach(function (name) {
        var el = form.elements[name];
        if (!el || el.type === "file") return;
        if (el.type === "checkbox") el.checked = !!saved[name]; else if (!el.value) el.value = saved[name];
      });
    }
    form.addEventListener("input", saveDraft);
    form.addEventListener("submit", saveDraft);
    fromInputs();
  }

  /* --- preview maps -------------------------------------------------------------------------- */
  function previewMap(el) {
    var features = JSON.parse(el.dataset.features || "[]");
    var map = baseMap(el);
    var points = features.map(function (f) {
      var c = f.geometry.coordinates;
      var m = L.circleMarker([c[1], c[0]], { radius: 7, color: "#1d4ed8" }).addTo(map);
      var label = document.createElement("span");
      label.textContent = f.row + ". " + f.properties.name;
      m.bindTooltip(label);
      return [c[1], c[0]];
    });
    if (points.length) map.fitBounds(points, { maxZoom: 15, padding: [20, 20] });
  }

  function miniMap(el) {
    var fresh = JSON.parse(el.dataset["new"] || "null"), old = JSON.parse(el.dataset.old || "null");
    var map = baseMap(el, 14), points = [];
    if (old) { L.circleMarker([old[1], old[0]], { radius: 8, color: "#6b7280" }).addTo(map); points.push([old[1], old[0]]); }
    if (fresh) { L.circleMarker([fresh[1], fresh[0]], { radius: 8, color: "#1d4ed8" }).addTo(map); points.push([fresh[1], fresh[0]]); }
    if (points.length) map.fitBounds(points, { maxZoom: 16, padding: [20, 20] });
  }

  function start() {
    var form = document.getElementById("gt-feature-form");
    if (form) featureForm(form);
    var preview = document.getElementById("gt-preview-map");
    if (preview) previewMap(preview);
    Array.prototype.forEach.call(document.querySelectorAll(".gt-mini-map"), miniMap);
    if (document.querySelector("[data-clear-drafts]")) {  /* the server has it: the drafts can go */
      try {
        Object.keys(localStorage).forEach(function (k) { if (k.indexOf("geotour-draft:") === 0) localStorage.removeItem(k); });
      } catch (e) { /* nothing kept */ }
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
