"""The fields a contributor may send for each kind of layer, and the check of each value: lengths, phone
numbers, rupiah, choices, the owner's consent. Every problem names its field and says what to fix, in the
contributor's language. No I/O."""

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from geotour.domain import events
from geotour.domain.layers import ATTRACTION, EVENT, MSME, ROUTE, Layer
from geotour.domain.stories import MAX_LENGTH as STORY_MAX_LENGTH
from geotour.domain.visit import (
    ACCESS_ROADS,
    MAX_WALK_MINUTES,
    PLACE_STATUS,
    STATUS_MOST_DAYS,
    WIB,
    parse_day,
    parse_rupiah,
)
from geotour.text import gettext as _
from geotour.text import read_bool

MAX_FACILITIES = 20
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Marks that turn the direction of the text around them (a name could then read backwards on the map).
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Letters that draw nothing: Hangul and halfwidth fillers, the blank Braille pattern.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
PHONE_SEPARATORS = re.compile(r"[\s().-]")


@dataclass(frozen=True)
class TextField:
    """A text field: required or not, and its longest length."""

    max_length: int
    required: bool = False


class PhoneField:
    """An Indonesian or international phone number, stored as +<country><number>."""


@dataclass(frozen=True)
class ConsentField:
    """A tick that must be given: the owner agreed to publish their contact details (with `contacts`, only
    when one of those fields is given)."""

    contacts: tuple[str, ...] = ()


class FacilitiesField:
    """A list of short texts (a comma-separated string is accepted)."""


class CategoryField:
    """One of the layer's categories."""


class RupiahField:
    """A price in whole rupiah: 10000, "Rp 10.000" or "gratis" (0)."""


@dataclass(frozen=True)
class ChoiceField:
    """One of a fixed set of ids (the form shows their titles)."""

    choices: dict[str, dict[str, str]]


@dataclass(frozen=True)
class DateField:
    """A calendar day, YYYY-MM-DD (a phone's date field sends that), from today to `most_days` ahead."""

    most_days: int


@dataclass(frozen=True)
class StoryField(TextField):
    """A place's story: Markdown (geotour.domain.stories), shown as clean HTML."""


class StopsField:
    """A route's stops in order: published site ids (a comma-separated string is accepted)."""


@dataclass(frozen=True)
class MinutesField:
    """A whole number of minutes, 0 to `most`."""

    most: int


@dataclass(frozen=True)
class CountField:
    """A whole number of people, 1 to `most`."""

    most: int


@dataclass(frozen=True)
class MomentField:
    """A day and time in WIB ("2027-01-15T19:00", as a phone's date-and-time field sends it), stored as
    "2027-01-15T19:00+07:00" (geotour.domain.events)."""

    required: bool = False


class PlaceField:
    """The id of a published attraction or business (whether it is one is the workflow's check)."""


FieldSpec = (
    TextField
    | PhoneField
    | ConsentField
    | FacilitiesField
    | CategoryField
    | RupiahField
    | ChoiceField
    | MinutesField
    | DateField
    | StopsField
    | CountField
    | MomentField
    | PlaceField
)
# {"row", "field", "message", "severity", …}: one problem as the API, the forms and the import preview show it
Problem = dict[str, Any]
# {"kind", …}: something a moderator should notice (a possible duplicate, where OSM has the place)
Notice = dict[str, Any]

COMMON: dict[str, FieldSpec] = {
    "name": TextField(120, required=True),
    "category": CategoryField(),
    "description_id": TextField(2000),
    "description_en": TextField(2000),
    "opening_hours": TextField(200),
}
ROUTE_DIFFICULTIES = {
    "easy": {"id": "Mudah", "en": "Easy"},
    "moderate": {"id": "Sedang", "en": "Moderate"},
    "hard": {"id": "Berat", "en": "Hard"},
}
MAX_ROUTE_MINUTES = 24 * 60
MAX_STOPS = 30
MAX_CAPACITY = 100_000
_SITE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
FIELDS: dict[str, dict[str, FieldSpec]] = {
    ATTRACTION: {
        **COMMON,
        "ticket_price": RupiahField(),
        "parking_fee": TextField(200),
        "boat_fare": TextField(300),
        "access_road": ChoiceField(ACCESS_ROADS),
        "walk_minutes": MinutesField(MAX_WALK_MINUTES),
        "access": TextField(1000),
        "facilities": FacilitiesField(),
        "status": ChoiceField(PLACE_STATUS),
        "status_until": DateField(STATUS_MOST_DAYS),
        "status_reason": TextField(300),
        "story_id": StoryField(STORY_MAX_LENGTH),
        "story_en": StoryField(STORY_MAX_LENGTH),
    },
    MSME: {
        **COMMON,
        "whatsapp": PhoneField(),
        "phone": PhoneField(),
        "price_range": TextField(200),
        "owner_consent": ConsentField(),
    },
    # A route's line comes from a recorded track (contributions.tracks), never typed in.
    ROUTE: {
        "name": TextField(120, required=True),
        "name_en": TextField(120),
        "category": CategoryField(),
        "difficulty": ChoiceField(ROUTE_DIFFICULTIES),
        "duration_min": MinutesField(MAX_ROUTE_MINUTES),
        "description_id": TextField(2000),
        "description_en": TextField(2000),
        "stops": StopsField(),
    },
    # Where an event is: a published place (place_id, its position taken from it) or a point on the map.
    EVENT: {
        "name": TextField(120, required=True),
        "name_en": TextField(120),
        "category": CategoryField(),
        "starts": MomentField(required=True),
        "ends": MomentField(required=True),
        "place_id": PlaceField(),
        "organiser": TextField(120, required=True),
        "description_id": TextField(2000),
        "description_en": TextField(2000),
        "ticket_price": RupiahField(),
        "price_note": TextField(200),
        "capacity": CountField(MAX_CAPACITY),
        "whatsapp": PhoneField(),
        "owner_consent": ConsentField(contacts=("whatsapp",)),
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
    "reported_on",
    "track",
)


def field_kinds(layer: Layer) -> dict[str, str]:
    """Return {field: input kind} for the layer's form: text, textarea, category, phone, consent, rupiah, choice,
    number or list."""
    kinds: dict[str, str] = {}
    for name, spec in FIELDS[layer.kind].items():
        if isinstance(spec, StoryField):
            kinds[name] = "story"
        elif isinstance(spec, TextField):
            kinds[name] = "textarea" if spec.max_length > 300 else "text"
        else:
            kinds[name] = {
                CategoryField: "category",
                PhoneField: "phone",
                ConsentField: "consent",
                RupiahField: "rupiah",
                ChoiceField: "choice",
                MinutesField: "number",
                CountField: "number",
                DateField: "date",
                StopsField: "stops",
                MomentField: "datetime",
                PlaceField: "place",
            }.get(type(spec), "list")
    return kinds


def field_choices(layer: Layer) -> dict[str, dict[str, dict[str, str]]]:
    """Return {field: {id: titles}} for the layer's fields that take one of a fixed set of values."""
    return {name: spec.choices for name, spec in FIELDS[layer.kind].items() if isinstance(spec, ChoiceField)}


def problem(
    field_name: str | None, message: str, row: int | None = None, severity: str = "error", **extra: Any
) -> Problem:
    """Return one problem as a plain dict (the shape used by the API, the forms and the import preview)."""
    return {"row": row, "field": field_name, "message": message, "severity": severity, **extra}


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


def check_text(
    name: str, value: Any, spec: TextField, row: int | None = None
) -> tuple[str | None, list[Problem]]:
    """Return (the text as stored, or None; [problems]) for one text field: required or not, and not too long."""
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


def _whole_number(value: Any) -> int | None:
    """Return a whole number as typed ("12", 12), or None (a word, a fraction, true/false)."""
    try:
        return int(str(value).strip()) if not isinstance(value, bool) else None
    except ValueError:
        return None


def _check_value(
    name: str, spec: FieldSpec, value: Any, layer: Layer, row: int | None
) -> tuple[Any, list[Problem]]:
    """Return (clean value or None, [problems]) for one field."""
    if isinstance(spec, TextField):
        return check_text(name, value, spec, row)
    if isinstance(spec, CategoryField):
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
    if isinstance(spec, PhoneField):
        if value in (None, ""):
            return None, []
        number = normalise_phone(value)
        if number is None:
            return None, [
                problem(name, _("Write a phone number such as 0812 3456 7890 or +62 812 3456 7890."), row)
            ]
        return number, []
    if isinstance(spec, RupiahField):
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
    if isinstance(spec, ChoiceField):
        if value in (None, ""):
            return None, []
        if value not in spec.choices:
            return None, [
                problem(name, _("Choose one of: %(allowed)s.", allowed=", ".join(spec.choices)), row)
            ]
        return value, []
    if isinstance(spec, DateField):
        if value in (None, ""):
            return None, []
        day = parse_day(value)
        today = datetime.now(WIB).date()
        if day is None or not today <= day <= today + timedelta(days=spec.most_days):
            return None, [
                problem(
                    name,
                    _(
                        "Write a day from today to %(n)d days ahead, such as %(example)s.",
                        n=spec.most_days,
                        example=today.isoformat(),
                    ),
                    row,
                )
            ]
        return day.isoformat(), []
    if isinstance(spec, MinutesField):
        if value in (None, ""):
            return None, []
        minutes = _whole_number(value)
        if minutes is None or not 0 <= minutes <= spec.most:
            return None, [
                problem(name, _("Write a whole number of minutes from 0 to %(most)d.", most=spec.most), row)
            ]
        return minutes, []
    if isinstance(spec, CountField):
        if value in (None, ""):
            return None, []
        count = _whole_number(value)
        if count is None or not 1 <= count <= spec.most:
            return None, [problem(name, _("Write a whole number from 1 to %(most)d.", most=spec.most), row)]
        return count, []
    if isinstance(spec, MomentField):
        if value in (None, ""):
            return None, [problem(name, _("This field is required."), row)] if spec.required else []
        moment = events.parse_moment(value) if isinstance(value, str) else None
        if moment is None:
            return None, [
                problem(
                    name,
                    _("Write a day and a time in WIB, such as %(example)s.", example="2027-01-15 19:00"),
                    row,
                )
            ]
        return events.stored(moment), []
    if isinstance(spec, PlaceField):
        if value in (None, ""):
            return None, []
        if not isinstance(value, str) or not _SITE_ID.match(value.strip()):
            return None, [
                problem(name, _("Choose a place on the map, or leave this empty and mark a point."), row)
            ]
        return value.strip(), []
    if isinstance(spec, ConsentField):
        if not _is_true(value):
            return None, [
                problem(
                    name,
                    _("Tick this to confirm that the owner agreed to publish these contact details."),
                    row,
                )
            ]
        return True, []
    if isinstance(spec, StopsField):
        return _check_stops(name, value, row)
    items = value if isinstance(value, list) else str(value or "").split(",")
    items = [text[:60] for text in (clean_text(item) for item in items) if text]
    if len(items) > MAX_FACILITIES:
        return None, [problem(name, _("At most %(n)d facilities.", n=MAX_FACILITIES), row)]
    return items or None, []


def _check_stops(name: str, value: Any, row: int | None) -> tuple[Any, list[Problem]]:
    """Return a route's stops as [{"site_id"}] in order, from ids or {"site_id"} objects (whether each is a
    published site is the workflow's check: this module reads no data)."""
    if value in (None, "", []):
        return None, []
    items = value if isinstance(value, list) else str(value).split(",")
    ids = [item.get("site_id") if isinstance(item, dict) else item for item in items]
    ids = [i.strip() if isinstance(i, str) else i for i in ids]
    if len(ids) > MAX_STOPS or not all(isinstance(i, str) and _SITE_ID.match(i) for i in ids):
        return None, [
            problem(name, _("List at most %(n)d stops, each the id of a place on the map.", n=MAX_STOPS), row)
        ]
    return [{"site_id": site_id} for site_id in ids], []


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
            if not isinstance(spec, (TextField, CategoryField, ConsentField)) or value is None:
                continue  # an edit keeps what it does not mention
        else:
            value = sent.get(name)
        if (
            isinstance(spec, ConsentField)
            and base_properties is not None
            and not {"whatsapp", "phone"} & set(sent)
        ):
            continue  # an edit that leaves the contact details alone needs no new consent
        if (
            isinstance(spec, ConsentField)
            and spec.contacts
            and not any(properties.get(c) for c in spec.contacts)
        ):
            properties.pop(name, None)
            continue  # no contact details to publish: nothing to consent to
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
