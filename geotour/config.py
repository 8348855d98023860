"""Configuration: safe local defaults, then GEOTOUR_* environment variables, checked at start-up."""

import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from geotour.storage import POSTGRES_SCHEMES
from geotour.text import WORDS, read_bool

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Every setting, its default and what it does. The README documents each (a test checks that).
SETTINGS = {
    "GEOTOUR_DATABASE_URL": (
        "sqlite:///{instance}/geotour.sqlite3",
        "Database: sqlite:///path (the embedded default, one machine) or postgresql+psycopg://user:password@host:5432/dbname (PostgreSQL with PostGIS, shared by every worker and machine).",
    ),
    "GEOTOUR_DB_POOL_SIZE": ("4", "Most PostgreSQL connections one worker process opens."),
    "GEOTOUR_DATA_DIR": (str(PROJECT_ROOT / "data" / "geojson"), "Folder of seed layers and layers.json."),
    "GEOTOUR_ADMIN_SELF_APPROVAL": ("0", "Let an admin approve their own submissions (never a moderator)."),
    "GEOTOUR_AUTO_SEED": (
        "1",
        "Seed the database from GEOTOUR_DATA_DIR at start-up when the seed files changed.",
    ),
    "GEOTOUR_MINIFIED": (
        "1",
        "Send the minified copy of our own scripts and stylesheets that `make assets` made (static/min), where there is one for the file's current version: 1 or 0.",
    ),
    "GEOTOUR_COMPRESS": (
        "1",
        "Compress answers in the app (Flask-Compress); make serve sets 0, as nginx compresses in front of it.",
    ),
    "GEOTOUR_CACHE_URL": (
        "simple",
        "Response cache: simple (in-process), null (off), redis://host:port/db or unix:///path/to/redis.sock (shared by every worker; make serve starts a Redis on a socket when none is named).",
    ),
    "GEOTOUR_CACHE_PREFIX": (
        "geotour:",
        "Prefix of every key this app keeps in Redis (cache and rate limits), so several sites can share one Redis.",
    ),
    "GEOTOUR_CACHE_TIMEOUT": (
        "600",
        "Seconds a cached API response is kept, in the shared cache and in each process.",
    ),
    "GEOTOUR_HTTP_MAX_AGE": ("300", "Cache-Control max-age, in seconds, for API responses."),
    "GEOTOUR_SECRET_KEY": (
        "",
        "Secret for signed session cookies; when empty, a random one is made once and kept in the instance folder (file secret_key), so every worker shares it.",
    ),
    "GEOTOUR_SECURE_COOKIES": (
        "auto",
        "Send session cookies over HTTPS only: 1, 0, or auto (on when GEOTOUR_PUBLIC_URL is https).",
    ),
    "GEOTOUR_RATELIMIT_LOGIN": (
        "10 per minute",
        "Sign-in attempts allowed per address (Flask-Limiter syntax).",
    ),
    "GEOTOUR_RATELIMIT_UPLOADS": (
        "120 per hour",
        "Submissions, photo uploads and imports allowed per user (Flask-Limiter syntax).",
    ),
    "GEOTOUR_RATELIMIT_REPORTS": (
        "10 per hour",
        '"I am here" position reports allowed per address (Flask-Limiter syntax).',
    ),
    "GEOTOUR_RATELIMIT_VISITOR_REPORTS": (
        "10 per hour",
        'Visitors\' "report a problem" sendings allowed per address (Flask-Limiter syntax); each address also keeps at most 5 open reports.',
    ),
    "GEOTOUR_RATELIMIT_COUNTS": (
        "600 per hour",
        "Counts (page views, popups, taps) a visitor's pages may send per address (Flask-Limiter syntax); beyond it they are not counted.",
    ),
    "GEOTOUR_COUNTING": (
        "1",
        "Count page views, popups, contact taps, route downloads and searches that found nothing, per place and day (no cookie, no address, no fingerprint): 1 or 0.",
    ),
    "GEOTOUR_COUNT_FLUSH_SECONDS": (
        "10",
        "Each process adds up its counts in memory and writes them to the database this often (and when it stops); 0 writes each count at once.",
    ),
    "GEOTOUR_INSTANCE_DIR": (
        "instance",
        "This machine's own folder (the SQLite file, photos, snapshots and the secret by default); read at start-up.",
    ),
    "GEOTOUR_PHOTO_DIR": (
        "{instance}/photos",
        "Folder for contributed photos (display size and thumbnail, re-encoded); with GEOTOUR_PHOTO_STORE=database only this machine's cache of them.",
    ),
    "GEOTOUR_NGINX_PHOTOS": (
        "",
        "nginx's internal location that sends photo files once the app has said who may see one (X-Accel-Redirect); make serve sets /_photos/. Empty: the app sends them.",
    ),
    "GEOTOUR_NGINX_SNAPSHOTS": (
        "0",
        "1: nginx sends the layer snapshots from disk after asking the app whether each name is the current data version (auth_request with the X-Geotour-Snapshot-Check header; make serve sets it). 0: the header is ignored.",
    ),
    "GEOTOUR_PHOTO_STORE": (
        "files",
        "Where photos live: files (GEOTOUR_PHOTO_DIR, shared between machines by NFS or similar) or database (in the database, so several machines share nothing but it and Redis).",
    ),
    "GEOTOUR_SNAPSHOT_DIR": (
        "{instance}/snapshots",
        "Folder for immutable layer snapshots (a cache: each machine writes its own; the front server sends them from disk).",
    ),
    "GEOTOUR_PROXY_HOPS": (
        "0",
        "Proxies in front of the app whose X-Forwarded-For and X-Forwarded-Proto to trust (make serve sets 1 for its nginx; 2 with a TLS proxy in front of that). Rate limits then see the phone's address, not the proxy's.",
    ),
    "GEOTOUR_TLS_CERT": (
        "",
        "make serve: the certificate file (PEM, with its chain) nginx answers HTTPS with, over HTTP/2; set with GEOTOUR_TLS_KEY. Empty: plain HTTP, for a TLS proxy in front.",
    ),
    "GEOTOUR_TLS_KEY": ("", "make serve: the private key file (PEM) of GEOTOUR_TLS_CERT."),
    "GEOTOUR_PHOTO_MAX_BYTES": ("10000000", "Largest photo file accepted, in bytes."),
    "GEOTOUR_IMPORT_MAX_BYTES": ("10000000", "Largest bulk-import file accepted, in bytes."),
    "GEOTOUR_IMPORT_MAX_FEATURES": ("1000", "Most features one bulk import may hold."),
    "GEOTOUR_TILES_OSM": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "OpenStreetMap tile URL."),
    "GEOTOUR_TILES_TOPO": ("https://{s}.tile.opentopomap.org/{z}/{x}/{y}.png", "OpenTopoMap tile URL."),
    "GEOTOUR_TILES_SATELLITE": (
        "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
        "Satellite imagery tile URL.",
    ),
    "GEOTOUR_TILES_BULK": (
        "0",
        "1 when GEOTOUR_TILES_OSM is a tile source that allows saving many tiles (your own, for example one PMTiles file sent by nginx): 'Save route' then also keeps the tiles of the route's corridor, and 'Save the whole geopark' every tile to zoom 14 within the boundary. The OpenStreetMap servers forbid it: leave 0 for them.",
    ),
    "GEOTOUR_DEFAULT_LOCALE": ("id", "UI language when none is asked for: id or en."),
    "GEOTOUR_PUBLIC_URL": (
        "",
        "Public address (https://...): every absolute link and QR code uses it, whatever Host a request came with; the request's host when empty.",
    ),
    "GEOTOUR_EMBED_ALLOWED_ORIGINS": ("*", "Sites that may frame /embed: * or origins separated by spaces."),
}
LOCALES = ("id", "en")


class ConfigError(Exception):
    """A setting has a value the app cannot start with."""


def _check_tls(cert: str, key: str) -> None:
    """Refuse half a TLS setting, or a file that is not there, before nginx is asked to start with it."""
    if bool(cert) != bool(key):
        raise ConfigError("GEOTOUR_TLS_CERT and GEOTOUR_TLS_KEY go together: set both, or neither")
    for name, path in (("GEOTOUR_TLS_CERT", cert), ("GEOTOUR_TLS_KEY", key)):
        if path and not Path(path).is_file():
            raise ConfigError(f"{name} is not a file: {path}")


def _bool_setting(values: Mapping[str, Any], key: str, also: str | None = None) -> bool:
    """Return a yes/no setting as a bool; a word we do not know stops start-up, naming the variable."""
    value = read_bool(values[key])
    if value is None:
        words = f"{WORDS}, or {also}" if also else WORDS
        raise ConfigError(f"{key} must be one of {words}; got {str(values[key])[:40]!r}")
    return value


PHOTO_STORES = ("files", "database")


def _int_setting(values: Mapping[str, Any], key: str, minimum: int) -> int:
    try:
        number = int(values[key])
    except ValueError:
        raise ConfigError(f"{key} must be a whole number, got {values[key]!r}") from None
    if number < minimum:
        raise ConfigError(f"{key} must be at least {minimum}, got {number}")
    return number


def load_config(
    instance_path: str | os.PathLike[str],
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the Flask config dict built from defaults, the environment and test overrides."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {key: environ.get(key, default) for key, (default, _) in SETTINGS.items()}
    values.update(overrides or {})
    values["GEOTOUR_DATABASE_URL"] = values["GEOTOUR_DATABASE_URL"].format(instance=instance_path)
    if not values["GEOTOUR_DATABASE_URL"].startswith(("sqlite:///", *POSTGRES_SCHEMES)):
        raise ConfigError(
            "GEOTOUR_DATABASE_URL must be sqlite:///path or postgresql+psycopg://user@host/dbname"
        )
    values["GEOTOUR_DB_POOL_SIZE"] = _int_setting(values, "GEOTOUR_DB_POOL_SIZE", 1)
    if values["GEOTOUR_DEFAULT_LOCALE"] not in LOCALES:
        raise ConfigError(f"GEOTOUR_DEFAULT_LOCALE must be one of {', '.join(LOCALES)}")
    if not Path(values["GEOTOUR_DATA_DIR"]).is_dir():
        raise ConfigError(f"GEOTOUR_DATA_DIR is not a folder: {values['GEOTOUR_DATA_DIR']}")
    values["GEOTOUR_EMBED_ALLOWED_ORIGINS"] = _frame_ancestors(values["GEOTOUR_EMBED_ALLOWED_ORIGINS"])
    if values["GEOTOUR_PUBLIC_URL"] and not re.fullmatch(
        r"https?://[^\s/]+(/[^\s]*)?", values["GEOTOUR_PUBLIC_URL"]
    ):
        raise ConfigError("GEOTOUR_PUBLIC_URL must look like https://geotour.example.id")
    cache_timeout = _int_setting(values, "GEOTOUR_CACHE_TIMEOUT", 0)
    values["GEOTOUR_HTTP_MAX_AGE"] = _int_setting(values, "GEOTOUR_HTTP_MAX_AGE", 0)
    values["GEOTOUR_PROXY_HOPS"] = _int_setting(values, "GEOTOUR_PROXY_HOPS", 0)
    _check_tls(values["GEOTOUR_TLS_CERT"], values["GEOTOUR_TLS_KEY"])
    if values["GEOTOUR_PHOTO_STORE"] not in PHOTO_STORES:
        raise ConfigError(f"GEOTOUR_PHOTO_STORE must be one of: {', '.join(PHOTO_STORES)}")
    values["GEOTOUR_AUTO_SEED"] = _bool_setting(values, "GEOTOUR_AUTO_SEED")
    values["GEOTOUR_NGINX_SNAPSHOTS"] = _bool_setting(values, "GEOTOUR_NGINX_SNAPSHOTS")
    values["GEOTOUR_ADMIN_SELF_APPROVAL"] = _bool_setting(values, "GEOTOUR_ADMIN_SELF_APPROVAL")
    values["GEOTOUR_TILES_BULK"] = _bool_setting(values, "GEOTOUR_TILES_BULK")
    values["GEOTOUR_COUNTING"] = _bool_setting(values, "GEOTOUR_COUNTING")
    values["GEOTOUR_MINIFIED"] = _bool_setting(values, "GEOTOUR_MINIFIED")
    values["GEOTOUR_COUNT_FLUSH_SECONDS"] = _int_setting(values, "GEOTOUR_COUNT_FLUSH_SECONDS", 0)
    values["SECRET_KEY"] = values["GEOTOUR_SECRET_KEY"] or _instance_secret(instance_path)
    values.update(_upload_config(values, instance_path))
    values.update(_session_config(values))
    values.update(_cache_config(values["GEOTOUR_CACHE_URL"], cache_timeout, values["GEOTOUR_CACHE_PREFIX"]))
    values["BABEL_DEFAULT_LOCALE"] = values["GEOTOUR_DEFAULT_LOCALE"]
    values["BABEL_DEFAULT_TIMEZONE"] = "Asia/Jakarta"  # times are shown in WIB; they are stored in UTC
    values["COMPRESS_REGISTER"] = _bool_setting(values, "GEOTOUR_COMPRESS")
    values["COMPRESS_ALGORITHM"] = ["br", "gzip"]
    values["COMPRESS_BR_LEVEL"] = (
        5  # 14 % smaller than 4 on a layer, at 1.5× its 2 ms; cached answers pay once
    )
    values["COMPRESS_MIMETYPES"] = [
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/geo+json",
        "image/svg+xml",
        "text/csv",
        "application/vnd.google-earth.kml+xml",
        "application/manifest+json",
    ]
    values["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
    values["JSON_SORT_KEYS"] = False
    return values


def _instance_secret(instance_path: str | os.PathLike[str]) -> str:
    """Return the secret kept in the instance folder, making it (readable by us only) the first time.

    The file is written whole under a temporary name and then linked into place, so a second worker
    starting at the same moment reads the finished secret, never an empty file.
    """
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        fd, temp = tempfile.mkstemp(dir=instance_path, prefix=".secret_key.")  # mode 0600
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(os.urandom(32).hex())
        try:
            os.link(temp, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            os.unlink(temp)
    return path.read_text(encoding="ascii").strip()


def _upload_config(values: Mapping[str, Any], instance_path: str | os.PathLike[str]) -> dict[str, Any]:
    photo_max = _int_setting(values, "GEOTOUR_PHOTO_MAX_BYTES", 10_000)
    import_max = _int_setting(values, "GEOTOUR_IMPORT_MAX_BYTES", 1_000)
    from geotour.contributions.photo_cleaning import MAX_PHOTOS

    return {
        "GEOTOUR_PHOTO_DIR": values["GEOTOUR_PHOTO_DIR"].format(instance=instance_path),
        "GEOTOUR_SNAPSHOT_DIR": values["GEOTOUR_SNAPSHOT_DIR"].format(instance=instance_path),
        "GEOTOUR_PHOTO_MAX_BYTES": photo_max,
        "GEOTOUR_IMPORT_MAX_BYTES": import_max,
        "GEOTOUR_IMPORT_MAX_FEATURES": _int_setting(values, "GEOTOUR_IMPORT_MAX_FEATURES", 1),
        # The whole request: every photo of one feature, or one import file, plus the form around it.
        "MAX_CONTENT_LENGTH": max(photo_max * MAX_PHOTOS, import_max) + 1_000_000,
    }


def _session_config(values: Mapping[str, Any]) -> dict[str, Any]:
    if str(values["GEOTOUR_SECURE_COOKIES"]).strip().lower() == "auto":
        secure = values["GEOTOUR_PUBLIC_URL"].startswith("https://")
    else:
        secure = _bool_setting(values, "GEOTOUR_SECURE_COOKIES", also="auto")
    cache_url = values["GEOTOUR_CACHE_URL"]
    if cache_url.startswith(("redis://", "rediss://")):
        storage_uri = cache_url
    elif cache_url.startswith("unix://"):  # a Redis on this machine's socket (make serve starts one)
        storage_uri = "redis+unix://" + cache_url.removeprefix("unix://")
    else:
        storage_uri = "memory://"
    return {
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "geotour_session",
        "REMEMBER_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 14 * 24 * 3600,
        # The session cookie is written only when the session changes. Refreshed on every request, an answer
        # to a request sent before a form page put its CSRF token in the session (the service worker filling
        # its caches, say) wrote the older session back, and the member's first form failed as "CSRF missing".
        "SESSION_REFRESH_EACH_REQUEST": False,
        "WTF_CSRF_TIME_LIMIT": None,
        # Limits live with the cache: in Redis they are shared by every worker. If Redis fails, requests
        # are let through (and logged) rather than refused.
        "RATELIMIT_STORAGE_URI": storage_uri,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": f"{values['GEOTOUR_CACHE_PREFIX']}limits",
        # Flask-Limiter would put the window's reset time in Retry-After on every limited answer (a 201, or
        # a 409 that asks for a retry in 2 s); only a 429 gets Retry-After (see errors_http).
        "RATELIMIT_HEADER_RETRY_AFTER": "X-RateLimit-Retry-After",
    }


def _frame_ancestors(raw: str) -> str:
    """Return a CSP frame-ancestors source list from '*' or origins separated by spaces or commas."""
    sources = raw.replace(",", " ").split()
    for source in sources:
        if source != "*" and not re.fullmatch(r"https?://[A-Za-z0-9.*-]+(:\d+)?", source):
            raise ConfigError(
                f"GEOTOUR_EMBED_ALLOWED_ORIGINS: {source!r} is not * or an origin like https://example.org"
            )
    if not sources:
        raise ConfigError("GEOTOUR_EMBED_ALLOWED_ORIGINS is empty; use * to allow every site")
    return " ".join(sources)


def _cache_config(url: str, timeout: int, prefix: str) -> dict[str, Any]:
    """Translate GEOTOUR_CACHE_URL into Flask-Caching settings."""
    if url == "simple":
        return {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": timeout, "CACHE_THRESHOLD": 2000}
    if url == "null":
        return {"CACHE_TYPE": "NullCache", "CACHE_DEFAULT_TIMEOUT": timeout}
    if url.startswith(("redis://", "rediss://", "unix://")):
        # A shared cache: a write in one worker changes the data version, so every worker's next
        # request misses the old keys. Redis being down degrades to "no cache" (see cache_backends).
        return {
            "CACHE_TYPE": "geotour.web.cache_backends.ResilientRedisCache",
            "CACHE_REDIS_URL": url,
            "CACHE_DEFAULT_TIMEOUT": timeout,
            "CACHE_KEY_PREFIX": prefix,
        }
    raise ConfigError(f"GEOTOUR_CACHE_URL must be simple, null, redis://... or unix://..., got {url!r}")
