// node --test: how names are matched (static/js/lib/search.js). Agreement with the server's fold:
// tests/test_js_agrees.py.
import assert from "node:assert/strict";
import { test } from "node:test";

import { fold, plainName, score } from "../../static/js/lib/search.js";

test("fold drops case and accents, and trims", () => {
  assert.equal(fold("  Curug Cimarinjúng "), "curug cimarinjung");
  assert.equal(fold("PANTAI PALANGPANG"), "pantai palangpang");
  assert.equal(fold("Ｃｕｒｕｇ"), "curug"); // full-width letters, as some phone keyboards type them
  assert.equal(fold(null), "");
});

test("a name that starts with the query beats a word that does, which beats anywhere", () => {
  assert.equal(score("curug", ["Curug Sodong"]), 0);
  assert.equal(score("sodong", ["Curug Sodong"]), 1);
  assert.equal(score("odong", ["Curug Sodong"]), 2);
  assert.equal(score("awang", ["Curug Cimarinjung", "Curug Awang"]), 1);
  assert.equal(score("xyz", ["Curug Sodong"]), -1);
  assert.equal(score("  ", ["Curug Sodong"]), -1);
  assert.equal(score("cimarinjúng", ["Curug Cimarinjung"]), 1); // accents on either side
});

test("alternative names lose their research notes", () => {
  assert.equal(plainName("Puncak Kembang (former name)"), "Puncak Kembang");
  assert.equal(plainName("Batu Naga; per Disbudpar 2019"), "Batu Naga");
  assert.equal(plainName("Curug Sodong"), "Curug Sodong");
});
