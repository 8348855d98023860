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
_WGS84_A = 6_378_137.0  # semi-major axis, metres
_WGS84_E2 = 6.694_379_990_14e-3  # first eccentricity squared
_NEIGHBOUR_CELLS = [(x, y, z) for x in (-1, 0, 1) for y in (-1, 0, 1) for z in (-1, 0, 1)]


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


def _geocentric(lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Return the points' Earth-centred x, y, z in metres (on the ellipsoid, height 0), one row each."""
    lon, lat = np.radians(lons), np.radians(lats)
    normal = _WGS84_A / np.sqrt(1 - _WGS84_E2 * np.sin(lat) ** 2)
    return np.column_stack(
        (
            normal * np.cos(lat) * np.cos(lon),
            normal * np.cos(lat) * np.sin(lon),
            normal * (1 - _WGS84_E2) * np.sin(lat),
        )
    )


def nearest_earlier(
    lons: Sequence[float], lats: Sequence[float], radius_m: float, limit: int
) -> dict[int, list[tuple[float, int]]]:
    """Return, for each point j with any, the `limit` nearest points i < j at most radius_m away: (metres, i).

    Nearest first, ties by index. Not every pair is measured: the straight line through the Earth between
    two points is never longer than the geodesic, so points are put in cubes radius_m on a side (in
    Earth-centred metres) and a point is measured, on the ellipsoid, only against the earlier points in the
    27 cubes around its own. A file of thousands of places spread over the geopark takes milliseconds.
    """
    x = np.asarray(lons, dtype=float)
    y = np.asarray(lats, dtype=float)
    cell = max(float(radius_m), 1.0) * 1.000_001 + 1e-3  # never smaller than the radius, rounding included
    cubes = np.floor(_geocentric(x, y) / cell).astype(np.int64) if x.size else np.empty((0, 3), np.int64)
    earlier: dict[tuple[int, int, int], list[int]] = {}
    found: dict[int, list[tuple[float, int]]] = {}
    for j, (cx, cy, cz) in enumerate(cubes.tolist()):
        near = [i for dx, dy, dz in _NEIGHBOUR_CELLS for i in earlier.get((cx + dx, cy + dy, cz + dz), ())]
        earlier.setdefault((cx, cy, cz), []).append(j)
        if not near:
            continue
        others = np.asarray(near)
        _, _, metres = GEOD.inv(
            np.full(others.shape, x[j]), np.full(others.shape, y[j]), x[others], y[others]
        )
        inside = np.flatnonzero(metres <= radius_m)
        if inside.size:
            order = inside[np.lexsort((others[inside], metres[inside]))][:limit]
            found[j] = [(float(metres[k]), int(others[k])) for k in order]
    return found


def compass_point(bearing_deg: float) -> str:
    """Return the 8-point compass direction (N, NE, ...) for a bearing in degrees."""
    return COMPASS_POINTS[int(((bearing_deg % 360) + 22.5) // 45) % 8]
