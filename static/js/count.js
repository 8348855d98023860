/* Counting views and taps per place and day, never who (/privasi; docs/operations.md "Figures"). The page's
 * <meta name="geotour-count" data-view> says what to count; a tap on a[data-count] is counted as it goes, and
 * a /go/ contact link gets its own address back from data-direct (except in a WordPress embed, where the host
 * page opens /go/ in the top window and the server counts it). Sent by sendBeacon: never waits, never throws. */

const SEARCH_SETTLE_MS = 2000; // a search that still finds nothing this long after the last key is counted
const MIN_SEARCH = 3;

/** Return how the visitor came: "qr" (a signboard's code adds ?src=qr), "embed" (a frame in another site's
 * page) or "direct". */
export function sourceOf(search, framed) {
  if (new URLSearchParams(search).get("src") === "qr") return "qr";
  return framed ? "embed" : "direct";
}

/** Return the host name of the site an embed is shown on ("" when the browser does not say). */
export function hostOf(referrer, ancestors) {
  const origin = (ancestors && ancestors.length && ancestors[0]) || referrer || "";
  try {
    return new URL(origin).hostname;
  } catch {
    return "";
  }
}

/** Return the form a count is sent as. */
export function countBody(event, place, source, host, words) {
  const body = new URLSearchParams({ event: event, source: source });
  if (place) body.set("place", place);
  if (source === "embed" && host) body.set("host", host);
  if (words) body.set("q", words);
  return body;
}

let settings = null; // {url, source, host}, read once from the page

function read() {
  if (settings || typeof document === "undefined") return settings;
  const meta = document.querySelector('meta[name="geotour-count"]');
  if (!meta) return null;
  const framed = window.parent !== window;
  settings = {
    url: meta.content,
    view: meta.hasAttribute("data-view") ? meta.getAttribute("data-view") : null,
    source: sourceOf(location.search, framed),
    host: framed ? hostOf(document.referrer, location.ancestorOrigins) : "",
  };
  return settings;
}

/** Count one thing (a popup opened, a tap) at a place; never throws, never waits. */
export function count(event, place, words) {
  const s = read();
  if (!s || !navigator.onLine) return;
  const body = countBody(event, place, s.source, s.host, words);
  try {
    if (!(navigator.sendBeacon && navigator.sendBeacon(s.url, body))) {
      fetch(s.url, { method: "POST", body: body, keepalive: true, credentials: "omit" }).catch(() => {});
    }
  } catch {
    // a count is never worth an error
  }
}

let searchTimer = 0;
const searched = new Set();

/** Say what a search box now holds and whether it found anything: a search that settles on nothing is
 * counted once (its words show the office what visitors look for and the map lacks). */
export function searchResult(words, found) {
  clearTimeout(searchTimer);
  const q = (words || "").trim();
  if (found || q.length < MIN_SEARCH || searched.has(q.toLowerCase())) return;
  searchTimer = setTimeout(function () {
    searched.add(q.toLowerCase());
    count("search_empty", "", q);
  }, SEARCH_SETTLE_MS);
}

function whenShown(run) {
  // A prerendered or background page counts only once someone looks at it.
  if (document.prerendering) {
    document.addEventListener("prerenderingchange", () => whenShown(run), { once: true });
  } else if (document.visibilityState === "hidden") {
    document.addEventListener("visibilitychange", () => whenShown(run), { once: true });
  } else {
    run();
  }
}

function whenLoaded(run) {
  if (document.readyState === "complete") run();
  else addEventListener("load", run, { once: true });
}

function viaHost() {
  return Boolean(window.GeotourEmbed && window.GeotourEmbed.viaHost);
}

function start() {
  const s = read();
  if (!s) return;
  if (s.source === "qr") {
    // counted once: a reload, a bookmark or a shared link is no second scan
    const url = new URL(location.href);
    url.searchParams.delete("src");
    history.replaceState(history.state, "", url.pathname + url.search + url.hash);
  }
  if (s.view !== null) {
    let shown = false;
    let sent = false;
    const view = () => {
      if (!sent) count("view", s.view);
      sent = true;
    };
    whenShown(() => {
      shown = true;
      // once the page is loaded and drawn: on a weak link the beacon does not take a connection from the map
      whenLoaded(() => (window.requestIdleCallback || setTimeout)(view, { timeout: 3000 }));
    });
    // left before the phone was idle: the beacon still goes as the page is put away
    addEventListener("pagehide", () => shown && view(), { once: true });
  }
  const direct = function () {
    if (viaHost()) return; // the /go/ links go through the host page, and the server counts them
    document.querySelectorAll("a[data-direct]").forEach(function (link) {
      link.href = link.dataset.direct;
    });
  };
  // The page loads this script async: it may run before the page is parsed, or after.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", direct);
  else direct();
  document.addEventListener(
    "click",
    function (event) {
      const link = event.target.closest && event.target.closest("a[data-count]");
      if (!link || link.pathname.indexOf("/go/") === 0) return; // the server counts a /go/ link
      count(link.dataset.count, link.dataset.place);
    },
    true,
  );
}

if (typeof document !== "undefined") start();
