// node --test: the outbox queue (static/js/offline/outbox.js) on IndexedDB (fake-indexeddb), with the
// server answered here. The same script runs in the pages and in the service worker; under Node it takes
// the worker's path (fetch, no XMLHttpRequest, no page to tell).
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import * as idbKeyval from "idb-keyval";

globalThis.self = globalThis;
globalThis.idbKeyval = idbKeyval;
let sent = [];
let server = () => ({ status: 201, body: { submissions: [{ id: 7 }] } });
globalThis.fetch = async (url, options = {}) => {
  const request = {
    url,
    method: options.method || "GET",
    headers: options.headers || {},
    body: options.body,
  };
  sent.push(request);
  const answer = server(request);
  if (answer === null) throw new TypeError("Failed to fetch"); // no signal
  return new Response(JSON.stringify(answer.body), { status: answer.status });
};
await import("../../static/js/offline/outbox.js");
const outbox = globalThis.GeotourOutbox;
const store = idbKeyval.createStore("geotour-outbox", "items");
const ACCOUNT = "/api/v1/account";

function place(owner, name) {
  return {
    owner,
    layer: "geosites",
    properties: { name },
    geometry: { type: "Point", coordinates: [106.47, -7.21] },
  };
}

function writes() {
  return sent.filter((r) => r.method !== "GET");
}

beforeEach(async () => {
  await idbKeyval.clear(store);
  sent = [];
  server = (request) =>
    request.url === ACCOUNT
      ? { status: 200, body: { id: 2 } }
      : { status: 201, body: { submissions: [{ id: 7 }] } };
});

test("each account sees and sends only its own items", async () => {
  const a = await outbox.add(place(1, "Curug milik A"));
  const b = await outbox.add(place(2, "Curug milik B"));
  assert.deepEqual(
    (await outbox.mine("1")).map((i) => i.id),
    [a.id],
  );
  const result = await outbox.flush({ owner: "2" });
  assert.deepEqual(
    result.sent.map((i) => i.id),
    [b.id],
  );
  assert.equal(result.waiting, 0);
  assert.equal(writes().length, 1);
  assert.equal(JSON.parse(writes()[0].body).properties.name, "Curug milik B");
  assert.equal(writes()[0].headers["Idempotency-Key"], b.id);
  assert.deepEqual(
    (await outbox.all()).map((i) => i.id),
    [a.id],
  ); // A's waits, locked
  assert.deepEqual(await outbox.mine(null), []); // signed out: nothing is anyone's to see
});

test("the service worker asks who is signed in, and sends nobody else's", async () => {
  await outbox.add(place(1, "Curug milik A"));
  let result = await outbox.flush(); // account 2 is signed in
  assert.equal(result.sent.length, 0);
  assert.deepEqual(
    sent.map((r) => r.url),
    [ACCOUNT],
  );

  server = () => ({ status: 401, body: { error: { code: "unauthorized" } } }); // nobody signed in
  result = await outbox.flush();
  assert.equal(result.sent.length, 0);
  assert.equal(result.waiting, 1); // so Background Sync tries again later

  server = (request) =>
    request.url === ACCOUNT
      ? { status: 200, body: { id: 1 } }
      : { status: 201, body: { submissions: [{ id: 9 }] } };
  result = await outbox.flush(); // A is back
  assert.equal(result.sent.length, 1);
  assert.equal(result.sent[0].submission_id, 9);
});

test("a send whose answer is lost is sent again with the same key, and stored once", async () => {
  const item = await outbox.add(place(2, "Curug Cikanteh"));
  server = () => null;
  let result = await outbox.flush({ owner: "2" });
  assert.equal(result.waiting, 1);
  assert.equal((await outbox.all())[0].state, "waiting");
  server = () => ({
    status: 409,
    body: { error: { code: "idempotency_key_already_stored", message: "stored" } },
  });
  result = await outbox.flush({ owner: "2" });
  assert.equal(result.sent.length, 1);
  assert.deepEqual(
    writes().map((r) => r.headers["Idempotency-Key"]),
    [item.id, item.id],
  );
  assert.deepEqual(await outbox.all(), []);
});

test("a refusal keeps the item with the server's words; only its owner may retry or delete it", async () => {
  const item = await outbox.add(place(2, "Curug"));
  server = () => ({ status: 400, body: { error: { code: "invalid", message: "Nama terlalu pendek." } } });
  const result = await outbox.flush({ owner: "2" });
  assert.equal(result.failed, 1);
  const [kept] = await outbox.all();
  assert.equal(kept.state, "failed");
  assert.equal(kept.error, "Nama terlalu pendek.");
  assert.equal(await outbox.retry(item.id, "1"), null);
  await outbox.remove(item.id, "1");
  assert.equal((await outbox.all()).length, 1);
  await outbox.retry(item.id, "2");
  assert.equal((await outbox.all())[0].state, "waiting");
  await outbox.remove(item.id, "2");
  assert.deepEqual(await outbox.all(), []);
});

test("an item kept before items had owners is never sent until someone says it is theirs", async () => {
  const old = { ...place(1, "Lama"), id: "old", created: 1, state: "waiting", attempts: 0, photos: [] };
  delete old.owner; // as an older version of the page kept it
  await idbKeyval.set("old", old, store);
  let result = await outbox.flush({ owner: "2" });
  assert.equal(result.sent.length, 0);
  assert.deepEqual(
    (await outbox.mine("2")).map((i) => i.id),
    ["old"],
  ); // shown, to be claimed or deleted
  await outbox.retry("old", "2");
  result = await outbox.flush({ owner: "2" });
  assert.equal(result.sent.length, 1);
});
