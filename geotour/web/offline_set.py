"""What "save the whole geopark" keeps on a phone (issue 31 part 2): every attraction's, business's and route's
page in the visitor's language, each place's first photo at the small size, and their sizes in bytes as this
server sends them (measured by rendering each page, never guessed). The map's layers, the safety card and
the glossary are already in the service worker's shell.

Each file carries a tag that changes when what the file shows changes, so a phone that saved the geopark
fetches again only those (the service worker compares tags): a place's page shows the place itself and the
other kind of place near it (an attraction's page lists businesses, a business's page attractions) and the
routes through it, so its tag is the place's own content and the last change of those layers."""

import hashlib
import json
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import current_app, request

from geotour.context import current as _ctx
from geotour.domain import routes
from geotour.domain.layers import ATTRACTION, MSME, ROUTE
from geotour.domain.places import snapshot_token, whole_layer
from geotour.web.pages import place_facts
from geotour.web.pages.route_pages import tile_urls

# This process's cache of the list (rendering every page takes seconds): per data version, language and build.
_MEMO: dict[tuple[str, str, str], dict[str, Any]] = {}
_WORKING: set[tuple[str, str, str]] = set()
_LOCK = threading.Lock()
GEOPARK_ZOOMS = range(8, 15)  # from the whole coast to the villages' lanes (zoom 14), as the issue asks
MAX_TILES = 4_000
TILE_TIMEOUT_S = 10

MAX_PAGES = 400  # attractions and routes first, then businesses: a phone saves a few MB, not a directory
DEPENDS = {ATTRACTION: (MSME, ROUTE), MSME: (ATTRACTION, ROUTE), ROUTE: (ATTRACTION, MSME)}


def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _measured(url: str, lang: str) -> int:
    """Return the bytes of a page as this server sends it in a language (rendered here, as a phone asks)."""
    with current_app.test_client() as client:
        answer = client.get(url, headers={"Accept-Language": lang}, base_url=request.host_url)
        return len(answer.get_data()) if answer.status_code == 200 else 0  # a page gone meanwhile: nothing


def _photo_bytes(thumb: str) -> int:
    photo_id = thumb.removeprefix("/photos/").removesuffix("-thumb.webp")
    path = _ctx().photos.path(photo_id, "thumb")
    return path.stat().st_size if path is not None and path.is_file() else 0


def geopark_files(lang: str, build: str) -> dict[str, Any] | None:
    """Return {"files": [{url, tag, bytes}], "bytes", "pages", "photos", "left_out"} for one language, or None
    while it is being worked out (in a thread of this process: rendering every page takes seconds, and no
    visitor's request may wait for it). `build` (the app's assets' version) is part of every page's tag, so a
    new release refreshes the saved pages. Kept per data version in this process: each machine works it out
    once."""
    key = (snapshot_token(_ctx().storage), lang, build)
    with _LOCK:
        if key in _MEMO:
            return _MEMO[key]
        if key in _WORKING:
            return None
        _WORKING.add(key)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    base_url = request.host_url

    def work() -> None:
        try:
            with app.test_request_context("/", base_url=base_url, headers={"Accept-Language": lang}):
                found = _files(lang, build)
            with _LOCK:
                while len(_MEMO) >= 4:
                    _MEMO.pop(next(iter(_MEMO)))
                _MEMO[key] = found
        finally:
            with _LOCK:
                _WORKING.discard(key)

    threading.Thread(target=work, name="geotour-offline-set", daemon=True).start()
    return None


def _files(lang: str, build: str) -> dict[str, Any]:
    ctx = _ctx()
    stats = ctx.storage.layer_stats()
    changed = {
        kind: [stats.get(layer_id, {}).get("updated_at") for layer_id in ctx.catalogue.ids(kind)]
        for kind in (ATTRACTION, MSME, ROUTE)
    }
    files: list[dict[str, Any]] = []
    left_out = 0
    pages = 0
    for kind in (ATTRACTION, ROUTE, MSME):
        for layer_id in ctx.catalogue.ids(kind):
            for feature in whole_layer(ctx.storage, layer_id):
                if pages >= MAX_PAGES:
                    left_out += 1
                    continue
                url = place_facts.page_url(kind, feature["id"], lang=None)
                tag = _digest(feature, [changed[k] for k in DEPENDS[kind]], build, lang)
                files.append({"url": url, "tag": tag, "bytes": _measured(url, lang)})
                pages += 1
                shown = place_facts.photos(feature["properties"])
                if shown and shown[0]["thumb"]:
                    thumb = str(shown[0]["thumb"])
                    files.append({"url": thumb, "tag": thumb, "bytes": _photo_bytes(thumb)})
    photos = len(files) - pages
    files += _tiles()
    return {
        "files": files,
        "bytes": sum(f["bytes"] for f in files),
        "pages": pages,
        "photos": photos,
        "tiles": len(files) - pages - photos,
        "left_out": left_out,
    }


def _tile_bytes(url: str) -> int:
    """Return a tile's size as its server sends it (HEAD, else GET), or 0 when it does not answer."""
    for method in ("HEAD", "GET"):
        try:
            request_ = urllib.request.Request(url, method=method, headers={"User-Agent": "Geotour"})
            with urllib.request.urlopen(request_, timeout=TILE_TIMEOUT_S) as answer:  # noqa: S310 (the operator's URL)
                length = answer.headers.get("Content-Length")
                if length is not None and length.isdigit():
                    return int(length)
                if method == "GET":
                    return len(answer.read())
        except (OSError, ValueError):
            if method == "GET":
                return 0  # no answer: counted as nothing, and the phone's save says what failed
    return 0


def _tiles() -> list[dict[str, Any]]:
    """Return the street map's tiles to zoom 14 within the geopark's boundary, each measured, when the operator
    says the tile source allows saving many (GEOTOUR_TILES_BULK); the OpenStreetMap servers forbid it."""
    area = _ctx().area()
    if not current_app.config["GEOTOUR_TILES_BULK"] or area is None:
        return []
    urls = tile_urls(routes.area_tiles(area.lonlat, GEOPARK_ZOOMS, MAX_TILES))
    with ThreadPoolExecutor(max_workers=8) as pool:
        sizes = list(pool.map(_tile_bytes, urls))
    return [{"url": url, "tag": "tile", "bytes": size} for url, size in zip(urls, sizes, strict=True)]
