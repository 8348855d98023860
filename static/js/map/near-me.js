/* "Near me" on the overview: what the locate control finds is sent to /api/v1/nearby, or worked out from the
 * places saved on the phone when there is no signal. Loaded with the map's other modules once the first
 * markers are drawn (Geotour.prototype.more in static/js/geotour-map.js). */
const { Geotour, el, position } = window.Geotour.lib; // geotour-map.js

/* "Near me": when the locate control finds the visitor, list the nearest attractions and businesses in a
 * bottom sheet, grouped, each with distance and direction; and zoom so the nearest few are on screen. */
function nearMeGroups(cfg) {
  // cfg.near_me: how far and how many of each kind (tourist.NEAR_ME)
  return ["attraction", "msme"].map(function (kind) {
    return {
      kind: kind,
      radius: cfg.near_me[kind].radius_m,
      limit: cfg.near_me[kind].limit,
      title: kind === "msme" ? "near_me_businesses" : "near_me_attractions",
    };
  });
}

Geotour.prototype.layersOf = function (kind) {
  return this.cfg.layers
    .filter(function (l) {
      return l.kind === kind;
    })
    .map(function (l) {
      return l.id;
    })
    .join(",");
};

Geotour.prototype.fetchNearMe = function (latlng) {
  var self = this,
    at = "lat=" + latlng.lat.toFixed(6) + "&lon=" + latlng.lng.toFixed(6);
  return Promise.all(
    nearMeGroups(this.cfg).map(function (g) {
      return self
        .fetchJSON(
          self.cfg.api +
            "/nearby?" +
            at +
            "&layers=" +
            self.layersOf(g.kind) +
            "&radius_m=" +
            g.radius +
            "&limit=" +
            g.limit,
        )
        .then(function (data) {
          return data.features;
        });
    }),
  ).then(function (lists) {
    return { at: [latlng.lat, latlng.lng], groups: lists };
  });
};

Geotour.prototype.showNearMe = function (latlng) {
  var sheet = document.querySelector(".gt-sheet"),
    self = this;
  if (!sheet || (this.lastNearMe && this.lastNearMe.distanceTo(latlng) < 200)) return;
  this.lastNearMe = latlng;
  var page = window.Geotour.page; // the app's pages keep the last answer on the phone; embeds keep nothing
  this.fetchNearMe(latlng)
    .then(
      function (data) {
        if (page) page.rememberNearMe(data);
        return data;
      },
      function (error) {
        // No signal: the places saved on this map, else the last "near me" answer with when it was made.
        if (self.places.length) {
          return {
            saved: true,
            groups: nearMeGroups(self.cfg).map(function (g) {
              return self.nearestSaved(latlng, g.kind, g.radius, g.limit);
            }),
          };
        }
        var kept = page && page.lastNearMe();
        if (!kept || !kept.data.groups) throw error;
        page.saved(kept.at, true);
        return kept.data;
      },
    )
    .then(function (data) {
      self.renderNearMe(sheet, data);
      var points = [[latlng.lat, latlng.lng]];
      data.groups.forEach(function (features) {
        features.slice(0, 3).forEach(function (f) {
          points.push([f.geometry.coordinates[1], f.geometry.coordinates[0]]);
        });
      });
      // The visitor and the nearest few on screen, above the sheet: never a 200 m view of nothing.
      if (points.length > 1) {
        self.map.fitBounds(points, {
          paddingTopLeft: [40, 40],
          paddingBottomRight: [40, Math.min(sheet.offsetHeight, self.map.getSize().y / 2) + 20],
          maxZoom: 16,
          animate: false,
        });
      } else {
        self.map.setView(latlng, 13, { animate: false });
      }
    })
    .catch(function () {
      self.showStatus(self.t.load_failed);
    });
};

Geotour.prototype.renderNearMe = function (sheet, data) {
  var self = this;
  sheet.textContent = "";
  var close = el("button", { type: "button", class: "gt-sheet__close", "aria-label": this.t.close }, "×");
  close.addEventListener("click", function () {
    sheet.hidden = true;
  });
  sheet.appendChild(close);
  sheet.appendChild(el("h2", { class: "gt-sheet__title" }, this.t.near_me));
  if (data.saved) sheet.appendChild(el("p", { class: "gt-sheet__saved" }, this.t.from_saved));
  var total = 0;
  nearMeGroups(this.cfg).forEach(function (g, index) {
    var features = data.groups[index] || [];
    total += features.length;
    if (!features.length) return;
    sheet.appendChild(el("h3", { class: "gt-sheet__group" }, self.t[g.title]));
    var list = el("ul", { class: "gt-sheet__list gt-sheet__list--" + g.kind });
    features.forEach(function (f) {
      var props = f.properties,
        s = self.styleFor(props),
        item = el("li", {});
      item.appendChild(el("a", { href: self.pageUrl(props) }, props.name));
      var meta =
        " · " +
        (s.categoryTitle || s.layerTitle) +
        " · " +
        self.distanceText(props.distance_m, position(props).approximate);
      if (typeof props.bearing_deg === "number") meta += " " + ARROWS[Math.round(props.bearing_deg / 45) % 8];
      item.appendChild(document.createTextNode(meta + " "));
      if (props.sample) item.appendChild(el("span", { class: "gt-tag" }, self.t.sample));
      var badge = self.badge(props);
      if (badge) item.appendChild(badge);
      list.appendChild(item);
    });
    sheet.appendChild(list);
  });
  if (!total) sheet.appendChild(el("p", {}, this.t.near_me_none));
  sheet.hidden = false;
};

var ARROWS = ["↑", "↗", "→", "↘", "↓", "↙", "←", "↖"];
