/* A place's popup on the map: photo, type, badges, today's status, contact links and the nearest few of the
 * other kind; and "+ My trip" in the popups of places and routes. Loaded once the first markers are drawn
 * (Geotour.prototype.more in static/js/geotour-map.js); until then a popup opened early says "loading".
 * Every string from data goes into the page through textContent or setAttribute, never as HTML. */
import { formatDistance, geodesic, bearing } from "geotour/distance";
import { count } from "geotour/count";
import { directionsTo } from "geotour/directions";
const { Geotour, el, safeHref, position, statusNow, partnerNow } = window.Geotour.lib; // geotour-map.js

// What the nearby list keeps for each of its rows, in em, while it loads and after: a row is two lines of
// text (its name; its distance and type), each cut short rather than wrapped (static/css/geotour.css), and
// its margin.
const NEARBY_ROW_EM = 3;

/* A distance said as the server's i18n.format_distance says it (lib/distance.js, cfg.distance). */
Geotour.prototype.formatDistance = function (metres) {
  return formatDistance(metres, this.cfg.distance);
};
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
Geotour.prototype.viaHost = function (props, what, label, extra, query) {
  var href = this.cfg.go + what + "/" + encodeURIComponent(props.id) + "?src=embed" + (query || "");
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

/* "Go there": the maps app's directions, straight to it (lib/directions.js makes the place page's links), so
   that it opens with no signal too; the tap is counted on the side (static/js/count.js), as WhatsApp's. An
   estimated point is searched by its name, which the maps app may know better: the place page's first choice
   too. No button for a sample business, whose place is made up (as its number is; /go/ answers 404), nor in
   a sandboxed frame with no way out (it could open nothing); in WordPress the host page opens it through /go/,
   where the server counts it. */
Geotour.prototype.directionsLink = function (props, latlng) {
  var approximate = position(props).approximate;
  var to = approximate ? "search_google" : "google";
  var attrs = { title: approximate ? this.t.directions_by_name : this.t.directions };
  var embed = (this.cfg.embed && window.GeotourEmbed) || {};
  if (props.sample || (embed.sandboxed && !embed.viaHost)) return null;
  if (embed.viaHost) return this.viaHost(props, "directions", this.t.go_there, attrs, "&to=" + to);
  var href = directionsTo(latlng[1], latlng[0], props.name)[to];
  attrs = this.counted(props, "directions", Object.assign(attrs, { class: "gt-btn", href: href }));
  return el("a", Object.assign(attrs, { target: "_blank", rel: "noopener" }), this.t.go_there);
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
  // What to do comes first, where a phone's card shows it unscrolled (a card holds 60 % of the screen): call
  // or message a business; the place's page, the way there and "+ My trip". Then what it is, and what is near.
  if (style.kind === "msme") root.appendChild(this.contactLinks(props));
  var actions = root.appendChild(el("p", { class: "gt-popup__actions" }));
  actions.appendChild(
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
  var go = this.directionsLink(props, feature.geometry.coordinates);
  if (go) actions.appendChild(go);
  if (!this.cfg.embed)
    actions.appendChild(
      this.tripButton(props.id, style.kind === "msme" ? "msme" : "site", props.name, this.pageUrl(props)),
    );
  // cut to a card's length by the server (geotour/domain/places.py, card_text); the place's page has it whole
  var description = this.localized(props, "description");
  if (description) root.appendChild(el("p", { class: "gt-popup__desc" }, description));
  // A sample business's card says so once, in its notice at the top (contactLinks); anything else tags it.
  if (props.sample && style.kind !== "msme") root.appendChild(el("p", { class: "gt-tag" }, this.t.sample));
  if (props.opening_hours)
    root.appendChild(el("p", { class: "gt-popup__hours" }, this.t.hours + ": " + props.opening_hours));
  var nearbyTitle = style.kind === "msme" ? this.t.nearby_sites : this.t.nearby_msmes;
  root.appendChild(el("h3", { class: "gt-popup__sub" }, nearbyTitle));
  var near = this.cfg.popup_nearby[style.kind === "msme" ? "msme" : "attraction"];
  var list = el("ul", { class: "gt-popup__nearby", "aria-live": "polite" });
  list.appendChild(el("li", {}, this.t.loading));
  // The list's room, kept from the start: a list that grew when it came moved what stands above it (a card
  // stands on its marker) or made the map pan the card, under a finger on its way to a button; and where a
  // card is taller than its room and scrolls, a list that shrank moved what stands below it.
  list.style.minHeight = near.limit * NEARBY_ROW_EM + "em";
  root.appendChild(list);
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
    // Offline on a weak link, the note takes a line more than the room (the card's only growth).
    if (saved) list.appendChild(el("li", { class: "gt-popup__saved" }, self.t.from_saved));
    if (!features.length) list.appendChild(el("li", {}, self.t.none_nearby));
    features.forEach(function (f) {
      // Two lines whatever the name's length: the name (whole in its title), then how far and what.
      var name = el("span", { class: "gt-popup__near-name" });
      name.appendChild(
        el("a", { href: self.pageUrl(f.properties), title: f.properties.name }, f.properties.name),
      );
      if (f.properties.sample) name.appendChild(el("span", { class: "gt-tag" }, self.t.sample));
      var s = self.styleFor(f.properties);
      var what =
        self.distanceText(f.properties.distance_m, about || position(f.properties).approximate) +
        " · " +
        (s.categoryTitle || s.layerTitle);
      var item = el("li", {});
      item.appendChild(name);
      item.appendChild(el("span", { class: "gt-popup__near-what" }, what));
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

/* Run when a place's popup opens (its marker's popupopen, in geotour-map.js): count it, and fetch the nearest
 * few. The popup grows when the list arrives: update() re-measures it and pans it back on screen. */
Geotour.prototype.popupOpened = function (marker, props, popup) {
  count("popup", props.id);
  marker._gtContent._fillNearby(function () {
    if (popup.isOpen()) popup.update();
  });
};
