/* What the overview draws over its places once they are up: routes, events and village names. Loaded with
 * the map's other modules once the first markers are drawn (Geotour.prototype.more in
 * static/js/geotour-map.js). Every text goes in as text. */
const { Geotour, el } = window.Geotour.lib; // geotour-map.js

/* Routes: lines from site to site. A route known only by its stops is dashed, and its popup says the path is
 * not mapped; every text goes in as text. Fetched and drawn once the markers are up and the phone is idle,
 * so the first screen never waits for them. */
function idle() {
  return new Promise(function (resolve) {
    if (window.requestIdleCallback) window.requestIdleCallback(resolve, { timeout: 2000 });
    else setTimeout(resolve, 200);
  });
}

Geotour.prototype.loadRoutes = function () {
  var self = this,
    group = this.groups.routes,
    ids = this.cfg.route_layers || [];
  if (!group || !ids.length) return Promise.resolve();
  return idle().then(function () {
    return self.drawRoutes(group, ids);
  });
};

Geotour.prototype.drawRoutes = function (group, ids) {
  var self = this;
  return Promise.all(
    ids
      .filter(function (id) {
        return self.snapshots[id];
      })
      .map(function (id) {
        var layer = self.layers[id];
        return self.loadSnapshot(id).then(function (features) {
          L.geoJSON(
            { type: "FeatureCollection", features: features },
            {
              style: function (feature) {
                var recorded = feature.properties.track === "recorded";
                return { color: layer.color, weight: 4, opacity: 0.85, dashArray: recorded ? null : "8 8" };
              },
              onEachFeature: function (feature, line) {
                line.bindPopup(function () {
                  return self.routePopup(feature);
                });
              },
            },
          ).addTo(group);
        });
      }),
  );
};

/* Events: a dot for each one not yet over, by the phone's clock (a saved map drops them as they end, offline
 * too); its popup says when, in WIB, and links to its page. Drawn after the routes, once the phone is idle. */
var WIB_TIME = {
  timeZone: "Asia/Jakarta",
  weekday: "short",
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
};

Geotour.prototype.loadEvents = function () {
  var self = this,
    group = this.groups.events,
    ids = (this.cfg.event_layers || []).filter(function (id) {
      return self.snapshots[id];
    });
  if (!group || !ids.length) return Promise.resolve();
  return idle().then(function () {
    return Promise.all(
      ids.map(function (id) {
        return self.loadSnapshot(id).then(function (features) {
          self.drawEvents(group, self.layers[id], features);
        });
      }),
    );
  });
};

Geotour.prototype.drawEvents = function (group, layer, features) {
  var self = this,
    now = Date.now();
  features.forEach(function (feature) {
    var props = feature.properties,
      c = feature.geometry && feature.geometry.coordinates;
    if (!c || !(Date.parse(props.ends) >= now)) return; // over, or no time to read: off the map
    var style = (layer.categories && layer.categories[props.category]) || layer;
    L.circleMarker([c[1], c[0]], {
      radius: 9,
      weight: 3,
      color: "#fff",
      fillColor: style.color,
      fillOpacity: 1,
    })
      .bindPopup(function () {
        return self.eventPopup(feature);
      })
      .addTo(group);
  });
};

Geotour.prototype.eventPopup = function (feature) {
  var props = feature.properties,
    root = el("div", { class: "gt-popup" }),
    lang = this.cfg.lang === "en" ? "en-GB" : "id-ID";
  root.appendChild(el("strong", {}, (this.cfg.lang === "en" && props.name_en) || props.name));
  var when = [props.starts, props.ends].map(function (t) {
    return new Intl.DateTimeFormat(lang, WIB_TIME).format(new Date(Date.parse(t)));
  });
  root.appendChild(el("p", {}, when.join(" – ") + " WIB"));
  var url = this.cfg.pages.event + encodeURIComponent(feature.id);
  var link = el("a", { href: url }, this.t.event_see);
  root.appendChild(el("p", {}, "")).appendChild(link);
  if (!this.cfg.embed && this.tripButton) {
    // "+ My trip", as on the event's page (a past event is off the map: geotour/domain/events.py)
    var name = (this.cfg.lang === "en" && props.name_en) || props.name;
    root.appendChild(el("p", {}, "")).appendChild(this.tripButton(feature.id, "event", name, url));
  }
  return root;
};

Geotour.prototype.routePopup = function (feature) {
  var props = feature.properties,
    root = el("div", { class: "gt-popup" });
  root.appendChild(el("strong", {}, (this.cfg.lang === "en" && props.name_en) || props.name));
  if (props.track !== "recorded") root.appendChild(el("p", {}, this.t.route_stops_only));
  var link = el("a", { href: this.cfg.pages.route + encodeURIComponent(feature.id) }, this.t.route_see);
  root.appendChild(el("p", {}, "")).appendChild(link);
  var name = (this.cfg.lang === "en" && props.name_en) || props.name;
  if (!this.cfg.embed)
    root.appendChild(this.tripButton(feature.id, "route", name, link.getAttribute("href")));
  return root;
};

/* Village names: with no map tiles (no signal), they and the boundary still tell a visitor where they are.
 * Their labels are made the first time the map is zoomed in far enough to show them (zoom 11): 74 labels
 * that Leaflet places again at every zoom cost a slow phone seconds while the map first draws. */
Geotour.prototype.loadVillages = function () {
  var group = this.groups.villages,
    map = this.map;
  if (!group || !this.snapshots.villages) return Promise.resolve();
  return this.loadSnapshot("villages").then(function (features) {
    var dots = features.map(function (f) {
        var c = f.geometry.coordinates;
        return L.circleMarker([c[1], c[0]], {
          radius: 2,
          weight: 1,
          color: "#57534e",
          fillOpacity: 1,
          interactive: false,
        }).addTo(group);
      }),
      labelled = false;
    function labels() {
      var near = map.getZoom() >= 11;
      if (near && !labelled) {
        labelled = true;
        dots.forEach(function (dot, i) {
          dot.bindTooltip(String(features[i].properties.name || ""), {
            permanent: true,
            direction: "right",
            offset: [3, 0],
            className: "gt-village-label",
            interactive: false,
          });
        });
      }
      map.getContainer().classList.toggle("gt-map--village-names", near);
    }
    map.on("zoomend", labels);
    labels();
  });
};
