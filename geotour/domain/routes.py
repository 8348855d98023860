"""Routes from site to site: their length on the ellipsoid, ascent and descent, a walking time, which kind of
line they have, and how far a place lies from that line. Pure: no Flask, no I/O.

A route's line is either a *recorded track* (someone walked or sailed it with a phone or a GPS) or, until one
exists, *stops only*: its stops joined by straight lines. Then the length is the sum of straight lines between
the stops, the least the route can be, never its length; every page and export says which kind it is.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
import shapely.prepared
from pyproj import Transformer

from geotour.domain.data_files import read_optional
from geotour.domain.geodesy import GEOD, search_bbox

RECORDED, STOPS_ONLY = "recorded", "stops_only"
TRACKS = (RECORDED, STOPS_ONLY)
MODES = ("walking", "boat", "motorbike", "car")
# The routes layer's categories (layers.json) are its modes, in Indonesian.
MODE_OF_CATEGORY = {"jalan-kaki": "walking", "perahu": "boat", "motor": "motorbike", "mobil": "car"}
DIFFICULTIES = ("easy", "moderate", "hard")
# Height changes smaller than this are a GPS's noise, not a climb: a hysteresis, as most track tools use.
CLIMB_THRESHOLD_M = 3.0
# Naismith's rule: one hour per 5 km on the flat, and one more per 600 m of ascent.
NAISMITH_M_PER_HOUR = 5_000.0
NAISMITH_ASCENT_M_PER_HOUR = 600.0
PROFILE_POINTS = 400  # at most this many points in the elevation profile, whatever the track's size


@dataclass(frozen=True)
class RouteFigures:
    """What a route measures: its length, climb and time, and whether the length is only a lower bound."""

    length_m: float
    straight_line: bool  # stops only: the length is straight lines between stops, a minimum
    ascent_m: float | None  # None when the track has no heights
    descent_m: float | None
    duration_min: int | None
    duration_basis: str | None  # "stated" (a source gives it), "naismith" (computed), or None

    def to_dict(self) -> dict[str, Any]:
        """Return the figures as JSON for the API (metres rounded to whole metres)."""
        return {
            "length_m": round(self.length_m),
            "length_is_straight_line": self.straight_line,
            "ascent_m": None if self.ascent_m is None else round(self.ascent_m),
            "descent_m": None if self.descent_m is None else round(self.descent_m),
            "duration_min": self.duration_min,
            "duration_basis": self.duration_basis,
        }


def _positions(geometry: Mapping[str, Any]) -> list[Sequence[float]]:
    return list(geometry.get("coordinates") or []) if geometry.get("type") == "LineString" else []


def line_length_m(coords: Sequence[Sequence[float]]) -> float:
    """Return the geodesic length in metres of a lon/lat line on the WGS84 ellipsoid."""
    if len(coords) < 2:
        return 0.0
    return float(GEOD.line_length([c[0] for c in coords], [c[1] for c in coords]))


def heights(coords: Sequence[Sequence[float]]) -> list[float] | None:
    """Return the height of every position, or None unless every position has one."""
    if not coords or any(len(c) < 3 or c[2] is None for c in coords):
        return None
    return [float(c[2]) for c in coords]


def climb(values: Sequence[float], threshold: float = CLIMB_THRESHOLD_M) -> tuple[float, float]:
    """Return (ascent, descent) in metres, counting a change only once it passes `threshold` from the last
    counted height (so a GPS's jitter on the flat adds nothing), and what is left at the end."""
    ascent = descent = 0.0
    if not values:
        return ascent, descent
    reference = values[0]
    for value in values[1:]:
        change = value - reference
        if change >= threshold:
            ascent += change
            reference = value
        elif change <= -threshold:
            descent -= change
            reference = value
    last = values[-1] - reference  # where the track ends is no jitter: count what is left
    return ascent + max(last, 0.0), descent + max(-last, 0.0)


def naismith_minutes(length_m: float, ascent_m: float) -> int:
    """Return a walking time in minutes by Naismith's rule (5 km an hour, plus an hour per 600 m up)."""
    hours = length_m / NAISMITH_M_PER_HOUR + ascent_m / NAISMITH_ASCENT_M_PER_HOUR
    return max(1, round(hours * 60))


def mode_of(properties: Mapping[str, Any]) -> str | None:
    """Return how a route is travelled: its `mode`, else the one its category names, else None."""
    mode = properties.get("mode")
    if mode in MODES:
        return str(mode)
    return MODE_OF_CATEGORY.get(str(properties.get("category")))


def figures(properties: Mapping[str, Any], geometry: Mapping[str, Any]) -> RouteFigures:
    """Return a route's figures: a stated duration wins; a recorded walk gets Naismith's; else none."""
    coords = _positions(geometry)
    length = line_length_m(coords)
    straight = properties.get("track") != RECORDED
    up_down = heights(coords)
    ascent, descent = climb(up_down) if up_down and not straight else (None, None)
    stated = properties.get("duration_min")
    if isinstance(stated, int) and not isinstance(stated, bool) and stated > 0:
        duration, basis = stated, "stated"
    elif not straight and mode_of(properties) == "walking":
        duration, basis = naismith_minutes(length, ascent or 0.0), "naismith"
    else:
        duration, basis = None, None
    return RouteFigures(length, straight, ascent, descent, duration, basis)


def profile(coords: Sequence[Sequence[float]], points: int = PROFILE_POINTS) -> list[tuple[float, float]]:
    """Return [(metres from the start, height)] for the elevation profile, at most `points` of them
    (the lowest and highest height of each stretch kept, so no peak is cut); [] without heights."""
    up_down = heights(coords)
    if up_down is None or len(coords) < 2:
        return []
    lons = np.array([c[0] for c in coords])
    lats = np.array([c[1] for c in coords])
    _, _, steps = GEOD.inv(lons[:-1], lats[:-1], lons[1:], lats[1:])
    along = np.concatenate([[0.0], np.cumsum(steps)])
    pairs = list(zip(along.tolist(), up_down, strict=True))
    if len(pairs) <= points:
        return pairs
    kept: list[tuple[float, float]] = [pairs[0]]
    for chunk in np.array_split(np.arange(1, len(pairs) - 1), points // 2 - 1):
        if chunk.size:
            stretch = [pairs[i] for i in chunk]
            low, high = min(stretch, key=lambda p: p[1]), max(stretch, key=lambda p: p[1])
            kept.extend(sorted({low, high}))
    kept.append(pairs[-1])
    return kept


def _local_projection(coords: Sequence[Sequence[float]]) -> Transformer:
    """An azimuthal equidistant projection centred on the line: metres, true to a few centimetres per km here."""
    lon = (min(c[0] for c in coords) + max(c[0] for c in coords)) / 2
    lat = (min(c[1] for c in coords) + max(c[1] for c in coords)) / 2
    return Transformer.from_crs(
        "EPSG:4326", f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=WGS84 +units=m", always_xy=True
    )


def distances_to_line(
    coords: Sequence[Sequence[float]], lons: Sequence[float], lats: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    """Return (metres from each point to the line, metres along the line to the point's nearest spot).

    The nearest spot is found in a local equidistant projection, then the distance to it is measured on
    the ellipsoid (pyproj.Geod), so the metres agree with every other distance Geotour shows.
    """
    if not len(lons):
        return np.zeros(0), np.zeros(0)
    forward = _local_projection(coords)
    x, y = forward.transform([c[0] for c in coords], [c[1] for c in coords])
    line = shapely.LineString(np.column_stack([x, y]))
    px, py = forward.transform(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
    points = shapely.points(np.column_stack([px, py]))
    offset = shapely.line_locate_point(line, points)
    nearest = shapely.line_interpolate_point(line, offset)
    nx, ny = shapely.get_x(nearest), shapely.get_y(nearest)
    nlon, nlat = forward.transform(nx, ny, direction="INVERSE")
    _, _, metres = GEOD.inv(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float), nlon, nlat)
    scale = line_length_m(coords) / line.length if line.length else 1.0  # projected metres to ellipsoid
    return np.asarray(metres, dtype=float), np.asarray(offset, dtype=float) * scale


def line_boxes(coords: Sequence[Sequence[float]], radius_m: float, pieces: int = 16) -> list[tuple]:
    """Return up to `pieces` (min_lon, min_lat, max_lon, max_lat) boxes that together hold every point within
    radius_m of the line: one per stretch of consecutive positions, each widened by the radius."""
    step = max(1, math.ceil((len(coords) - 1) / pieces))
    boxes = []
    for start in range(0, max(1, len(coords) - 1), step):
        stretch = coords[start : start + step + 1]
        west, south = min(c[0] for c in stretch), min(c[1] for c in stretch)
        east, north = max(c[0] for c in stretch), max(c[1] for c in stretch)
        low = search_bbox(west, south, radius_m)
        high = search_bbox(east, north, radius_m)
        boxes.append((low[0], low[1], high[2], high[3]))
    return boxes


APPROACHES_FILE = "approaches.json"


def approaches_from_dict(data: object) -> tuple[dict[str, Any], ...]:
    """Return the road approaches ("getting there" on the sites they lead to) from approaches.json's data, or
    raise ValueError naming the entry at fault. Every line must say where it comes from and when."""
    entries = data.get("approaches") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ValueError('"approaches" must be a list')
    found = []
    for k, entry in enumerate(entries):
        where = f"approaches[{k}]"
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(key), str) and entry[key] for key in ("id", "name", "name_en")
        ):
            raise ValueError(f"{where}: needs an id, a name and a name_en")
        leads_to = entry.get("leads_to")
        if not isinstance(leads_to, list) or not leads_to or not all(isinstance(s, str) for s in leads_to):
            raise ValueError(f"{where}: leads_to must list site ids")
        lines = entry.get("lines")
        if not isinstance(lines, list) or not lines:
            raise ValueError(f"{where}: needs lines")
        for n, line in enumerate(lines):
            if not isinstance(line, dict) or not all(
                isinstance(line.get(key), str) and line[key] for key in ("id", "en", "source", "date")
            ):
                raise ValueError(f"{where}.lines[{n}]: needs id and en texts, a source and a date")
        found.append(entry)
    return tuple(found)


def load_approaches(data_dir: Any) -> tuple[dict[str, Any], ...]:
    """Return the road approaches in data_dir/approaches.json (none when there is no file)."""
    return read_optional(data_dir, APPROACHES_FILE, approaches_from_dict) or ()


CORRIDOR_ZOOMS = range(12, 17)  # from the valley to the path: zoom 16 shows a footpath
MAX_CORRIDOR_TILES = 3_000


def _tile_x(lon: float, zoom: int) -> int:
    return int((lon + 180.0) / 360.0 * 2**zoom)


def _tile_y(lat: float, zoom: int) -> int:
    rad = math.radians(lat)
    return int((1.0 - math.asinh(math.tan(rad)) / math.pi) / 2.0 * 2**zoom)


def _tile_box(x: int, y: int, zoom: int) -> shapely.Polygon:
    n = 2**zoom
    west, east = x / n * 360.0 - 180.0, (x + 1) / n * 360.0 - 180.0
    north = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    south = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 1) / n))))
    return shapely.box(west, south, east, north)


def corridor_tiles(
    coords: Sequence[Sequence[float]], radius_m: float, zooms: range = CORRIDOR_ZOOMS
) -> list[tuple[int, int, int]]:
    """Return the web-map tiles (z, x, y) that touch the corridor within radius_m of a line, zoom by zoom, at
    most MAX_CORRIDOR_TILES: what a phone needs to show the route's surroundings with no signal."""
    forward = _local_projection(coords)
    x, y = forward.transform([c[0] for c in coords], [c[1] for c in coords])
    buffered = shapely.LineString(np.column_stack([x, y])).buffer(radius_m, quad_segs=4)
    bx, by = shapely.get_coordinates(buffered.exterior).T
    lon, lat = forward.transform(bx, by, direction="INVERSE")
    corridor = shapely.Polygon(np.column_stack([lon, lat]))
    return area_tiles(corridor, zooms, MAX_CORRIDOR_TILES)


def area_tiles(area: shapely.Geometry, zooms: range, most: int) -> list[tuple[int, int, int]]:
    """Return the web-map tiles (z, x, y) that touch a lon/lat area, zoom by zoom, at most `most`."""
    west, south, east, north = area.bounds
    prepared = shapely.prepared.prep(area)
    tiles = []
    for zoom in zooms:
        for tx in range(_tile_x(west, zoom), _tile_x(east, zoom) + 1):
            for ty in range(_tile_y(north, zoom), _tile_y(south, zoom) + 1):
                if prepared.intersects(_tile_box(tx, ty, zoom)):
                    tiles.append((zoom, tx, ty))
                    if len(tiles) >= most:
                        return tiles
    return tiles
