// node --test: what a page's count says (static/js/count.js); the server's side: tests/test_counting.py, the
// visitor's path: tests/browser/test_counting.py.
import assert from "node:assert/strict";
import { test } from "node:test";

import { countBody, hostOf, sourceOf } from "../../static/js/count.js";

test("a signboard's code is a QR scan, a frame an embed, anything else direct", () => {
  assert.equal(sourceOf("?src=qr", false), "qr");
  assert.equal(sourceOf("?lang=en&src=qr", true), "qr");
  assert.equal(sourceOf("?layers=msmes", true), "embed");
  assert.equal(sourceOf("", false), "direct");
  assert.equal(sourceOf("?src=ads", false), "direct");
});

test("an embed's host is its host name only, from the frame's ancestors or the referrer", () => {
  assert.equal(hostOf("https://dispar.example.go.id/wisata?u=ani", []), "dispar.example.go.id");
  assert.equal(hostOf("", ["https://kim.example.id"]), "kim.example.id");
  assert.equal(hostOf("", []), "");
  assert.equal(hostOf("not a url", null), "");
});

test("a count sends only what it needs", () => {
  assert.equal(countBody("view", "", "direct", "", "").toString(), "event=view&source=direct");
  assert.equal(
    countBody("popup", "curug-sodong", "embed", "kim.example.id", "").toString(),
    "event=popup&source=embed&place=curug-sodong&host=kim.example.id",
  );
  assert.equal(countBody("view", "x", "direct", "kim.example.id", "").get("host"), null); // not an embed
  assert.equal(countBody("search_empty", "", "direct", "", "kolam renang").get("q"), "kolam renang");
});
