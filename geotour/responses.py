"""Cached, compressed JSON responses with strong ETags, and the extensions that provide them."""
import gzip
import hashlib
import json
from functools import wraps

import brotli
from flask import Response, current_app, request, url_for
from flask_caching import Cache
from flask_compress import Compress

from .context import current

cache = Cache()
compress = Compress()

GEOJSON = "application/geo+json"
JSON = "application/json"
MIN_COMPRESS_BYTES = 500
ENCODERS = {"br": lambda body: brotli.compress(body, quality=9), "gzip": lambda body: gzip.compress(body, 6)}


def init_app(app):
    """Attach Flask-Caching and Flask-Compress."""
    cache.init_app(app)
    compress.init_app(app)


def dumps(payload):
    """Return compact UTF-8 JSON bytes."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _cache_key(data_version):
    args = sorted(request.args.items(multi=True))
    query = "&".join(f"{k}={v}" for k, v in args)
    return f"api:v{data_version}:{request.host_url}:{request.path}?{query}"


def cached(build):
    """Answer with build()'s (payload, mimetype), cached by URL and data version; 304 on a match.

    A new data version makes every old key unreachable, so a change to the data invalidates the cache
    in every process that shares it.
    """
    # While the database cannot be reached, the last known version still finds what is cached for it.
    key = _cache_key(current().storage.data_version(allow_stale=True))
    entry, changed = cache.get(key), False
    if entry is None:
        payload, mimetype = build()
        body = dumps(payload)
        entry = {"mimetype": mimetype, "etag": hashlib.sha256(body).hexdigest()[:32], "identity": body}
        changed = True
    encoding = _choose_encoding(len(entry["identity"]))
    if encoding not in entry:
        # Compress once per cached entry, not once per request.
        entry[encoding] = ENCODERS[encoding](entry["identity"])
        changed = True
    if changed:
        cache.set(key, entry)
    return conditional_response(entry[encoding], entry["mimetype"], entry["etag"], encoding)


def cached_json(view):
    """Decorate a view returning (payload, mimetype) so that its answer is cached (see `cached`)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        return cached(lambda: view(*args, **kwargs))

    return wrapper


def page_links(offset, limit, returned, matched, mimetype):
    """Return self/next/prev links for a page of features, keeping the request's other parameters."""

    def link(rel, at):
        args = {k: v for k, v in request.args.items() if k != "offset"}
        href = url_for(request.endpoint, **request.view_args, **args, offset=at, _external=True)
        return {"rel": rel, "type": mimetype, "href": href}

    links = [link("self", offset)]
    if offset + returned < matched:
        links.append(link("next", offset + limit))
    if offset > 0:
        links.append(link("prev", max(0, offset - limit)))
    return links


def _choose_encoding(size):
    if size < MIN_COMPRESS_BYTES:
        return "identity"
    best = request.accept_encodings.best_match(list(ENCODERS))
    return best or "identity"


def conditional_response(body, mimetype, etag, encoding="identity"):
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
    return response.make_conditional(request)
