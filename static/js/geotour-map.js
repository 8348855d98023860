/* Geotour map behaviour: fetch layers from /api/v1 asynchronously and fill the groups Folium made.
 * Every string from data goes into the page through textContent or setAttribute, never as HTML.
 * An ES module; Folium's map script reaches it through its one global, window.Geotour.mount.
 *
 * This module is what the first markers need, and nothing more: on a weak link every byte of it is a byte
 * the first markers wait for. What comes after them is in static/js/map/ (popups, near me, the search box,
 * routes, events and village names); each adds its methods to Geotour, and the map asks for them once its
 * first markers are drawn (Geotour.prototype.more). */
import { plainName } from "geotour/search";
import { wibDay } from "geotour/time";

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
    // A category has its own look only where it differs from its layer's (map_setup._category_config).
    Object.keys(layer.categories || {}).forEach(function (id) {
      var category = layer.categories[id];
      ["color", "glyph", "icon"].forEach(function (name) {
        if (category[name] === undefined) category[name] = layer[name] || "";
      });
    });
  }, this);
  this.status = document.querySelector(".gt-status");
  // Embedded on another site, a place's details open in the frame itself (/embed/places/<id>): a sandboxed
  // frame may open no new tab (static/js/embed.js handles the links that must leave the frame).
  this.linkTarget = null;
}

Geotour.prototype.langQuery = function () {
  return this.cfg.lang && this.cfg.lang !== "id" ? "?lang=" + encodeURIComponent(this.cfg.lang) : "";
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

/* A cluster's icon, made with the DOM rather than parsed from HTML as markercluster's own is: a cluster's icon
 * is made again each time its count changes (each batch of clusterTake), and starting the HTML parser for
 * each was most of the clustering's time on this machine. The same look (MarkerCluster.Default.css) and text,
 * and a name in the page's language for a screen reader (the icon is a button). */
var ClusterIcon =
  window.L &&
  L.DivIcon.extend({
    createIcon: function (old) {
      var inner = el("div");
      inner.appendChild(el("span", null, this.options.count));
      this.options.html = inner;
      var node = L.DivIcon.prototype.createIcon.call(this, old);
      node.setAttribute("aria-label", this.options.label);
      return node;
    },
  });

function clusterIcon(label) {
  return function (cluster) {
    var count = cluster.getChildCount();
    return new ClusterIcon({
      count: count,
      label: label.replace("__COUNT__", count),
      className: "marker-cluster marker-cluster-" + (count < 10 ? "small" : count < 100 ? "medium" : "large"),
      iconSize: L.point(40, 40),
    });
  };
}

/* The map's layer list (Leaflet's Control.Layers), folded behind its button, makes its rows when it is first
 * opened, not in the task that makes the map: there its ~20 rows (each a swatch and an icon, parsed from HTML,
 * and each checking every row's zoom range: Leaflet's _addItem calls _checkDisabledLayers) took 20 ms on
 * this machine, a long task on a phone. Leaflet makes the rows again whenever one of its layers comes or goes
 * (_onLayerChange calls _update); while folded and never opened that work is skipped too. Opened, each row
 * is made from the map's state of that moment, as Leaflet would. _update is Leaflet 1.9's own method. */
if (window.L)
  L.Control.Layers.include({
    _update: (function (update) {
      return function () {
        if (this.options.collapsed && !this._gtOpened) return this;
        return update.call(this);
      };
    })(L.Control.Layers.prototype._update),
    expand: (function (expand) {
      return function () {
        if (!this._gtOpened) {
          this._gtOpened = true;
          this._update();
        }
        return expand.call(this);
      };
    })(L.Control.Layers.prototype.expand),
  });

/* Whether a place is closed or limited today (WIB): a closure whose last day has passed is over by itself. */
// Today in WIB (geotour/time: arithmetic, no Intl formatter, whose first making is a slow phone's long task).
function todayWIB() {
  return wibDay(Date.now());
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
  // The popup's content is made when it first opens (static/js/map/popups.js). Opened before that module
  // has come, it says "loading" and fills in when it comes.
  marker.bindPopup(
    function () {
      if (!marker._gtContent && self.popupContent) marker._gtContent = self.popupContent(feature);
      return marker._gtContent || el("p", { class: "gt-popup" }, self.t.loading);
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
    // An estimated point: show how far off it may be.
    if (where.approximate && !marker._gtCircle) {
      marker._gtCircle = uncertaintyCircle(marker.getLatLng(), where.uncertainty).addTo(self.map);
    }
    self.more().then(
      function () {
        if (!marker._gtContent) {
          marker._gtContent = self.popupContent(feature);
          if (event.popup.isOpen()) event.popup.setContent(marker._gtContent);
        }
        if (event.popup.isOpen()) self.popupOpened(marker, props, event.popup);
      },
      function () {
        // Offline before the module was ever saved: say so; the next tap asks again.
        var content = event.popup.getContent();
        if (!marker._gtContent && content && content.nodeType === 1) content.textContent = self.t.load_failed;
      },
    );
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
 * marker whose group is shown and clustered is kept back and given to the cluster with the others at the
 * end, a few at a time (see clusterTake). */
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
        if (inCluster(self.map, group)) {
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
          resolve(later.length ? clusterTake(self.map, later[0]._gtGroup.getParentGroup(), later) : null);
        }, 0);
    }
    setTimeout(slice, 0);
  });
};

/* Whether `group` is shown, and shown through a cluster (on the map or still to come on it). */
function inCluster(map, group) {
  return !!(group.getParentGroup && group.getParentGroup()) && map.hasLayer(group);
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

/* Give `cluster` many markers: it goes on the map first (if it is not there yet), and then takes them
 * CLUSTER_BATCH at a time, each batch in a task of its own. markercluster's addLayers redraws its icons once
 * per call, not once per marker, but splits its own work only every 200 markers (chunkedLoading checks the
 * clock there): given a layer's 300 markers at once, its first chunk was one long task on a phone. */
var CLUSTER_BATCH = 20;

function clusterTake(map, cluster, markers) {
  var done = showCluster(map, cluster);
  for (var at = 0; at < markers.length; at += CLUSTER_BATCH)
    done = done.then(
      function (batch) {
        return clustered(cluster, function () {
          cluster.addLayers(batch);
        });
      }.bind(null, markers.slice(at, at + CLUSTER_BATCH)),
    );
  return done;
}

/* Put the cluster on the map, with every marker it was given while it was off it (markercluster clusters
 * those in one addLayers, in chunks, and draws once). Given to it on the map one marker at a time, it would
 * redraw its icons after each: that froze a cheap phone for seconds. */
function showCluster(map, cluster) {
  if (map.hasLayer(cluster)) return Promise.resolve();
  return clustered(cluster, function () {
    map.addLayer(cluster);
  });
}

/* Run `give`, which hands `cluster` markers; resolve when its last chunk is done (its chunkProgress reports
 * processed === total). Both in tasks of their own: the cluster's first chunk and its last (which draws the
 * icons) are each a task's worth of work on a slow phone, and what follows them is another. */
function clustered(cluster, give) {
  return new Promise(function (resolve) {
    cluster.options.chunkProgress = function (processed, total) {
      if (processed !== total) return;
      cluster.options.chunkProgress = null;
      setTimeout(resolve, 0);
    };
    setTimeout(give, 0);
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
    var ask = function () {
      import(script.src).catch(function (error) {
        if (window.console) console.error("Geotour: " + script.src + " did not load:", error);
      });
    };
    // data-when-open: the module of a box in a closed menu, asked for when the menu opens; at once where this
    // phone keeps what the module looks after (a key of the phone's storage, which the site's page.js reads:
    // the map itself, embedded in other sites, keeps nothing), e.g. a saved geopark it refreshes.
    var menu = script.hasAttribute("data-when-open") && script.closest("details"),
      kept = menu && GEOTOUR.page && GEOTOUR.page.keeps(script.getAttribute("data-when-open"));
    if (menu && !menu.open && !kept) menu.addEventListener("toggle", ask, { once: true });
    else ask();
  });
}

/* What waited for the first markers: the page's other modules, and the overview's locate control; each
 * asked for in a task of its own (a slow phone spends tens of milliseconds starting each). */
Geotour.prototype.afterMap = function () {
  setTimeout(askAfterMap, 0);
  setTimeout(this.addLocate.bind(this), 0);
};

/* The map's own modules for what comes after the first markers (static/js/map/; their names in the page's
 * import map are cfg.later, from maps.MAP_LATER): each adds its methods to Geotour. Asked for once; if one
 * cannot come (offline, never saved), the next call asks again. */
Geotour.prototype.more = function () {
  var self = this;
  if (!this.moreModules)
    this.moreModules = new Promise(function (resolve) {
      setTimeout(resolve, 0); // in a task of its own, like afterMap's
    })
      .then(function () {
        return Promise.all(
          self.cfg.later.map(function (name) {
            return import(name);
          }),
        );
      })
      .then(
        function () {
          // The search box above the overview (static/js/map/finder.js); until now its form waited.
          if (self.form && !self.finder) self.finder = self.makeFinder(self.form);
        },
        function (error) {
          self.moreModules = null;
          throw error;
        },
      );
  return this.moreModules;
};

/* The groups the visitor switched off in the map's layer list: no chip of the search box and no layer coming
 * in turns them back on (a phone on a weak link has seconds to do it before the last layer comes). Leaflet's
 * control adds or removes the layer on the click; the change comes after it, and its input names the layer. */
Geotour.prototype.watchLayerList = function () {
  var self = this,
    layers = this.map.getContainer().querySelector(".leaflet-control-layers");
  this.off = {};
  if (layers)
    layers.addEventListener("change", function (event) {
      Object.keys(self.groups).forEach(function (key) {
        if (L.stamp(self.groups[key]) === event.target.layerId) self.off[key] = !event.target.checked;
      });
    });
};

/* The overview's locate control (its `locate` setting, geotour/web/maps.py). Its button is on the map once the
 * first markers are drawn, drawn as the control draws its own, with the control's style; the control's script
 * (5 kB that few visitors use) is asked for on the first tap, and the control then takes the button's place
 * and starts at once. Offline the script comes from the saved shell; if it cannot come, the button says so
 * and the next tap asks again. */
Geotour.prototype.addLocate = function () {
  var self = this,
    locate = this.cfg.locate;
  if (!locate || this.locate) return;
  if (!document.querySelector('link[href="' + locate.style + '"]')) {
    var style = el("link", { rel: "stylesheet", href: locate.style });
    document.head.appendChild(style);
  }
  var title = locate.options.strings.title,
    button = L.control({ position: locate.options.position });
  button.onAdd = function () {
    var box = el("div", { class: "leaflet-control-locate leaflet-bar leaflet-control" }),
      link = box.appendChild(
        el("a", {
          class: "leaflet-bar-part leaflet-bar-part-single",
          href: "#",
          role: "button",
          title: title,
          "aria-label": title,
        }),
      ),
      icon = link.appendChild(
        el("span", { class: "leaflet-control-locate-location-arrow leaflet-locate-icon" }),
      );
    L.DomEvent.disableClickPropagation(box);
    link.addEventListener("click", function (event) {
      event.preventDefault();
      if (self.locate !== button) return; // asked already
      self.locate = "asked";
      icon.className = "leaflet-control-locate-spinner leaflet-locate-icon";
      self.locateScript().then(
        function () {
          quietLocate();
          self.map.removeControl(button);
          self.locate = L.control.locate(locate.options).addTo(self.map);
          self.locate.start();
        },
        function () {
          self.locate = button;
          icon.className = "leaflet-control-locate-location-arrow leaflet-locate-icon";
          self.showStatus(self.t.locate_failed);
        },
      );
    });
    return box;
  };
  this.locate = button.addTo(this.map);
};

/* The locate control's script, asked for once at a time. */
Geotour.prototype.locateScript = function () {
  var src = this.cfg.locate.script;
  if (window.L && L.Control.Locate) return Promise.resolve();
  return new Promise(function (resolve, reject) {
    var script = el("script", { src: src });
    script.onload = resolve;
    script.onerror = function () {
      script.remove();
      reject(new Error(src + " did not load"));
    };
    document.head.appendChild(script);
  });
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
      self.snapshots[entry.id] = (entry.map_snapshot_urls || {})[self.cfg.lang] || entry.map_snapshot_url;
    });
  });
};

/* A layer's snapshot: its places, each with its id and layer in its properties, as the rest of the map reads
 * them (the map's view says each once, for the whole collection: places._as_the_map_shows). */
Geotour.prototype.loadSnapshot = function (layerId) {
  return this.fetchJSON(this.snapshots[layerId], true).then(function (collection) {
    var features = collection.features || [];
    features.forEach(function (feature) {
      var props = feature.properties || (feature.properties = {});
      if (props.id === undefined) props.id = feature.id;
      if (props.layer === undefined) props.layer = collection.layer || layerId;
    });
    return features;
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

Geotour.prototype.loadOverview = function () {
  var self = this,
    cluster = this.cluster();
  return this.loadCatalogue().then(function () {
    if (cluster) self.map.removeLayer(cluster); // it takes the first markers off the map (showCluster)
    // Each place layer is drawn as soon as its snapshot comes, one after the other, and the first one drawn
    // puts the cluster on the map. The page preloads only the first layer's (templates/_snapshots.html): on a
    // weak link the first markers then share the line with Leaflet and nothing else, and the other layers
    // follow a moment later. The page's other modules, and the map's own for what comes after the first
    // markers (more), are asked for once the first markers are drawn.
    var queue = Promise.resolve(),
      first = null,
      drawnFirst;
    var firstDrawn = new Promise(function (resolve) {
      drawnFirst = resolve;
    });
    var draw = function () {
      if (!first) {
        first = Promise.resolve(cluster && showCluster(self.map, cluster)).finally(self.afterMap.bind(self));
        drawnFirst(first);
      }
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
    var villages = firstDrawn
      .then(function () {
        return self.more();
      })
      .then(function () {
        return self.loadVillages();
      });
    return Promise.all([shown, self.loadBoundary(), villages]).then(function (done) {
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
      return self.more(); // a place's popup (?site=), the search box
    })
    .then(function () {
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
// plugin and before the map's own script), and on the overview when the first tap on its button has loaded it.
function quietLocate() {
  var Locate = window.L && L.Control.Locate && L.Control.Locate.LocateControl;
  if (Locate && Locate.prototype.options) Locate.prototype.options.onLocationError = function () {};
}
quietLocate();

// The one global: Folium's map script calls Geotour.mount; the site's pages add Geotour.page (offline/page.js).
// The map's later modules (static/js/map/) extend this module's Geotour through Geotour.lib: an import of
// this file could be a second copy of it, if the page named it by another URL (a map rendered before an
// edit, under `make run`), and a second copy's Geotour is not the one on the map.
const GEOTOUR = (window.Geotour ??= {});
Object.assign(GEOTOUR, {
  lib: {
    Geotour: Geotour,
    el: el,
    safeHref: safeHref,
    position: position,
    statusNow: statusNow,
    partnerNow: partnerNow,
  },
  mount: function (map, cfg, groups) {
    var app = new Geotour(map, cfg, groups);
    // A page saved before the cluster's name was translated has no cfg.t.cluster: markercluster's own icon.
    var cluster = app.cluster();
    if (cluster && cfg.t.cluster) cluster.options.iconCreateFunction = clusterIcon(cfg.t.cluster);
    map.getContainer().geotour = app; // for the browser tests' assertions (what is on screen), never for behaviour
    GEOTOUR.map = map; // the page's map, for the alerts' areas (alerts.js), told by an event when it comes
    document.dispatchEvent(new CustomEvent("geotour:map"));
    translateControls(map, cfg.t);
    app.watchLayerList();
    app.form = cfg.mode === "overview" && !cfg.embed ? document.querySelector(".gt-find") : null;
    if (app.form)
      app.form.addEventListener("submit", function (event) {
        if (!app.finder) event.preventDefault(); // a search sent before the search box is ready: no reload
      });
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
        app.more().then(function () {
          app.showNearMe(event.latlng);
        });
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
    // In a task of its own: asking for the layers (fetch, the boundary, the cluster taken off the map) took as
    // long again as all the above, which ends the task that made the map.
    setTimeout(app.start.bind(app), 0);
    setTimeout(app.afterMap.bind(app), AFTER_MAP_MS);
    return app;
  },
});
