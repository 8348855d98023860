"""What the pages and the service worker agree on for offline use: cache names, their limits, and headers.

The service worker (static/js/offline/worker.js) reads these from /sw.js, so a cache is named once, here."""

from typing import NamedTuple


class Cache(NamedTuple):
    """A service worker cache: its name, and how many answers it keeps (0: as many as the visitor saved)."""

    name: str
    max_entries: int = 0


PAGES_CACHE = "geotour-pages-v1"  # pages a visitor opened, kept by the service worker
# Renaming one drops what phones kept in it (the worker deletes every geotour-* cache it does not name).
CACHES = {
    "pages": Cache(PAGES_CACHE, 60),  # pages opened, network first
    "data": Cache("geotour-data-v2", 80),  # the public API's answers, network first
    "snapshots": Cache("geotour-snapshots-v1"),  # immutable layer files: the newest of each layer is kept
    "nearby": Cache("geotour-nearby-v1", 12),  # "near me" answers: they move with the visitor
    "photos": Cache("geotour-photos-v1", 150),
    "tiles": Cache("geotour-tiles-v1", 600),  # map tiles seen; the first to go when the phone is full
    # a saved route's corridor: never trimmed by browsing (the limit caps one route's tiles)
    "saved_tiles": Cache("geotour-tiles-saved-v1", 5000),
    "saved": Cache("geotour-saved-v1"),  # "save the whole geopark": never trimmed by browsing
    "trip": Cache("geotour-trip-v1", 120),  # pages of places added to the trip list, apart from browsing
}
SHELL_CACHE_PREFIX = "geotour-shell-"  # + the shell's version: the map page, offline pages, scripts, styles
SAVED_HEADER = "X-Geotour-Saved-At"  # when the service worker saved a response
FALLBACK_HEADER = (
    "X-Geotour-Fallback"  # the response is a saved copy, given because the network did not answer
)
TAG_HEADER = "X-Geotour-Tag"  # the version of a file "save the whole geopark" kept
