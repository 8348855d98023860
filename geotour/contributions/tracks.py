"""A route from the ground: read the track a KIM member recorded with any phone app or GPS (GPX 1.1, KML or
GeoJSON), and make it fit to publish: segments joined, points without a fix dropped, thinned, with the
places where the recording jumps.

The XML is read with expat, line by line, so an error names the line; a document type declaration or an
entity is refused outright (GPX and KML need neither, and they are how "billion laughs" and external
entities get in). Nothing here stores anything.
"""

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.parsers import expat

import numpy as np
import shapely
from pyproj import Transformer

from geotour.contributions.readers import check_size
from geotour.domain.geodesy import GEOD
from geotour.domain.routes import line_length_m
from geotour.errors import BadParameter, TooLarge

MAX_TRACK_BYTES = 10 * 1024 * 1024
MAX_TRACK_POINTS = 200_000
MAX_KEPT_POINTS = 5_000  # what is stored: enough for a day's walk at a few metres, small for a phone
THIN_TOLERANCES_M = (3.0, 5.0, 10.0, 20.0, 50.0)  # Douglas–Peucker: the first that keeps it under the cap
JUMP_SPEED_KMH = 150.0  # faster than a car on these roads or any boat: the recording jumped
JUMP_GAP_M = 5_000.0  # without times: a gap this long between two fixes is a jump too
FORMATS = {".gpx": "gpx", ".kml": "kml", ".geojson": "geojson", ".json": "geojson"}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass
class TrackPoint:
    """One fix: where, the height when known, the time when known, and the line of the file it is on."""

    lon: float
    lat: float
    ele: float | None = None
    time: datetime | None = None
    line: int | None = None


@dataclass
class Track:
    """What a file holds: its points in order (segments joined), and what was dropped or joined."""

    points: list[TrackPoint]
    segments: int = 1
    dropped_no_fix: int = 0
    fmt: str = ""


@dataclass(frozen=True)
class Jump:
    """Where the recording jumps: the point after the jump, how far it is along, the gap, and the speed."""

    point: int  # 1-based, in the file's order
    along_m: float
    gap_m: float
    speed_kmh: float | None


@dataclass
class PreparedTrack:
    """A track ready to propose: the line (thinned), its length, and what the contributor should know."""

    coordinates: list[list[float]]
    length_m: float
    points_read: int
    points_kept: int
    tolerance_m: float
    segments: int
    dropped_no_fix: int
    has_heights: bool
    jumps: list[Jump] = field(default_factory=list)

    def geometry(self) -> dict[str, Any]:
        """Return the GeoJSON LineString to store."""
        return {"type": "LineString", "coordinates": self.coordinates}

    def to_dict(self) -> dict[str, Any]:
        """Return what the API answers about the track."""
        return {
            "geometry": self.geometry(),
            "length_m": round(self.length_m),
            "points_read": self.points_read,
            "points_kept": self.points_kept,
            "tolerance_m": self.tolerance_m,
            "segments": self.segments,
            "dropped_no_fix": self.dropped_no_fix,
            "has_heights": self.has_heights,
            "jumps": [
                {
                    "point": j.point,
                    "along_m": round(j.along_m),
                    "gap_m": round(j.gap_m),
                    "speed_kmh": None if j.speed_kmh is None else round(j.speed_kmh),
                }
                for j in self.jumps
            ],
        }


def _number(text: str | None) -> float | None:
    text = (text or "").strip()
    if not _NUMBER.match(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None  # a time a device wrote oddly is not worth refusing the walk for


def _point(lon: float | None, lat: float | None, line: int) -> TrackPoint:
    if lon is None or lat is None:
        raise BadParameter(
            "Line %(line)d: this point has no readable latitude and longitude.", "file", line=line
        )
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise BadParameter(
            "Line %(line)d: latitude %(lat)s, longitude %(lon)s is not a place on Earth.",
            "file",
            line=line,
            lat=lat,
            lon=lon,
        )
    return TrackPoint(lon, lat, line=line)


class _XmlTrack:
    """Collect the points of a GPX (trkpt, else rtept) or KML (LineString coordinates, gx:coord) document."""

    def __init__(self) -> None:
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartDoctypeDeclHandler = self._no_doctype
        self.parser.EntityDeclHandler = self._no_entity
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text
        self.root: str | None = None
        self.track: list[list[TrackPoint]] = []  # GPX trkseg / KML LineString: one list each
        self.route: list[list[TrackPoint]] = []
        self.current: TrackPoint | None = None
        self.point_tag = ""
        self.child = ""
        self.text: list[str] = []
        self.no_fix = 0
        self.fix: str | None = None

    def _line(self) -> int:
        return int(self.parser.CurrentLineNumber)

    def _no_doctype(self, *_args: Any) -> None:
        raise BadParameter(
            "Line %(line)d: a document type declaration is not accepted in a track file.",
            "file",
            line=self._line(),
        )

    def _no_entity(self, *_args: Any) -> None:
        raise BadParameter(
            "Line %(line)d: entities are not accepted in a track file.", "file", line=self._line()
        )

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        tag = name.rsplit(" ", 1)[-1]
        if self.root is None:
            self.root = tag
            if tag not in ("gpx", "kml"):
                raise BadParameter(
                    "This is not a GPX or KML file (it starts with <%(tag)s>).", "file", tag=tag[:30]
                )
        if tag in ("trkseg", "LineString", "Track"):
            self.track.append([])
        elif tag == "rte":
            self.route.append([])
        elif tag in ("trkpt", "rtept") and self.root == "gpx":
            self.current = _point(_number(attrs.get("lon")), _number(attrs.get("lat")), self._line())
            self.point_tag, self.fix = tag, None
        self.child = tag
        self.text = []

    def _text(self, data: str) -> None:
        self.text.append(data)

    def _end(self, name: str) -> None:
        tag = name.rsplit(" ", 1)[-1]
        text = "".join(self.text)
        self.text = []
        if self.current is not None:
            if tag == "ele":
                self.current.ele = _number(text)
            elif tag == "time":
                self.current.time = _time(text)
            elif tag == "fix":
                self.fix = text.strip()
            elif tag == self.point_tag:
                if self.fix == "none":
                    self.no_fix += 1
                else:
                    target = self.track if tag == "trkpt" else self.route
                    if not target:
                        target.append([])
                    target[-1].append(self.current)
                self.current = None
        elif self.root == "kml" and tag == "coordinates" and self.track:
            self.track[-1].extend(self._kml_coordinates(text))
        elif self.root == "kml" and tag == "coord" and self.track:  # gx:Track's "lon lat alt"
            self.track[-1].extend(self._kml_coordinates(text.strip().replace(" ", ",")))

    def _kml_coordinates(self, text: str) -> list[TrackPoint]:
        points = []
        for token in text.split():
            parts = token.split(",")
            lon, lat = (_number(parts[0]), _number(parts[1])) if len(parts) >= 2 else (None, None)
            point = _point(lon, lat, self._line())
            point.ele = _number(parts[2]) if len(parts) > 2 else None
            points.append(point)
        return points

    def read(self, data: bytes) -> Track:
        try:
            self.parser.Parse(data, True)
        except expat.ExpatError as exc:
            error = BadParameter(
                "Line %(line)d: the file is not well-formed XML; it may be cut short. Export it again.",
                "file",
                line=exc.lineno,
            )
            error.detail = expat.ErrorString(exc.code)  # expat's own words, in English: for the API
            raise error from None
        segments = [s for s in self.track if s] or [s for s in self.route if s]
        return Track([p for s in segments for p in s], len(segments), self.no_fix, self.root or "")


def _geojson_track(data: bytes) -> Track:
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        if line is None:
            raise BadParameter("The file is not GeoJSON text.", "file") from None
        raise BadParameter(
            "Line %(line)d: the file is not valid JSON; it may be cut short.", "file", line=line
        ) from None
    geometries = []
    if isinstance(document, dict) and document.get("type") == "FeatureCollection":
        geometries = [f.get("geometry") for f in document.get("features") or [] if isinstance(f, dict)]
    elif isinstance(document, dict) and document.get("type") == "Feature":
        geometries = [document.get("geometry")]
    elif isinstance(document, dict):
        geometries = [document]
    lines: list[list[TrackPoint]] = []
    for geometry in geometries:
        if not isinstance(geometry, dict):
            continue
        parts = {"LineString": [geometry.get("coordinates")], "MultiLineString": geometry.get("coordinates")}
        for part in parts.get(str(geometry.get("type")), None) or []:
            if not isinstance(part, list):
                raise BadParameter("A LineString's coordinates must be a list of positions.", "file")
            points = []
            for index, position in enumerate(part, start=1):
                ok = isinstance(position, list) and len(position) >= 2
                values = (
                    [_number(str(v)) if isinstance(v, (int, float)) else None for v in position[:3]]
                    if ok
                    else []
                )
                if len(values) < 2 or values[0] is None or values[1] is None:
                    raise BadParameter(
                        "Point %(n)d of the line is not [longitude, latitude].", "file", n=index
                    )
                lon, lat = values[0], values[1]
                if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    raise BadParameter(
                        "Point %(n)d of the line: latitude %(lat)s, longitude %(lon)s is not a place on Earth.",
                        "file",
                        n=index,
                        lat=lat,
                        lon=lon,
                    )
                point = TrackPoint(lon, lat, values[2] if len(values) > 2 else None)
                points.append(point)
            lines.append(points)
    return Track([p for line in lines for p in line], len([x for x in lines if x]), 0, "geojson")


def read_track(data: bytes, filename: str | None) -> Track:
    """Return the track in a GPX, KML or GeoJSON file, or raise BadParameter/TooLarge saying what is wrong."""
    check_size(data, MAX_TRACK_BYTES)
    fmt = FORMATS.get(Path(filename or "").suffix.lower())
    if fmt is None:
        raise BadParameter("Send the track as a .gpx, .kml or .geojson file.", "file")
    if not data.strip():
        raise BadParameter("The file is empty.", "file")
    track = _geojson_track(data) if fmt == "geojson" else _XmlTrack().read(data)
    if len(track.points) > MAX_TRACK_POINTS:
        raise TooLarge(
            "The track has %(n)d points; at most %(max)d are read. Split the recording and send each part.",
            "file",
            n=len(track.points),
            max=MAX_TRACK_POINTS,
        )
    if len({(p.lon, p.lat) for p in track.points}) < 2:
        raise BadParameter(
            "The file holds no track: no line with two or more points (in GPX, a trk or an rte).", "file"
        )
    return track


def find_jumps(points: Sequence[TrackPoint]) -> list[Jump]:
    """Return where the recording jumps: faster than any vehicle here between two timed fixes, or a long
    gap between two fixes without times."""
    if len(points) < 2:
        return []
    lons = np.array([p.lon for p in points])
    lats = np.array([p.lat for p in points])
    _, _, gaps = GEOD.inv(lons[:-1], lats[:-1], lons[1:], lats[1:])
    along = np.concatenate([[0.0], np.cumsum(gaps)])
    jumps = []
    for index, gap in enumerate(gaps):
        before, after = points[index], points[index + 1]
        speed = None
        if before.time is not None and after.time is not None:
            try:
                seconds = (after.time - before.time).total_seconds()
            except TypeError:  # one time with a zone, one without
                seconds = 0.0
            speed = gap / seconds * 3.6 if seconds > 0 else None
        if (speed is not None and speed > JUMP_SPEED_KMH and gap > 100) or (
            speed is None and gap > JUMP_GAP_M
        ):
            jumps.append(Jump(index + 2, float(along[index + 1]), float(gap), speed))
    return jumps


def _thin(points: Sequence[TrackPoint]) -> tuple[list[int], float]:
    """Return (indices kept, tolerance in metres): Douglas–Peucker in a local equidistant projection, with
    the smallest tolerance that keeps at most MAX_KEPT_POINTS."""
    lon0 = (min(p.lon for p in points) + max(p.lon for p in points)) / 2
    lat0 = (min(p.lat for p in points) + max(p.lat for p in points)) / 2
    forward = Transformer.from_crs(
        "EPSG:4326", f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +ellps=WGS84 +units=m", always_xy=True
    )
    x, y = forward.transform([p.lon for p in points], [p.lat for p in points])
    index: dict[tuple[float, float], int] = {}
    for i, xy in enumerate(zip(x, y, strict=True)):
        index.setdefault(xy, i)
    line = shapely.LineString(np.column_stack([x, y]))
    kept: list[int] = []
    tolerance = THIN_TOLERANCES_M[0]
    for tolerance in THIN_TOLERANCES_M:
        thin = shapely.simplify(line, tolerance, preserve_topology=False)
        coords = shapely.get_coordinates(thin)
        kept = sorted({index[(float(cx), float(cy))] for cx, cy in coords if (float(cx), float(cy)) in index})
        if len(kept) <= MAX_KEPT_POINTS:
            break
    if kept and kept[-1] != len(points) - 1:
        kept.append(len(points) - 1)
    return kept, tolerance


def prepare(track: Track) -> PreparedTrack:
    """Return the track ready to propose: consecutive repeats dropped, jumps found on the whole recording,
    then thinned; heights kept only when every kept point has one."""
    points: list[TrackPoint] = []
    for point in track.points:
        if not points or (point.lon, point.lat) != (points[-1].lon, points[-1].lat):
            points.append(point)
    jumps = find_jumps(points)
    kept, tolerance = _thin(points)
    chosen = [points[i] for i in kept]
    heights = all(p.ele is not None for p in chosen)
    coordinates = [
        [
            round(p.lon, 7),
            round(p.lat, 7),
            *([round(float(p.ele), 1)] if heights and p.ele is not None else []),
        ]
        for p in chosen
    ]
    return PreparedTrack(
        coordinates=coordinates,
        length_m=line_length_m(coordinates),
        points_read=len(track.points),
        points_kept=len(coordinates),
        tolerance_m=tolerance,
        segments=track.segments,
        dropped_no_fix=track.dropped_no_fix,
        has_heights=heights,
        jumps=jumps,
    )
