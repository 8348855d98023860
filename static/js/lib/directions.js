/* A maps app's link to a place, made as geotour/domain/contact.py's directions() makes it (the place page's
 * links): a card on the map links straight to the maps app, which opens with no signal too, where a link
 * through the server (/go/) would not. tests/test_js_agrees.py checks that both make the same links. */

/** Python's urllib.parse.quote_plus(text, safe=""), as urlencode() writes a query's value. */
export function queryValue(text) {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, "+");
}

/** Return the directions to a point in Google Maps, and a search for a place by its name (for a point that
 * is only an estimate: the maps app may know the place better). Coordinates are said to six decimals, as
 * Python's "%.6f" says them (an exact tie at the seventh, which no surveyed point has, would round up here
 * and to even there). */
export function directionsTo(lat, lon, name) {
  const point = lat.toFixed(6) + "," + lon.toFixed(6);
  return {
    google: "https://www.google.com/maps/dir/?api=1&destination=" + queryValue(point),
    search_google: "https://www.google.com/maps/search/?api=1&query=" + queryValue(name),
  };
}
