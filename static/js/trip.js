/* "+ Perjalanan saya" on every page (templates/base.html): the buttons on places' and routes' pages and in
 * the map's popups (data-trip: {id, kind, name, url}) add the place to the trip list the phone keeps; its page
 * is saved for offline at once. The bar's "My trip" link shows while the list holds something. Other scripts
 * reach it as window.Geotour.trip (the map asks whether a popup's place is in the list). */

import { KEY, add, load, store } from "geotour/trip-list";

const mine = () => load();

function has(id) {
  return mine().some((e) => e.id === id);
}

/* A button for a place already in the list says so, and stays a link to the list. */
function mark(buttonEl) {
  const entry = JSON.parse(buttonEl.dataset.trip);
  const inList = has(entry.id);
  buttonEl.hidden = false;
  buttonEl.textContent = inList ? buttonEl.dataset.added : buttonEl.dataset.add;
  buttonEl.setAttribute("aria-pressed", String(inList));
}

function bar() {
  const link = document.querySelector(".gt-bar-trip");
  if (!link) return;
  const count = mine().length;
  link.hidden = !count;
  link.querySelector(".gt-bar-trip__n").textContent = String(count);
}

function addFrom(buttonEl) {
  const entry = JSON.parse(buttonEl.dataset.trip);
  if (has(entry.id)) {
    location.href = document.querySelector(".gt-bar-trip")?.href || "/perjalanan";
    return;
  }
  if (!store(add(mine(), entry))) return; // private mode: nothing can be kept
  window.Geotour?.page?.save?.([new URL(entry.url, location.href).href]); // its page, for offline
  mark(buttonEl);
  bar();
}

document.addEventListener("click", (event) => {
  const target = event.target.closest?.("[data-trip]");
  if (target) addFrom(target);
});
const markAll = () => document.querySelectorAll("[data-trip]").forEach(mark);

document.addEventListener("geotour:trip", bar);
window.addEventListener("storage", (event) => {
  if (event.key === KEY) {
    bar();
    markAll();
  }
});
bar(); // the bar comes before this script in the page
(window.Geotour ??= {}).trip = { has, mark };
// Loaded async (templates/base.html): the buttons further down may not be parsed yet.
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", markAll);
else markAll();
