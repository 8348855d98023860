"""Configuration: safe local defaults, then GEOTOUR_* environment variables, checked at start-up."""
import os
import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Every setting, its default and what it does. The README documents each (a test checks that).
SETTINGS = {
    "GEOTOUR_DATABASE_URL": ("sqlite:///{instance}/geotour.sqlite3", "Database; sqlite:///path is the embedded default."),
    "GEOTOUR_DATA_DIR": (str(PROJECT_ROOT / "data" / "geojson"), "Folder of seed layers and layers.json."),
    "GEOTOUR_AUTO_SEED": ("1", "Seed the database from GEOTOUR_DATA_DIR at start-up when the seed files changed."),
    "GEOTOUR_CACHE_URL": ("simple", "Response cache: simple (in-process), null (off) or redis://host:port/db (shared by every worker)."),
    "GEOTOUR_CACHE_TIMEOUT": ("600", "Seconds a cached API response is kept."),
    "GEOTOUR_HTTP_MAX_AGE": ("300", "Cache-Control max-age, in seconds, for API responses."),
    "GEOTOUR_SECRET_KEY": ("", "Secret for signed cookies; a random one per process when empty."),
    "GEOTOUR_TILES_OSM": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "OpenStreetMap tile URL."),
    "GEOTOUR_TILES_TOPO": ("https://{s}.tile.opentopomap.org/{z}/{x}/{y}.png", "OpenTopoMap tile URL."),
    "GEOTOUR_TILES_SATELLITE": (
        "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
        "Satellite imagery tile URL.",
    ),
    "GEOTOUR_DEFAULT_LOCALE": ("id", "UI language when none is asked for: id or en."),
    "GEOTOUR_PUBLIC_URL": ("", "Public address (https://...) printed in signboard QR codes; the request's host when empty."),
    "GEOTOUR_EMBED_ALLOWED_ORIGINS": ("*", "Sites that may frame /embed: * or origins separated by spaces."),
}
LOCALES = ("id", "en")


class ConfigError(Exception):
    """A setting has a value the app cannot start with."""


def _int_setting(values, key, minimum):
    try:
        number = int(values[key])
    except ValueError:
        raise ConfigError(f"{key} must be a whole number, got {values[key]!r}") from None
    if number < minimum:
        raise ConfigError(f"{key} must be at least {minimum}, got {number}")
    return number


def load_config(instance_path, environ=None, overrides=None):
    """Return the Flask config dict built from defaults, the environment and test overrides."""
    environ = os.environ if environ is None else environ
    values = {key: environ.get(key, default) for key, (default, _) in SETTINGS.items()}
    values.update(overrides or {})
    values["GEOTOUR_DATABASE_URL"] = values["GEOTOUR_DATABASE_URL"].format(instance=instance_path)
    if not values["GEOTOUR_DATABASE_URL"].startswith("sqlite:///"):
        raise ConfigError("GEOTOUR_DATABASE_URL: only sqlite:///path is supported by this build")
    if values["GEOTOUR_DEFAULT_LOCALE"] not in LOCALES:
        raise ConfigError(f"GEOTOUR_DEFAULT_LOCALE must be one of {', '.join(LOCALES)}")
    if not Path(values["GEOTOUR_DATA_DIR"]).is_dir():
        raise ConfigError(f"GEOTOUR_DATA_DIR is not a folder: {values['GEOTOUR_DATA_DIR']}")
    values["GEOTOUR_EMBED_ALLOWED_ORIGINS"] = _frame_ancestors(values["GEOTOUR_EMBED_ALLOWED_ORIGINS"])
    if values["GEOTOUR_PUBLIC_URL"] and not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", values["GEOTOUR_PUBLIC_URL"]):
        raise ConfigError("GEOTOUR_PUBLIC_URL must look like https://geotour.example.id")
    cache_timeout = _int_setting(values, "GEOTOUR_CACHE_TIMEOUT", 0)
    values["GEOTOUR_HTTP_MAX_AGE"] = _int_setting(values, "GEOTOUR_HTTP_MAX_AGE", 0)
    values["GEOTOUR_AUTO_SEED"] = str(values["GEOTOUR_AUTO_SEED"]).lower() not in ("0", "false", "no", "")
    values["SECRET_KEY"] = values["GEOTOUR_SECRET_KEY"] or os.urandom(32).hex()
    values.update(_cache_config(values["GEOTOUR_CACHE_URL"], cache_timeout))
    values["BABEL_DEFAULT_LOCALE"] = values["GEOTOUR_DEFAULT_LOCALE"]
    values["COMPRESS_ALGORITHM"] = ["br", "gzip"]
    values["COMPRESS_MIMETYPES"] = [
        "text/html", "text/css", "text/javascript", "application/javascript", "application/json",
        "application/geo+json", "image/svg+xml", "text/csv", "application/vnd.google-earth.kml+xml",
    ]
    values["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
    values["JSON_SORT_KEYS"] = False
    return values


def _frame_ancestors(raw):
    """Return a CSP frame-ancestors source list from '*' or origins separated by spaces or commas."""
    sources = raw.replace(",", " ").split()
    for source in sources:
        if source != "*" and not re.fullmatch(r"https?://[A-Za-z0-9.*-]+(:\d+)?", source):
            raise ConfigError(f"GEOTOUR_EMBED_ALLOWED_ORIGINS: {source!r} is not * or an origin like https://example.org")
    if not sources:
        raise ConfigError("GEOTOUR_EMBED_ALLOWED_ORIGINS is empty; use * to allow every site")
    return " ".join(sources)


def _cache_config(url, timeout):
    """Translate GEOTOUR_CACHE_URL into Flask-Caching settings."""
    if url == "simple":
        return {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": timeout, "CACHE_THRESHOLD": 2000}
    if url == "null":
        return {"CACHE_TYPE": "NullCache", "CACHE_DEFAULT_TIMEOUT": timeout}
    if url.startswith(("redis://", "rediss://")):
        # A shared cache: a write in one worker changes the data version, so every worker's next
        # request misses the old keys. Redis being down degrades to "no cache" (see cache_backends).
        return {"CACHE_TYPE": "geotour.cache_backends.ResilientRedisCache", "CACHE_REDIS_URL": url,
                "CACHE_DEFAULT_TIMEOUT": timeout, "CACHE_KEY_PREFIX": "geotour:"}
    raise ConfigError(f"GEOTOUR_CACHE_URL must be simple, null or redis://..., got {url!r}")
