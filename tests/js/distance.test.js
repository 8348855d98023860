// node --test: distances as the phone works them out offline (static/js/lib/distance.js). Agreement with
// pyproj.Geod and the server's format_distance: tests/test_js_agrees.py.
import assert from "node:assert/strict";
import { test } from "node:test";

import { bearing, formatDistance, geodesic, roundHalfEven } from "../../static/js/lib/distance.js";

const ID = { tens_from_m: 100, km_from_m: 1000, whole_km_from_m: 10000, decimal: ",", group: "." };
const EN = { ...ID, decimal: ".", group: "," };

test("halves round to the even neighbour, as Python's round", () => {
  assert.deepEqual([0.5, 1.5, 2.5, 3.5, -0.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, 4, -0, 2, 3]);
});

test("distances are said in metres, tens of metres, tenths of km, whole km", () => {
  assert.equal(formatDistance(42.4, ID), "42 m");
  assert.equal(formatDistance(355, ID), "360 m");
  assert.equal(formatDistance(2449, ID), "2,4 km");
  assert.equal(formatDistance(2449, EN), "2.4 km");
  assert.equal(formatDistance(3000, ID), "3 km");
  assert.equal(formatDistance(12_500, ID), "12 km");
  assert.equal(formatDistance(1_234_000, ID), "1.234 km");
  assert.equal(formatDistance(1_234_000, EN), "1,234 km");
});

test("a degree of latitude at the equator is 110,574 m on WGS84", () => {
  assert.ok(Math.abs(geodesic(0, 106, 1, 106) - 110574.389) < 0.01);
  assert.equal(geodesic(-7.2, 106.4, -7.2, 106.4), 0);
});

test("bearings go clockwise from north", () => {
  assert.ok(Math.abs(bearing(-7, 106, -6, 106)) < 1e-9);
  assert.ok(Math.abs(bearing(-7, 106, -7, 107) - 90) < 0.1);
  assert.ok(Math.abs(bearing(-7, 106, -8, 106) - 180) < 1e-9);
});
