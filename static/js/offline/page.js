/* Offline support for every page of the site (templates/base.html; never embeds): the service worker, handing
 * it what this first visit loaded, the banner that says the data is the saved copy and from when, and asking
 * the worker to send contributions that wait on the phone. Other scripts reach it as window.Geotour.page. */

import { whenWIB } from "geotour/time";

const banner = document.querySelector(".gt-offline");
const lang = document.documentElement.lang;
const sw = "serviceWorker" in navigator ? navigator.serviceWorker : null;
const firstVisit = !!sw && !sw.controller; // what this page loads now never went through the service worker
const NEAR_ME = "geotour-last-near-me";
let savedAt = null;
let weak = false;

function when(iso) {
  return whenWIB(iso, lang);
}

function update() {
  const offline = !navigator.onLine;
  banner.hidden = !(offline || weak);
  let text = offline ? banner.getAttribute("data-offline") : banner.getAttribute("data-weak");
  if (savedAt) text += " " + banner.getAttribute("data-saved").replace("__TIME__", when(savedAt));
  banner.textContent = text;
  const height = banner.hidden ? "0px" : banner.offsetHeight + "px";
  if (document.documentElement.style.getPropertyValue("--gt-offline-h") !== height) {
    document.documentElement.style.setProperty("--gt-offline-h", height);
    window.dispatchEvent(new Event("resize")); // the map is shorter or taller now: Leaflet re-measures it
  }
}

function tell(message) {
  if (!sw) return;
  message.lang = lang;
  sw.ready.then((reg) => {
    if (reg.active) reg.active.postMessage(message);
  });
}

function flushOutbox() {
  if (document.querySelector(".gt-outbox")) return; // a contributor page sends them itself
  try {
    if (navigator.onLine && localStorage.getItem("geotour-outbox-pending")) tell({ type: "flush-outbox" });
  } catch {
    /* private mode: nothing waits */
  }
}

const page = {
  /* A response came from the phone's saved copy (saved at `iso`); `fallback`: the network did not answer. */
  saved(iso, fallback) {
    if (iso && (!savedAt || iso < savedAt)) savedAt = iso;
    if (fallback) weak = true;
    update();
  },
  /* Hand what this page fetched to the service worker when it did not control the page yet (a first visit). */
  keep(urls) {
    if (firstVisit) tell({ type: "keep", urls });
  },
  /* Keep these pages on the phone now, whether or not this is a first visit, apart from the pages browsing
   * keeps (a place added to the trip must not be pushed out by the next sixty pages seen). */
  save(urls) {
    tell({ type: "keep", urls, lasting: true });
  },
  flushOutbox,
  /* The last "near me" answer stays on the phone, for when the signal is gone. */
  rememberNearMe(data) {
    try {
      localStorage.setItem(NEAR_ME, JSON.stringify({ at: new Date().toISOString(), data }));
    } catch {
      /* private mode: not kept */
    }
  },
  /* Whether this phone keeps something under this localStorage key (the map asks before it loads a module that
   * looks after it: geotour-map.js, askAfterMap; embeds, which have no page.js, keep nothing). */
  keeps(key) {
    try {
      return !!localStorage.getItem(key);
    } catch {
      return false;
    }
  },
  lastNearMe() {
    try {
      return JSON.parse(localStorage.getItem(NEAR_ME) || "null");
    } catch {
      return null;
    }
  },
};
(window.Geotour ??= {}).page = page;

if (sw) {
  const start = () => {
    sw.register("/sw.js").catch(() => {});
    if (firstVisit) page.keep([location.href]);
    else tell({ type: "hello" });
    flushOutbox();
  };
  if (document.readyState === "complete") start();
  else window.addEventListener("load", start);
}
if (!navigator.onLine && window.caches) {
  caches.match(location.href, { ignoreVary: true }).then((r) => {
    if (r) page.saved(r.headers.get(banner.getAttribute("data-saved-header")));
  });
}
window.addEventListener("online", () => {
  weak = false;
  update();
  flushOutbox();
  document.dispatchEvent(new Event("geotour:online"));
});
window.addEventListener("offline", update);
update();
