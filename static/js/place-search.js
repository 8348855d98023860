/* Search and type filters: the matching rules shared by the map (geotour-map.js) and the list (/places).
 * Names match ignoring case and accents, alternative names included; the state is kept in the URL
 * (?q= and ?type=a,b) so a shared link reproduces the view. Text goes into the page only as textContent.
 * An ES module: the map (geotour-map.js) imports it; on /places it wires the list. */
import { fold, score, plainName } from "geotour/search";
import { searchResult } from "geotour/count";

export function readState() {
  var params = new URLSearchParams(window.location.search);
  var types = params.getAll("type").join(",").split(",").filter(Boolean);
  return { q: params.get("q") || "", types: types };
}

export function writeState(state, extra) {
  var params = new URLSearchParams(window.location.search);
  params.delete("q");
  params.delete("type");
  if (state.q) params.set("q", state.q);
  if (state.types.length) params.set("type", state.types.join(","));
  Object.keys(extra || {}).forEach(function (k) {
    if (extra[k] === null) params.delete(k);
    else params.set(k, extra[k]);
  });
  var query = params.toString();
  history.replaceState(
    history.state,
    "",
    window.location.pathname + (query ? "?" + query : "") + window.location.hash,
  );
}

/* Wire the search form: onChange({q, types}) runs on every keystroke and chip tap. */
export function bindForm(form, onChange) {
  var input = form.querySelector(".gt-find__q");
  var boxes = Array.prototype.slice.call(form.querySelectorAll(".gt-chips input[type=checkbox][name=type]"));
  function state() {
    return {
      q: input.value.trim(),
      types: boxes
        .filter(function (b) {
          return b.checked;
        })
        .map(function (b) {
          return b.value;
        }),
    };
  }
  function changed() {
    var s = state();
    writeState(s);
    onChange(s);
  }
  input.addEventListener("input", changed);
  boxes.forEach(function (b) {
    b.addEventListener("change", changed);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    onChange(state(), true);
  });
  var initial = readState();
  if (initial.q && !input.value) input.value = initial.q;
  boxes.forEach(function (b) {
    if (initial.types.indexOf(b.value) >= 0) b.checked = true;
  });
  return {
    state: state,
    input: input,
    boxes: boxes,
    set: function (types) {
      boxes.forEach(function (b) {
        b.checked = types.indexOf(b.value) >= 0;
      });
      changed();
    },
  };
}

/* The /places list: hide what does not match, and say so when nothing does. */
function placesPage(main) {
  var form = main.querySelector(".gt-find");
  var items = Array.prototype.slice.call(main.querySelectorAll(".gt-places__item"));
  var none = main.querySelector(".gt-places__none");
  var partner = form.querySelector(".gt-find__partner"); // geopark partners only
  var controls = bindForm(form, function (s) {
    var q = fold(s.q),
      any = false,
      partnersOnly = Boolean(partner && partner.checked);
    items.forEach(function (li) {
      var shown =
        (!s.types.length || s.types.indexOf(li.getAttribute("data-filter")) >= 0) &&
        (!q || li.getAttribute("data-search").indexOf(q) >= 0) &&
        (!partnersOnly || li.hasAttribute("data-partner"));
      li.hidden = !shown;
      any = any || shown;
    });
    main.querySelectorAll(".gt-area").forEach(function (section) {
      section.hidden = !section.querySelector(".gt-places__item:not([hidden])");
      var details = section.querySelector(".gt-places__businesses");
      if (details && (q || s.types.length || partnersOnly)) details.open = true;
    });
    if (none) none.hidden = any;
    if (!s.types.length && !partnersOnly) searchResult(s.q, any); // a search that found nothing (/privasi)
  });
  if (partner)
    partner.addEventListener("change", function () {
      writeState(controls.state(), { partner: partner.checked ? "1" : null });
      controls.input.dispatchEvent(new Event("input"));
    });
}

export { fold, score, plainName };

document.addEventListener("DOMContentLoaded", () => {
  const main = document.querySelector(".gt-places");
  if (main) placesPage(main);
});
