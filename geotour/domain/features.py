"""Pure GeoJSON validation and normalisation (RFC 7946, lon/lat). No I/O."""

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from geotour.domain import events

if TYPE_CHECKING:  # layers imports fold from here
    from geotour.domain.layers import Layer

GEOMETRY_TYPES = {"Point": ("Point",), "LineString": ("LineString",), "Polygon": ("Polygon", "MultiPolygon")}
MAX_LINE_POSITIONS = 200_000
MAX_NAME_LENGTH = 200


class Geometry(TypedDict):
    type: str
    coordinates: list


class Feature(TypedDict):
    """A place (or area) as GeoJSON: what storage returns and the API serves; properties.layer says its layer."""

    type: str
    id: str
    geometry: Geometry  # every stored feature has one: validate_feature asks for it
    properties: dict[str, Any]


class FeatureInvalid(ValueError):
    """A feature breaks a rule; the message says which."""


@dataclass(frozen=True)
class FeatureRecord:
    """A validated feature, ready to store: a representative point and bbox come with it."""

    id: str
    layer: str
    category: str | None
    name: str
    lon: float
    lat: float
    bbox: tuple[float, float, float, float]
    geometry: dict[str, Any]
    properties: dict[str, Any] = field(repr=False)

    @property
    def search_text(self) -> str:
        """Return the folded name and alternative names that `q=` searches."""
        return search_text_of(self.name, self.properties)


def stored_photo_ids(properties: object) -> set[str]:
    """Return the ids of the contributed photos a feature's properties show (its "photos" list)."""
    photos = properties.get("photos") if isinstance(properties, dict) else None
    return {p["id"] for p in photos or () if isinstance(p, dict) and isinstance(p.get("id"), str)}


def typed_decimal(text: object) -> float:
    """Return the number a person typed, with a decimal comma ("-7,0123") or point ("-7.0123"); raise ValueError.

    Indonesian keyboards and habits write a decimal comma. Thousands separators are not accepted here
    (coordinates have none), nor "nan" or "inf".
    """
    cleaned = str(text).strip().replace(" ", "").replace("\u2212", "-")  # a typographic minus, from a copy
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", cleaned):
        raise ValueError(f"not a number: {text!r}")
    return float(cleaned)


def fold(text: str) -> str:
    """Return text without case or accents, so "Curug Cimarinjúng" matches "cimarinjung".

    The map's search folds a query the same way (static/js/lib/search.js: NFKD, drop the nonspacing marks,
    lower case, trim), so a name folded here for /places matches a query folded on the phone;
    tests/test_js_agrees.py checks both on the same names.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").lower().strip()


def search_text_of(name: str, properties: Mapping[str, Any]) -> str:
    """Return what `q=` searches for a place: its folded name and alternative names."""
    alt = properties.get("name_alt") or []
    names = [name] + [a for a in alt if isinstance(a, str)]
    return " | ".join(fold(n) for n in names)


def finite_number(value: object) -> bool:
    """Return whether a JSON value is a number a float can hold (not a bool, NaN, infinity, or 10**400)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def _check_position(position: object) -> tuple[float, float]:
    if not isinstance(position, (list, tuple)) or len(position) < 2:
        raise FeatureInvalid("a position must be [longitude, latitude]")
    lon, lat = position[0], position[1]
    for value in position[:3]:  # a height, when there is one, must be a number too
        if not finite_number(value):
            raise FeatureInvalid(f"coordinate {value!r} is not a finite number")
    if not -180 <= lon <= 180:
        raise FeatureInvalid(f"longitude {lon} is outside -180..180")
    if not -90 <= lat <= 90:
        raise FeatureInvalid(f"latitude {lat} is outside -90..90 (are longitude and latitude swapped?)")
    return float(lon), float(lat)


def _polygon_positions(rings: object) -> list[tuple[float, float]]:
    if not isinstance(rings, list) or not rings:
        raise FeatureInvalid("a polygon needs at least one ring")
    positions = []
    for ring in rings:
        if not isinstance(ring, list) or len(ring) < 4:
            raise FeatureInvalid("a polygon ring needs at least 4 positions")
        checked = [_check_position(p) for p in ring]
        if checked[0] != checked[-1]:
            raise FeatureInvalid("a polygon ring must end where it starts")
        positions.extend(checked)
    return positions


def _line_positions(coords: object) -> list[tuple[float, float]]:
    if not isinstance(coords, list) or len(coords) < 2:
        raise FeatureInvalid("a line needs at least 2 positions")
    if len(coords) > MAX_LINE_POSITIONS:
        raise FeatureInvalid(f"a line may have at most {MAX_LINE_POSITIONS} positions, not {len(coords)}")
    positions = []
    for index, position in enumerate(coords):
        try:
            positions.append(_check_position(position))
        except FeatureInvalid as exc:
            raise FeatureInvalid(f"position {index + 1} of the line: {exc}") from None
    if len(set(positions)) < 2:
        raise FeatureInvalid("a line needs at least 2 different positions")
    return positions


def geometry_positions(geometry: object) -> list[tuple[float, float]]:
    """Return every (lon, lat) of a Point, LineString, Polygon or MultiPolygon, checking each one."""
    if not isinstance(geometry, dict):
        raise FeatureInvalid("geometry is missing")
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "Point":
        return [_check_position(coords)]
    if kind == "LineString":
        return _line_positions(coords)
    if kind == "Polygon":
        return _polygon_positions(coords)
    if kind == "MultiPolygon":
        if not isinstance(coords, list) or not coords:
            raise FeatureInvalid("a multipolygon needs at least one polygon")
        return [p for polygon in coords for p in _polygon_positions(polygon)]
    raise FeatureInvalid(f"geometry type {kind!r} is not supported")


def validate_feature(feature: object, layer: "Layer") -> FeatureRecord:
    """Return a FeatureRecord for `feature` in `layer`, or raise FeatureInvalid saying what is wrong."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise FeatureInvalid('"type" must be "Feature"')
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        raise FeatureInvalid('"properties" must be an object')
    fid = feature.get("id", properties.get("id"))
    if not isinstance(fid, str) or not fid.strip():
        raise FeatureInvalid('"id" must be a non-empty string')
    geometry = feature.get("geometry")
    allowed = GEOMETRY_TYPES[layer.geometry]
    if not isinstance(geometry, dict) or geometry.get("type") not in allowed:
        found = geometry.get("type") if isinstance(geometry, dict) else None
        raise FeatureInvalid(f"layer {layer.id} takes {' or '.join(allowed)} geometry, not {found!r}")
    positions = geometry_positions(geometry)
    name = properties.get("name")
    if not isinstance(name, str) or not name.strip():
        raise FeatureInvalid('"name" must be a non-empty string')
    if len(name) > MAX_NAME_LENGTH:
        raise FeatureInvalid(f'"name" is longer than {MAX_NAME_LENGTH} characters')
    if layer.kind == "event":  # the lists, the map and the SQL filter compare these texts (domain.events)
        starts, ends = properties.get("starts"), properties.get("ends")
        if not (
            isinstance(starts, str)
            and isinstance(ends, str)
            and events.STORED.match(starts)
            and events.STORED.match(ends)
            and starts < ends
        ):
            raise FeatureInvalid(
                'an event needs "starts" before "ends", each written YYYY-MM-DDTHH:MM+07:00 (WIB)'
            )
    category = properties.get("category")
    if layer.categories and category not in layer.category_ids:
        raise FeatureInvalid(f"category {category!r} is not one of: {', '.join(layer.category_ids)}")
    lons = [p[0] for p in positions]
    lats = [p[1] for p in positions]
    bbox = (min(lons), min(lats), max(lons), max(lats))
    # A place's point; a route's start (where "directions" lead); an area's middle.
    lon, lat = (
        positions[0]
        if geometry["type"] in ("Point", "LineString")
        else ((bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2)
    )
    return FeatureRecord(
        id=fid.strip(),
        layer=layer.id,
        category=category,
        name=name.strip(),
        lon=lon,
        lat=lat,
        bbox=bbox,
        geometry=geometry,
        properties={**properties, "id": fid.strip()},
    )
