/* The office draws where an alert applies (templates/moderation/alerts.html): each tap on the map adds a
 * corner; the polygon goes into the form's hidden "area" field as GeoJSON (lon/lat), which the server
 * checks (geotour.contributions.alerts.check_area). Leaflet is loaded before this module (deferred). */

const box = document.querySelector(".gt-area");

function start() {
  const input = box.querySelector("input[name=area]");
  const count = box.querySelector(".gt-area__count");
  const undo = box.querySelector(".gt-area__undo");
  const clear = box.querySelector(".gt-area__clear");
  const el = box.querySelector(".gt-area__map");
  const centre = document.querySelector('meta[name="geotour-map-center"]').content.split(",").map(Number);
  const map = L.map(el, { scrollWheelZoom: false }).setView(centre, 10);
  L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map);
  const outline = L.polygon([], { color: "#b91c1c", weight: 2 }).addTo(map);
  const corners = L.layerGroup().addTo(map);
  let points = [];
  try {
    const sent = JSON.parse(input.value || "null"); // the form came back with problems: keep what was drawn
    if (sent && sent.type === "Polygon") points = sent.coordinates[0].slice(0, -1);
  } catch {
    points = [];
  }

  function draw() {
    outline.setLatLngs(points.map(([lon, lat]) => [lat, lon]));
    corners.clearLayers();
    for (const [lon, lat] of points)
      L.circleMarker([lat, lon], { radius: 5, color: "#b91c1c" }).addTo(corners);
    // One or two corners are sent too: the server says an area needs three, instead of taking none.
    input.value = points.length
      ? JSON.stringify({ type: "Polygon", coordinates: [[...points, points[0]]] })
      : "";
    count.textContent = points.length ? count.dataset.template.replace("__N__", String(points.length)) : "";
    undo.disabled = clear.disabled = !points.length;
  }

  map.on("click", (event) => {
    points.push([+event.latlng.lng.toFixed(6), +event.latlng.lat.toFixed(6)]);
    draw();
  });
  undo.addEventListener("click", () => {
    points.pop();
    draw();
  });
  clear.addEventListener("click", () => {
    points = [];
    draw();
  });
  if (points.length) map.fitBounds(outline.getBounds(), { maxZoom: 14 });
  draw();
}

if (box && window.L) start();
