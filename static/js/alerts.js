/* The tourism office's alerts on every page (templates/base.html): those running now that concern the page (the
 * whole geopark everywhere; a place's on its page and on the map), each with its end, "as of" when this phone got
 * them, and a WhatsApp share. Asked for on every visit (the service worker keeps the answer for offline, and so
 * does this page); each alert ends by itself at its end time, offline too. */

import { whenWIB, wibMonth } from "geotour/time";

const box = document.querySelector(".gt-alerts");
const KEY = "geotour-alerts";
const lang = document.documentElement.lang === "en" ? "en" : "id";
let timer = null;

function when(iso) {
  return whenWIB(iso, lang);
}

async function load(url) {
  try {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(String(response.status));
    const data = await response.json();
    const state = { asOf: response.headers.get(box.dataset.savedHeader) || data.as_of, alerts: data.alerts };
    try {
      localStorage.setItem(KEY, JSON.stringify(state));
    } catch {
      /* private mode: the service worker's copy is enough */
    }
    window.Geotour?.page?.keep([new URL(url, location.href).href]); // a first visit: hand it to the worker
    return state;
  } catch {
    try {
      return JSON.parse(localStorage.getItem(KEY) || "null");
    } catch {
      return null;
    }
  }
}

function card(alert, asOf, onMap) {
  const levels = JSON.parse(box.dataset.levels);
  const title = alert.title[lang] || alert.title.id;
  const text = alert.text[lang] || alert.text.id;
  const where = alert.area
    ? box.dataset.area + ": "
    : onMap && alert.places.length
      ? alert.places.map((p) => p.name).join(", ") + ": "
      : "";
  const until = box.dataset.until.replace("__TIME__", when(alert.ends_at));
  const item = document.createElement("details");
  item.className = `gt-alert gt-alert--${alert.level}`;
  item.open = alert.level === "danger";
  const summary = document.createElement("summary");
  summary.textContent = `${levels[alert.level] || ""}: ${where}${title}`;
  const body = document.createElement("p");
  body.textContent = text;
  const meta = document.createElement("p");
  const small = document.createElement("small");
  small.textContent = `${until} · ${box.dataset.asOf.replace("__TIME__", when(asOf))} `;
  const share = document.createElement("a");
  const page =
    alert.places.length === 1 ? new URL(alert.places[0].url, location.origin).href : location.origin + "/";
  share.href = "https://wa.me/?text=" + encodeURIComponent(`${title}: ${text} (${until}) ${page}`);
  share.rel = "noopener";
  share.textContent = box.dataset.share;
  meta.append(small, share);
  item.append(summary, body, meta);
  return item;
}

const COLOURS = { info: "#1d4ed8", warning: "#b45309", danger: "#b91c1c" };
let areas = null;

/* The areas of the alerts shown, outlined on the page's map (once the map is there). */
function outline(running) {
  const map = window.Geotour?.map;
  const drawn = running.filter((a) => a.area);
  if (!map || !window.L) {
    if (drawn.length) document.addEventListener("geotour:map", () => outline(running), { once: true });
    return;
  }
  if (areas) areas.remove();
  areas = drawn.length
    ? L.layerGroup(
        drawn.map((a) =>
          L.geoJSON(a.area, {
            interactive: false,
            style: { color: COLOURS[a.level], weight: 2, dashArray: "6 4", fillOpacity: 0.08 },
          }),
        ),
      ).addTo(map)
    : null;
}

/* The map sits below the banner: it is told the banner's height. */
function measure() {
  const height = box.hidden ? "0px" : box.offsetHeight + "px";
  // Unset reads as 0px: a page with no alert must not make the map re-measure (a resize while a ?site= popup
  // opens through its cluster left the popup's circle behind).
  if ((document.documentElement.style.getPropertyValue("--gt-alerts-h") || "0px") !== height) {
    document.documentElement.style.setProperty("--gt-alerts-h", height);
    window.dispatchEvent(new Event("resize")); // the map is shorter or taller now
  }
}

function show(state) {
  clearTimeout(timer);
  const now = Date.now();
  // The page's place, or a route and its stops (data-alert-ids): an alert on any of them is shown here.
  const listed = document.querySelector("[data-alert-ids]")?.dataset.alertIds;
  const place = document.querySelector("[data-place-id]")?.dataset.placeId || null;
  const here = listed ? JSON.parse(listed) : [place];
  const onMap = !!document.querySelector(".gt-main--map");
  const alerts = (state && state.alerts) || [];
  const month = wibMonth(now);
  const running = alerts.filter(
    (a) =>
      !a.withdrawn_at &&
      (!a.months || !a.months.length || a.months.includes(month)) &&
      Date.parse(a.starts_at) <= now &&
      now < Date.parse(a.ends_at) &&
      (!a.places.length || onMap || a.places.some((p) => here.includes(p.id))),
  );
  box.replaceChildren(...running.map((a) => card(a, state.asOf, onMap)));
  outline(running);
  box.hidden = running.length === 0;
  measure();
  // Shown and hidden at their own times, with no reload and no signal (a new month: within the hour).
  const next = alerts
    .flatMap((a) => [
      Date.parse(a.starts_at),
      Date.parse(a.ends_at),
      a.months && a.months.length ? now + 36e5 : 0,
    ])
    .filter((t) => t > now)
    .sort((a, b) => a - b)[0];
  if (next) timer = setTimeout(() => show(state), Math.min(next - now + 500, 2 ** 31 - 1));
}

// Loaded async (templates/base.html): what show() reads further down the page may not be parsed yet.
const parsed = new Promise((resolve) => {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", resolve);
  else resolve();
});

if (box) {
  Promise.all([load(box.dataset.url), parsed]).then(([state]) => show(state));
  box.addEventListener("toggle", measure, true);
}
