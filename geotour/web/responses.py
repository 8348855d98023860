"""Cached, compressed JSON responses with strong ETags, and the extensions that provide them."""

import gzip
import hashlib
import json
import math
import threading
import time
from collections.abc import Callable, Hashable
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import brotli
from cachetools import TTLCache
from flask import Flask, Response, current_app, request, url_for
from flask_caching import Cache
from flask_compress import Compress

from geotour.context import current

cache = Cache()
compress = Compress()

GEOJSON = "application/geo+json"
JSON = "application/json"
MIN_COMPRESS_BYTES = 500
LOCAL_MAX_BYTES = 16 * 1024 * 1024  # per worker process
# What a cached view builds: (payload, mimetype)
Built = tuple[Any, str]
ENCODERS = {"br": lambda body: brotli.compress(body, quality=9), "gzip": lambda body: gzip.compress(body, 6)}


def init_app(app: Flask) -> None:
    """Attach Flask-Caching and Flask-Compress, and the per-process store in front of the cache."""
    cache.init_app(app)
    app.extensions["geotour_local_responses"] = LocalStore(
        max_age_s=app.config["CACHE_DEFAULT_TIMEOUT"] or None
    )
    compress.init_app(app)


def dumps(payload: Any) -> bytes:
    """Return compact UTF-8 JSON bytes."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _cache_key(data_version: str) -> str:
    # Encoded again after parsing, so "?limit%3D100%26offset=100" (one odd parameter) can never share a key
    # with "?limit=100&offset=100" (two), nor a path holding "?" with a shorter path and a query. In the
    # order sent: an answer's links repeat the query as it came (and of a repeated name, the first counts).
    query = urlencode(list(request.args.items(multi=True)))
    return f"api:v{data_version}:{request.host_url}:{quote(request.path)}?{query}"


def cached(build: Callable[[], Built]) -> Response:
    """Response with build()'s (payload, mimetype), cached by URL and data version; 304 on a match.

    A new data version makes every old key unreachable, so a change to the data invalidates the cache
    in every process that shares it. Each entry is a small head (type, ETag, size) and one body per
    encoding, each compressed once; a request fetches the head and the body it needs in one round trip
    (so a brotli request to Redis moves the brotli bytes only).
    """
    # While the database cannot be reached, the last known version still finds what is cached for it.
    key = _cache_key(current().storage.data_version(allow_stale=True))
    wanted = _choose_encoding(MIN_COMPRESS_BYTES)
    local = current_app.extensions["geotour_local_responses"]
    kept = local.get((key, wanted))
    if kept is not None:
        return conditional_response(*kept)
    head, encoding, body = _shared_entry(key, wanted, build)
    local.put((key, wanted), (body, head["mimetype"], head["etag"], encoding), len(body))
    return conditional_response(body, head["mimetype"], head["etag"], encoding)


def _shared_entry(key: str, wanted: str, build: Callable[[], Built]) -> tuple[dict[str, Any], str, bytes]:
    """Return (head, encoding, body) from the shared cache, building and storing what is missing."""
    head, body = cache.get_many(f"{key}|head", f"{key}|{wanted}")
    identity = None
    if head is None:
        payload, mimetype = build()
        identity = dumps(payload)
        head = {
            "mimetype": mimetype,
            "etag": hashlib.sha256(identity).hexdigest()[:32],
            "size": len(identity),
        }
        cache.set_many({f"{key}|head": head, f"{key}|identity": identity})
        body = identity if wanted == "identity" else None
    encoding = _choose_encoding(head["size"])
    if encoding != wanted:
        body = cache.get(f"{key}|{encoding}")
    if body is None:
        identity = identity or cache.get(f"{key}|identity")
        if identity is None:  # evicted on its own: build it again
            identity = dumps(build()[0])
            cache.set(f"{key}|identity", identity)
        body = identity if encoding == "identity" else ENCODERS[encoding](identity)
        if encoding != "identity":
            cache.set(f"{key}|{encoding}", body)
    return head, encoding, body


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


def _choose_encoding(size: int) -> str:
    if size < MIN_COMPRESS_BYTES:
        return "identity"
    best = request.accept_encodings.best_match(list(ENCODERS))
    return best or "identity"


def conditional_response(body: bytes, mimetype: str, etag: str, encoding: str = "identity") -> Response:
    """Return a public, revalidatable response with a strong ETag, or a 304 when the client has it.

    Each encoding is its own representation, so it gets its own strong ETag.
    """
    response = Response(body, mimetype=mimetype)
    if encoding != "identity":
        response.headers["Content-Encoding"] = encoding
        etag = f"{etag}-{encoding}"
    response.vary.add("Accept-Encoding")
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["GEOTOUR_HTTP_MAX_AGE"]
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.make_conditional(request)  # turns it into a 304 in place when the client has it
    return response


IMMUTABLE_MAX_AGE = 365 * 24 * 3600
PRECOMPRESSED = {"br": ".br", "gzip": ".gz"}


def immutable_file(path: Path, mimetype: str, etag: str) -> Response:
    """Send a file whose URL names its content, in its precompressed form the client takes, cached for a year."""
    best = request.accept_encodings.best_match(list(PRECOMPRESSED))
    encoding = best if best and path.with_name(path.name + PRECOMPRESSED[best]).is_file() else "identity"
    source = path if encoding == "identity" else path.with_name(path.name + PRECOMPRESSED[encoding])
    response = conditional_response(source.read_bytes(), mimetype, etag, encoding)
    response.cache_control.max_age = IMMUTABLE_MAX_AGE
    response.cache_control.immutable = True
    return response
