// node --test: the service worker's routing (static/js/offline/worker.js), run in a sandbox with Workbox's
// API recorded and the caches in memory. Which strategy and cache takes each URL, the plugins that mark a
// saved copy, and the "keep" hand-over. The browser tests (tests/browser/test_weak_signal.py and others) run
// the same worker on the real Workbox in Chromium.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { beforeEach, test } from "node:test";
import vm from "node:vm";

const ORIGIN = "https://geotour.test";
const SOURCE = readFileSync(new URL("../../static/js/offline/worker.js", import.meta.url), "utf8");
const cache = (name, max_entries = 0) => ({ name, max_entries });
// As /sw.js gives them (geotour/web/assets.py; tests/test_assets.py checks the server's side).
const SETTINGS = {
  version: "abc",
  shell: { name: "geotour-shell-abc", urls: ["/", "/offline?lang=id"] },
  caches: {
    pages: cache("geotour-pages-v1", 60),
    data: cache("geotour-data-v2", 80),
    snapshots: cache("geotour-snapshots-v1"),
    nearby: cache("geotour-nearby-v1", 12),
    photos: cache("geotour-photos-v1", 150),
    tiles: cache("geotour-tiles-v1", 600),
    saved_tiles: cache("geotour-tiles-saved-v1", 5000),
    saved: cache("geotour-saved-v1"),
    trip: cache("geotour-trip-v1", 120),
  },
  catalogue: "/api/v1/layers",
  offline_pages: { id: "/offline?lang=id", en: "/offline?lang=en" },
  default_lang: "id",
  private_prefixes: ["/login", "/account", "/contribute", "/moderation"],
  patterns: {
    public_api:
      "^(/api/v1/layers|/api/v1/layers/[^/]+|/api/v1/features/[^/]+|/api/v1/features/[^/]+/nearby|/api/v1/nearby)$",
    nearby_api: "^(/api/v1/features/[^/]+/nearby|/api/v1/nearby)$",
    snapshot:
      "^/api/v1/layers/([a-z0-9_-]{1,40})/v/[0-9]{1,12}-[0-9a-f]{8}(\\.map(?:\\.(?:id|en))?)?\\.geojson$",
  },
  network_timeout_ms: 6000,
  headers: { saved: "X-Geotour-Saved-At", fallback: "X-Geotour-Fallback", tag: "X-Geotour-Tag" },
  workbox: { modulePathPrefix: "/static/vendor/workbox-v7.4.1", debug: false },
};

/* CacheStorage in memory: enough of it for the worker (a URL is a key; Vary is not kept apart). */
class MemoryCache {
  constructor() {
    this.entries = new Map();
  }
  static key(request) {
    return new URL(typeof request === "string" ? request : request.url, ORIGIN).href;
  }
  async match(request) {
    return this.entries.get(MemoryCache.key(request))?.clone();
  }
  async put(request, response) {
    this.entries.set(MemoryCache.key(request), response);
  }
  async delete(request) {
    return this.entries.delete(MemoryCache.key(request));
  }
  async keys() {
    return [...this.entries.keys()].map((url) => new Request(url));
  }
  async addAll(requests) {
    for (const request of requests) await this.put(request, await this.fetch(request.url));
  }
}

function memoryCaches(fetch) {
  const named = new Map();
  return {
    named,
    async open(name) {
      if (!named.has(name)) named.set(name, Object.assign(new MemoryCache(), { fetch }));
      return named.get(name);
    },
    async has(name) {
      return named.has(name);
    },
    async delete(name) {
      return named.delete(name);
    },
    async keys() {
      return [...named.keys()];
    },
    async match(request, options = {}) {
      const names = options.cacheName ? [options.cacheName] : [...named.keys()];
      for (const name of names) {
        const found = await named.get(name)?.match(request);
        if (found) return found;
      }
      return undefined;
    },
  };
}

let world;

/* Run the worker once, in a sandbox of its own. */
function start(
  fetchAnswer = () => new Response("fresh"),
  { languages = ["id-ID", "en-US"], windows = [] } = {},
) {
  const routes = [];
  const queues = [];
  const listeners = {};
  const fetched = [];
  const expired = [];
  const strategy = (kind) =>
    class {
      constructor(options) {
        Object.assign(this, { kind, ...options });
      }
    };
  const workbox = {
    setConfig(config) {
      this.config = config;
    },
    routing: { registerRoute: (match, handler) => routes.push({ match, handler }) },
    strategies: { CacheFirst: strategy("CacheFirst"), NetworkFirst: strategy("NetworkFirst") },
    expiration: {
      ExpirationPlugin: class {
        constructor(options) {
          this.maxEntries = options.maxEntries;
          this.purgeOnQuotaError = options.purgeOnQuotaError;
        }
      },
      CacheExpiration: class {
        constructor(name, options) {
          Object.assign(this, { name, options });
        }
        async updateTimestamp(url) {
          expired.push([this.name, url, this.options.maxEntries]);
        }
        async expireEntries() {}
      },
    },
    backgroundSync: {
      Queue: class {
        constructor(name, options) {
          queues.push({ name, ...options });
        }
      },
    },
  };
  const outbox = {
    QUEUE: "geotour-outbox",
    items: [],
    waiting: 0,
    flushed: 0,
    all: async () => outbox.items,
    flush: async () => {
      outbox.flushed += 1;
      return { waiting: outbox.waiting };
    },
  };
  const fetch = async (url, options) => {
    fetched.push([String(url), options]);
    return fetchAnswer(String(url), options);
  };
  const caches = memoryCaches(fetch);
  const self = {
    GEOTOUR_WORKER: SETTINGS,
    workbox,
    GeotourOutbox: outbox,
    location: new URL(ORIGIN),
    navigator: { languages: languages },
    addEventListener: (type, listener) => (listeners[type] = listener),
    clients: {
      matchAll: async () => windows.map((url) => ({ url: new URL(url, ORIGIN).href })),
      claim: async () => {},
    },
    skipWaiting: async () => {},
  };
  const sandbox = {
    self,
    caches,
    fetch,
    URL,
    Headers,
    // a worker's relative URLs are its origin's
    Request: class extends Request {
      constructor(input, init) {
        super(typeof input === "string" ? new URL(input, ORIGIN) : input, init);
      }
    },
    Response,
    Promise,
    setTimeout,
  };
  vm.createContext(sandbox);
  vm.runInContext(SOURCE, sandbox);
  world = { routes, queues, listeners, fetched, expired, caches, outbox, workbox, self };
  return world;
}

/* What Workbox's Router would do: the first registered route whose match accepts the request. */
function handlerFor(url, request = {}) {
  const found = world.routes.find((route) => route.match({ url: new URL(url, ORIGIN), request }));
  return found ? found.handler : null;
}

const page = { mode: "navigate", destination: "document" };
const image = { mode: "no-cors", destination: "image" };

beforeEach(() => start());

test("Workbox loads its modules from our own host, with the prod builds", () => {
  assert.deepEqual(world.workbox.config, SETTINGS.workbox);
});

test("each kind of URL goes to its strategy and the cache the server names", () => {
  const cases = [
    ["https://tile.openstreetmap.org/14/1/2.png", image, "CacheFirst", "geotour-tiles-v1"],
    ["/photos/ab/cd.jpg", {}, "CacheFirst", "geotour-photos-v1"],
    ["/api/v1/layers/geosites/v/12-0123abcd.geojson", {}, "CacheFirst", "geotour-snapshots-v1"],
    ["/api/v1/layers/geosites/v/12-0123abcd.map.geojson", {}, "CacheFirst", "geotour-snapshots-v1"],
    ["/api/v1/nearby?lon=106.4&lat=-7.2", {}, "NetworkFirst", "geotour-nearby-v1"],
    ["/api/v1/features/curug-sodong/nearby", {}, "NetworkFirst", "geotour-nearby-v1"],
    ["/api/v1/layers", {}, "NetworkFirst", "geotour-data-v2"],
    ["/api/v1/features/curug-sodong", {}, "NetworkFirst", "geotour-data-v2"],
    ["/sites/curug-sodong?lang=en", page, "NetworkFirst", "geotour-pages-v1"],
    ["/", page, "NetworkFirst", "geotour-pages-v1"],
  ];
  for (const [url, request, kind, cacheName] of cases) {
    const handler = handlerFor(url, request);
    assert.ok(handler, url);
    assert.equal(handler.kind, kind, url);
    assert.equal(handler.cacheName, cacheName, url);
  }
});

test("what is personal, someone else's, or not the public API is left to the browser", () => {
  for (const [url, request] of [
    ["https://tile.openstreetmap.org/leaflet.js", { destination: "script" }],
    ["/contribute/new/geosites", page],
    ["/account", page],
    ["/moderation", page],
    ["/login?next=/", page],
    ["/embed?layers=geosites", page],
    ["/embed.js", { destination: "script" }],
    ["/oembed?url=x", {}],
    ["/sw.js", {}],
    ["/api/v1/submissions", {}],
    ["/api/v1/account", {}],
    ["/sites/curug-sodong", { mode: "cors", destination: "" }], // a page's HTML fetched by a script
  ]) {
    assert.equal(handlerFor(url, request), null, url);
  }
});

test("static files come from the shell's copy, else the network, and are not kept", async () => {
  const handler = handlerFor("/static/js/here.js?v=1", { destination: "script" });
  assert.equal(typeof handler, "function");
  const shell = await world.caches.open(SETTINGS.shell.name);
  await shell.put("/static/js/here.js?v=1", new Response("kept"));
  const hit = await handler({ request: new Request(`${ORIGIN}/static/js/here.js?v=1`) });
  assert.equal(await hit.text(), "kept");
  const miss = await handler({ request: new Request(`${ORIGIN}/static/js/trip.js?v=2`) });
  assert.equal(await miss.text(), "fresh");
  assert.equal((await shell.keys()).length, 1);
});

test("entry limits and the quota rule come from the server's settings", () => {
  // Array.from: the sandbox's arrays are of another realm, which deepEqual tells apart.
  const limits = (handler) => Array.from(handler.plugins).filter((p) => "maxEntries" in p);
  assert.deepEqual(
    limits(handlerFor("https://a.tile/1.png", image)).map((p) => [p.maxEntries, p.purgeOnQuotaError]),
    [[600, true]],
  );
  assert.deepEqual(
    limits(handlerFor("/", page)).map((p) => [p.maxEntries, p.purgeOnQuotaError]),
    [[60, false]],
  );
  assert.equal(limits(handlerFor("/api/v1/nearby", {}))[0].maxEntries, 12);
  assert.equal(limits(handlerFor("/api/v1/layers/x/v/1-0123abcd.geojson", {})).length, 0); // the newest of each
  const pages = handlerFor("/", page);
  assert.equal(pages.networkTimeoutSeconds, 6);
  assert.equal(pages.matchOptions.ignoreVary, true);
});

/* Run one plugin callback of a handler's plugins in order, as Workbox chains them. */
async function chain(handler, callback, param) {
  let value = param[Object.keys(param).at(-1)];
  for (const plugin of handler.plugins) {
    if (plugin[callback]) value = await plugin[callback]({ ...param, cachedResponse: value });
  }
  return value;
}

test("a page the network did not give comes from the saved geopark or the trip, marked as a saved copy", async () => {
  const pages = handlerFor("/sites/curug-sodong", page);
  const request = new Request(`${ORIGIN}/sites/curug-sodong`);
  assert.equal(await chain(pages, "cachedResponseWillBeUsed", { request, cachedResponse: null }), null);
  await (await world.caches.open("geotour-trip-v1")).put(request, new Response("from the trip"));
  const saved = await chain(pages, "cachedResponseWillBeUsed", { request, cachedResponse: null });
  assert.equal(await saved.text(), "from the trip");
  assert.equal(saved.headers.get("X-Geotour-Fallback"), "1");
});

test("a server error gives the saved copy when there is one, and reaches the page when there is none", async () => {
  const data = handlerFor("/api/v1/layers", {});
  const request = new Request(`${ORIGIN}/api/v1/layers`);
  const [guard] = data.plugins.filter((p) => p.fetchDidSucceed);
  const broken = new Response("oops", { status: 503 });
  assert.equal(await guard.fetchDidSucceed({ request, response: broken }), broken);
  await (await world.caches.open("geotour-data-v2")).put(request, new Response("{}"));
  await assert.rejects(guard.fetchDidSucceed({ request, response: broken }), /503/);
  const fine = new Response("{}", { status: 200 });
  assert.equal(await guard.fetchDidSucceed({ request, response: fine }), fine);
});

test("an answer is kept stamped with when, and never when it is personal or an error", async () => {
  const data = handlerFor("/api/v1/layers", {});
  const request = new Request(`${ORIGIN}/api/v1/layers`);
  const [keeping] = data.plugins.filter((p) => p.cacheWillUpdate);
  const kept = await keeping.cacheWillUpdate({ request, response: new Response("{}") });
  assert.match(kept.headers.get("X-Geotour-Saved-At"), /^\d{4}-\d\d-\d\dT/);
  const personal = new Response("{}", { headers: { "Cache-Control": "private, max-age=60" } });
  assert.equal(await keeping.cacheWillUpdate({ request, response: personal }), null);
  assert.equal(await keeping.cacheWillUpdate({ request, response: new Response("", { status: 404 }) }), null);
  const tiles = handlerFor("https://a.tile/1.png", image).plugins.find((p) => p.cacheWillUpdate);
  const opaque = { type: "opaque", ok: false, status: 0 };
  assert.equal(await tiles.cacheWillUpdate({ request, response: opaque }), opaque);
  assert.equal(await keeping.cacheWillUpdate({ request, response: opaque }), null);
});

test("a snapshot kept drops the older ones of its layer, and offline the newest kept stands in", async () => {
  const snapshots = handlerFor("/api/v1/layers/geosites/v/2-0123abcd.geojson", {});
  const store = await world.caches.open("geotour-snapshots-v1");
  for (const url of ["geosites/v/1-0123abcd", "geosites/v/2-0123abcd", "biosites/v/1-0123abcd"]) {
    await store.put(`/api/v1/layers/${url}.geojson`, new Response(url));
  }
  const request = new Request(`${ORIGIN}/api/v1/layers/geosites/v/2-0123abcd.geojson`);
  await snapshots.plugins.find((p) => p.cacheDidUpdate).cacheDidUpdate({ request });
  const left = (await store.keys()).map((key) => new URL(key.url).pathname).sort();
  assert.deepEqual(left, [
    "/api/v1/layers/biosites/v/1-0123abcd.geojson",
    "/api/v1/layers/geosites/v/2-0123abcd.geojson",
  ]);
  const later = new Request(`${ORIGIN}/api/v1/layers/geosites/v/3-0123abcd.geojson`);
  const standIn = await snapshots.plugins.find((p) => p.handlerDidError).handlerDidError({ request: later });
  assert.equal(await standIn.text(), "geosites/v/2-0123abcd");
  assert.equal(standIn.headers.get("X-Geotour-Fallback"), "1");
});

test("offline, a map snapshot not saved in the page's language stands in from another language", async () => {
  const snapshots = handlerFor("/api/v1/layers/geosites/v/2-0123abcd.map.id.geojson", {});
  const store = await world.caches.open("geotour-snapshots-v1");
  await store.put("/api/v1/layers/geosites/v/2-0123abcd.map.en.geojson", new Response("english"));
  await store.put("/api/v1/layers/geosites/v/2-0123abcd.geojson", new Response("the whole layer"));
  await store.put("/api/v1/layers/biosites/v/2-0123abcd.map.id.geojson", new Response("biosites"));
  const standIn = (path) =>
    snapshots.plugins
      .find((p) => p.handlerDidError)
      .handlerDidError({ request: new Request(`${ORIGIN}/api/v1/layers/${path}`) });
  const id = await standIn("geosites/v/2-0123abcd.map.id.geojson");
  assert.equal(await id.text(), "english");
  assert.equal(id.headers.get("X-Geotour-Fallback"), "1");
  assert.equal((await standIn("routes/v/2-0123abcd.map.id.geojson")).type, "error"); // nothing of that layer
  await store.delete("/api/v1/layers/geosites/v/2-0123abcd.geojson");
  assert.equal((await standIn("geosites/v/2-0123abcd.geojson")).type, "error"); // the whole layer: never a map view
});

test("an unsaved page offline gets the map without its site, else the offline page in its language", async () => {
  const pages = handlerFor("/", page);
  const otherwise = pages.plugins.find((p) => p.handlerDidError).handlerDidError;
  const offline = await world.caches.open(SETTINGS.shell.name);
  await offline.put("/offline?lang=en", new Response("offline en"));
  const away = await otherwise({ request: new Request(`${ORIGIN}/sites/unknown?lang=en`) });
  assert.equal(await away.text(), "offline en");
  await offline.put("/?lang=en", new Response("the map"));
  const map = await otherwise({ request: new Request(`${ORIGIN}/?lang=en&site=curug-sodong`) });
  assert.equal(await map.text(), "the map");
  assert.equal(map.headers.get("X-Geotour-Fallback"), "1");
});

/* Send the worker a message and wait for what it asked to be waited for. */
async function message(data) {
  let work = Promise.resolve();
  world.listeners.message({ data, waitUntil: (promise) => (work = Promise.all([work, promise])) });
  await work;
}

test("the hand-over keeps each URL where its route says, and a page chosen for the trip apart", async () => {
  await message({
    type: "keep",
    lang: "en",
    urls: [
      `${ORIGIN}/sites/curug-sodong?lang=en`,
      "/api/v1/layers",
      "/static/js/here.js?v=1",
      "/api/v1/submissions",
      "/contribute/mine",
      "https://elsewhere.test/x",
    ],
  });
  const fetched = world.fetched.map(([url, options]) => [
    new URL(url).pathname,
    options.headers["Accept-Language"],
  ]);
  assert.deepEqual(fetched, [
    ["/sites/curug-sodong", "en"],
    ["/api/v1/layers", "en"],
  ]);
  assert.ok(await world.caches.match("/sites/curug-sodong?lang=en", { cacheName: "geotour-pages-v1" }));
  assert.ok(await world.caches.match("/api/v1/layers", { cacheName: "geotour-data-v2" }));
  await message({ type: "keep", lasting: true, urls: ["/sites/curug-buluh"] });
  assert.ok(await world.caches.match("/sites/curug-buluh", { cacheName: "geotour-trip-v1" }));
  assert.equal(await world.caches.match("/sites/curug-buluh", { cacheName: "geotour-pages-v1" }), undefined);
  assert.deepEqual(
    world.expired.map(([name, , max]) => [name, max]),
    [
      ["geotour-pages-v1", 60],
      ["geotour-data-v2", 80],
      ["geotour-trip-v1", 120],
    ],
  );
});

test("the outbox is sent on the Background Sync of a Workbox Queue, and retried while it still waits", async () => {
  assert.equal(world.queues.length, 1);
  const [queue] = world.queues;
  assert.equal(queue.name, world.outbox.QUEUE);
  await queue.onSync(); // nothing waits: nothing is asked (a browser without Background Sync calls it often)
  assert.equal(world.outbox.flushed, 0);
  world.outbox.items = [{ id: "a" }, { id: "b" }];
  await queue.onSync();
  assert.equal(world.outbox.flushed, 1);
  world.outbox.waiting = 2;
  await assert.rejects(queue.onSync(), /no signal/);
});

/* Install the worker, as the browser does once a page has registered it. */
async function install() {
  let work = Promise.resolve();
  world.listeners.install({ waitUntil: (promise) => (work = Promise.all([work, promise])) });
  await work;
}

const SNAPSHOTS = "/api/v1/layers/geosites/v/7-0123abcd";
const CATALOGUE = {
  layers: [
    {
      id: "geosites",
      map_snapshot_url: `${SNAPSHOTS}.map.geojson`,
      map_snapshot_urls: { id: `${SNAPSHOTS}.map.id.geojson`, en: `${SNAPSHOTS}.map.en.geojson` },
    },
  ],
};
const catalogueOr = (url) =>
  new URL(url, ORIGIN).pathname === "/api/v1/layers"
    ? Response.json(CATALOGUE)
    : new Response("{}", { headers: { "Content-Type": "application/geo+json" } });

test("as it installs, the worker keeps the map's data in the language of the pages open", async () => {
  start(catalogueOr, { windows: ["/?lang=en", "/sites/curug-sodong?lang=en"] });
  await install();
  const kept = (await (await world.caches.open("geotour-snapshots-v1")).keys()).map((r) => r.url);
  assert.deepEqual(kept, [`${ORIGIN}${SNAPSHOTS}.map.en.geojson`]);
});

test("a page without ?lang= is in the browser's first language the site speaks, as the server chooses", async () => {
  for (const [languages, lang] of [
    [["en-GB", "id"], "en"],
    [["de-DE", "id-ID"], "id"],
    [["fr", "de"], "id"], // none: the site's default
  ]) {
    start(catalogueOr, { languages, windows: ["/"] });
    await install();
    const kept = (await (await world.caches.open("geotour-snapshots-v1")).keys()).map((r) => r.url);
    assert.deepEqual(kept, [`${ORIGIN}${SNAPSHOTS}.map.${lang}.geojson`], languages.join());
  }
});
