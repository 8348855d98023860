/* Geotour service worker: the map and the places a visitor saw keep working without signal.
 *
 * /sw.js (geotour/web/assets.py) sets self.GEOTOUR_WORKER, the server's settings: every cache's name and
 * limit (geotour/web/offline.py), the shell's URLs, the API's routes from Flask's route table. It then imports
 * Workbox's loader, the outbox (outbox.js) and this file.
 *
 * - The app shell (map page, offline pages, scripts, styles) is stored on install.
 * - Pages, the layer catalogue and feature data: network first, but a weak link that answers nothing within
 *   network_timeout_ms gets the saved copy, marked, so the page can say from when.
 * - Layer snapshots (immutable URLs): cache first; only the newest of each layer is kept.
 * - "Near me" answers, photos and map tiles: cache first or network first, each with an entry limit, so a
 *   moving position never grows the cache without end.
 * - What the page fetched before this worker controlled it is handed over with a "keep" message.
 * - An unvisited page opened offline gets the offline page, which lists the places saved here.
 * - Contributions waiting in the outbox are sent on Background Sync, each only as the account that wrote it.
 * - An answer marked private or no-store is never kept.
 *
 * Workbox (from npm, served from our own host) routes, runs the strategies, keeps the entry limits and
 * takes the Background Sync event. What stays ours, and why:
 * - The shell is stored on install without cookies, in a cache named after its version. Its URLs already
 *   carry content hashes, so workbox-precaching's revision list would say nothing new.
 * - The "keep" hand-over, the trip's pages, "save the whole geopark" and a route's corridor tiles: the page
 *   names what to keep, in its own language, and Workbox has no strategy that is told what to fetch.
 * - The outbox keeps its own store (outbox.js). Workbox's Queue replays stored requests as they were, but a
 *   contribution is sent with a fresh CSRF token, only as its own account, and the page lists, fixes and
 *   deletes what waits. The Queue here carries the sync tag and the browser's retries; its onSync sends. */
"use strict";
(function (self, workbox, outbox) {
  const cfg = self.GEOTOUR_WORKER;
  workbox.setConfig(cfg.workbox);
  const { registerRoute } = workbox.routing;
  const { CacheFirst, NetworkFirst } = workbox.strategies;
  const { ExpirationPlugin, CacheExpiration } = workbox.expiration;
  const { Queue } = workbox.backgroundSync;

  const C = cfg.caches;
  const SHELL = cfg.shell.name;
  const KEPT = Object.values(C).map((cache) => cache.name);
  const PUBLIC_API = new RegExp(cfg.patterns.public_api);
  const NEARBY_API = new RegExp(cfg.patterns.nearby_api);
  const SNAPSHOT = new RegExp(cfg.patterns.snapshot);
  const HOME = self.location.origin;
  let lastLang = browserLang();

  /* The language the server gives a page asked for without ?lang=: the browser's first that the site speaks
   * (its Accept-Language comes from the same list), else the site's default (geotour/web/i18n.py). */
  function browserLang() {
    for (const tag of self.navigator.languages || []) {
      const base = tag.toLowerCase().split("-")[0];
      if (cfg.offline_pages[base]) return base;
    }
    return cfg.default_lang;
  }

  /* Whether the server said an answer is for one person or not to be kept (a pending photo shown to its
   * sender, a signed-in page): such answers never go into this worker's caches. */
  function personal(response) {
    return /(^|[\s,])(private|no-store)([\s,=]|$)/i.test(response.headers.get("Cache-Control") || "");
  }

  async function withHeader(response, name, value) {
    const headers = new Headers(response.headers);
    headers.set(name, value);
    const init = { status: response.status, statusText: response.statusText, headers };
    return new Response(await response.blob(), init);
  }

  /* A copy of an answer that says when it was saved. */
  const stamped = (response) => withHeader(response, cfg.headers.saved, new Date().toISOString());
  /* A saved copy handed out because the network did not answer: the page shows "saved on ...". */
  const fallback = (response) => withHeader(response, cfg.headers.fallback, "1");

  async function find(request, names) {
    for (const name of names) {
      const saved = await caches.match(request, { cacheName: name, ignoreVary: true });
      if (saved) return saved;
    }
    return null;
  }

  function snapshotKind(url) {
    const match = SNAPSHOT.exec(new URL(url, HOME).pathname);
    return match ? match[1] + (match[2] || "") : null; // layer and view
  }

  async function snapshotsOf(kind) {
    const cache = await caches.open(C.snapshots.name);
    return { cache, keys: (await cache.keys()).filter((key) => snapshotKind(key.url) === kind) };
  }

  async function dropOlderSnapshots(url) {
    const { cache, keys } = await snapshotsOf(snapshotKind(url));
    await Promise.all(keys.filter((key) => key.url !== url).map((key) => cache.delete(key)));
  }

  /* Offline, a snapshot of this layer that is not saved: the newest one of the layer that is; for the map,
   * in this language's view, else in another's (a page whose language was switched offline: cards in the
   * other language beat an empty map). */
  async function newestSnapshot(url) {
    const kind = snapshotKind(url);
    const cache = await caches.open(C.snapshots.name);
    const saved = (await cache.keys()).map((key) => [key, snapshotKind(key.url)]);
    const of = (wanted) => saved.filter(([, k]) => wanted(k)).map(([key]) => key);
    let keys = of((k) => k === kind);
    if (!keys.length && kind?.includes(".map")) keys = of((k) => k?.startsWith(kind.split(".")[0] + ".map"));
    return keys.length ? fallback(await cache.match(keys[keys.length - 1])) : Response.error();
  }

  /* What may go into `cache`: a whole answer (an opaque tile where `opaque`) that is not personal, stamped
   * with when; the copy it replaces goes first, whatever it varied on. Null: keep nothing. */
  async function keepable(cache, key, response, opaque) {
    if (response.type === "opaque") return opaque ? response : null;
    if (!response.ok || personal(response)) return null;
    await (await caches.open(cache.name)).delete(key, { ignoreVary: true });
    return stamped(response);
  }

  /* Workbox plugins. */
  const keeping = (cache, opaque) => ({
    cacheWillUpdate: ({ request, response }) => keepable(cache, request, response, opaque),
  });
  /* The cache's entry limit (none when it keeps what the visitor saved); the first to go when the phone is
   * full where `purgeOnQuotaError`. */
  const limited = (cache, purgeOnQuotaError) =>
    cache.max_entries
      ? [new ExpirationPlugin({ maxEntries: cache.max_entries, purgeOnQuotaError: !!purgeOnQuotaError })]
      : [];
  /* A request this cache has not got may be answered from the caches the visitor filled on purpose. */
  const alsoFrom = (caches) => ({
    cachedResponseWillBeUsed: async ({ request, cachedResponse }) =>
      cachedResponse ||
      find(
        request,
        caches.map((cache) => cache.name),
      ),
  });
  /* Network first: a saved copy is only used when the network did not answer, and says so. */
  const markedAsFallback = {
    cachedResponseWillBeUsed: async ({ cachedResponse }) => cachedResponse && fallback(cachedResponse),
  };
  /* A server error is no better than no answer when a saved copy exists; without one, the page hears it. */
  const savedBeatsServerError = (caches) => ({
    fetchDidSucceed: async ({ request, response }) => {
      if (
        response.status < 500 ||
        !(await find(
          request,
          caches.map((cache) => cache.name),
        ))
      )
        return response;
      throw new Error(`the server answered ${response.status}: the saved copy instead`);
    },
  });

  function networkFirst(cache, also, otherwise) {
    const fallbackFrom = [cache, ...also];
    return new NetworkFirst({
      cacheName: cache.name,
      networkTimeoutSeconds: cfg.network_timeout_ms / 1000,
      // Data asks the server every time (a 304 is small): the browser's HTTP cache must not pass for the
      // network, or an offline phone would show saved data without saying from when. (Workbox gives
      // fetchOptions to every fetch but a page's.)
      fetchOptions: { cache: "no-cache" },
      matchOptions: { ignoreVary: true },
      plugins: [
        ...limited(cache),
        keeping(cache),
        savedBeatsServerError(fallbackFrom),
        alsoFrom(also),
        markedAsFallback,
        ...(otherwise ? [{ handlerDidError: otherwise }] : []),
      ],
    });
  }

  function cacheFirst(cache, also, more) {
    return new CacheFirst({
      cacheName: cache.name,
      matchOptions: { ignoreVary: true },
      plugins: [
        ...limited(cache, cache === C.tiles),
        keeping(cache, cache === C.tiles),
        alsoFrom(also),
        ...more,
      ],
    });
  }

  function pageLang(url) {
    const lang = url.searchParams.get("lang");
    return cfg.offline_pages[lang] ? lang : lastLang;
  }

  /* A page that is not saved: the same page in another form (the map without ?site=), else the offline page. */
  async function pageOtherwise({ request }) {
    const url = new URL(request.url);
    const plain = new URL(url.href);
    plain.searchParams.delete("site");
    plain.searchParams.delete("radius_m");
    const saved =
      (await caches.match(url.href, { ignoreVary: true })) ||
      (await caches.match(plain.href, { ignoreVary: true })); // the shell's copy of the map
    if (saved) return fallback(saved);
    return (await caches.match(cfg.offline_pages[pageLang(url)], { ignoreVary: true })) || Response.error();
  }

  /* Static files: the shell's copy (it carries the file's hash), else the network; nothing else is kept. */
  const fromShell = async ({ request }) =>
    (await caches.match(request, { ignoreVary: true })) || fetch(request).catch(() => Response.error());

  const isPrivate = (path) => cfg.private_prefixes.some((prefix) => path.startsWith(prefix));

  /* The route table, declared once: the first entry whose `test(url, path)` holds takes the URL. `handler`
   * answers the fetches `when(request)` accepts (none: the browser's own way); `cache` is where a URL the
   * page hands over is kept (none: never). */
  const ROUTES = [
    {
      name: "tiles",
      test: (url) => url.origin !== HOME,
      when: (request) => request.destination === "image",
      handler: cacheFirst(C.tiles, [C.saved_tiles], []),
    },
    {
      name: "not kept", // the embed (in others' pages), the worker itself, and signed-in pages on a shared phone
      test: (url, path) =>
        path.startsWith("/embed") || path === "/oembed" || path === "/sw.js" || isPrivate(path),
    },
    { name: "static", test: (url, path) => path.startsWith("/static/"), handler: fromShell },
    {
      name: "photos",
      test: (url, path) => path.startsWith("/photos/"),
      handler: cacheFirst(C.photos, [C.saved], []),
      cache: C.photos,
    },
    {
      name: "snapshots",
      test: (url, path) => SNAPSHOT.test(path),
      handler: cacheFirst(
        C.snapshots,
        [],
        [
          { cacheDidUpdate: ({ request }) => dropOlderSnapshots(request.url) },
          { handlerDidError: ({ request }) => newestSnapshot(request.url) },
        ],
      ),
      cache: C.snapshots,
    },
    {
      name: "nearby",
      test: (url, path) => NEARBY_API.test(path),
      handler: networkFirst(C.nearby, []),
      cache: C.nearby,
    },
    {
      name: "data",
      test: (url, path) => PUBLIC_API.test(path),
      handler: networkFirst(C.data, []),
      cache: C.data,
    },
    { name: "private data", test: (url, path) => path.startsWith("/api/") },
    {
      name: "pages",
      test: () => true,
      when: (request) => request.mode === "navigate",
      // "Save the whole geopark" and the trip keep pages the visitor may never have opened.
      handler: networkFirst(C.pages, [C.saved, C.trip], pageOtherwise),
      cache: C.pages,
    },
  ];

  /* The route that takes a URL, or null when the request is not one it answers. */
  function routeOf(url, request) {
    const route = ROUTES.find((entry) => entry.test(url, url.pathname));
    return route && (!request || !route.when || route.when(request)) ? route : null;
  }

  for (const route of ROUTES) {
    if (route.handler) registerRoute(({ url, request }) => routeOf(url, request) === route, route.handler);
  }

  /* Put an answer the worker fetched itself into `cache`, as the strategies would. */
  async function store(cache, key, response) {
    const copy = await keepable(cache, key, response, false);
    if (!copy) {
      // Not kept (a signed-in member's answers are private): an unread body holds its connection, and with
      // a few of them the worker's next fetch waits for ever, and its install with it.
      await response.body?.cancel();
      return;
    }
    const put = async () => (await caches.open(cache.name)).put(key, copy.clone());
    await put().catch(async () => {
      await caches.delete(C.tiles.name); // over quota: tiles are the easiest to do without
      await put();
    });
    if (cache === C.snapshots) await dropOlderSnapshots(new URL(key, HOME).href);
    if (cache.max_entries) {
      const limit = new CacheExpiration(cache.name, { maxEntries: cache.max_entries });
      await limit.updateTimestamp(new URL(key, HOME).href);
      await limit.expireEntries();
    }
  }

  /* Keep what a page fetched before this worker controlled it (its first visit), in the page's language:
   * a worker's own requests may not carry the browser's Accept-Language. The browser's HTTP cache answers
   * most of these fetches, so little crosses the network again. `lasting`: a page the visitor chose to keep. */
  async function keep(urls, lang, lasting) {
    for (const raw of urls) {
      const url = new URL(raw, HOME);
      const route = routeOf(url);
      if (!route || !route.cache) continue;
      const cache = lasting && route.cache === C.pages ? C.trip : route.cache;
      try {
        const saved = await caches.match(url.href, { cacheName: cache.name, ignoreVary: true });
        if (saved && cache === C.snapshots) continue; // immutable: already right
        const headers = { "Accept-Language": lang };
        await store(cache, url.href, await fetch(url.href, { credentials: "same-origin", headers }));
      } catch {
        /* no signal: the next visit hands it over again */
      }
    }
  }

  /* The data the map draws, kept by the worker itself as it installs: a visitor who taps a place as soon as
   * the first page has loaded leaves that page before it can hand its data over (the "keep" message), and
   * would find an empty map offline. The immutable snapshots mostly come from the browser's HTTP cache. */
  async function keepLayers() {
    try {
      const response = await fetch(cfg.catalogue, { headers: { Accept: "application/json" } });
      if (!response.ok) {
        await response.body?.cancel();
        return;
      }
      const catalogue = await response.clone().json();
      await store(C.data, cfg.catalogue, response);
      // A map snapshot holds one language: the ones of the pages open now (the page that registered this
      // worker, mostly), whose snapshots the browser's HTTP cache mostly has already.
      const windows = await self.clients.matchAll({ includeUncontrolled: true, type: "window" });
      const langs = new Set(windows.map((client) => pageLang(new URL(client.url))));
      if (!langs.size) langs.add(lastLang);
      await keep(
        catalogue.layers.flatMap((entry) =>
          [...langs].map((lang) => entry.map_snapshot_urls?.[lang] ?? entry.map_snapshot_url),
        ),
        lastLang,
      );
    } catch {
      /* no signal now: what the pages hand over is kept as before */
    }
  }

  self.addEventListener("install", (event) => {
    // The shell is public: fetched without cookies, it holds nobody's page and never touches a session.
    const shell = cfg.shell.urls.map((url) => new Request(url, { credentials: "omit" }));
    event.waitUntil(
      (async () => {
        await (await caches.open(SHELL)).addAll(shell);
        await keepLayers();
        await self.skipWaiting();
      })(),
    );
  });

  /* Delete any personal answer an older worker kept (it stored private photos), and do so again when
   * someone signs out on this phone. */
  async function dropPersonal() {
    for (const name of KEPT) {
      const cache = await caches.open(name);
      for (const key of await cache.keys()) {
        const saved = await cache.match(key);
        if (saved && saved.type !== "opaque" && personal(saved)) await cache.delete(key);
      }
    }
  }

  self.addEventListener("activate", (event) => {
    event.waitUntil(
      (async () => {
        const old = (await caches.keys()).filter(
          (key) => key.startsWith("geotour-") && key !== SHELL && !KEPT.includes(key),
        );
        await Promise.all(old.map((key) => caches.delete(key)));
        await dropPersonal().catch(() => {});
        await self.clients.claim();
      })(),
    );
  });

  /* A map tile as the map's <img> asks for it (tile servers answer without CORS headers as often as with
   * them, so it is kept opaque), unless it is kept already. True when it was fetched. */
  async function keepTile(url) {
    const tiles = await caches.open(C.saved_tiles.name);
    if (await tiles.match(url)) return false;
    const response = await fetch(url, { mode: "no-cors", credentials: "omit" });
    if (!(response.ok || response.type === "opaque")) throw new Error(String(response.status));
    await tiles.put(url, response);
    return true;
  }

  /* Run `work` on every item of `items`, `width` at a time. */
  async function inTurn(items, width, work) {
    const queue = items.slice();
    const lane = async () => {
      while (queue.length) await work(queue.shift());
    };
    await Promise.all(Array.from({ length: width }, lane));
  }

  /* Keep a route's corridor tiles (the page sends them only where the tile source allows saving many). */
  function keepTiles(urls) {
    const tiles = urls.filter((url) => /^https?:/.test(url)).slice(0, C.saved_tiles.max_entries);
    return inTurn(tiles, 4, (url) => keepTile(url).catch(() => {}));
  }

  async function tell(message) {
    for (const page of await self.clients.matchAll({ includeUncontrolled: true })) page.postMessage(message);
  }

  /* "Save the whole geopark" (static/js/save-geopark.js): keep every file of the list [[url, tag], ...] in
   * the saved cache, three at a time, fetching only those whose tag changed since they were kept; drop the
   * ones no longer listed. Every page hears how far it has got. */
  let saving = null;
  function saveAll(files, lang) {
    if (saving) return saving;
    const count = { done: 0, total: files.length, fetched: 0, failed: 0 };
    const wanted = new Set(files.map((file) => new URL(file[0], HOME).href));
    const say = (state, more) => tell({ type: "save-geopark", state, ...count, ...more });
    async function keepFile(cache, url, tag) {
      const kept = await cache.match(url, { ignoreVary: true });
      if (kept && kept.headers.get(cfg.headers.tag) === tag) return false;
      const response = await fetch(url, { credentials: "same-origin", headers: { "Accept-Language": lang } });
      if (!response.ok || personal(response)) {
        await response.body?.cancel(); // an unread body would hold its connection
        throw new Error(String(response.status));
      }
      await cache.put(url, await withHeader(await stamped(response), cfg.headers.tag, tag));
      return true;
    }
    saving = (async () => {
      try {
        const cache = await caches.open(C.saved.name);
        await inTurn(files, 3, async ([raw, tag]) => {
          const url = new URL(raw, HOME).href;
          try {
            const own = new URL(url).origin === HOME;
            if (await (own ? keepFile(cache, url, String(tag)) : keepTile(url))) count.fetched += 1;
          } catch {
            count.failed += 1;
          }
          count.done += 1;
          await say("progress");
        });
        const gone = (await cache.keys()).filter((key) => !wanted.has(key.url));
        await Promise.all(gone.map((key) => cache.delete(key)));
        await say("done");
      } catch {
        await say("failed", { failed: count.failed + (count.total - count.done) });
      } finally {
        saving = null;
      }
    })();
    return saving;
  }

  async function dropSaved() {
    await Promise.all([caches.delete(C.saved.name), caches.delete(C.saved_tiles.name)]);
    await tell({ type: "save-geopark", state: "dropped" });
  }

  self.addEventListener("message", (event) => {
    const data = event.data || {};
    if (data.lang && cfg.offline_pages[data.lang]) lastLang = data.lang;
    if (data.type === "keep" && Array.isArray(data.urls)) {
      event.waitUntil(keep(data.urls.slice(0, 50), lastLang, !!data.lasting));
    }
    if (data.type === "keep" && Array.isArray(data.tiles)) event.waitUntil(keepTiles(data.tiles));
    if (data.type === "flush-outbox") event.waitUntil(outbox.flush());
    if (data.type === "save-geopark" && Array.isArray(data.files))
      event.waitUntil(saveAll(data.files, lastLang));
    if (data.type === "drop-geopark") event.waitUntil(dropSaved());
    if (data.type === "signed-out") event.waitUntil(dropPersonal().catch(() => {}));
  });

  // The outbox's Background Sync: the pages register the Queue's tag (outbox.TAG); the browser fires it
  // when the signal returns, and again later while onSync throws. A browser without Background Sync has the
  // Queue call onSync each time the worker starts: with nothing waiting, that asks the server nothing.
  new Queue(outbox.QUEUE, {
    onSync: async () => {
      if (!(await outbox.all()).length) return;
      const result = await outbox.flush();
      if (result.waiting) throw new Error("still no signal: the browser tries again later");
    },
  });

  // For the unit tests (tests/js/worker.test.js): which route takes a URL, and where a handed-over one goes.
  self.GeotourWorker = { routeOf, ROUTES };
})(self, self.workbox, self.GeotourOutbox);
