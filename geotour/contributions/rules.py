"""Turn what a contributor sends (a form, a GeoJSON feature, an import row) into a proposed feature.

Every problem is collected, not just the first, each naming its field (and row, for imports) and
saying what to fix in the contributor's language. No I/O: the caller passes the geopark area and a
function that finds the published features near a point.
"""

import difflib
import re
import secrets
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from geotour.domain.features import Feature, FeatureInvalid, finite_number, fold, validate_feature
from geotour.domain.geopark_area import GeoparkArea
from geotour.domain.layers import ATTRACTION, MSME, Catalogue, Layer
from geotour.domain.nearby import Hit
from geotour.domain.visit import ACCESS_ROADS, MAX_WALK_MINUTES, parse_rupiah
from geotour.text import gettext as _
from geotour.text import read_bool

DUPLICATE_RADIUS_M = 100
DUPLICATE_SIMILARITY = 0.75
MAX_FACILITIES = 20
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Marks that turn the direction of the text around them (a name could then read backwards on the map).
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Letters that draw nothing: Hangul and halfwidth fillers, the blank Braille pattern.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
PHONE_SEPARATORS = re.compile(r"[\s().-]")


@dataclass(frozen=True)
class Text:
    """A text field: required or not, and its longest length."""

    max_length: int
    required: bool = False


class Phone:
    """An Indonesian or international phone number, stored as +<country><number>."""


class Consent:
    """A tick that must be given: the owner agreed to publish their contact details."""


class Facilities:
    """A list of short texts (a comma-separated string is accepted)."""


class Category:
    """One of the layer's categories."""


class Rupiah:
    """A price in whole rupiah: 10000, "Rp 10.000" or "gratis" (0)."""


@dataclass(frozen=True)
class Choice:
    """One of a fixed set of ids (the form shows their titles)."""

    choices: dict[str, dict[str, str]]


@dataclass(frozen=True)
class Minutes:
    """A whole number of minutes, 0 to `most`."""

    most: int


FieldSpec = Text | Phone | Consent | Facilities | Category | Rupiah | Choice | Minutes
# {"row", "field", "message", "severity", …}: one problem as the API, the forms and the import preview show it
Problem = dict[str, Any]
# {"kind", …}: something a moderator should notice (a possible duplicate, where OSM has the place)
Flag = dict[str, Any]
# find_near(lon, lat, radius_m, layer_id, exclude_id): the published [(feature, Hit)] near a point
FindNear = Callable[[float, float, float, str, str | None], list[tuple[Feature, Hit]]]

COMMON: dict[str, FieldSpec] = {
    "name": Text(120, required=True),
    "category": Category(),
    "description_id": Text(2000),
    "description_en": Text(2000),
    "opening_hours": Text(200),
}
FIELDS: dict[str, dict[str, FieldSpec]] = {
    ATTRACTION: {
        **COMMON,
        "ticket_price": Rupiah(),
        "access_road": Choice(ACCESS_ROADS),
        "walk_minutes": Minutes(MAX_WALK_MINUTES),
        "access": Text(1000),
        "facilities": Facilities(),
    },
    MSME: {
        **COMMON,
        "whatsapp": Phone(),
        "phone": Phone(),
        "price_range": Text(200),
        "owner_consent": Consent(),
    },
}
# Set by Geotour itself, never taken from what is sent.
SYSTEM_PROPERTIES = (
    "id",
    "layer",
    "photos",
    "photo",
    "photo_thumb",
    "contributed",
    "contributed_by",
    "coord_source",
    "coord_checked_on_site",
    "osm_id",
    "coord_osm_id",
    "attribution",
)


@dataclass
class Proposal:
    """A checked proposal: the feature to store (when it has no errors), its problems, and flags for moderators."""

    layer_id: str
    feature: Feature | None
    problems: list[Problem] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return whether nothing stops this proposal (warnings do not)."""
        return not any(p["severity"] == "error" for p in self.problems)


def field_kinds(layer: Layer) -> dict[str, str]:
    """Return {field: input kind} for the layer's form: text, textarea, category, phone, consent, rupiah, choice,
    number or list."""
    kinds: dict[str, str] = {}
    for name, spec in FIELDS[layer.kind].items():
        if isinstance(spec, Text):
            kinds[name] = "textarea" if spec.max_length > 300 else "text"
        else:
            kinds[name] = {
                Category: "category",
                Phone: "phone",
                Consent: "consent",
                Rupiah: "rupiah",
                Choice: "choice",
                Minutes: "number",
            }.get(type(spec), "list")
    return kinds


def field_choices(layer: Layer) -> dict[str, dict[str, dict[str, str]]]:
    """Return {field: {id: titles}} for the layer's fields that take one of a fixed set of values."""
    return {name: spec.choices for name, spec in FIELDS[layer.kind].items() if isinstance(spec, Choice)}


def problem(
    field_name: str | None, message: str, row: int | None = None, severity: str = "error", **extra: Any
) -> Problem:
    """Return one problem as a plain dict (the shape used by the API, the forms and the import preview)."""
    return {"row": row, "field": field_name, "message": message, "severity": severity, **extra}


def contributable_layers(catalogue: Catalogue) -> list[Layer]:
    """Return the layers people may add to: attractions and MSMEs."""
    return [layer for layer in catalogue.layers if layer.kind in FIELDS]


def new_feature_id(name: str | None) -> str:
    """Return a readable, unique id from a name: "curug-cikanteh-3f9a1c"."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name or "")).strip("-")[:40].strip("-") or "place"
    return f"{slug}-{secrets.token_hex(3)}"


def normalise_phone(value: object) -> str | None:
    """Return a phone number as +62..., or None when it cannot be one."""
    digits = PHONE_SEPARATORS.sub("", str(value))
    if digits.startswith("0"):
        digits = "+62" + digits[1:]
    elif digits.startswith("62"):
        digits = "+" + digits
    return digits if re.fullmatch(r"\+[1-9]\d{7,14}", digits) else None


def _is_true(value: object) -> bool:
    return read_bool(value) is True


def _visible(char: str) -> bool:
    return (
        not char.isspace()
        and unicodedata.category(char) not in ("Cc", "Cf", "Mn", "Me", "Zs")
        and char not in BLANK_LETTERS
    )


def clean_text(value: object) -> str:
    """Return typed text as stored: NFC, without control or direction-changing marks, trimmed; "" when it
    shows nothing (only spaces, zero-width characters or blank fillers)."""
    text = BIDI_CONTROLS.sub("", CONTROL.sub("", unicodedata.normalize("NFC", str(value)))).strip()
    return text if any(_visible(char) for char in text) else ""


def _check_value(
    name: str, spec: FieldSpec, value: Any, layer: Layer, row: int | None
) -> tuple[Any, list[Problem]]:
    """Return (clean value or None, [problems]) for one field."""
    if isinstance(spec, Text):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None, [problem(name, _("This field is required."), row)] if spec.required else []
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            return None, [problem(name, _("This must be text."), row)]
        text = clean_text(value)
        if not text:
            return None, [
                problem(name, _("This field is required; it has no visible letters."), row)
            ] if spec.required else []
        if len(text) > spec.max_length:
            return None, [
                problem(
                    name,
                    _("At most %(n)d characters (this has %(got)d).", n=spec.max_length, got=len(text)),
                    row,
                )
            ]
        return text, []
    if isinstance(spec, Category):
        found = layer.find_category(value)  # the id, or the title as the form shows it, in either language
        if found is not None:
            return found.id, []
        allowed = ", ".join(layer.category_ids)
        if value in (None, ""):
            return None, [problem(name, _("Choose a category: %(allowed)s.", allowed=allowed), row)]
        return None, [
            problem(
                name,
                _(
                    "“%(value)s” is not a category of this layer; use one of: %(allowed)s.",
                    value=str(value)[:40],
                    allowed=allowed,
                ),
                row,
            )
        ]
    if isinstance(spec, Phone):
        if value in (None, ""):
            return None, []
        number = normalise_phone(value)
        if number is None:
            return None, [
                problem(name, _("Write a phone number such as 0812 3456 7890 or +62 812 3456 7890."), row)
            ]
        return number, []
    if isinstance(spec, Rupiah):
        if value in (None, ""):
            return None, []
        amount = parse_rupiah(value)
        if amount is None:
            return None, [
                problem(
                    name,
                    _("Write the price in rupiah, such as 10000 or Rp 10.000; write 0 when entry is free."),
                    row,
                )
            ]
        return amount, []
    if isinstance(spec, Choice):
        if value in (None, ""):
            return None, []
        if value not in spec.choices:
            return None, [
                problem(name, _("Choose one of: %(allowed)s.", allowed=", ".join(spec.choices)), row)
            ]
        return value, []
    if isinstance(spec, Minutes):
        if value in (None, ""):
            return None, []
        try:
            minutes = int(str(value).strip()) if not isinstance(value, bool) else None
        except ValueError:
            minutes = None
        if minutes is None or not 0 <= minutes <= spec.most:
            return None, [
                problem(name, _("Write a whole number of minutes from 0 to %(most)d.", most=spec.most), row)
            ]
        return minutes, []
    if isinstance(spec, Consent):
        if not _is_true(value):
            return None, [
                problem(
                    name,
                    _("Tick this to confirm that the owner agreed to publish these contact details."),
                    row,
                )
            ]
        return True, []
    items = value if isinstance(value, list) else str(value or "").split(",")
    items = [text[:60] for text in (clean_text(item) for item in items) if text]
    if len(items) > MAX_FACILITIES:
        return None, [problem(name, _("At most %(n)d facilities.", n=MAX_FACILITIES), row)]
    return items or None, []


def check_properties(
    layer: Layer,
    sent: Mapping[str, Any],
    base_properties: dict[str, Any] | None = None,
    row: int | None = None,
    leave_out: Collection[str] = (),
) -> tuple[dict[str, Any], list[Problem]]:
    """Return (properties, problems): the layer's fields checked, merged over the base for an edit. Fields in
    `leave_out` are neither taken nor asked for (an OpenStreetMap import takes no contact details)."""
    specs = {name: spec for name, spec in FIELDS[layer.kind].items() if name not in leave_out}
    properties = dict(base_properties or {})
    problems = []
    for name, spec in specs.items():
        if base_properties is not None and name not in sent:
            value = properties.get(name)
            if not isinstance(spec, (Text, Category, Consent)) or value is None:
                continue  # an edit keeps what it does not mention
        else:
            value = sent.get(name)
        if (
            isinstance(spec, Consent)
            and base_properties is not None
            and not {"whatsapp", "phone"} & set(sent)
        ):
            continue  # an edit that leaves the contact details alone needs no new consent
        clean, found = _check_value(name, spec, value, layer, row)
        problems += found
        if clean is None:
            properties.pop(name, None)
        else:
            properties[name] = clean
    return properties, problems


def ignored_fields(layer: Layer, sent: Iterable[str]) -> list[str]:
    """Return the names sent that this layer does not keep (reported, never silently dropped)."""
    return sorted(k for k in sent if k not in FIELDS[layer.kind] and k not in SYSTEM_PROPERTIES)


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


def _km(metres: float) -> float:
    return round(metres / 1000, 1)  # a float: the message writes it the language's way ("2,5" in Indonesian)


def similar_names(a: str, b: str) -> bool:
    """Return whether two place names are probably the same place's."""
    a, b = fold(a), fold(b)
    if min(len(a), len(b)) >= 4 and (a in b or b in a):
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= DUPLICATE_SIMILARITY


def duplicate_flags(
    name: str, lon: float, lat: float, neighbours: Iterable[tuple[Feature, Hit]], row: int | None = None
) -> tuple[list[Flag], list[Problem]]:
    """Return (flags, warnings) for published features with a similar name within 100 m."""
    flags: list[Flag] = []
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
) -> Proposal:
    """Return a Proposal for a new feature (base None) or an edit of `base` (a published feature).

    `find_near(lon, lat, radius_m, layer_id, exclude_id)` returns published [(feature, Hit)]; `leave_out` names
    fields neither taken nor asked for.
    """
    base_properties = None
    if base is not None:
        base_properties = {k: v for k, v in base["properties"].items() if k != "layer"}
        geometry = geometry if geometry is not None else base["geometry"]
    properties, problems = check_properties(layer, sent, base_properties, row, leave_out)
    position, found = check_position(geometry, area, row)
    problems += found
    for name in ignored_fields(layer, sent):
        problems.append(
            problem(
                name, _("This field is not kept for this layer and was left out."), row, severity="warning"
            )
        )
    flags: list[Flag] = []
    if position and properties.get("name"):
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
