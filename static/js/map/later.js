/* What the overview does once its first markers are drawn, as one module (maps.MAP_LATER): the cards, the
 * overlays (routes, events, village names), "near me" and the search box. Each adds its methods to Geotour.
 *
 * `make assets` bundles this file with the modules it imports and theirs (geotour/web/bundles.json,
 * scripts/minify.mjs), so a phone on a weak link asks for one file, not seven in two round trips. Without
 * that copy (a source edited since) the browser loads the modules themselves, by the import map's names. */
import "geotour/map/popups";
import "geotour/map/overlays";
import "geotour/map/near-me";
import "geotour/map/finder";
