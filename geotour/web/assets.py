"""Fingerprinted static URLs (?v=<content hash>) with far-future caching, and the offline service worker."""
import hashlib
import mimetypes
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, current_app, render_template, request, url_for

from geotour.web.maps import MAP_CSS, MAP_JS

bp = Blueprint("assets", __name__)
IMMUTABLE_SECONDS = 365 * 24 * 3600
# Pages for signed-in people: the service worker must never keep them on a shared phone.
PRIVATE_PAGE_PREFIXES = ["/login", "/logout", "/account", "/contribute", "/moderation", "/admin"]
SHELL_ASSETS = ["css/geotour.css", "manifest.webmanifest", "icons/icon.svg"]  # besides the map assets


@lru_cache(maxsize=512)
def _digest(path, mtime):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def fingerprint(filename):
    """Return a short hash of a static file's content (it changes whenever the file does)."""
    path = Path(current_app.static_folder) / filename
    try:
        return _digest(str(path), path.stat().st_mtime_ns)
    except OSError:
        return None


def add_version(endpoint, values):
    """Add ?v=<hash> to every url_for('static', ...), so a changed file gets a new URL."""
    if endpoint == "static" and "v" not in values:
        version = fingerprint(values.get("filename", ""))
        if version:
            values["v"] = version


def send_file_max_age(filename):
    """Cache fingerprinted static files for a year; others for a short while."""
    if request.args.get("v"):
        return IMMUTABLE_SECONDS
    return current_app.config["SEND_FILE_MAX_AGE_DEFAULT"]


def shell_urls():
    """Return the URLs the service worker stores on install: the map page and its assets."""
    files = dict.fromkeys([path for _, path in MAP_JS + MAP_CSS] + SHELL_ASSETS)  # cache.addAll refuses duplicates
    return [url_for("pages.index")] + [url_for("static", filename=f) for f in files]


@bp.get("/sw.js")
def service_worker():
    """Serve the service worker from the root, so it may control every page."""
    urls = shell_urls()
    version = hashlib.sha256("|".join(urls).encode()).hexdigest()[:12]
    response = current_app.make_response(render_template("sw.js", urls=urls, version=version,
                                                                     private_prefixes=PRIVATE_PAGE_PREFIXES))
    response.mimetype = "text/javascript"
    response.cache_control.no_cache = True
    return response


def init_app(app):
    """Fingerprint static URLs and register the service worker route."""
    mimetypes.add_type("application/manifest+json", ".webmanifest")
    app.url_defaults(add_version)
    app.get_send_file_max_age = send_file_max_age
    app.register_blueprint(bp)
