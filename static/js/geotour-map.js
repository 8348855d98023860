/* Geotour map behaviour: fetch layers from /api/v1 asynchronously and fill the groups Folium made.
 * Every string from data goes into the page through textContent or setAttribute, never as HTML. */
(function () {
  "use strict";

  var NEAR_ME_RADIUS_M = 5000;
  var ALLOWED_LINK = /^(https:\/\/|http:\/\/|tel:|geo:|\/)/;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (attrs[name] !== null && attrs[name] !== undefined) node.setAttribute(name, attrs[name]);
    });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function safeHref(url) {
    return typeof url === "string" && ALLOWED_LINK.test(url) ? url : null;
  }

  function Geotour(map, cfg, groups) {
    this.map = map;
    this.cfg = cfg;
    this.groups = groups;
    this.t = cfg.t;
    this.layers = {};
    this.markers = {};
    this.fetched = [];
    cfg.layers.forEach(function (layer) { this.layers[layer.id] = layer; }, this);
    this.numberFormat = new Intl.NumberFormat(cfg.lang === "en" ? "en" : "id", { maximumFractionDigits: 1 });
    this.status = document.querySelector(".gt-status");
    // Embedded on another site, details open in a new tab; a sandboxed frame (origin "null") may not
    // open one, so there they open in the frame itself.
    this.linkTarget = cfg.embed && window.origin !== "null" ? "_blank" : null;
  }

  Geotour.prototype.langQuery = function () {
    return this.cfg.lang && this.cfg.lang !== "id" ? "?lang=" + encodeURIComponent(this.cfg.lang) : "";
  };

  Geotour.prototype.formatDistance = function (metres) {
    if (metres < 1000) return Math.round(metres >= 100 ? metres / 10 : metres) * (metres >= 100 ? 10 : 1) + " m";
    var km = metres / 1000;
    return this.numberFormat.format(km >= 10 ? Math.round(km) : Math.round(km * 10) / 10) + " km";
  };

  Geotour.prototype.showStatus = function (message, retry) {
    if (!this.status) return;
    this.status.textContent = message;
    if (retry) {
      var button = el("button", { type: "button", "class": "gt-btn" }, this.t.retry);
      button.addEventListener("click", retry);
      this.status.appendChild(document.createTextNode(" "));
      this.status.appendChild(button);
    }
    this.status.hidden = false;
  };

  Geotour.prototype.fetchJSON = function (url) {
    var self = this;
    return fetch(url, { headers: { Accept: "application/geo+json, application/json" } }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status + " for " + url);
      self.fetched.push(r.url || url);
      // A saved copy the service worker gave because the network did not answer: say from when.
      if (r.headers.get(self.cfg.offline.fallback_header) && window.GeotourPage) {
        window.GeotourPage.saved(r.headers.get(self.cfg.offline.saved_header), true);
      }
      return r.json();
    });
  };

  /* Follow `next` links until the whole layer is in. */
  Geotour.prototype.fetchAll = function (url, features) {
    var self = this;
    features = features || [];
    return this.fetchJSON(url).then(function (page) {
      features.push.apply(features, page.features || []);
      var next = (page.links || []).filter(function (l) { return l.rel === "next"; })[0];
      return next ? self.fetchAll(next.href, features) : features;
    });
  };

  Geotour.prototype.styleFor = function (props) {
    var layer = this.layers[props.layer] || { color: "#374151", glyph: "", categories: {} };
    var category = layer.categories[props.category];
    return {
      color: category ? category.color : layer.color,
      glyph: category ? category.glyph : layer.glyph,
      layerTitle: layer.title,
      categoryTitle: category ? category.title : "",
      kind: layer.kind
    };
  };

  Geotour.prototype.icon = function (style, focus) {
    var pin = el("span", { "class": "gt-pin" + (focus ? " gt-pin--focus" : "") }, style.glyph);
    pin.style.background = style.color;
    return L.divIcon({ html: pin, className: "gt-pin-wrap", iconSize: focus ? [40, 40] : [30, 30],
      iconAnchor: focus ? [20, 20] : [15, 15], popupAnchor: [0, -14] });
  };

  Geotour.prototype.pageUrl = function (props) {
    var base = this.styleFor(props).kind === "msme" ? this.cfg.pages.msme : this.cfg.pages.site;
    return base + encodeURIComponent(props.id) + this.langQuery();
  };

  Geotour.prototype.localized = function (props, name) {
    var other = this.cfg.lang === "en" ? "id" : "en";
    return props[name + "_" + this.cfg.lang] || props[name + "_" + other] || "";
  };

  Geotour.prototype.shortText = function (text, max) {
    if (text.length <= max) return text;
    var cut = text.slice(0, max);
    return cut.slice(0, Math.max(cut.lastIndexOf(" "), max - 20)) + "…";
  };

  /* International digits of a phone number (0812… becomes 62812…), as geotour/contact.py does; or null. */
  function phoneDigits(number) {
    var digits = String(number || "").replace(/\D/g, "").replace(/^0/, "62");
    return digits.length >= 8 && digits.length <= 15 ? digits : null;
  }

  Geotour.prototype.contactLinks = function (props) {
    var box = el("p", { "class": "gt-popup__actions" });
    var wa = phoneDigits(props.whatsapp), tel = phoneDigits(props.phone);
    if (wa) {
      var text = this.t.whatsapp_message.replace("__NAME__", props.name);
      box.appendChild(el("a", { "class": "gt-btn gt-btn--wa", href: "https://wa.me/" + wa + "?text=" + encodeURIComponent(text),
        target: "_blank", rel: "noopener" }, this.t.whatsapp));
    }
    if (tel) box.appendChild(el("a", { "class": "gt-btn", href: "tel:+" + tel }, this.t.call));
    return box;
  };

  Geotour.prototype.popupContent = function (feature) {
    var props = feature.properties, style = this.styleFor(props), self = this;
    var root = el("div", { "class": "gt-popup" });
    var photo = safeHref(props.photo);
    if (photo) root.appendChild(el("img", { "class": "gt-popup__photo", src: photo, alt: props.name, loading: "lazy" }));
    root.appendChild(el("h2", { "class": "gt-popup__name" }, props.name));
    root.appendChild(el("p", { "class": "gt-popup__type" }, style.layerTitle + (style.categoryTitle ? " · " + style.categoryTitle : "")));
    var description = this.shortText(this.localized(props, "description"), 180);
    if (description) root.appendChild(el("p", { "class": "gt-popup__desc" }, description));
    if (props.sample) root.appendChild(el("p", { "class": "gt-tag" }, this.t.sample));
    if (style.kind === "msme") {
      if (props.opening_hours) root.appendChild(el("p", { "class": "gt-popup__hours" }, this.t.hours + ": " + props.opening_hours));
      root.appendChild(this.contactLinks(props));
    }
    var nearbyTitle = style.kind === "msme" ? this.t.nearby_sites : this.t.nearby_msmes;
    root.appendChild(el("h3", { "class": "gt-popup__sub" }, nearbyTitle));
    var list = el("ul", { "class": "gt-popup__nearby", "aria-live": "polite" });
    list.appendChild(el("li", {}, this.t.loading));
    root.appendChild(list);
    root.appendChild(el("a", { "class": "gt-btn gt-btn--primary", href: this.pageUrl(props), target: this.linkTarget,
      rel: this.linkTarget ? "noopener" : null }, this.t.details));
    root._fillNearby = function (done) { self.fillNearby(list, props, style.kind === "msme" ? 20000 : 3000, done); };
    return root;
  };

  /* The 3 nearest are fetched only when the popup opens, then kept. */
  Geotour.prototype.fillNearby = function (list, props, radius, done) {
    if (list.getAttribute("data-loaded")) return;
    var self = this;
    var url = this.cfg.api + "/features/" + encodeURIComponent(props.id) + "/nearby?limit=3&radius_m=" + radius;
    this.fetchJSON(url).then(function (data) {
      list.textContent = "";
      list.setAttribute("data-loaded", "1");
      if (!data.features.length) list.appendChild(el("li", {}, self.t.none_nearby));
      data.features.forEach(function (f) {
        var item = el("li", {});
        item.appendChild(el("a", { href: self.pageUrl(f.properties) }, f.properties.name));
        var s = self.styleFor(f.properties);
        item.appendChild(document.createTextNode(" · " + (s.categoryTitle || s.layerTitle) + " · " + self.formatDistance(f.properties.distance_m)));
        list.appendChild(item);
      });
      if (done) done();
    }).catch(function () {
      list.textContent = "";
      list.appendChild(el("li", {}, self.t.load_failed));
      if (done) done();
    });
  };

  Geotour.prototype.marker = function (feature, focus) {
    var c = feature.geometry.coordinates, props = feature.properties;
    var marker = L.marker([c[1], c[0]], { icon: this.icon(this.styleFor(props), focus), title: props.name,
      zIndexOffset: focus ? 1000 : 0,
      alt: props.name, keyboard: true, riseOnHover: true });
    var self = this;
    marker.bindPopup(function () {
      marker._gtContent = marker._gtContent || self.popupContent(feature);
      return marker._gtContent;
    }, { maxWidth: Math.min(320, window.innerWidth - 150), minWidth: Math.min(220, window.innerWidth - 150),
      autoPanPaddingTopLeft: [58, 12], autoPanPaddingBottomRight: [58, 28], className: "gt-leaflet-popup" });
    marker.on("popupopen", function (event) {
      // The popup grows when the list arrives: update() re-measures it and pans it back on screen.
      marker._gtContent._fillNearby(function () { if (event.popup.isOpen()) event.popup.update(); });
    });
    this.markers[props.id] = marker;
    return marker;
  };

  Geotour.prototype.groupKey = function (props) {
    var key = props.layer + ":" + props.category;
    return this.groups[key] ? key : props.layer;
  };

  Geotour.prototype.addFeatures = function (features) {
    var buckets = {}, self = this;
    features.forEach(function (f) {
      var key = self.groupKey(f.properties);
      if (!self.groups[key]) return;
      var marker = self.marker(f, false);
      marker._gtGroup = self.groups[key];
      (buckets[key] = buckets[key] || []).push(marker);
    });
    Object.keys(buckets).forEach(function (key) {
      var group = self.groups[key];
      if (group.addLayers) group.addLayers(buckets[key]); else buckets[key].forEach(function (m) { group.addLayer(m); });
    });
  };

  /* Add markers a few dozen at a time, yielding between slices, so a slow phone never freezes. */
  Geotour.prototype.addFeaturesGradually = function (features) {
    var self = this, size = 10;
    return new Promise(function (resolve) {
      (function next(start) {
        self.addFeatures(features.slice(start, start + size));
        if (start + size < features.length) setTimeout(function () { next(start + size); }, 0);
        else resolve();
      })(0);
    });
  };

  /* The layer catalogue names an immutable snapshot of each layer's data: fetched once, kept offline. */
  Geotour.prototype.loadCatalogue = function () {
    var self = this;
    return this.fetchJSON(this.cfg.api + "/layers").then(function (catalogue) {
      self.snapshots = {};
      catalogue.layers.forEach(function (entry) { self.snapshots[entry.id] = entry.map_snapshot_url; });
    });
  };

  Geotour.prototype.loadSnapshot = function (layerId) {
    return this.fetchJSON(this.snapshots[layerId]).then(function (collection) { return collection.features || []; });
  };

  Geotour.prototype.loadBoundary = function () {
    var layer = this.layers.boundary, group = this.groups.boundary;
    if (!layer || !group || !this.snapshots.boundary) return Promise.resolve();
    return this.loadSnapshot("boundary").then(function (features) {
      L.geoJSON({ type: "FeatureCollection", features: features }, {
        style: { color: layer.color, weight: 2, fill: false, dashArray: "6 4" }, interactive: false
      }).addTo(group);
    });
  };

  /* Village names: with no map tiles (no signal), they and the boundary still tell a visitor where they are. */
  Geotour.prototype.loadVillages = function () {
    var group = this.groups.villages, map = this.map;
    if (!group || !this.snapshots.villages) return Promise.resolve();
    return this.loadSnapshot("villages").then(function (features) {
      features.forEach(function (f) {
        var c = f.geometry.coordinates;
        L.circleMarker([c[1], c[0]], { radius: 2, weight: 1, color: "#57534e", fillOpacity: 1, interactive: false })
          .bindTooltip(String(f.properties.name || ""), { permanent: true, direction: "right", offset: [3, 0],
            className: "gt-village-label", interactive: false }).addTo(group);
      });
      function labels() { map.getContainer().classList.toggle("gt-map--village-names", map.getZoom() >= 11); }
      map.on("zoomend", labels);
      labels();
    });
  };

  Geotour.prototype.loadOverview = function () {
    var self = this;
    var groupKeys = Object.keys(this.groups);
    return this.loadCatalogue().then(function () {
      var jobs = self.cfg.layers.filter(function (l) {
        // Fetch only the place layers that have a group on this map (an embed may show just some of them).
        if (l.kind !== "attraction" && l.kind !== "msme") return false;
        return groupKeys.some(function (key) { return key === l.id || key.indexOf(l.id + ":") === 0; });
      }).map(function (layer) {
        return self.loadSnapshot(layer.id).then(function (features) { return self.addFeaturesGradually(features); });
      });
      jobs.push(self.loadBoundary(), self.loadVillages());
      return Promise.all(jobs);
    });
  };

  Geotour.prototype.loadFocus = function () {
    var self = this, focus = this.cfg.focus;
    var origin = { type: "Feature", id: focus.id, geometry: { type: "Point", coordinates: [focus.lon, focus.lat] },
      properties: { id: focus.id, name: focus.name, layer: focus.layer, category: focus.category } };
    this.focusMarker = this.marker(origin, true).addTo(this.map);
    return this.fetchJSON(focus.nearby_url).then(function (data) {
      self.addFeatures(data.features);
      var points = data.features.map(function (f) { return [f.geometry.coordinates[1], f.geometry.coordinates[0]]; });
      points.push([focus.lat, focus.lon]);
      // No animation: the first view is where the page starts, and the map is "ready" only when it stands still.
      if (points.length > 1) self.map.fitBounds(points, { padding: [24, 24], maxZoom: 15, animate: false });
    });
  };

  /* Open one place's popup, zooming through clusters to it: used by ?site=<id> links and QR codes. */
  Geotour.prototype.openPlace = function (id) {
    var marker = this.markers[id];
    if (!marker) return false;
    var group = marker._gtGroup, parent = group && group.getParentGroup ? group.getParentGroup() : null;
    if (parent && parent.zoomToShowLayer) {
      parent.zoomToShowLayer(marker, function () { marker.openPopup(); });
    } else {
      this.map.setView(marker.getLatLng(), Math.max(this.map.getZoom(), 14));
      marker.openPopup();
    }
    return true;
  };

  /* "Near me": when the locate control finds the visitor, list the closest places in a bottom sheet. */
  Geotour.prototype.showNearMe = function (latlng) {
    var sheet = document.querySelector(".gt-sheet"), self = this;
    if (!sheet || (this.lastNearMe && this.lastNearMe.distanceTo(latlng) < 200)) return;
    this.lastNearMe = latlng;
    var url = this.cfg.api + "/nearby?lat=" + latlng.lat.toFixed(6) + "&lon=" + latlng.lng.toFixed(6) +
      "&radius_m=" + NEAR_ME_RADIUS_M + "&limit=5";
    var page = window.GeotourPage;  // the app's pages keep the last answer on the phone; embeds keep nothing
    this.fetchJSON(url).then(function (data) {
      if (page) page.rememberNearMe(data);
      return data;
    }, function (error) {
      var kept = page && page.lastNearMe();  // no signal: the last "near me" answer, with when it was made
      if (!kept) throw error;
      page.saved(kept.at, true);
      return kept.data;
    }).then(function (data) {
      sheet.textContent = "";
      var close = el("button", { type: "button", "class": "gt-sheet__close", "aria-label": self.t.close }, "×");
      close.addEventListener("click", function () { sheet.hidden = true; });
      sheet.appendChild(close);
      sheet.appendChild(el("h2", { "class": "gt-sheet__title" }, self.t.near_me));
      var list = el("ul", { "class": "gt-sheet__list" });
      data.features.forEach(function (f) {
        var item = el("li", {}), s = self.styleFor(f.properties);
        item.appendChild(el("a", { href: self.pageUrl(f.properties) }, f.properties.name));
        item.appendChild(document.createTextNode(" · " + (s.categoryTitle || s.layerTitle) + " · " +
          self.formatDistance(f.properties.distance_m)));
        list.appendChild(item);
      });
      if (!data.features.length) list.appendChild(el("li", {}, self.t.near_me_none));
      sheet.appendChild(list);
      sheet.hidden = false;
    }).catch(function () { self.showStatus(self.t.load_failed); });
  };

  Geotour.prototype.start = function () {
    var self = this;
    Object.keys(this.groups).forEach(function (key) { self.groups[key].clearLayers(); });
    if (this.focusMarker) this.focusMarker.remove();
    var job = this.cfg.mode === "focus" ? this.loadFocus() : this.loadOverview();
    job.then(function () {
      if (window.GeotourPage) window.GeotourPage.keep(self.fetched);
      if (self.status) self.status.hidden = true;
      var wanted = new URLSearchParams(window.location.search).get("site");
      if (wanted && self.cfg.mode === "overview") self.openPlace(wanted);
      self.map.getContainer().setAttribute("data-geotour-ready", "1");
    }).catch(function (error) {
      if (window.console) console.error("Geotour: map data failed to load:", error);
      self.showStatus(self.t.load_failed, function () { self.status.hidden = true; self.start(); });
    });
  };

  /* Leaflet's own controls speak English; give them the page's language. */
  function translateControls(map, t) {
    var root = map.getContainer();
    [[".leaflet-control-zoom-in", t.zoom_in], [".leaflet-control-zoom-out", t.zoom_out],
     [".leaflet-control-layers-toggle", t.layers]].forEach(function (pair) {
      var node = root.querySelector(pair[0]);
      if (node) { node.title = pair[1]; node.setAttribute("aria-label", pair[1]); }
    });
    map.on("popupopen", function (event) {
      var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close) { close.title = t.close; close.setAttribute("aria-label", t.close); }
    });
  }

  window.Geotour = {
    mount: function (map, cfg, groups) {
      var app = new Geotour(map, cfg, groups);
      translateControls(map, cfg.t);
      document.addEventListener("geotour:online", function () { app.start(); });  // refresh saved data
      map.on("locationerror", function () { app.showStatus(app.t.locate_failed); });
      if (cfg.mode === "overview") map.on("locationfound", function (event) { app.showNearMe(event.latlng); });
      if (cfg.embed && window.parent !== window) {
        // Tell the embed builder (or any host page) where the map is, so its snippet can keep the view.
        map.on("moveend", function () {
          var c = map.getCenter();
          window.parent.postMessage({ type: "geotour:view", lat: +c.lat.toFixed(5), lon: +c.lng.toFixed(5),
            zoom: map.getZoom() }, "*");
        });
      }
      app.start();
      return app;
    }
  };
})();
