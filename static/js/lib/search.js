/* How names are matched, on every page that searches: the map's search box and the /places list.
 *
 * fold() is the server's geotour.domain.features.fold, written again only because the phone must fold
 * the query as it is typed, offline too: NFKD, the nonspacing marks dropped, lower case, trimmed.
 * tests/test_js_agrees.py runs both on the same names. */

/** Return text without case or accents: "Curug Cimarinjúng" → "curug cimarinjung". */
export function fold(text) {
  return String(text || "")
    .normalize("NFKD")
    .replace(/\p{Mn}/gu, "")
    .toLowerCase()
    .trim();
}

const WORD_START = /[\s(\-–&/,.]/;

/** Lower is better: a name that starts with the query (0), then a word that does (1), then anywhere (2);
 * -1 when no name matches. */
export function score(query, names) {
  const q = fold(query);
  let best = -1;
  if (!q) return -1;
  for (const name of names) {
    const n = fold(name);
    const at = n.indexOf(q);
    let s = -1;
    if (at === 0) s = 0;
    else if (at > 0) s = WORD_START.test(n.charAt(at - 1)) ? 1 : 2;
    if (s >= 0 && (best < 0 || s < best)) best = s;
  }
  return best;
}

/** A name without the research notes some alternative names carry: "Puncak Kembang (former name)". */
export function plainName(name) {
  return String(name || "")
    .replace(/\s*[([].*$/, "")
    .replace(/\s*;.*$/, "")
    .trim();
}
