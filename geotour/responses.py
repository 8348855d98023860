"""Cached, compressed JSON responses with strong ETags, and the extensions that provide them."""
import hashlib
import json
from functools import wraps

from flask import Response, current_app, request
from flask_caching import Cache
from flask_compress import Compress

cache = Cache()
compress = Compress()

GEOJSON = "application/geo+json"
JSON = "application/json"


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


def cached_json(view):
    """Cache a view that returns (payload, mimetype), keyed by URL and data version; answer 304 on a match.

    A new data version makes every old key unreachable, so a change to the data invalidates the cache
    in every process that shares it.
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = _cache_key(current_app.extensions["geotour"].storage.data_version())
        entry = cache.get(key)
        if entry is None:
            payload, mimetype = view(*args, **kwargs)
            body = dumps(payload)
            entry = (body, mimetype, hashlib.sha256(body).hexdigest()[:32])
            cache.set(key, entry)
        return conditional_response(*entry)

    return wrapper


def conditional_response(body, mimetype, etag):
    """Return a public, revalidatable response with a strong ETag, or a 304 when the client has it."""
    response = Response(body, mimetype=mimetype)
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["GEOTOUR_HTTP_MAX_AGE"]
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response.make_conditional(request)
