/* "Perjalanan saya", the trip list, as plain data: the places, routes and events a visitor adds, in the order they
 * choose, kept on the phone (localStorage) and shared as an address (?p=id,id,…): nothing is stored on the
 * server. Used by static/js/trip.js (the add buttons) and static/js/trip-page.js (the list's page). */

export const MAX = 50; // the server reads at most as many ids from an address (geotour/web/pages/trip_pages.py)
export const KEY = "geotour-trip";
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/; // a feature id, as the server's ids are made

/** Return an entry kept as it must be ({id, kind, name, url}), or null. */
function clean(entry) {
  if (!entry || typeof entry !== "object" || !ID.test(String(entry.id || ""))) return null;
  const url = String(entry.url || "");
  return {
    id: String(entry.id),
    kind: ["site", "msme", "route", "event"].includes(entry.kind) ? entry.kind : "site",
    name: String(entry.name || entry.id).slice(0, 200),
    url: url.startsWith("/") && !url.startsWith("//") ? url : "/",
  };
}

/** Read a list kept as JSON text: bad or foreign entries are left out, never thrown. */
export function parse(text) {
  let found;
  try {
    found = JSON.parse(text || "[]");
  } catch {
    return [];
  }
  if (!Array.isArray(found)) return [];
  const seen = new Set();
  return found
    .map(clean)
    .filter((e) => e && !seen.has(e.id) && seen.add(e.id))
    .slice(0, MAX);
}

/** Return the list with `entry` at its end (a place already there stays where it is). */
export function add(list, entry) {
  const kept = clean(entry);
  if (!kept || list.some((e) => e.id === kept.id) || list.length >= MAX) return list;
  return [...list, kept];
}

export function remove(list, id) {
  return list.filter((e) => e.id !== id);
}

/** Return the list with one entry moved `by` places (-1: up, 1: down), within the list. */
export function move(list, id, by) {
  const from = list.findIndex((e) => e.id === id);
  const to = from + by;
  if (from < 0 || to < 0 || to >= list.length) return list;
  const moved = [...list];
  const [entry] = moved.splice(from, 1);
  moved.splice(to, 0, entry);
  return moved;
}

/** Return the part of an address that names the list: "p=a,b,c". */
export function shareQuery(list) {
  return "p=" + list.map((e) => encodeURIComponent(e.id)).join(",");
}

/** Return the ids an address names (?p=a,b,c), valid ones only, in order, without repeats. */
export function idsFrom(search) {
  const value = new URLSearchParams(search).get("p") || "";
  return [...new Set(value.split(",").filter((id) => ID.test(id)))].slice(0, MAX);
}

/** Return the list this phone keeps (empty when the browser keeps nothing, as in private mode). */
export function load(storage = globalThis.localStorage) {
  try {
    return parse(storage.getItem(KEY));
  } catch {
    return [];
  }
}

/** Keep the list on this phone; return whether it could be kept. */
export function store(list, storage = globalThis.localStorage) {
  try {
    storage.setItem(KEY, JSON.stringify(list));
    return true;
  } catch {
    return false;
  }
}
