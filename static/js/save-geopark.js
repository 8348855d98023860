/* "Save the whole geopark" (templates/_save_geopark.html): the server lists what to keep, with each file's
 * measured size and a tag (GET /api/v1/offline/geopark); the service worker keeps them in its own cache,
 * which browsing never trims, fetching only files whose tag changed, and tells every page how far it got.
 * The browser is asked to keep the site's storage for good (navigator.storage.persist). Back online on a
 * phone that saved the geopark, the list is asked again and only what changed is fetched. */

import { whenWIB } from "geotour/time";

const box = document.querySelector(".gt-save-geopark");
const sw = "serviceWorker" in navigator && window.caches ? navigator.serviceWorker : null;
const KEY = "geotour-saved-geopark"; // {at, count}: this phone saved the geopark, and when
const lang = document.documentElement.lang === "en" ? "en" : "id";
// Made when first needed: making a number format (the locale's data) takes a slow phone ~100 ms.
let numberFormat = null;
const number = {
  format: (n) =>
    (numberFormat ||= new Intl.NumberFormat(lang === "en" ? "en" : "id", {
      maximumFractionDigits: 1,
    })).format(n),
};
let list = null;

const part = (name) => box.querySelector(`.gt-save-geopark__${name}`);
const fill = (template, values) =>
  Object.entries(values).reduce((text, [key, value]) => text.replace(`__${key}__`, value), template);

function savedState() {
  try {
    return JSON.parse(localStorage.getItem(KEY) || "null");
  } catch {
    return null;
  }
}

async function measure() {
  let response;
  // The server measures every page once per data version: meanwhile it answers 202 with Retry-After.
  for (let tries = 0; tries < 90; tries++) {
    response = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
    if (response.status !== 202) break;
    const wait = Number(response.headers.get("Retry-After")) || 2;
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
  }
  if (!response.ok || response.status === 202) throw new Error(String(response.status));
  list = await response.json();
  let text = fill(box.dataset.size, {
    PAGES: number.format(list.pages),
    PHOTOS: number.format(list.photos),
    MB: number.format(list.bytes / 1e6),
  });
  if (list.tiles) text += " " + fill(box.dataset.tiles, { N: number.format(list.tiles) });
  if (list.left_out) text += " " + fill(box.dataset.leftOut, { N: list.left_out, MAX: list.pages });
  part("size").textContent = text;
  part("start").disabled = false;
  return list;
}

async function space() {
  if (!navigator.storage || !navigator.storage.estimate) return;
  const { quota, usage } = await navigator.storage.estimate();
  if (quota)
    part("space").textContent = fill(box.dataset.space, { FREE: number.format((quota - usage) / 1e6) });
}

function showSaved() {
  const state = savedState();
  part("drop").hidden = !state;
  if (state) part("status").textContent = fill(box.dataset.savedAt, { TIME: whenWIB(state.at, lang) });
}

async function start() {
  part("start").disabled = true;
  if (!list) await measure();
  let kept = false;
  if (navigator.storage && navigator.storage.persist) kept = await navigator.storage.persist();
  part("space").textContent = kept ? box.dataset.keptForGood : box.dataset.mayClear;
  part("bar").hidden = false;
  part("bar").value = 0;
  const reg = await sw.ready;
  reg.active.postMessage({ type: "save-geopark", lang, files: list.files.map((f) => [f.url, f.tag]) });
}

function heard(event) {
  const data = event.data || {};
  if (data.type !== "save-geopark") return;
  const status = part("status");
  if (data.state === "progress") {
    part("bar").hidden = false;
    part("bar").value = data.done / data.total;
    status.textContent = fill(box.dataset.progress, { DONE: data.done, TOTAL: data.total });
  } else if (data.state === "done" || data.state === "failed") {
    part("bar").value = 1;
    part("start").disabled = false;
    if (data.failed) status.textContent = fill(box.dataset.failed, { N: data.failed });
    else {
      try {
        localStorage.setItem(KEY, JSON.stringify({ at: new Date().toISOString(), count: data.total }));
      } catch {
        /* private mode */
      }
      status.textContent = fill(box.dataset.done, { FETCHED: data.fetched });
      part("drop").hidden = false;
    }
  } else if (data.state === "dropped") {
    localStorage.removeItem(KEY);
    part("drop").hidden = true;
    part("bar").hidden = true;
    status.textContent = box.dataset.dropped;
  }
}

/* Back online on a phone that saved the geopark: fetch what changed, quietly. */
async function refresh() {
  if (!savedState() || !navigator.onLine) return;
  try {
    await measure();
    await start();
  } catch {
    /* no signal after all: next time */
  }
}

if (box && sw) {
  box.hidden = false;
  sw.addEventListener("message", heard);
  part("start").addEventListener("click", () => start().catch(() => (part("start").disabled = false)));
  part("drop").addEventListener("click", async () =>
    (await sw.ready).active.postMessage({ type: "drop-geopark" }),
  );
  showSaved();
  const details = box.closest("details");
  // Asked when the visitor opens the box (at once when it is open): on the map it is closed, and its number
  // format costs a slow phone a long task while the map draws.
  const go = () => {
    space().catch(() => {});
    if (savedState()) refresh();
    else measure().catch(() => (part("size").textContent = box.dataset.noSignal));
  };
  if (details && !details.open) details.addEventListener("toggle", go, { once: true });
  else go();
  document.addEventListener("geotour:online", () => refresh());
}
