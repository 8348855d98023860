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
