// node --test: the trip list's rules (static/js/lib/trip-list.js); the pages: tests/browser/test_trip.py.
import assert from "node:assert/strict";
import { test } from "node:test";

import { MAX, add, idsFrom, move, parse, remove, shareQuery } from "../../static/js/lib/trip-list.js";

const sodong = { id: "curug-sodong", kind: "site", name: "Curug Sodong", url: "/sites/curug-sodong" };
const warung = { id: "msme-0001", kind: "msme", name: "Warung", url: "/msmes/msme-0001" };
const walk = { id: "curug-sodong-cikanteh-walk", kind: "route", name: "Jalan", url: "/routes/x" };

test("adding keeps the order and never repeats a place", () => {
  let list = add(add([], sodong), warung);
  list = add(list, sodong);
  assert.deepEqual(
    list.map((e) => e.id),
    ["curug-sodong", "msme-0001"],
  );
});

test("moving stays within the list", () => {
  const list = [sodong, warung, walk];
  assert.deepEqual(
    move(list, "msme-0001", -1).map((e) => e.id),
    ["msme-0001", "curug-sodong", "curug-sodong-cikanteh-walk"],
  );
  assert.equal(move(list, "curug-sodong", -1), list);
  assert.equal(move(list, "curug-sodong-cikanteh-walk", 1), list);
  assert.deepEqual(
    remove(list, "msme-0001").map((e) => e.id),
    ["curug-sodong", "curug-sodong-cikanteh-walk"],
  );
});

test("an event is kept as an event", () => {
  const festival = { id: "evt-12", kind: "event", name: "Festival", url: "/events/evt-12" };
  assert.deepEqual(parse(JSON.stringify([festival])), [festival]);
  assert.equal(add([sodong], festival)[1].kind, "event");
});

test("what is kept is read back whatever was stored", () => {
  assert.deepEqual(parse("not json"), []);
  assert.deepEqual(parse('{"a": 1}'), []);
  const hostile = [
    { id: "<script>", name: "x", url: "/x" },
    { id: "ok-1", name: "<b>x</b>", url: "javascript:alert(1)", kind: "evil" },
    { id: "ok-1", name: "again", url: "/again" },
    { id: "ok-2", name: "y", url: "//evil.example/" },
  ];
  assert.deepEqual(parse(JSON.stringify(hostile)), [
    { id: "ok-1", kind: "site", name: "<b>x</b>", url: "/" },
    { id: "ok-2", kind: "site", name: "y", url: "/" },
  ]);
});

test("a list has at most MAX places", () => {
  let list = [];
  for (let i = 0; i < MAX + 5; i++) list = add(list, { ...sodong, id: `p-${i}` });
  assert.equal(list.length, MAX);
});

test("the address names the list, and is read back in order", () => {
  const query = shareQuery([walk, sodong, warung]);
  assert.equal(query, "p=curug-sodong-cikanteh-walk,curug-sodong,msme-0001");
  assert.deepEqual(idsFrom("?" + query), ["curug-sodong-cikanteh-walk", "curug-sodong", "msme-0001"]);
  assert.deepEqual(idsFrom("?p=a,,a,<x>,b"), ["a", "b"]);
  assert.deepEqual(idsFrom(""), []);
});
