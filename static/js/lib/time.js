/* A time as people here read it: day, month and hour in WIB (Asia/Jakarta), in the page's language. */

/** Return an ISO time as "3 Des 14.05" (id) or "3 Dec 14:05" (en), in WIB. */
export function whenWIB(iso, lang) {
  return new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "id-ID", {
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "Asia/Jakarta",
  }).format(new Date(iso));
}

/* Asia/Jakarta is UTC+7 all year (no daylight saving since 1964), so the day and the month in WIB are plain
   arithmetic. An Intl formatter would do the same, but the first one a page makes costs a phone 60 to 240 ms
   (the locale's and the time zone's data): on the map page that was one of its longest tasks. */
const WIB_OFFSET_MS = 7 * 3600 * 1000;

/** Return the WIB day of an instant (ms since the epoch) as "YYYY-MM-DD". */
export function wibDay(ms) {
  return new Date(ms + WIB_OFFSET_MS).toISOString().slice(0, 10);
}

/** Return the WIB month of an instant (ms since the epoch), 1 to 12. */
export function wibMonth(ms) {
  return new Date(ms + WIB_OFFSET_MS).getUTCMonth() + 1;
}
