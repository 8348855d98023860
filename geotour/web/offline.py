"""What the pages and the service worker agree on for offline use: cache names and headers."""

PAGES_CACHE = "geotour-pages-v1"  # pages a visitor opened, kept by the service worker
SAVED_HEADER = "X-Geotour-Saved-At"  # when the service worker saved a response
FALLBACK_HEADER = (
    "X-Geotour-Fallback"  # the response is a saved copy, given because the network did not answer
)
