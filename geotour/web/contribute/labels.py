"""Words people see for field names, submission statuses, actions, roles, layers, categories and times
(template helpers for the contribution and moderation pages)."""

import re
from datetime import UTC, date, datetime
from typing import Any

from flask import Flask
from flask_babel import format_date, format_time, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from geotour.context import current as _ctx
from geotour.domain import stories


def _labels() -> dict[str, Any]:
    return {
        "name": _l("Name"),
        "name_en": _l("Name (English)"),
        "starts": _l("Starts"),
        "ends": _l("Ends"),
        "place_id": _l("Held at (a place on the map)"),
        "organiser": _l("Organiser"),
        "price_note": _l("About the price"),
        "capacity": _l("Places (how many people)"),
        "difficulty": _l("Difficulty"),
        "duration_min": _l("Time, in minutes"),
        "stops": _l("Stops"),
        "track": _l("Track"),
        "category": _l("Category"),
        "description_id": _l("Description (Indonesian)"),
        "description_en": _l("Description (English)"),
        "access": _l("How to get there (notes)"),
        "access_road": _l("Road to the site"),
        "walk_minutes": _l("Minutes of walking from the parking"),
        "coord_verified": _l("Position checked on site"),
        "verify": _l("Position checked on site"),
        "partner": _l("Geopark partner"),
        "opening_hours": _l("Opening hours"),
        "ticket_price": _l("Entrance ticket price (HTM)"),
        "parking_fee": _l("Parking fee"),
        "boat_fare": _l("Boat trip and fare"),
        "reported_on": _l("Reported on"),
        "status": _l("Can it be visited now?"),
        "status_until": _l("Closed or limited until (last day)"),
        "status_reason": _l("Why (closed or limited)"),
        "title_id": _l("Title (Indonesian)"),
        "title_en": _l("Title (English)"),
        "text_id": _l("Text (Indonesian)"),
        "text_en": _l("Text (English)"),
        "level": _l("Level"),
        "place_ids": _l("Places"),
        "starts_at": _l("Starts"),
        "ends_at": _l("Ends"),
        "months": _l("Only in these months"),
        "area": _l("Area"),
        "text": _l("Text"),
        "position": _l("Position"),
        "photo": _l("Photo"),
        "story_id": _l("Story (Indonesian)"),
        "story_en": _l("Story (English)"),
        "facilities": _l("Facilities"),
        "whatsapp": _l("WhatsApp"),
        "phone": _l("Phone"),
        "price_range": _l("Price range"),
        "owner_consent": _l("Owner's consent"),
        "geometry": _l("Location"),
        "location": _l("Location"),
        "photos": _l("Photos"),
        "file": _l("File"),
        "layer": _l("Layer"),
        "reason": _l("Reason"),
        "coord_confidence": _l("How sure the position is"),
        "granted": _l("Granted on"),
        "expires": _l("Expires on"),
        "criteria": _l("Criteria"),
        "coord_uncertainty_m": _l("Position uncertainty (m)"),
        "coord_checked_at": _l("Position checked on"),
        "coord_previous": _l("Previous position"),
        "coord_source": _l("Source of the position"),
        "name_alt": _l("Other names"),
        "desa": _l("Village"),
        "kecamatan": _l("District"),
        "coord_checked_on_site": _l("Position to be marked checked"),
        "by": _l("by"),
        "at": _l("on"),
        "method": _l("how"),
        "coord_osm_id": _l("Position from OpenStreetMap"),
        "osm_id": _l("OpenStreetMap object"),
        "pending": _l("Waiting for review"),
        "approved": _l("Approved"),
        "rejected": _l("Rejected"),
        "create": _l("New place"),
        "edit": _l("Correction"),
        "delete": _l("Removal"),
        "seed": _l("Loaded from file"),
        "revert": _l("Revert"),
        "contributor": _l("Contributor"),
        "moderator": _l("Moderator"),
        "admin": _l("Administrator"),
    }


def _word(key: str) -> str:
    """Return the label of a field, role, status or action in the page's language (the key when unknown)."""
    return str(_labels().get(key, key))


def role_label(role: str) -> str:
    """Return a role in words ("Kontributor", not "contributor")."""
    return _word(role)


def layer_label(layer_id: str) -> str:
    """Return a layer's title in the page's language (its id when the catalogue has no such layer)."""
    layer = _ctx().catalogue.get(layer_id)
    return layer.title[str(get_locale())] if layer else layer_id


def category_label(layer_id: str, category_id: str | None) -> str:
    """Return a category's title in the page's language (as sent when the layer has no such category)."""
    layer = _ctx().catalogue.get(layer_id)
    found = layer.category(category_id) if layer else None
    return found.title[str(get_locale())] if found else (category_id or "")


def version_note(note: str | None) -> str:
    """Return a version's stored note (written in English by the workflow) in the page's language."""
    if not note:
        return ""
    reverted = re.fullmatch(r"revert to version (\d+)", note)
    if reverted:
        return _("Earlier version %(n)s published again", n=reverted.group(1))
    until = re.fullmatch(r"partner label until (\d{4}-\d{2}-\d{2})", note)
    if until:
        return _("Geopark partner label until %(day)s", day=local_day(until.group(1)))
    known = {
        "position checked on site": _l("Position checked on site"),
        "no longer in the seed file": _l("No longer in the seed file"),
        "edited by the moderator before approval": _l("Edited by the moderator before approval"),
        "partner label withdrawn": _l("Geopark partner label withdrawn"),
    }
    return str(known.get(note, note))


def local_time(stamp: datetime | str | None) -> str:
    """Return a stored UTC instant ("2026-11-29T01:37:00Z") as people read it: "29 Nov 2026, 08.37 WIB"."""
    if not stamp:
        return "–"
    moment = (
        stamp if isinstance(stamp, datetime) else datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    # Flask-Babel converts to BABEL_DEFAULT_TIMEZONE (Asia/Jakarta), which is WIB all year.
    return _("%(date)s, %(time)s WIB", date=format_date(moment, "medium"), time=format_time(moment, "short"))


def local_date(stamp: str) -> str:
    """Return the day (in WIB) of a stored UTC instant: "3 Des 2026"."""
    moment = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    return format_date(moment, "medium")


def local_day(day: str | date) -> str:
    """Return a calendar day ("2027-12-02", already in WIB) as people read it: "2 Des 2027"."""
    return format_date(day if isinstance(day, date) else date.fromisoformat(str(day)), "medium")


UTC_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|\+00:00)")


def field_label(name: str) -> str:
    """Return the label people see for a field name (the name itself when it has none)."""
    return _word(name)


def status_label(status: str) -> str:
    """Return a submission status in words."""
    return _word(status)


def action_label(action: str) -> str:
    """Return a submission or version action in words."""
    return _word(action)


def show_value(value: Any) -> str:
    """Return a property value as short text for the diff tables: a stored UTC instant in WIB, yes or no in
    words, an object as "key: value" pairs."""
    if value is None or value == [] or value == "":
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str) and UTC_INSTANT.fullmatch(value):
        return local_time(value)
    if isinstance(value, dict):
        return "; ".join(f"{field_label(k)}: {show_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(show_value(v) for v in value)
    return str(value)


def outbox_strings() -> dict[str, str]:
    """Return what the outbox and the contribution form say on the phone, in the page's language."""
    return {
        "waiting_one": _l("1 submission is waiting for signal on this phone."),
        "waiting_many": _l("%(n)s submissions are waiting for signal on this phone.", n="__N__"),
        "failed": _l("Not sent: %(reason)s", reason="__REASON__"),
        "kept": _l("Saved on this phone. It will be sent by itself when there is signal."),
        "sending": _l("Sending…"),
        "sending_photo": _l(
            "Sending photo %(i)s of %(n)s: %(percent)s%%", i="__I__", n="__N__", percent="__P__"
        ),
        "preparing": _l("Preparing photos…"),
        "sent": _l("Sent: waiting for review by the tourism office."),
        "retry": _l("Try again"),
        "remove": _l("Delete"),
        "remove_confirm": _l("Delete this submission from the phone? It has not been sent."),
        "no_location": _l("Choose the location: tap the map, use your location, or add a photo taken there."),
        "from_gps": _l("Location from GPS (±%(m)s m)", m="__M__"),
        "from_photo": _l("Location from the photo"),
        "placed": _l("Location set on the map"),
        "locating": _l("Finding your location…"),
        "gps_failed": _l("Your location is not available. Tap the map instead."),
        "unnamed": _l("(no name)"),
        "too_large": _l("it is larger than we accept. Send smaller photos, or fewer at a time."),
        "refused": _l("the server refused it (code %(status)s). Try again later.", status="__STATUS__"),
        "unknown_owner": _l(
            "it was saved on this phone before we noted who wrote it. Send it only if it is yours."
        ),
        "send_as_mine": _l("It is mine: send it"),
    }


def story_placeholder(field: str, layer_id: str) -> str:
    """Return the empty sections a story field starts from, in its own language (story_id: Indonesian)."""
    return stories.template(field.rsplit("_", 1)[-1], cultural=layer_id == "cultural_sites")


def month_names() -> list[tuple[int, str]]:
    """Return [(1, "Januari"), …] in the page's language."""
    return [(month, format_date(date(2026, month, 1), "MMMM")) for month in range(1, 13)]


def level_label(level: str) -> str:
    """Return an alert's level in the page's language."""
    return {"info": _("Information"), "warning": _("Warning"), "danger": _("Danger")}.get(level, level)


def report_category_label(category: str) -> str:
    """Return a visitor report's category in the page's language."""
    return {
        "path_damaged": _("Path damaged"),
        "dangerous_spot": _("Dangerous spot"),
        "litter": _("Litter"),
        "signboard_broken": _("Signboard broken"),
        "closed": _("Closed"),
        "wrong_information": _("Wrong information"),
        "other": _("Other"),
    }.get(category, category)


def report_status_label(status: str) -> str:
    """Return a visitor report's status in the page's language."""
    return {
        "new": _("Received"),
        "seen": _("Seen, being handled"),
        "fixed": _("Fixed"),
        "not_a_problem": _("Not a problem"),
    }.get(status, status)


HELPERS = (
    level_label,
    report_category_label,
    report_status_label,
    story_placeholder,
    role_label,
    layer_label,
    category_label,
    version_note,
    local_time,
    local_date,
    local_day,
    field_label,
    status_label,
    action_label,
    show_value,
    outbox_strings,
)


def init_app(app: Flask) -> None:
    """Give every template these helpers."""
    for helper in HELPERS:
        app.add_template_global(helper)
