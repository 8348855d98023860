// node --test: the day and month in WIB (static/js/lib/time.js), worked out by arithmetic, agree with what an
// Intl formatter for Asia/Jakarta says, around midnight, month and year ends, and across the year.
import assert from "node:assert/strict";
import { test } from "node:test";

import { wibDay, wibMonth } from "../../static/js/lib/time.js";

const DAY = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Jakarta" });
const MONTH = new Intl.DateTimeFormat("en", { month: "numeric", timeZone: "Asia/Jakarta" });

test("a day ends at 17:00 UTC, which is midnight in WIB", () => {
  assert.equal(wibDay(Date.parse("2026-12-31T16:59:59.999Z")), "2026-12-31");
  assert.equal(wibDay(Date.parse("2026-12-31T17:00:00Z")), "2027-01-01");
  assert.equal(wibMonth(Date.parse("2026-01-31T17:00:00Z")), 2);
  assert.equal(wibMonth(Date.parse("2026-01-31T16:59:59Z")), 1);
});

test("the arithmetic agrees with Asia/Jakarta's formatter every 97 minutes for four years", () => {
  const start = Date.parse("2026-01-01T00:00:00Z");
  for (let ms = start; ms < start + 4 * 366 * 864e5; ms += 97 * 60000) {
    assert.equal(wibDay(ms), DAY.format(ms), new Date(ms).toISOString());
    assert.equal(wibMonth(ms), Number(MONTH.format(ms)), new Date(ms).toISOString());
  }
});
