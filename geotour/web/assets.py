"""Fingerprinted static URLs (?v=<content hash>) with far-future caching, and the offline service worker."""

import hashlib
import json
import mimetypes
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.routing import Rule

from geotour.config import LOCALES
from geotour.storage import snapshots
from geotour.web import offline
from geotour.web.maps import JS_MODULES, MAP_CSS, MAP_JS, MAP_MODULES

bp = Blueprint("assets", __name__)
IMMUTABLE_SECONDS = 365 * 24 * 3600
# Pages for signed-in people: the service worker must never keep them on a shared phone.
PRIVATE_PAGE_PREFIXES = ["/login", "/logout", "/account", "/contribute", "/moderation", "/admin"]
SHELL_ASSETS = [
    "css/geotour.css",
    "css/pages.css",
    "manifest.webmanifest",
    "js/offline/page.js",
    "js/offline/saved-places.js",
    "js/place-search.js",
    "js/listen.js",
    "js/safety.js",
    "js/alerts.js",
    "js/save-route.js",
    "js/report.js",
    "js/trip.js",
    "js/trip-page.js",
    "js/save-geopark.js",
    # the outbox a visitor's report waits in (static/js/report.js loads them when needed); the worker imports them too
    "vendor/idb-keyval/idb-keyval.js",
    "js/offline/outbox.js",
]  # besides the map assets
# The service worker imports these, after Workbox: the outbox it sends on Background Sync, its IndexedDB
# helper, and the worker itself.
WORKER_SCRIPTS = ["vendor/idb-keyval/idb-keyval.js", "js/offline/outbox.js", "js/offline/worker.js"]
# Workbox's loader; it imports the modules the worker uses (workbox-routing, -strategies, -expiration,
# -background-sync) from the same folder, which `make assets` names after Workbox's version, as workbox-cli's
# copyLibraries does: a new Workbox gets new URLs, never a mix of old and new files from the HTTP cache.
WORKBOX_GLOB = "vendor/workbox-v*/workbox-sw.js"
# A weak link that answers nothing for this long gets the saved copy instead (when there is one).
NETWORK_TIMEOUT_MS = 6000
# Minified copies of our own scripts and stylesheets (`make assets`: scripts/minify.mjs), each named after
# its source's fingerprint: static/min/js/map/popups.<v>.js. nginx sends them the same way (deploy/nginx.conf.in).
MINIFIED_FOLDER = "min"
MINIFIED_SUFFIXES = (".js", ".css")
FINGERPRINT_DIGITS = 12  # hex digits of a file's SHA-256 in its ?v= (and in its minified copy's name)
FINGERPRINT = re.compile(rf"[0-9a-f]{{{FINGERPRINT_DIGITS}}}")


# Scripts whose minified copy is a bundle: {entry: {module name: file}} of the modules it holds besides
# itself (`make assets`: scripts/minify.mjs reads the same table). Every other module it imports stays apart.
BUNDLES: dict[str, dict[str, str]] = json.loads(Path(__file__).with_name("bundles.json").read_text())


@lru_cache(maxsize=512)
def _digest(files: tuple[tuple[str, int], ...]) -> str:
    digest = hashlib.sha256()
    for path, _ in files:  # (path, mtime): a file changed since is hashed again
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:FINGERPRINT_DIGITS]


def fingerprint(filename: str) -> str | None:
    """Return a short hash of a static file's content (it changes whenever the file does); for a bundle's
    entry (BUNDLES), of the content of the entry and of every module the bundle holds, in the table's order
    (scripts/minify.mjs names the bundle the same way)."""
    static = Path(str(current_app.static_folder))
    paths = [static / filename, *(static / path for path in BUNDLES.get(filename, {}).values())]
    try:
        return _digest(tuple((str(path), path.stat().st_mtime_ns) for path in paths))
    except OSError:
        return None


def add_version(endpoint: str, values: dict[str, Any]) -> None:
    """Add ?v=<hash> to every url_for('static', ...), so a changed file gets a new URL."""
    if endpoint == "static" and "v" not in values:
        version = fingerprint(values.get("filename", ""))
        if version:
            values["v"] = version


def minified_copy(filename: str, version: str) -> str | None:
    """Return the minified copy of static/<filename> at fingerprint `version` (a path under static/), or None
    when there is none: a file edited since `make assets` has none yet, and is sent as it is."""
    stem, dot, suffix = filename.rpartition(".")
    if not (dot and "." + suffix in MINIFIED_SUFFIXES and FINGERPRINT.fullmatch(version)):
        return None
    copy = f"{MINIFIED_FOLDER}/{stem}.{version}.{suffix}"
    return copy if (Path(str(current_app.static_folder)) / copy).is_file() else None


def send_static(filename: str) -> ResponseReturnValue:
    """Flask's static view, sending a script's or a stylesheet's minified copy for its ?v= when there is one
    (the copy is named after the source's fingerprint: it is exactly that version, minified)."""
    if current_app.config["GEOTOUR_MINIFIED"]:
        copy = minified_copy(filename, request.args.get("v", ""))
        if copy:
            return current_app.send_static_file(copy)
    return current_app.send_static_file(filename)


def send_file_max_age(filename: str | None) -> int | None:
    """Cache fingerprinted static files for a year; others for a short while."""
    if request.args.get("v"):
        return IMMUTABLE_SECONDS
    return current_app.config["SEND_FILE_MAX_AGE_DEFAULT"]


# The app's icon has one URL, without ?v=: the one the web manifest (a static file) names, so that a page's
# <link rel="icon"> and the manifest ask once, not twice (templates/base.html: icon_url).
ICON = "icons/icon.svg"


def icon_url() -> str:
    """Return the icon's one URL (see ICON)."""
    return url_for("static", filename=ICON, v=None)


def shell_urls() -> list[str]:
    """Return the URLs the service worker stores on install: the map page, the offline pages, the safety card,
    the glossary and the trip list's page (in both languages: every page links to the card, stories to the
    glossary, "+ My trip" to the list) and their assets."""
    files = dict.fromkeys(
        [path for _, path in MAP_JS + MAP_MODULES + MAP_CSS] + list(JS_MODULES.values()) + SHELL_ASSETS
    )  # cache.addAll refuses duplicates
    pages = [
        url_for(page, lang=lang)
        for page in ("pages.safety", "pages.glossary", "trip_pages.trip")
        for lang in LOCALES
    ]
    return [url_for("pages.index"), *offline_pages().values(), *pages, icon_url()] + [
        url_for("static", filename=f) for f in files
    ]


def workbox_loader() -> str:
    """Return the path of Workbox's loader under static/ (make assets vendors it from npm)."""
    found = sorted(Path(str(current_app.static_folder)).glob(WORKBOX_GLOB))
    if not found:
        raise RuntimeError("static/vendor has no Workbox: run `make assets`")
    return found[-1].relative_to(str(current_app.static_folder)).as_posix()


def worker_imports() -> list[str]:
    """Return the URLs the service worker imports, Workbox's loader first."""
    return [url_for("static", filename=f) for f in [workbox_loader(), *WORKER_SCRIPTS]]


def shell_version(urls: list[str] | None = None, imports: list[str] | None = None) -> str:
    """Return the version of the app's shell: it changes whenever a script, a stylesheet or the worker does."""
    urls = shell_urls() if urls is None else urls
    imports = worker_imports() if imports is None else imports
    # the icon's URL has no fingerprint of its own: its content's is counted here
    return hashlib.sha256("|".join([*urls, *imports, fingerprint(ICON) or ""]).encode()).hexdigest()[:12]


def offline_pages() -> dict[str, str]:
    """Return the offline page's URL in each language."""
    return {lang: url_for("pages.offline", lang=lang) for lang in LOCALES}


def _rule_pattern(rule: Rule) -> str:
    """Return a regular expression for the paths a URL rule matches (each <variable> one path segment)."""
    return "[^/]+".join(re.escape(part) for part in re.split(r"<[^>]+>", rule.rule))


def routes_pattern(app: Flask, wanted: Callable[[str], bool]) -> str:
    """Return one regular expression for the GET routes whose endpoint `wanted(endpoint)` accepts."""
    rules = sorted(
        {
            _rule_pattern(rule)
            for rule in app.url_map.iter_rules()
            if wanted(rule.endpoint) and "GET" in (rule.methods or ())
        }
    )
    return "^(" + "|".join(rules) + ")$"


def public_api_pattern(app: Flask) -> str:
    """Return one regular expression for every public GET route of /api/v1, from the app's route table."""
    return routes_pattern(app, lambda endpoint: endpoint.startswith("api."))


NEARBY_ENDPOINTS = ("api.point_nearby", "api.feature_nearby")  # answers that move with the visitor


SNAPSHOT_PATTERN = rf"^/api/v1/layers/({snapshots.LAYER_PATTERN})/v/{snapshots.FILE_PATTERN}$"


@bp.get("/sw.js")
def service_worker() -> ResponseReturnValue:
    """Serve the service worker from the root, so it may control every page: the server's settings, then
    Workbox, the outbox and static/js/offline/worker.js, which reads them."""
    urls = shell_urls()
    imports = worker_imports()
    version = shell_version(urls, imports)
    caches = {key: cache._asdict() for key, cache in offline.CACHES.items()}
    settings = {
        "version": version,
        "shell": {"name": offline.SHELL_CACHE_PREFIX + version, "urls": urls},
        "caches": caches,
        "catalogue": url_for("api.layers"),
        "offline_pages": offline_pages(),
        "default_lang": current_app.config["BABEL_DEFAULT_LOCALE"],
        "private_prefixes": PRIVATE_PAGE_PREFIXES,
        "patterns": {
            "public_api": public_api_pattern(current_app),
            "nearby_api": routes_pattern(current_app, NEARBY_ENDPOINTS.__contains__),
            "snapshot": SNAPSHOT_PATTERN,
        },
        "network_timeout_ms": NETWORK_TIMEOUT_MS,
        "headers": {
            "saved": offline.SAVED_HEADER,
            "fallback": offline.FALLBACK_HEADER,
            "tag": offline.TAG_HEADER,
        },
        # Workbox's modules from our own host, never its CDN; prod builds, whatever the host is called.
        "workbox": {"modulePathPrefix": imports[0].rsplit("/", 1)[0], "debug": False},
    }
    body = render_template("sw.js", settings=settings, imports=imports)
    response = current_app.make_response(body)
    response.mimetype = "text/javascript"
    response.cache_control.no_cache = True
    return response


def static_for_anyone(response: Response) -> Response:
    """After every request: static files say any origin may read them. Module scripts are fetched in CORS
    mode, and the embed in a sandboxed iframe has an opaque origin, so without this its map never starts."""
    if request.endpoint == "static":
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def import_map() -> dict[str, dict[str, str]]:
    """Return the page's import map: each module name our scripts import, at its fingerprinted URL."""
    return {"imports": {name: url_for("static", filename=path) for name, path in JS_MODULES.items()}}


def init_app(app: Flask) -> None:
    """Fingerprint static URLs and register the service worker route."""
    mimetypes.add_type("application/manifest+json", ".webmanifest")
    app.url_defaults(add_version)
    app.jinja_env.globals["saved_header"] = offline.SAVED_HEADER
    app.jinja_env.globals["import_map"] = import_map
    app.jinja_env.globals["icon_url"] = icon_url
    app.after_request(static_for_anyone)
    app.get_send_file_max_age = send_file_max_age  # type: ignore[method-assign]
    app.view_functions["static"] = send_static
    app.register_blueprint(bp)
