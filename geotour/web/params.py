"""Parse and check request parameters into plain values. Each fault names its parameter."""

import math
from datetime import datetime

from werkzeug.routing import IntegerConverter

from geotour.text import read_bool
from geotour.errors import BadParameter

MAX_Q_LENGTH = 100


def parse_float(name, raw, minimum=None, maximum=None, default=None):
    """Return raw as a finite float within [minimum, maximum], or raise BadParameter naming `name`."""
    if raw is None or raw == "":
        if default is None:
            raise BadParameter("%(name)s is required", name, name=name)
        return default
    try:
        value = float(raw)
    except ValueError:
        raise BadParameter(
            "%(name)s must be a number, got %(got)s", name, name=name, got=repr(raw[:40])
        ) from None
    if not math.isfinite(value):
        raise BadParameter("%(name)s must be a finite number", name, name=name)
    if minimum is not None and value < minimum:
        raise BadParameter(
            "%(name)s must be at least %(min)s, got %(got)s",
            name,
            name=name,
            min=format(minimum, "g"),
            got=format(value, "g"),
        )
    if maximum is not None and value > maximum:
        raise BadParameter(
            "%(name)s must be at most %(max)s, got %(got)s",
            name,
            name=name,
            max=format(maximum, "g"),
            got=format(value, "g"),
        )
    return value


def parse_int(name, raw, minimum, maximum, default):
    """Return raw as a whole number within [minimum, maximum] (default when absent)."""
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(
            "%(name)s must be a whole number, got %(got)s", name, name=name, got=repr(raw[:40])
        ) from None
    if not minimum <= value <= maximum:
        raise BadParameter(
            "%(name)s must be between %(min)d and %(max)d, got %(got)d",
            name,
            name=name,
            min=minimum,
            max=maximum,
            got=value,
        )
    return value


def parse_bbox(raw, allow_3d=False):
    """Return bbox=minLon,minLat,maxLon,maxLat as a tuple of floats, or None when absent.

    With allow_3d (OGC API), six numbers minLon,minLat,minZ,maxLon,maxLat,maxZ are taken too; heights
    are ignored because every feature lies on the ground.
    """
    if raw is None or raw == "":
        return None
    parts = raw.split(",")
    if allow_3d and len(parts) == 6:
        parts = parts[0:2] + parts[3:5]
    if len(parts) != 4:
        raise BadParameter("bbox must be minLon,minLat,maxLon,maxLat (four numbers)", "bbox")
    try:
        min_lon, min_lat, max_lon, max_lat = (float(p) for p in parts)
    except ValueError:
        raise BadParameter("bbox must be four numbers: minLon,minLat,maxLon,maxLat", "bbox") from None
    if not all(math.isfinite(v) for v in (min_lon, min_lat, max_lon, max_lat)):
        raise BadParameter("bbox must be four finite numbers", "bbox")
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise BadParameter("bbox longitudes must be within -180..180", "bbox")
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise BadParameter(
            "bbox latitudes must be within -90..90 (order is minLon,minLat,maxLon,maxLat)", "bbox"
        )
    if min_lon > max_lon or min_lat > max_lat:
        raise BadParameter(
            "bbox minimum must not exceed maximum (order is minLon,minLat,maxLon,maxLat)", "bbox"
        )
    return (min_lon, min_lat, max_lon, max_lat)


def parse_choice(name, raw, choices):
    """Return raw if it is one of choices, None when absent; otherwise raise BadParameter."""
    if raw is None or raw == "":
        return None
    if raw not in choices:
        if not choices:
            raise BadParameter("%(name)s takes no value for this layer", name, name=name)
        raise BadParameter(
            "%(name)s %(got)s is not one of: %(allowed)s",
            name,
            name=name,
            got=repr(raw[:40]),
            allowed=", ".join(choices),
        )
    return raw


def parse_list(name, raw, choices):
    """Return a comma-separated list of choices as a tuple, None when absent."""
    if raw is None or raw == "":
        return None
    values = tuple(v.strip() for v in raw.split(",") if v.strip())
    unknown = [v for v in values if v not in choices]
    if unknown or not values:
        raise BadParameter(
            "%(name)s must be a comma-separated list of: %(allowed)s",
            name,
            name=name,
            allowed=", ".join(choices),
        )
    return values


def parse_text(name, raw, max_length=MAX_Q_LENGTH):
    """Return a trimmed search text, None when absent; reject one that is too long."""
    if raw is None or not raw.strip():
        return None
    if len(raw) > max_length:
        raise BadParameter("%(name)s must be at most %(n)d characters", name, name=name, n=max_length)
    return raw.strip()


def _instant(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))


def parse_datetime(raw):
    """Check an RFC 3339 instant or interval (a/b, ../b, a/..); return it, or None when absent."""
    if raw is None or raw == "":
        return None
    parts = raw.split("/")
    try:
        if len(parts) == 1:
            _instant(parts[0])
        elif len(parts) == 2 and parts != ["..", ".."]:
            ends = [None if p in ("..", "") else _instant(p) for p in parts]
            if all(ends) and ends[0] > ends[1]:
                raise ValueError("interval ends before it starts")
        else:
            raise ValueError("too many parts")
    except (ValueError, TypeError):
        raise BadParameter(
            "datetime must be an RFC 3339 date-time or an interval like 2024-01-01T00:00:00Z/..", "datetime"
        ) from None
    return raw


def parse_bool(name, raw):
    """Return True/False for a yes/no word (see geotour.text.read_bool), or raise BadParameter naming `name`."""
    value = read_bool(raw)
    if value is not None:
        return value
    raise BadParameter("%(name)s must be true or false", name, name=name)


def refuse_unknown(args, accepted):
    """Raise BadParameter naming the first parameter in `args` that is not in `accepted` (a typo such as
    catgory= would otherwise be ignored and answer with everything)."""
    unknown = sorted(set(args) - set(accepted))
    if not unknown:
        return
    name = unknown[0][:40]
    if not accepted:
        raise BadParameter("unknown parameter %(name)s; this address takes none", name, name=repr(name))
    raise BadParameter(
        "unknown parameter %(name)s; this API takes %(allowed)s",
        name,
        name=repr(name),
        allowed=", ".join(sorted(accepted)),
    )


class RowIdConverter(IntegerConverter):
    """<int:…> in a route: a database row id, so a number past 64 bits matches no route (404), instead
    of reaching the database and failing there."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, *args, **kwargs)
