/* Geotour map behaviour: fetch layers from /api/v1 asynchronously and fill the groups Folium made.
 * Every string from data goes into the page through textContent or setAttribute, never as HTML.
 * An ES module; Folium's map script reaches it through its one global, window.Geotour.mount. */
import { formatDistance, geodesic, bearing } from "geotour/distance";
import { fold, score, plainName } from "geotour/search";
import { bindForm, writeState } from "geotour/place-search";
import { count, searchResult } from "geotour/count";

var ALLOWED_LINK = /^(https:\/\/|http:\/\/|tel:|geo:|\/)/;
// Markers are made in slices of this many milliseconds of work, so that no task blocks a phone for long
// (a long task is 50 ms; Lighthouse counts a slow phone as 4× this machine).
var SLICE_MS = 8;

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
  this.places = []; // every place on the map, for the search box and the offline "nearby" list
  this.fetched = [];
  cfg.layers.forEach(function (layer) {
    this.layers[layer.id] = layer;
  }, this);
  this.status = document.querySelector(".gt-status");
  // Embedded on another site, a place's details open in the frame itself (/embed/places/<id>): a sandboxed
  // frame may open no new tab (static/js/embed.js handles the links that must leave the frame).
  this.linkTarget = null;
}

Geotour.prototype.langQuery = function () {
  return this.cfg.lang && this.cfg.lang !== "id" ? "?lang=" + encodeURIComponent(this.cfg.lang) : "";
};

/* A distance said as the server's i18n.format_distance says it (lib/distance.js, cfg.distance). */
Geotour.prototype.formatDistance = function (metres) {
  return formatDistance(metres, this.cfg.distance);
};

Geotour.prototype.showStatus = function (message, retry) {
  if (!this.status) return;
  this.status.classList.remove("gt-status--loading");
  this.status.textContent = message;
  if (retry) {
    var button = el("button", { type: "button", class: "gt-btn" }, this.t.retry);
    button.addEventListener("click", retry);
    this.status.appendChild(document.createTextNode(" "));
    this.status.appendChild(button);
  }
  this.status.hidden = false;
};

/* `plain`: ask as the page's <link rel="preload"> did (no headers of our own), so that the browser hands
 * over the answer it already has instead of asking again. */
Geotour.prototype.fetchJSON = function (url, plain) {
  var self = this;
  return fetch(url, plain ? {} : { headers: { Accept: "application/geo+json, application/json" } }).then(
    function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status + " for " + url);
      self.fetched.push(r.url || url);
      // A saved copy the service worker gave because the network did not answer, or a snapshot it keeps
      // (cache first) while the phone is offline: say from when.
      var fallback = !!r.headers.get(self.cfg.offline.fallback_header),
        at = r.headers.get(self.cfg.offline.saved_header);
      if (GEOTOUR.page && at && (fallback || !navigator.onLine)) GEOTOUR.page.saved(at, fallback);
      return r.json();
    },
  );
};

/* Follow `next` links until the whole layer is in. */
Geotour.prototype.fetchAll = function (url, features) {
  var self = this;
  features = features || [];
  return this.fetchJSON(url).then(function (page) {
    features.push.apply(features, page.features || []);
    var next = (page.links || []).filter(function (l) {
      return l.rel === "next";
    })[0];
    return next ? self.fetchAll(next.href, features) : features;
  });
};

/* The attraction type (waterfall, beach...) of a site, from its layer and category; null for a business. */
Geotour.prototype.typeOf = function (props) {
  var pair = props.layer + ":" + props.category,
    any = props.layer + ":*";
  return (
    (this.cfg.types || []).filter(function (t) {
      return t.categories.indexOf(pair) >= 0 || t.categories.indexOf(any) >= 0;
    })[0] || null
  );
};

Geotour.prototype.styleFor = function (props) {
  var layer = this.layers[props.layer] || { color: "#374151", glyph: "", categories: {} };
  var category = layer.categories[props.category];
  var type = layer.kind === "attraction" ? this.typeOf(props) : null,
    look = type || category || layer;
  return {
    color: look.color,
    glyph: look.glyph,
    icon: look.icon || "",
    type: type ? type.id : props.category || "",
    layerTitle: layer.title,
    categoryTitle: category ? category.title : "",
    kind: layer.kind,
  };
};

/* How far a point can be trusted: approximate (with its uncertainty in metres), verified on site, or exact. */
function position(props) {
  var approximate = props.coord_confidence === "estimated";
  return {
    approximate: approximate,
    verified: props.coord_confidence === "verified",
    uncertainty: approximate ? props.coord_uncertainty_m || 1000 : 0,
  };
}

/* The dashed circle around an estimated point: how far off it may be. */
function uncertaintyCircle(latlng, metres) {
  return L.circle(latlng, {
    radius: metres,
    color: "#b45309",
    weight: 2,
    dashArray: "5 5",
    fillOpacity: 0.08,
    interactive: false,
    className: "gt-uncertainty",
  });
}

Geotour.prototype.badge = function (props) {
  var where = position(props);
  if (where.verified) return el("span", { class: "gt-badge gt-badge--verified" }, this.t.verified);
  if (!where.approximate) return null;
  return el(
    "span",
    { class: "gt-badge gt-badge--approx", title: this.t.approx_title },
    this.t.approx.replace("__DISTANCE__", this.formatDistance(where.uncertainty)),
  );
};

/* "2,4 km", or "sekitar 2,4 km" when either end of it is only an estimate. */
Geotour.prototype.distanceText = function (metres, about) {
  var text = this.formatDistance(metres);
  return about ? this.t.about.replace("__DISTANCE__", text) : text;
};

Geotour.prototype.iconNode = function (style) {
  if (!style.icon || !document.getElementById("icon-" + style.icon))
    return document.createTextNode(style.glyph);
  var ns = "http://www.w3.org/2000/svg",
    svg = document.createElementNS(ns, "svg"),
    use = document.createElementNS(ns, "use");
  svg.setAttribute("class", "gt-icon");
  svg.setAttribute("aria-hidden", "true");
  use.setAttribute("href", "#icon-" + style.icon); // the sprite is inline in the page
  svg.appendChild(use);
  return svg;
};

/* A pin whose element is made when Leaflet draws the marker, not when the marker is made: most markers
 * start inside a cluster, and some are never drawn at all. */
var PinIcon =
  window.L &&
  L.DivIcon.extend({
    createIcon: function (old) {
      this.options.html = this.options.pin();
      return L.DivIcon.prototype.createIcon.call(this, old);
    },
  });

/* Whether a place is closed or limited today (WIB): a closure whose last day has passed is over by itself. */
// Today in WIB, worked out at most once a minute: an Intl formatter per marker costs a slow phone ~100 ms.
var WIB_DAY = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Jakarta" }),
  today = { at: 0, day: "" };
function todayWIB() {
  var now = Date.now();
  if (now - today.at > 60000) today = { at: now, day: WIB_DAY.format(now) };
  return today.day;
}

function statusNow(props) {
  if (props.status !== "closed" && props.status !== "limited") return null;
  return props.status_until && props.status_until < todayWIB() ? null : props.status;
}

/* A geopark partner's label holds from the day granted to the day it expires (geotour.domain.partners). */
function partnerNow(props) {
  var label = props.partner,
    today = todayWIB();
  return Boolean(label && label.granted <= today && today <= label.expires);
}

Geotour.prototype.icon = function (style, focus, status) {
  var self = this;
  function pin() {
    var node = el("span", {
      class: "gt-pin" + (focus ? " gt-pin--focus" : "") + (status === "closed" ? " gt-pin--closed" : ""),
    });
    node.appendChild(self.iconNode(style));
    node.style.background = style.color;
    return node;
  }
  return new PinIcon({
    pin: pin,
    className: "gt-pin-wrap",
    iconSize: focus ? [40, 40] : [30, 30],
    iconAnchor: focus ? [20, 20] : [15, 15],
    popupAnchor: [0, -14],
  });
};

Geotour.prototype.pageUrl = function (props) {
  var embed = this.cfg.embed;
  if (embed && embed.place) {
    var url = embed.place + encodeURIComponent(props.id) + (embed.query ? "?" + embed.query : "");
    return window.GeotourEmbed ? window.GeotourEmbed.withSecret(url) : url;
  }
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
  var digits = String(number || "")
    .replace(/\D/g, "")
    .replace(/^0/, "62");
  if (/^620/.test(digits)) return null; // no Indonesian number has a 0 after the country code: a placeholder
  return digits.length >= 8 && digits.length <= 15 ? digits : null;
}

Geotour.prototype.contactLinks = function (props) {
  var box = el("p", { class: "gt-popup__actions" });
  // A sample business has an invented number: no link may dial or message it.
  if (props.sample) return el("p", { class: "gt-notice gt-notice--sample" }, this.t.sample_no_number);
  var wa = phoneDigits(props.whatsapp),
    tel = phoneDigits(props.phone);
  if (this.cfg.embed && (wa || tel)) return this.embedContact(props, wa, tel);
  if (wa) box.appendChild(this.whatsappLink(wa, props));
  if (tel)
    box.appendChild(
      el("a", this.counted(props, "call", { class: "gt-btn", href: "tel:+" + tel }), this.t.call),
    );
  return box;
};

/* A contact link's attributes, with what static/js/count.js counts when it is tapped. */
Geotour.prototype.counted = function (props, what, attrs) {
  return Object.assign(attrs, { "data-count": what, "data-place": props.id });
};

/* In a WordPress embed the frame may open no app: the tap goes to /go/<what>/<id> through the host page, which
   opens it in the top window (static/js/embed.js); the server counts it and sends it on to WhatsApp or the
   dialler. */
Geotour.prototype.viaHost = function (props, what, label, extra) {
  var href = this.cfg.go + what + "/" + encodeURIComponent(props.id) + "?src=embed";
  return el("a", Object.assign({ class: "gt-btn", href: href, "data-top": "" }, extra || {}), label);
};

/* A WhatsApp button that opens a chat with the business, its first message naming the place. */
Geotour.prototype.whatsappLink = function (wa, props, extra) {
  var text = this.t.whatsapp_message.replace("__NAME__", props.name);
  var attrs = this.counted(props, "whatsapp", {
    class: "gt-btn gt-btn--wa",
    href: "https://wa.me/" + wa + "?text=" + encodeURIComponent(text),
    target: "_blank",
    rel: "noopener",
  });
  return el("a", Object.assign(attrs, extra || {}), this.t.whatsapp);
};

/* In an embed: the number, a copy button, and WhatsApp tried on tap (static/js/embed.js); no tel: link in a
   sandboxed frame, where it is blocked. */
Geotour.prototype.embedContact = function (props, wa, tel) {
  var t = this.t,
    digits = wa || tel;
  var number = digits.indexOf("62") === 0 ? "0" + digits.slice(2) : "+" + digits;
  var box = el("div", { class: "gt-embed-contact" });
  var line = box.appendChild(el("p", {}, t.phone + ": "));
  line.appendChild(el("strong", {}, number));
  line.appendChild(document.createTextNode(" "));
  line.appendChild(
    el(
      "button",
      {
        type: "button",
        class: "gt-btn",
        "data-copy": number,
        "data-copied": t.copied,
        "data-copy-failed": t.copy_failed,
      },
      t.copy_number,
    ),
  );
  box.appendChild(el("p", { class: "gt-embed-contact__status", role: "status" }));
  var actions = box.appendChild(el("p", { class: "gt-popup__actions" }));
  var embed = window.GeotourEmbed || {};
  if (embed.viaHost) {
    if (wa) actions.appendChild(this.viaHost(props, "whatsapp", t.whatsapp, { class: "gt-btn gt-btn--wa" }));
    if (tel) actions.appendChild(this.viaHost(props, "call", t.call));
    return box;
  }
  if (wa)
    actions.appendChild(this.whatsappLink(wa, props, { "data-popup": "", "data-blocked": t.wa_blocked }));
  if (tel && !embed.sandboxed) {
    actions.appendChild(
      el("a", this.counted(props, "call", { class: "gt-btn", href: "tel:+" + tel }), t.call),
    );
  }
  return box;
};

Geotour.prototype.popupContent = function (feature) {
  var props = feature.properties,
    style = this.styleFor(props),
    self = this;
  var root = el("div", { class: "gt-popup" });
  var photo = safeHref(props.photo);
  if (photo)
    root.appendChild(el("img", { class: "gt-popup__photo", src: photo, alt: props.name, loading: "lazy" }));
  root.appendChild(el("h2", { class: "gt-popup__name" }, props.name));
  root.appendChild(
    el(
      "p",
      { class: "gt-popup__type" },
      style.layerTitle + (style.categoryTitle ? " · " + style.categoryTitle : ""),
    ),
  );
  var badge = this.badge(props);
  if (badge) root.appendChild(el("p", { class: "gt-popup__badge" })).appendChild(badge);
  if (partnerNow(props))
    root
      .appendChild(el("p", { class: "gt-popup__badge" }))
      .appendChild(el("span", { class: "gt-badge gt-badge--partner" }, this.t.partner));
  var status = statusNow(props);
  if (status) {
    var line =
      this.t[status] + (props.status_until ? " " + this.t.until.replace("__DAY__", props.status_until) : "");
    if (props.status_reason) line += ": " + props.status_reason;
    root.appendChild(el("p", { class: "gt-popup__status gt-popup__status--" + status }, line));
  }
  var description = this.shortText(this.localized(props, "description"), 180);
  if (description) root.appendChild(el("p", { class: "gt-popup__desc" }, description));
  if (props.sample) root.appendChild(el("p", { class: "gt-tag" }, this.t.sample));
  if (props.opening_hours)
    root.appendChild(el("p", { class: "gt-popup__hours" }, this.t.hours + ": " + props.opening_hours));
  if (style.kind === "msme") root.appendChild(this.contactLinks(props));
  var nearbyTitle = style.kind === "msme" ? this.t.nearby_sites : this.t.nearby_msmes;
  root.appendChild(el("h3", { class: "gt-popup__sub" }, nearbyTitle));
  var list = el("ul", { class: "gt-popup__nearby", "aria-live": "polite" });
  list.appendChild(el("li", {}, this.t.loading));
  root.appendChild(list);
  root.appendChild(
    el(
      "a",
      {
        class: "gt-btn gt-btn--primary",
        href: this.pageUrl(props),
        target: this.linkTarget,
        rel: this.linkTarget ? "noopener" : null,
      },
      this.t.details,
    ),
  );
  if (!this.cfg.embed)
    root.appendChild(
      this.tripButton(props.id, style.kind === "msme" ? "msme" : "site", props.name, this.pageUrl(props)),
    );
  var near = this.cfg.popup_nearby[style.kind === "msme" ? "msme" : "attraction"];
  root._fillNearby = function (done) {
    self.fillNearby(list, props, near, done);
  };
  return root;
};

/* The nearest few (cfg.popup_nearby: how many, how far) are fetched only when the popup opens, then kept.
 * With no signal they come from the places already on this map (saved on the phone), and the list says so. */
Geotour.prototype.fillNearby = function (list, props, near, done) {
  if (list.getAttribute("data-loaded")) return;
  var self = this,
    kind = this.styleFor(props).kind,
    about = position(props).approximate;
  var url =
    this.cfg.api +
    "/features/" +
    encodeURIComponent(props.id) +
    "/nearby?limit=" +
    near.limit +
    "&radius_m=" +
    near.radius_m;
  function show(features, saved) {
    list.textContent = "";
    list.setAttribute("data-loaded", "1");
    if (saved) list.appendChild(el("li", { class: "gt-popup__saved" }, self.t.from_saved));
    if (!features.length) list.appendChild(el("li", {}, self.t.none_nearby));
    features.forEach(function (f) {
      var item = el("li", {});
      item.appendChild(el("a", { href: self.pageUrl(f.properties) }, f.properties.name));
      var s = self.styleFor(f.properties);
      item.appendChild(
        document.createTextNode(
          " · " +
            (s.categoryTitle || s.layerTitle) +
            " · " +
            self.distanceText(f.properties.distance_m, about || position(f.properties).approximate),
        ),
      );
      if (f.properties.sample) item.appendChild(el("span", { class: "gt-tag" }, self.t.sample));
      list.appendChild(item);
    });
    if (done) done();
  }
  this.fetchJSON(url)
    .then(function (data) {
      show(data.features, false);
    })
    .catch(function () {
      var c = self.markers[props.id] && self.markers[props.id].getLatLng();
      var saved = c
        ? self.nearestSaved(c, kind === "msme" ? "attraction" : "msme", near.radius_m, near.limit)
        : [];
      if (c && self.places.length) {
        show(saved, true);
        return;
      }
      list.textContent = "";
      list.appendChild(el("li", {}, self.t.load_failed));
      if (done) done();
    });
};

/* The nearest places of one kind already on this map, as features with distance_m, nearest first. */
Geotour.prototype.nearestSaved = function (latlng, kind, radius, limit) {
  return this.places
    .filter(function (p) {
      return p.kind === kind;
    })
    .map(function (p) {
      var c = p.feature.geometry.coordinates,
        props = Object.assign({}, p.feature.properties);
      props.distance_m = geodesic(latlng.lat, latlng.lng, c[1], c[0]);
      props.bearing_deg = bearing(latlng.lat, latlng.lng, c[1], c[0]);
      return { type: "Feature", geometry: p.feature.geometry, properties: props };
    })
    .filter(function (f) {
      return f.properties.distance_m <= radius && f.properties.id !== undefined;
    })
    .sort(function (x, y) {
      return x.properties.distance_m - y.properties.distance_m;
    })
    .slice(0, limit);
};

Geotour.prototype.marker = function (feature, focus) {
  var c = feature.geometry.coordinates,
    props = feature.properties;
  var marker = L.marker([c[1], c[0]], {
    icon: this.icon(this.styleFor(props), focus, statusNow(props)),
    title: statusNow(props) === "closed" ? props.name + " (" + this.t.closed + ")" : props.name,
    zIndexOffset: focus ? 1000 : 0,
    alt: props.name,
    keyboard: true,
    riseOnHover: true,
  });
  var self = this;
  marker.bindPopup(
    function () {
      marker._gtContent = marker._gtContent || self.popupContent(feature);
      return marker._gtContent;
    },
    {
      maxWidth: Math.min(320, window.innerWidth - 150),
      minWidth: Math.min(220, window.innerWidth - 150),
      autoPanPaddingTopLeft: [58, 12],
      autoPanPaddingBottomRight: [58, 28],
      className: "gt-leaflet-popup",
    },
  );
  var where = position(props);
  marker.on("popupopen", function (event) {
    count("popup", props.id);
    // An estimated point: show how far off it may be.
    if (where.approximate && !marker._gtCircle) {
      marker._gtCircle = uncertaintyCircle(marker.getLatLng(), where.uncertainty).addTo(self.map);
    }
    // The popup grows when the list arrives: update() re-measures it and pans it back on screen.
    marker._gtContent._fillNearby(function () {
      if (event.popup.isOpen()) event.popup.update();
    });
  });
  marker.on("popupclose", function () {
    if (marker._gtCircle) {
      marker._gtCircle.remove();
      marker._gtCircle = null;
    }
  });
  this.markers[props.id] = marker;
  return marker;
};

Geotour.prototype.groupKey = function (props) {
  var type = this.typeOf(props);
  if (type && this.groups["type:" + type.id]) return "type:" + type.id;
  var key = props.layer + ":" + props.category;
  return this.groups[key] ? key : props.layer;
};

/* Places taken from OpenStreetMap are credited on the map that shows them (ODbL), once. A fixed text:
   nothing from the data goes into the attribution, which Leaflet writes as HTML. */
Geotour.prototype.creditOpenStreetMap = function () {
  this.osmCredited = true;
  if (this.map.attributionControl) {
    this.map.attributionControl.addAttribution(
      '<a href="https://www.openstreetmap.org/copyright" rel="noopener">' +
        String(this.t.osm_data).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;") +
        "</a>",
    );
  }
};

/* Make the markers of `features` and put them in their groups, a few milliseconds of work at a time. A
 * marker whose group is shown in a cluster already on the map is kept back and given to the cluster with
 * the others at the end, in one addLayers (see showCluster). */
Geotour.prototype.addFeatures = function (features) {
  var self = this,
    at = 0,
    later = [];
  // Each slice is a task of its own, and so is what follows them (the cluster's work, or the caller's): the
  // phone draws and answers taps in between, and never works on this for more than a few milliseconds.
  return new Promise(function (resolve) {
    function slice() {
      for (
        var until = performance.now() + SLICE_MS;
        at < features.length && performance.now() < until;
        at++
      ) {
        var f = features[at],
          props = f.properties,
          key = self.groupKey(props);
        if (!self.groups[key]) continue;
        var marker = self.marker(f, false),
          style = self.styleFor(props),
          group = self.groups[key];
        marker._gtGroup = group;
        marker._gtKey = key;
        if ((props.osm_id || props.coord_osm_id) && !self.osmCredited) self.creditOpenStreetMap();
        self.places.push({
          id: props.id,
          feature: f,
          kind: style.kind,
          filter: style.type,
          names: [props.name].concat((props.name_alt || []).map(plainName)),
        });
        if (inShownCluster(self.map, group)) {
          // The sub-group's own addLayer would hand the marker to the cluster alone (leaflet.featuregroup.subgroup's
          // _addLayerToGroup); this is the same, but for that hand-over.
          marker.addEventParent(group);
          group._layers[L.stamp(marker)] = marker;
          later.push(marker);
        } else group.addLayer(marker);
      }
      if (at < features.length) setTimeout(slice, 0);
      else
        setTimeout(function () {
          resolve(later.length ? clusterTake(later[0]._gtGroup.getParentGroup(), later) : null);
        }, 0);
    }
    setTimeout(slice, 0);
  });
};

function inShownCluster(map, group) {
  var parent = group.getParentGroup && group.getParentGroup();
  return !!parent && map.hasLayer(group) && map.hasLayer(parent);
}

/* The cluster that every place group of the overview belongs to (geotour/web/maps.py), or null. */
Geotour.prototype.cluster = function () {
  var self = this;
  return (
    Object.keys(this.groups)
      .map(function (key) {
        var group = self.groups[key];
        return group.getParentGroup ? group.getParentGroup() : null;
      })
      .filter(Boolean)[0] || null
  );
};

/* Give a cluster on the map many markers at once: it adds them in chunks (chunkedLoading) and redraws its
 * icons once. */
function clusterTake(cluster, markers) {
  return clustered(cluster, function () {
    cluster.addLayers(markers);
  });
}

/* Put the cluster on the map with every marker it was given while it was off it: markercluster clusters
 * them all in one addLayers, in chunks, and draws once. Given to it on the map, one marker at a time, it
 * redraws its icons after each: that froze a cheap phone for seconds. */
Geotour.prototype.showCluster = function (cluster) {
  var map = this.map;
  if (map.hasLayer(cluster)) return Promise.resolve();
  return clustered(cluster, function () {
    map.addLayer(cluster);
  });
};

/* Run `give`, which hands `cluster` markers; resolve when its last chunk is done (its chunkProgress reports
 * processed === total). */
function clustered(cluster, give) {
  return new Promise(function (resolve) {
    cluster.options.chunkProgress = function (processed, total) {
      if (processed !== total) return;
      cluster.options.chunkProgress = null;
      resolve();
    };
    give();
  });
}

/* The page's other modules that waited for the first markers (script type "geotour/after-map", see
 * templates/base.html), asked for now, once: on a weak link they would have shared it with Leaflet. Also asked
 * for when the map's data fails, and after AFTER_MAP_MS whatever the map does: the alerts must come. */
var AFTER_MAP_MS = 10000;
var askedAfterMap = false;

function askAfterMap() {
  if (askedAfterMap) return;
  askedAfterMap = true;
  document.querySelectorAll('script[type="geotour/after-map"]').forEach(function (script) {
    import(script.src).catch(function (error) {
      if (window.console) console.error("Geotour: " + script.src + " did not load:", error);
    });
  });
}

/* What waited for the first markers: the page's other modules, and the overview's locate control. */
Geotour.prototype.afterMap = function () {
  askAfterMap();
  this.addLocate();
};

/* The overview's locate control (its `locate` setting, geotour/web/maps.py): its script and style are asked
 * for once the first markers are drawn, and the control takes its corner when they come. Offline they come
 * from the saved shell; if they cannot come, the next start (back online) asks again. */
Geotour.prototype.addLocate = function () {
  var self = this,
    locate = this.cfg.locate;
  if (!locate || this.locate) return;
  this.locate = "asked";
  if (!document.querySelector('link[href="' + locate.style + '"]')) {
    var style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = locate.style;
    document.head.appendChild(style);
  }
  var script = document.createElement("script");
  script.src = locate.script;
  script.onload = function () {
    quietLocate();
    self.locate = L.control.locate(locate.options).addTo(self.map);
  };
  script.onerror = function () {
    script.remove();
    self.locate = null;
  };
  document.head.appendChild(script);
};

/* Each layer's data is an immutable snapshot, fetched once and kept offline. The page names them (and
 * preloads them: templates/_snapshots.html); without that list the layer catalogue does. */
Geotour.prototype.loadCatalogue = function () {
  var self = this,
    listed = document.getElementById("gt-snapshots");
  try {
    this.snapshots = listed ? JSON.parse(listed.textContent) : null;
  } catch (e) {
    this.snapshots = null;
  }
  if (this.snapshots) return Promise.resolve();
  return this.fetchJSON(this.cfg.api + "/layers").then(function (catalogue) {
    self.snapshots = {};
    catalogue.layers.forEach(function (entry) {
      self.snapshots[entry.id] = entry.map_snapshot_url;
    });
  });
};

Geotour.prototype.loadSnapshot = function (layerId) {
  return this.fetchJSON(this.snapshots[layerId], true).then(function (collection) {
    return collection.features || [];
  });
};

Geotour.prototype.loadBoundary = function () {
  var layer = this.layers.boundary,
    group = this.groups.boundary;
  if (!layer || !group || !this.snapshots.boundary) return Promise.resolve();
  return this.loadSnapshot("boundary").then(function (features) {
    L.geoJSON(
      { type: "FeatureCollection", features: features },
      {
        style: { color: layer.color, weight: 2, fill: false, dashArray: "6 4" },
        interactive: false,
      },
    ).addTo(group);
  });
};

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
  var link = el("a", { href: this.cfg.pages.event + encodeURIComponent(feature.id) }, this.t.event_see);
  root.appendChild(el("p", {}, "")).appendChild(link);
  return root;
};

/* "+ My trip" (static/js/trip.js keeps the list and handles the tap). */
Geotour.prototype.tripButton = function (id, kind, name, url) {
  var b = el(
    "button",
    {
      type: "button",
      class: "gt-btn gt-trip-add",
      "data-trip": JSON.stringify({ id: id, kind: kind, name: name, url: url }),
      "data-add": this.t.trip_add,
      "data-added": this.t.trip_added,
    },
    this.t.trip_add,
  );
  // Like the pages' buttons, it shows once static/js/trip.js can take the tap (its start marks every one).
  if (window.Geotour.trip) window.Geotour.trip.mark(b);
  else b.hidden = true;
  return b;
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

Geotour.prototype.loadOverview = function () {
  var self = this,
    cluster = this.cluster();
  return this.loadCatalogue().then(function () {
    if (cluster) self.map.removeLayer(cluster); // it takes the first markers off the map (showCluster)
    // Each place layer is drawn as soon as its snapshot comes, one after the other, and the first one drawn
    // puts the cluster on the map. The page preloads only the first layer's (templates/_snapshots.html): on a
    // weak link the first markers then share the line with Leaflet and nothing else, and the other layers
    // follow a moment later. The page's other modules are asked for once the first markers are drawn.
    var queue = Promise.resolve(),
      first = null;
    var draw = function () {
      if (!first)
        first = Promise.resolve(cluster && self.showCluster(cluster)).finally(self.afterMap.bind(self));
      return first;
    };
    var places = Promise.all(
      self.cfg.layers
        .filter(function (l) {
          // Fetch only the place layers this map shows (an embed may show just some of them).
          return (self.cfg.place_layers || []).indexOf(l.id) >= 0;
        })
        .map(function (layer) {
          return self.loadSnapshot(layer.id).then(function (features) {
            return (queue = queue
              .then(function () {
                return self.addFeatures(features);
              })
              .then(draw));
          });
        }),
    );
    var shown = places.then(draw, function (error) {
      draw(); // what did arrive is shown
      throw error;
    });
    return Promise.all([shown, self.loadBoundary(), self.loadVillages()]).then(function (done) {
      // The routes are lines over the places: a phone that cannot fetch them still has every place.
      var after = function () {
        return done;
      };
      return self
        .loadRoutes()
        .then(after, after)
        .then(function () {
          return self.loadEvents().then(after, after);
        });
    });
  });
};

Geotour.prototype.loadFocus = function () {
  var self = this,
    focus = this.cfg.focus;
  var origin = {
    type: "Feature",
    id: focus.id,
    geometry: { type: "Point", coordinates: [focus.lon, focus.lat] },
    properties: {
      id: focus.id,
      name: focus.name,
      layer: focus.layer,
      category: focus.category,
      coord_confidence: focus.coord_confidence,
      coord_uncertainty_m: focus.coord_uncertainty_m,
      status: focus.status,
      status_until: focus.status_until,
      status_reason: focus.status_reason,
    },
  };
  this.focusMarker = this.marker(origin, true).addTo(this.map);
  var where = position(origin.properties);
  if (where.approximate) {
    // the page is this place: show at once how far off its point may be
    this.focusCircle = uncertaintyCircle([focus.lat, focus.lon], where.uncertainty).addTo(this.map);
  }
  return this.fetchJSON(focus.nearby_url).then(function (data) {
    self.addFeatures(data.features); // plain groups here: no cluster
    var points = data.features.map(function (f) {
      return [f.geometry.coordinates[1], f.geometry.coordinates[0]];
    });
    points.push([focus.lat, focus.lon]);
    // No animation: the first view is where the page starts, and the map is "ready" only when it stands still.
    if (points.length > 1) self.map.fitBounds(points, { padding: [24, 24], maxZoom: 15, animate: false });
  });
};

/* Open one place's popup, zooming through clusters to it: used by ?site=<id> links and QR codes. */
Geotour.prototype.openPlace = function (id) {
  var marker = this.markers[id];
  if (!marker) return false;
  var group = marker._gtGroup,
    parent = group && group.getParentGroup ? group.getParentGroup() : null;
  if (parent && parent.zoomToShowLayer) {
    parent.zoomToShowLayer(marker, function () {
      marker.openPopup();
    });
  } else {
    this.map.setView(marker.getLatLng(), Math.max(this.map.getZoom(), 14));
    marker.openPopup();
  }
  return true;
};

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
  var page = GEOTOUR.page; // the app's pages keep the last answer on the phone; embeds keep nothing
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

/* The search box and type chips above the map (templates/_filters.html). */
function Finder(app, form) {
  this.app = app;
  this.form = form;
  this.list = form.querySelector(".gt-suggest");
  this.partner = form.querySelector(".gt-find__partner"); // "Geopark partners only"
  var self = this;
  this.controls = bindForm(form, function (state, submitted) {
    self.update(state, submitted);
  });
  this.controls.input.addEventListener("keydown", function (event) {
    if (event.key === "Escape") self.hideSuggestions();
  });
  // The groups the visitor switched off in the map's layer list: no chip and no layer coming in turns them
  // back on (a phone on a weak link has seconds to do it before the last layer comes). Leaflet's control
  // adds or removes the layer on the click; the change comes after it, and its input names the layer.
  this.off = {};
  var layers = app.map.getContainer().querySelector(".leaflet-control-layers");
  if (layers)
    layers.addEventListener("change", function (event) {
      Object.keys(app.groups).forEach(function (key) {
        if (L.stamp(app.groups[key]) === event.target.layerId) self.off[key] = !event.target.checked;
      });
    });
}

Finder.prototype.loaded = function () {
  var present = {},
    self = this;
  this.app.places.forEach(function (p) {
    present[p.filter] = true;
    present.partner = present.partner || partnerNow(p.feature.properties);
  });
  this.form.querySelectorAll(".gt-chip").forEach(function (chip) {
    chip.hidden = !present[chip.getAttribute("data-filter")]; // no rivers yet: no empty chip
  });
  if (this.partner && !this.partner.dataset.bound) {
    this.partner.dataset.bound = "1";
    this.partner.addEventListener("change", function () {
      writeState(self.controls.state(), { partner: self.partner.checked ? "1" : null });
      self.update(self.controls.state(), false, true);
    });
  }
  this.update(this.controls.state(), false, true);
};

/* "Geopark partners only": every other place leaves its group (a cluster), and comes back when unticked. */
Finder.prototype.onlyPartners = function (only) {
  var app = this.app;
  app.places.forEach(function (p) {
    var marker = app.markers[p.id];
    if (!marker || !marker._gtGroup) return;
    var keep = !only || partnerNow(p.feature.properties);
    if (keep && !marker._gtGroup.hasLayer(marker)) marker._gtGroup.addLayer(marker);
    if (!keep && marker._gtGroup.hasLayer(marker)) marker._gtGroup.removeLayer(marker);
  });
};

Finder.prototype.update = function (state, submitted, quiet) {
  var app = this.app,
    wanted = state.types;
  var off = this.off;
  Object.keys(app.groups).forEach(function (key) {
    if (key === "boundary" || key === "villages" || key === "routes" || key === "events") return;
    var id = key.indexOf("type:") === 0 ? key.slice(5) : key.split(":")[1];
    var show = wanted.length ? wanted.indexOf(id) >= 0 : !off[key],
      group = app.groups[key];
    if (show && !app.map.hasLayer(group)) app.map.addLayer(group);
    if (!show && app.map.hasLayer(group)) app.map.removeLayer(group);
  });
  var only = Boolean(this.partner && this.partner.checked);
  if (only || this.partnersOnly) this.onlyPartners(only);
  this.partnersOnly = only;
  var found = this.suggest(state.q);
  if (submitted && found.length) this.choose(found[0]);
  else if (!quiet) this.showSuggestions(found, state.q);
};

Finder.prototype.suggest = function (q) {
  var scored = [];
  if (!fold(q)) return [];
  this.app.places.forEach(function (p) {
    var s = score(q, p.names);
    if (s >= 0) scored.push({ place: p, score: s });
  });
  scored.sort(function (a, b) {
    return (
      a.score - b.score ||
      (a.place.kind === b.place.kind ? 0 : a.place.kind === "attraction" ? -1 : 1) ||
      a.place.feature.properties.name.localeCompare(b.place.feature.properties.name)
    );
  });
  return scored.slice(0, 8).map(function (s) {
    return s.place;
  });
};

Finder.prototype.showSuggestions = function (found, q) {
  var self = this,
    app = this.app;
  this.list.textContent = "";
  found.forEach(function (p, index) {
    var props = p.feature.properties,
      style = app.styleFor(props);
    var item = el("li", { role: "option", id: "gt-suggest-" + index });
    var button = el("button", { type: "button", class: "gt-suggest__item" });
    var swatch = el("span", { class: "gt-swatch", "aria-hidden": "true" });
    swatch.style.background = style.color;
    swatch.appendChild(app.iconNode(style));
    button.appendChild(swatch);
    button.appendChild(el("span", { class: "gt-suggest__name" }, props.name));
    button.appendChild(el("span", { class: "gt-suggest__type" }, style.categoryTitle || style.layerTitle));
    if (props.sample) button.appendChild(el("span", { class: "gt-tag" }, app.t.sample));
    button.addEventListener("click", function () {
      self.choose(p);
    });
    item.appendChild(button);
    self.list.appendChild(item);
  });
  if (!found.length && fold(q))
    this.list.appendChild(el("li", { class: "gt-suggest__none" }, app.t.no_match));
  searchResult(q, found.length > 0);
  this.list.hidden = !this.list.children.length;
  this.controls.input.setAttribute("aria-expanded", this.list.hidden ? "false" : "true");
};

Finder.prototype.hideSuggestions = function () {
  this.list.hidden = true;
  this.controls.input.setAttribute("aria-expanded", "false");
};

/* Fly to a place and open it; a filter that hides it is cleared first. */
Finder.prototype.choose = function (place) {
  var marker = this.app.markers[place.id];
  this.hideSuggestions();
  this.controls.input.value = place.feature.properties.name;
  if (marker && !this.app.map.hasLayer(marker._gtGroup)) this.controls.set([]);
  writeState(this.controls.state(), { site: place.id });
  this.controls.input.blur();
  this.app.openPlace(place.id);
};

Geotour.prototype.start = function () {
  var self = this;
  Object.keys(this.groups).forEach(function (key) {
    self.groups[key].clearLayers();
  });
  this.places = []; // made again from the fresh data: the search lists each place once, however often it starts
  if (this.focusMarker) this.focusMarker.remove();
  if (this.focusCircle) this.focusCircle.remove();
  var job = this.cfg.mode === "focus" ? this.loadFocus() : this.loadOverview();
  job
    .then(function () {
      self.afterMap(); // done already on the overview, once its first markers were drawn
      if (GEOTOUR.page) GEOTOUR.page.keep(self.fetched);
      if (self.status) self.status.hidden = true;
      var wanted = new URLSearchParams(window.location.search).get("site");
      if (self.finder) self.finder.loaded();
      if (wanted && self.cfg.mode === "overview") self.openPlace(wanted);
      self.map.getContainer().setAttribute("data-geotour-ready", "1");
    })
    .catch(function (error) {
      self.afterMap();
      if (window.console) console.error("Geotour: map data failed to load:", error);
      self.showStatus(self.t.load_failed, function () {
        self.status.hidden = true;
        self.start();
      });
    });
};

/* Leaflet's own controls speak English; give them the page's language. */
function translateControls(map, t) {
  var root = map.getContainer();
  [
    [".leaflet-control-zoom-in", t.zoom_in],
    [".leaflet-control-zoom-out", t.zoom_out],
    [".leaflet-control-layers-toggle", t.layers],
  ].forEach(function (pair) {
    var node = root.querySelector(pair[0]);
    if (node) {
      node.title = pair[1];
      node.setAttribute("aria-label", pair[1]);
    }
  });
  map.on("popupopen", function (event) {
    var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
    if (close) {
      close.title = t.close;
      close.setAttribute("aria-label", t.close);
    }
  });
}

// The locate control alerts the browser's own (English) message on an error; the map's locationerror
// handler in mount says it in the page's language instead. A control copies its options when it is made,
// so this runs once the plugin is there: now on a site's page (the deferred scripts run in order, after the
// plugin and before the map's own script), and when addLocate has loaded it on the overview.
function quietLocate() {
  var Locate = window.L && L.Control.Locate && L.Control.Locate.LocateControl;
  if (Locate && Locate.prototype.options) Locate.prototype.options.onLocationError = function () {};
}
quietLocate();

// The one global: Folium's map script calls Geotour.mount; the site's pages add Geotour.page (offline/page.js).
const GEOTOUR = (window.Geotour ??= {});
Object.assign(GEOTOUR, {
  mount: function (map, cfg, groups) {
    var app = new Geotour(map, cfg, groups);
    map.getContainer().geotour = app; // for the browser tests' assertions (what is on screen), never for behaviour
    GEOTOUR.map = map; // the page's map, for the alerts' areas (alerts.js), told by an event when it comes
    document.dispatchEvent(new CustomEvent("geotour:map"));
    translateControls(map, cfg.t);
    var form = cfg.mode === "overview" && !cfg.embed ? document.querySelector(".gt-find") : null;
    if (form) app.finder = new Finder(app, form);
    document.addEventListener("geotour:online", function () {
      app.start();
    }); // refresh saved data
    map.on("locationerror", function (event) {
      // Codes from the Geolocation API: 1 permission denied, 2 unavailable, 3 timeout.
      app.showStatus(
        event.code === 1
          ? app.t.locate_denied
          : event.code === 3
            ? app.t.locate_timeout
            : app.t.locate_failed,
      );
    });
    if (cfg.mode === "overview")
      map.on("locationfound", function (event) {
        app.showNearMe(event.latlng);
      });
    if (cfg.embed && window.parent !== window) {
      // Tell the embed builder (or any host page) where the map is, so its snippet can keep the view.
      map.on("moveend", function () {
        var c = map.getCenter();
        window.parent.postMessage(
          { type: "geotour:view", lat: +c.lat.toFixed(5), lon: +c.lng.toFixed(5), zoom: map.getZoom() },
          "*",
        );
      });
    }
    app.start();
    setTimeout(app.afterMap.bind(app), AFTER_MAP_MS);
    return app;
  },
});
