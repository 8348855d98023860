/* The overview's search box and type chips: suggestions as the visitor types, filters kept in the URL. Loaded
 * with the map's other modules once the first markers are drawn (Geotour.prototype.more in
 * static/js/geotour-map.js); a search sent before then waits for it. */
import { fold, score } from "geotour/search";
import { bindForm, writeState } from "geotour/place-search";
import { searchResult } from "geotour/count";
const { Geotour, el, partnerNow } = window.Geotour.lib; // geotour-map.js

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
  var off = app.off; // what the visitor switched off in the layer list (Geotour.prototype.watchLayerList)
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

Geotour.prototype.makeFinder = function (form) {
  return new Finder(this, form);
};
