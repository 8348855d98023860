"""Geodesic distance, radius and nearest-N search on the WGS84 ellipsoid. Pure: no Flask, no I/O."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pyproj import Geod

GEOD = Geod(ellps="WGS84")
DEFAULT_RADIUS_M = 3_000
MAX_RADIUS_M = 50_000
COMPASS_POINTS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
# Extra room around the search box: the box must contain the whole geodesic circle.
_BOX_MARGIN = 1.02
_M_PER_DEG_LAT_MIN = 110_500.0  # a degree of latitude is 110,574 m at the equator, more elsewhere
_M_PER_DEG_LON_EQUATOR = 111_000.0  # times cos(lat); the true value is 111,320 m and grows off the sphere


@dataclass(frozen=True)
class Hit:
    """A candidate within the radius: its index in the input, metres away, and bearing from the origin."""

    index: int
    distance_m: float
    bearing_deg: float


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Return the geodesic distance in metres between two lon/lat points."""
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def search_bbox(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """Return (min_lon, min_lat, max_lon, max_lat) that contains every point within radius_m of lon/lat."""
    # Under-estimating the metres per degree makes the box a little larger than the circle, never smaller.
    reach = radius_m * _BOX_MARGIN + 1.0
    south = max(-90.0, lat - reach / _M_PER_DEG_LAT_MIN)
    north = min(90.0, lat + reach / _M_PER_DEG_LAT_MIN)
    widest = math.cos(math.radians(max(abs(south), abs(north))))
    if widest < 1e-6:
        return (-180.0, south, 180.0, north)
    half_width = reach / (_M_PER_DEG_LON_EQUATOR * widest)
    if half_width >= 180:
        return (-180.0, south, 180.0, north)
    return (max(-180.0, lon - half_width), south, min(180.0, lon + half_width), north)


def rank_within(
    lon: float, lat: float, lons: Sequence[float], lats: Sequence[float], radius_m: float, limit: int
) -> list[Hit]:
    """Return the Hits within radius_m of lon/lat, nearest first (ties keep input order), at most `limit`."""
    x = np.asarray(lons, dtype=float)
    y = np.asarray(lats, dtype=float)
    if x.size == 0 or limit <= 0:
        return []
    azimuths, _, distances = GEOD.inv(np.full(x.shape, lon), np.full(y.shape, lat), x, y)
    inside = np.flatnonzero(distances <= radius_m)
    order = inside[np.argsort(distances[inside], kind="stable")][:limit]
    return [Hit(int(i), float(distances[i]), float(azimuths[i]) % 360.0) for i in order]


def compass_point(bearing_deg: float) -> str:
    """Return the 8-point compass direction (N, NE, ...) for a bearing in degrees."""
    return COMPASS_POINTS[int(((bearing_deg % 360) + 22.5) // 45) % 8]
