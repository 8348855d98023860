"""Turn what a contributor sends (a form, a GeoJSON feature, an import row) into a proposed feature.

Every problem is collected, not just the first, each naming its field (and row, for imports) and
saying what to fix in the contributor's language. No I/O: the caller passes the geopark area and a
function that finds the published features near a point.
"""

import difflib
import re
import secrets
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from geotour.contributions.field_rules import (
    FIELDS,
    Notice,
    Problem,
    check_properties,
    ignored_fields,
    problem,
)
from geotour.domain import events
from geotour.domain.features import (
    Feature,
    FeatureInvalid,
    finite_number,
    fold,
    geometry_positions,
    validate_feature,
)
from geotour.domain.geodesy import Hit
from geotour.domain.geopark_area import GeoparkArea
from geotour.domain.layers import EVENT, Catalogue, Layer
from geotour.text import gettext as _

DUPLICATE_RADIUS_M = 100
DUPLICATE_SIMILARITY = 0.75
# find_near(lon, lat, radius_m, layer_id, exclude_id): the published [(feature, Hit)] near a point
FindNear = Callable[[float, float, float, str, str | None], list[tuple[Feature, Hit]]]


@dataclass
class Proposal:
    """A checked proposal: the feature to store (when it has no errors), its problems, and flags for moderators."""

    layer_id: str
    feature: Feature | None
    problems: list[Problem] = field(default_factory=list)
    flags: list[Notice] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return whether nothing stops this proposal (warnings do not)."""
        return not any(p["severity"] == "error" for p in self.problems)


def contributable_layers(catalogue: Catalogue) -> list[Layer]:
    """Return the layers people may add to: attractions and MSMEs."""
    return [layer for layer in catalogue.layers if layer.kind in FIELDS]


def new_feature_id(name: str | None) -> str:
    """Return a readable, unique id from a name: "curug-cikanteh-3f9a1c"."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name or "")).strip("-")[:40].strip("-") or "place"
    return f"{slug}-{secrets.token_hex(3)}"


def check_position(
    geometry: object, area: GeoparkArea | None, row: int | None = None
) -> tuple[tuple[float, float] | None, list[Problem]]:
    """Return ((lon, lat) or None, problems) for a proposed Point, with the geopark rules."""
    if geometry is None:
        return None, [
            problem(
                "geometry",
                _("The location is missing: tap the map, use your location, or add a photo taken there."),
                row,
            )
        ]
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        return None, [
            problem("geometry", _("This layer takes points, not %(kind)s.", kind=str(kind)[:30]), row)
        ]
    coords = geometry.get("coordinates")
    if (
        not isinstance(coords, (list, tuple))
        or len(coords) < 2
        or not all(finite_number(c) for c in coords[:2])
    ):
        return None, [
            problem("geometry", _("The coordinates must be two numbers: longitude, latitude."), row)
        ]
    lon, lat = float(coords[0]), float(coords[1])
    if area is None:
        return (lon, lat), []
    place = area.place(lon, lat)
    if place.inside:
        return (lon, lat), []
    if place.swapped_inside:
        return None, [
            problem(
                "geometry",
                _(
                    "This point is outside the geopark, but it would be inside if latitude "
                    "and longitude were swapped. Did you mean latitude %(lat)s, longitude "
                    "%(lon)s?",
                    lat=lon,
                    lon=lat,
                ),
                row,
                suggestion=[lat, lon],
            )
        ]
    if place.south_sign_missing:
        return None, [
            problem(
                "geometry",
                _(
                    "This point is north of the equator; the geopark is south of it. Did you "
                    "mean latitude %(lat)s?",
                    lat=-lat,
                ),
                row,
                suggestion=[lon, -lat],
            )
        ]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None, [
            problem(
                "geometry", _("Longitude must be between -180 and 180 and latitude between -90 and 90."), row
            )
        ]
    return None, [
        problem(
            "geometry",
            _(
                "This point is %(km)s km outside the geopark (more than %(margin)s km from its boundary).",
                km=_km(place.outside_m),
                margin=_km(area.margin_m),
            ),
            row,
            outside_m=round(place.outside_m),
        )
    ]


LINE_CHECKS = 200  # a recorded track's positions checked against the geopark: up to this many, evenly spread


def check_line(
    geometry: object, area: GeoparkArea | None, row: int | None = None
) -> tuple[list[Any] | None, list[Problem]]:
    """Return (the line's coordinates or None, problems) for a proposed route: a LineString (a recorded
    track), whose positions lie in the geopark."""
    if geometry is None:
        return None, [
            problem("geometry", _("The route needs its track: send a GPX, KML or GeoJSON file."), row)
        ]
    if not isinstance(geometry, dict) or geometry.get("type") != "LineString":
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        return None, [
            problem(
                "geometry",
                _("This layer takes a line (a recorded track), not %(kind)s.", kind=str(kind)[:30]),
                row,
            )
        ]
    try:
        positions = geometry_positions(geometry)
    except FeatureInvalid as exc:
        return None, [problem("geometry", _("The track is not a valid line."), row, detail=str(exc))]
    step = max(1, len(positions) // LINE_CHECKS)
    for index in sorted({*range(0, len(positions), step), len(positions) - 1}):
        lon, lat = positions[index]
        place = area.place(lon, lat) if area is not None else None
        if place is not None and not place.inside:
            return None, [
                problem(
                    "geometry",
                    _(
                        "Point %(n)d of the track is %(km)s km outside the geopark (more than %(margin)s km "
                        "from its boundary).",
                        n=index + 1,
                        km=_km(place.outside_m),
                        margin=_km(area.margin_m),  # type: ignore[union-attr]
                    ),
                    row,
                )
            ]
    return [list(c) for c in geometry["coordinates"]], []


def _km(metres: float) -> float:
    return round(metres / 1000, 1)  # a float: the message writes it the language's way ("2,5" in Indonesian)


def similar_names(a: str, b: str) -> bool:
    """Return whether two place names are probably the same place's."""
    a, b = fold(a), fold(b)
    if min(len(a), len(b)) >= 4 and (a in b or b in a):
        return True
    matcher = difflib.SequenceMatcher(None, a, b)  # the quick ratios are upper bounds of ratio()
    return (
        matcher.real_quick_ratio() >= DUPLICATE_SIMILARITY
        and matcher.quick_ratio() >= DUPLICATE_SIMILARITY
        and matcher.ratio() >= DUPLICATE_SIMILARITY
    )


def duplicate_flags(
    name: str, lon: float, lat: float, neighbours: Iterable[tuple[Feature, Hit]], row: int | None = None
) -> tuple[list[Notice], list[Problem]]:
    """Return (flags, warnings) for published features with a similar name within 100 m."""
    flags: list[Notice] = []
    warnings: list[Problem] = []
    for feature, hit in neighbours:
        other = feature["properties"]["name"]
        if similar_names(name, other):
            distance = round(hit.distance_m)
            flags.append(
                {
                    "kind": "possible_duplicate",
                    "feature_id": feature["id"],
                    "name": other,
                    "distance_m": distance,
                }
            )
            warnings.append(
                problem(
                    "name",
                    _(
                        "This may be the same place as “%(other)s”, %(m)s m away. A moderator will check.",
                        other=other,
                        m=distance,
                    ),
                    row,
                    severity="warning",
                )
            )
    return flags, warnings


def _checked_fields(
    layer: Layer,
    sent: Mapping[str, Any],
    base: Feature | None,
    row: int | None,
    leave_out: Collection[str] = (),
) -> tuple[dict[str, Any], list[Problem]]:
    """Return (properties, problems): what was sent, checked over the base's properties for an edit, and a
    warning for each field sent that the layer does not keep."""
    base_properties = None
    if base is not None:
        base_properties = {k: v for k, v in base["properties"].items() if k != "layer"}
    properties, problems = check_properties(layer, sent, base_properties, row, leave_out)
    for name in ignored_fields(layer, sent):
        problems.append(
            problem(
                name, _("This field is not kept for this layer and was left out."), row, severity="warning"
            )
        )
    return properties, problems


def propose(
    layer: Layer,
    sent: Mapping[str, Any],
    geometry: object,
    area: GeoparkArea | None,
    find_near: FindNear,
    feature_id: str | None = None,
    base: Feature | None = None,
    row: int | None = None,
    leave_out: Collection[str] = (),
    site_exists: Callable[[str], bool] = lambda _site_id: True,
    place_of: Callable[[str], Feature | None] = lambda _place_id: None,
) -> Proposal:
    """Return a Proposal for a new feature (base None) or an edit of `base` (a published feature).

    `find_near(lon, lat, radius_m, layer_id, exclude_id)` returns published [(feature, Hit)]; `leave_out` names
    fields neither taken nor asked for; `site_exists(id)` says whether a route's stop is a published site;
    `place_of(id)` returns the published attraction or business an event is held at (None when it is none).
    """
    if layer.geometry == "LineString":
        return _propose_line(layer, sent, geometry, area, feature_id, base, row, site_exists)
    properties, problems = _checked_fields(layer, sent, base, row, leave_out)
    if layer.kind == EVENT:
        geometry, found = _event_checks(properties, sent, geometry, base, row, place_of)
        problems += found
    geometry = geometry if geometry is not None or base is None else base["geometry"]
    position, found = check_position(geometry, area, row)
    problems += found
    flags: list[Notice] = []
    if position and properties.get("name") and layer.kind != EVENT:  # a festival comes back to its place
        lon, lat = position
        flags, warnings = duplicate_flags(
            properties["name"], lon, lat, find_near(lon, lat, DUPLICATE_RADIUS_M, layer.id, feature_id), row
        )
        problems += warnings
    if position is None or any(p["severity"] == "error" for p in problems):
        return Proposal(layer.id, None, problems, flags)
    fid = feature_id or new_feature_id(properties["name"])
    feature: Feature = {
        "type": "Feature",
        "id": fid,
        "geometry": {"type": "Point", "coordinates": list(position)},
        "properties": {**properties, "id": fid},
    }
    try:
        validate_feature(feature, layer)  # the storage's own rules, so approval can never fail on them
    except FeatureInvalid as exc:
        return Proposal(layer.id, None, problems + [problem("geometry", str(exc), row)], flags)
    return Proposal(layer.id, feature, problems, flags)


def _event_checks(
    properties: dict[str, Any],
    sent: Mapping[str, Any],
    geometry: object,
    base: Feature | None,
    row: int | None,
    place_of: Callable[[str], Feature | None],
) -> tuple[object, list[Problem]]:
    """Return (the event's geometry, problems): at its place's position when it names one; it ends after it
    starts, lasts at most MOST_DAYS_LONG, and a new one is not over and starts within MOST_DAYS_AHEAD."""
    problems: list[Problem] = []
    place_id = properties.get("place_id")
    if place_id:
        place = place_of(place_id)
        if place is None:
            problems.append(
                problem(
                    "place_id",
                    _("“%(id)s” is not a place on the map; choose one, or mark a point.", id=place_id[:40]),
                    row,
                )
            )
        elif geometry is None or "place_id" in sent:
            geometry = place["geometry"]  # the place's own position: the event is drawn where the place is
    starts, ends = events.read_moment(properties.get("starts")), events.read_moment(properties.get("ends"))
    if starts is None or ends is None:
        return geometry, problems
    if ends <= starts:
        problems.append(problem("ends", _("The end must come after the start."), row))
    elif ends - starts > timedelta(days=events.MOST_DAYS_LONG):
        problems.append(
            problem("ends", _("An event lasts at most %(n)d days.", n=events.MOST_DAYS_LONG), row)
        )
    now = events.now_wib()
    if base is None and ends < now:
        problems.append(problem("ends", _("This event is already over."), row))
    if base is None and starts > now + timedelta(days=events.MOST_DAYS_AHEAD):
        problems.append(
            problem(
                "starts",
                _("Write a start at most %(n)d days ahead.", n=events.MOST_DAYS_AHEAD),
                row,
            )
        )
    return geometry, problems


def _propose_line(
    layer: Layer,
    sent: Mapping[str, Any],
    geometry: object,
    area: GeoparkArea | None,
    feature_id: str | None,
    base: Feature | None,
    row: int | None,
    site_exists: Callable[[str], bool],
) -> Proposal:
    """A route: its fields, its recorded track (or the base's line, for an edit that sends none), its stops."""
    new_track = geometry is not None
    geometry = geometry if new_track or base is None else base["geometry"]
    properties, problems = _checked_fields(layer, sent, base, row)
    coordinates, found = check_line(geometry, area, row)
    problems += found
    stops = [s.get("site_id") for s in properties.get("stops") or [] if isinstance(s, dict)]
    # A stop whose position no one knows has no site (site_id null: kept from the seed); every other names one.
    unknown = [site_id for site_id in stops if isinstance(site_id, str) and not site_exists(site_id)]
    if unknown:
        problems.append(
            problem(
                "stops", _("These stops are not places on the map: %(ids)s.", ids=", ".join(unknown)), row
            )
        )
    if coordinates is None or any(p["severity"] == "error" for p in problems):
        return Proposal(layer.id, None, problems)
    if new_track:
        properties["track"] = "recorded"  # a line someone sent is a track they recorded, never stops joined
    fid = feature_id or new_feature_id(properties["name"])
    feature: Feature = {
        "type": "Feature",
        "id": fid,
        "geometry": {"type": "LineString", "coordinates": coordinates},
        "properties": {**properties, "id": fid},
    }
    try:
        validate_feature(feature, layer)
    except FeatureInvalid as exc:
        return Proposal(layer.id, None, problems + [problem("geometry", str(exc), row)])
    return Proposal(layer.id, feature, problems)
