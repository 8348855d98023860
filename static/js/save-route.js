/* "Simpan rute": keep a route on the phone for the trip. The service worker fetches the route's page, its
 * stops' pages and its GPX and KML into its caches (its "keep" message, the same one that saves a first visit),
 * and the map tiles of its corridor where the tile source allows it (data-tiles); this script counts them in
 * the caches as they arrive and says how far it has got, then that all is saved. */

const button = document.querySelector(".gt-save-route");
const said = document.querySelector(".gt-save-route__status");
const WAIT_MS = 90000; // a slow link may take this long for a few pages
const POLL_MS = 500;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function countSaved(urls) {
  let saved = 0;
  for (const url of urls) {
    if (await caches.match(url, { ignoreVary: true })) saved += 1;
  }
  return saved;
}

function progress(saved, total) {
  return button.dataset.progress.replace("__N__", String(saved)).replace("__OF__", String(total));
}

async function save() {
  const pages = JSON.parse(button.dataset.urls).map((url) => new URL(url, location.href).href);
  const tiles = JSON.parse(button.dataset.tiles || "[]");
  const urls = pages.concat(tiles);
  button.disabled = true;
  said.textContent = button.dataset.saving;
  try {
    const registration = await navigator.serviceWorker.ready;
    const worker = navigator.serviceWorker.controller || registration.active;
    worker.postMessage({ type: "keep", urls: pages, tiles, lang: document.documentElement.lang });
    const deadline = Date.now() + WAIT_MS;
    let saved = await countSaved(urls);
    while (saved < urls.length && Date.now() < deadline) {
      said.textContent = progress(saved, urls.length);
      await sleep(POLL_MS);
      saved = await countSaved(urls);
    }
    said.textContent = saved === urls.length ? button.dataset.saved : button.dataset.failed;
  } catch {
    said.textContent = button.dataset.failed;
  } finally {
    button.disabled = false;
  }
}

if (button && "serviceWorker" in navigator && "caches" in window) {
  button.hidden = false; // without a service worker there is nothing to save into: no button
  button.addEventListener("click", save);
}
