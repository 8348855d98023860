/* Embed builder: the form drives a live preview iframe; moving the preview map sets the view. An ES module. */
import { copyText } from "geotour/copy";

const root = document.querySelector(".gt-builder");
if (root) start(root);

function start(root) {
  var form = document.getElementById("builder");
  var preview = document.getElementById("preview");
  var snippet = document.getElementById("snippet");
  var view = null;

  function escapeAttr(text) {
    return String(text)
      .replace(/&/g, "&amp;")
      .replace(/"/g, "&quot;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;");
  }

  function checked(name) {
    var all = form.querySelectorAll('input[name="' + name + '"]');
    var on = Array.prototype.filter
      .call(all, function (i) {
        return i.checked;
      })
      .map(function (i) {
        return i.value;
      });
    return on.length === all.length ? null : on; // everything ticked: leave the parameter out
  }

  function embedUrl(withView) {
    var query = new URLSearchParams();
    var layers = checked("layers"),
      categories = checked("category");
    if (layers) query.set("layers", layers.join(","));
    if (categories) query.set("category", categories.join(","));
    if (form.site.value)
      query.set("site", form.site.value); // the embed centres on it and opens its card
    else if (withView && view) {
      query.set("center", view.lat + "," + view.lon);
      query.set("zoom", view.zoom);
    }
    query.set("lang", form.lang.value);
    if (form.basemap.value !== "osm") query.set("basemap", form.basemap.value);
    return root.getAttribute("data-embed-url") + "?" + query.toString();
  }

  function size(input) {
    return Math.max(200, Math.min(2000, parseInt(input.value, 10) || 480));
  }

  function updateSnippet() {
    snippet.value =
      '<iframe src="' +
      escapeAttr(embedUrl(true)) +
      '" width="' +
      size(form.width) +
      '" height="' +
      size(form.height) +
      '" frameborder="0" style="border:0;max-width:100%" loading="lazy" ' +
      'title="Geotour CPUGG"></iframe>';
  }

  function reloadPreview() {
    preview.width = size(form.width);
    preview.height = size(form.height);
    preview.src = embedUrl(true);
    updateSnippet();
  }

  window.addEventListener("message", function (event) {
    if (event.source !== preview.contentWindow || !event.data || event.data.type !== "geotour:view") return;
    view = { lat: event.data.lat, lon: event.data.lon, zoom: event.data.zoom };
    updateSnippet(); // the preview already shows this view; only the code changes
  });
  form.addEventListener("change", reloadPreview);
  document.getElementById("copy").addEventListener("click", function () {
    snippet.select();
    copyText(snippet.value).then(function (copied) {
      // Not copied (a browser that refuses): the code stays selected, and the hint says to copy it by hand.
      document.getElementById("copied").textContent = copied ? root.dataset.copied : root.dataset.byHand;
    });
  });
  reloadPreview();
}
