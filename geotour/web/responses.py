"""Cached JSON responses with strong ETags, and the extensions that provide them.

Compression happens in one place per way of serving. Under `make run` it is Flask-Compress (set up here),
which keeps the compressed body of every answer with a strong ETag, so a cached answer is compressed once
per process and encoding. Under `make serve` (GEOTOUR_COMPRESS=0) the app sends plain bodies and nginx
compresses them (gzip and brotli), and sends the layer snapshots' precompressed forms from disk.
"""

import hashlib
import json
import math
import threading
import time
from collections.abc import Callable, Hashable
from functools import lru_cache, wraps
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from cachetools import TTLCache
from flask import Flask, Request, Response, current_app, g, request, url_for
from flask_caching import Cache
from flask_compress import Compress

from geotour.config import PROJECT_ROOT
from geotour.context import current
from geotour.storage.seed import CATALOGUE_FILE

cache = Cache()
compress = Compress()

GEOJSON = "application/geo+json"
JSON = "application/json"
LOCAL_MAX_BYTES = 16 * 1024 * 1024  # per worker process
# What a cached view builds: (payload, mimetype)
Built = tuple[Any, str]
NOT_KEPT = "-"  # Flask-Compress's cache key of an answer without a strong ETag: compressed, never kept


# What a release is made of, besides the layer catalogue: the package's sources, the translations and the
# templates, by the suffixes the app reads (an editor's backup or a stray file beside them is no part of it,
# and would give two machines running the same code two releases, and two halves of one cache).
RELEASE_FILES = (
    ("geotour", "*.py"),
    ("geotour/translations", "*.po"),
    ("templates", "*.html"),
    ("templates", "*.xml"),
    ("templates", "*.js"),
)


@lru_cache(maxsize=4)
def release_id(catalogue: Path | None = None) -> str:
    """Return the code's release: a digest of RELEASE_FILES and of the layer catalogue (`catalogue`, the
    data folder's layers.json: its titles and categories are in the API's answers), the same on every
    machine that runs the same code.

    The shared cache outlives a release (Redis keeps an answer until the data changes), so its keys name the
    release: new code never sends an answer the old code made, such as a catalogue naming snapshots by older
    rules (places.SNAPSHOT_RULES) or an answer missing a field the new pages read."""
    digest = hashlib.sha256()
    paths = [path for folder, pattern in RELEASE_FILES for path in (PROJECT_ROOT / folder).rglob(pattern)]
    for path in sorted(paths):
        if path.is_file() and not path.name.startswith("."):
            digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    if catalogue is not None and catalogue.is_file():
        digest.update(b"catalogue\0" + catalogue.read_bytes())
    return digest.hexdigest()[:12]


def init_app(app: Flask) -> None:
    """Attach Flask-Caching, Flask-Compress (unless the front server compresses), and the per-process stores."""
    app.extensions["geotour_release"] = release_id(Path(app.config["GEOTOUR_DATA_DIR"]) / CATALOGUE_FILE)
    cache.init_app(app)
    max_age_s = app.config["CACHE_DEFAULT_TIMEOUT"] or None
    app.extensions["geotour_local_responses"] = LocalStore(max_age_s=max_age_s)
    app.config["COMPRESS_CACHE_BACKEND"] = lambda: CompressedBodies(LocalStore(max_age_s=max_age_s))
    app.config["COMPRESS_CACHE_KEY"] = _compressed_key
    compress.init_app(app)


class CompressedBodies:
    """Flask-Compress's cache: the compressed bodies of answers with a strong ETag, kept per process.

    A strong ETag names one body of one URL (two URLs may share an ETag: every layer's snapshot of a data
    version has the same one), so the key is "<encoding>;<ETag> <URL>". Answers without an ETag (pages,
    errors) are compressed on each request.
    """

    def __init__(self, store: "LocalStore") -> None:
        self._store = store

    def get(self, key: str) -> bytes | None:
        return None if key.endswith(";" + NOT_KEPT) else self._store.get(key)

    def set(self, key: str, value: bytes) -> None:
        if not key.endswith(";" + NOT_KEPT):
            self._store.put(key, value, len(value))


def _compressed_key(asked: Request) -> str:
    etag = g.get("geotour_etag")
    return f"{etag} {asked.full_path}" if etag else NOT_KEPT


def dumps(payload: Any) -> bytes:
    """Return compact UTF-8 JSON bytes."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _cache_key(data_version: str, vary: str = "") -> str:
    # Encoded again after parsing, so "?limit%3D100%26offset=100" (one odd parameter) can never share a key
    # with "?limit=100&offset=100" (two), nor a path holding "?" with a shorter path and a query. In the
    # order sent: an answer's links repeat the query as it came (and of a repeated name, the first counts).
    query = urlencode(list(request.args.items(multi=True)))
    release = current_app.extensions["geotour_release"]
    return f"api:{release}:v{data_version}:{request.host_url}:{quote(request.path)}?{query}" + (
        f";{vary}" if vary else ""
    )


def cached(build: Callable[[], Built], vary: str = "") -> Response:
    """Response with build()'s (payload, mimetype), cached by URL and data version; 304 on a match.

    A new data version makes every old key unreachable, so a change to the data invalidates the cache
    in every process that shares it. An entry is (body, mimetype, ETag), kept in the shared cache and in
    this process's store in front of it; it is compressed on the way out (see the module's docstring).
    `vary` names what else the answer depends on: the day a partner label is read against, the time
    from which events are still to come.
    """
    # While the database cannot be reached, the last known version still finds what is cached for it.
    key = _cache_key(current().storage.data_version(allow_stale=True), vary)
    local = current_app.extensions["geotour_local_responses"]
    kept = local.get(key)
    if kept is None:
        kept = cache.get(key)
        if kept is None:
            payload, mimetype = build()
            body = dumps(payload)
            kept = (body, mimetype, hashlib.sha256(body).hexdigest()[:32])
            cache.set(key, kept)
        local.put(key, kept, len(kept[0]))
    return conditional_response(*kept)


class LocalStore:
    """A small per-process store, bounded in bytes (least recently used out), safe across threads: a
    cachetools.TTLCache behind a lock.

    In front of the shared cache it is safe because a key names one data version: an entry never changes,
    it only stops being asked for when the version moves on. It saves a Redis round trip (and the copy of
    the body) on hot answers. Pages keep their rendered maps in another one. With `max_age_s`, an entry is
    also dropped once it is that old (the shared cache's own timeout), so nothing outlives what the shared
    cache would keep, whatever it is.
    """

    def __init__(
        self,
        max_bytes: int = LOCAL_MAX_BYTES,
        max_age_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_age_s = max_age_s
        self._entries: TTLCache[Hashable, tuple[Any, int]] = TTLCache(
            maxsize=max_bytes, ttl=max_age_s or math.inf, timer=clock, getsizeof=lambda kept: kept[1]
        )
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        """Return the bytes kept now."""
        return int(self._entries.currsize)

    def get(self, key: Hashable) -> Any:
        """Return the kept value, or None (also when it has grown too old)."""
        with self._lock:
            found = self._entries.get(key)
        return None if found is None else found[0]

    def put(self, key: Hashable, value: Any, size: int) -> None:
        """Keep a value of `size` bytes (nothing larger than a quarter of the budget)."""
        if size > self._entries.maxsize // 4:
            return
        with self._lock:
            self._entries.setdefault(key, (value, size))


def cached_json(view: Callable[..., Built]) -> Callable[..., Response]:
    """Decorate a view returning (payload, mimetype) so that its answer is cached (see `cached`).

    Put it under bp.query (geotour.web.params), which refuses unknown parameters before the cache is asked, so
    a typo is never answered (and cached) as if the parameter were absent.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        return cached(lambda: view(*args, **kwargs))

    return wrapper


def page_links(offset: int, limit: int, returned: int, matched: int, mimetype: str) -> list[dict[str, str]]:
    """Return self/next/prev links for a page of features, keeping the request's other parameters."""

    def link(rel: str, at: int) -> dict[str, str]:
        args = {k: v for k, v in request.args.items() if k != "offset"}
        href = url_for(str(request.endpoint), **(request.view_args or {}), **args, offset=at, _external=True)
        return {"rel": rel, "type": mimetype, "href": href}

    links = [link("self", offset)]
    if offset + returned < matched:
        links.append(link("next", offset + limit))
    if offset > 0:
        links.append(link("prev", max(0, offset - limit)))
    return links


def conditional_response(body: bytes, mimetype: str, etag: str) -> Response:
    """Return a public, revalidatable response with a strong ETag, or a 304 when the client has it.

    Each encoding is its own representation with its own strong ETag: Flask-Compress adds ":<encoding>".
    """
    response = Response(body, mimetype=mimetype)
    g.geotour_etag = etag
    response.vary.add("Accept-Encoding")
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["GEOTOUR_HTTP_MAX_AGE"]
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.make_conditional(request)  # turns it into a 304 in place when the client has it
    return response


IMMUTABLE_MAX_AGE = 365 * 24 * 3600


def immutable_file(path: Path, mimetype: str, etag: str) -> Response:
    """Send a file whose URL names its content, cached for a year.

    Under `make serve` nginx sends the file and its precompressed forms itself; this answers a machine
    that lacked the file (and `make run`, where Flask-Compress compresses it once per process).
    """
    response = conditional_response(path.read_bytes(), mimetype, etag)
    response.cache_control.max_age = IMMUTABLE_MAX_AGE
    response.cache_control.immutable = True
    return response
