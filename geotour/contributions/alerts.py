"""The office's alerts to visitors (issue 29, part 1): posted by a moderator, shown as a banner on the map and
on every page they concern, in the API and an Atom feed, and ended by themselves at their end time.

Times are typed in WIB ("2026-12-05T17:00", as a phone's date-time field sends them) or given with a zone
("...Z", "+07:00"); they are stored in UTC.
"""

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import shapely
from shapely.geometry import shape

from geotour.contributions import accounts
from geotour.contributions.field_rules import Problem, TextField, check_text, problem
from geotour.domain.features import Geometry, finite_number
from geotour.domain.geopark_area import GeoparkArea
from geotour.domain.moments import utc_text
from geotour.domain.visit import WIB
from geotour.errors import Forbidden, NotFound, ValidationFailed
from geotour.storage import Storage
from geotour.storage.records import Alert, NewAlert, User
from geotour.text import gettext as _

LEVELS = ("info", "warning", "danger")
MAX_TITLE = 120
MAX_TEXT = 1000
MAX_PLACES = 50
MAX_AREA_POINTS = 200  # a few hundred taps at most: a coast, a valley, a road's slopes
LONGEST = timedelta(days=366)  # an alert ends by itself: within a year at the latest
LONGEST_SEASONAL = timedelta(days=5 * 366)  # a seasonal note recurs: a few years at the most


def parse_time(value: object) -> datetime | None:
    """Return the moment a typed time means (WIB when it names no zone), or None when it is not a time."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace(" ", "T", 1)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=WIB)


def _place_ids(value: object) -> list[str] | None:
    if value is None or value == "":
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        return None
    return list(dict.fromkeys(i.strip() for i in items if i.strip()))


def _months(value: object) -> list[int] | None:
    if value is None or value == "" or value == []:
        return []
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list):
        return None
    months = []
    for item in items:
        try:
            month = int(str(item).strip())
        except ValueError:
            return None
        if not 1 <= month <= 12 or isinstance(item, bool):
            return None
        months.append(month)
    return sorted(set(months))


def _polygon(value: object) -> Geometry | None:
    """Return the GeoJSON Polygon (one ring, closed) a value holds, as JSON text or an object, or None."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return None
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict) or value.get("type") != "Polygon":
        return None
    rings = value.get("coordinates")
    if not isinstance(rings, list) or len(rings) != 1 or not isinstance(rings[0], list):
        return None
    ring = []
    for position in rings[0]:
        if not (
            isinstance(position, list)
            and len(position) == 2
            and all(finite_number(v) for v in position)
            and -180 <= position[0] <= 180
            and -90 <= position[1] <= 90
        ):
            return None
        ring.append([round(float(position[0]), 6), round(float(position[1]), 6)])
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def check_area(value: object, geopark: GeoparkArea | None) -> tuple[Geometry | None, list[Problem]]:
    """Return (the area as stored, or None when none was drawn; [problems]) for an alert's drawn area."""
    if value in (None, "", {}):
        return None, []
    polygon = _polygon(value)
    if polygon is None:
        return None, [problem("area", _("The area must be a polygon drawn on the map (GeoJSON, lon/lat)."))]
    ring = polygon["coordinates"][0]
    if len({tuple(p) for p in ring}) < 3:
        return None, [problem("area", _("Draw the area with at least three points."))]
    if len(ring) - 1 > MAX_AREA_POINTS:
        return None, [problem("area", _("Draw the area with at most %(n)d points.", n=MAX_AREA_POINTS))]
    if not shapely.is_valid(shape(polygon)):
        return None, [
            problem("area", _("The area's edges cross each other; draw it again, going round once."))
        ]
    if geopark is not None:
        inside, of_geopark = geopark.share(polygon)
        if inside <= 0:
            return None, [problem("area", _("The area is outside the geopark."))]
        if of_geopark > 0.9:
            return None, [
                problem(
                    "area",
                    _(
                        "The area covers the geopark: choose no place and draw nothing, for the whole geopark."
                    ),
                )
            ]
    return polygon, []


def check_alert(
    sent: Mapping[str, Any],
    is_place: Callable[[str], bool],
    now: datetime,
    geopark: GeoparkArea | None = None,
) -> tuple[NewAlert | None, list[Problem]]:
    """Return (the alert, []) or (None, the problems, each naming its field) for what the office sent."""
    problems: list[Problem] = []
    texts: dict[str, str] = {}
    for name, longest in (
        ("title_id", MAX_TITLE),
        ("title_en", MAX_TITLE),
        ("text_id", MAX_TEXT),
        ("text_en", MAX_TEXT),
    ):
        text, found = check_text(name, sent.get(name), TextField(longest, required=True))
        problems += found
        texts[name] = text or ""
    level = sent.get("level")
    if level not in LEVELS:
        problems.append(problem("level", _("Choose a level: %(allowed)s.", allowed=", ".join(LEVELS))))
    places = _place_ids(sent.get("place_ids"))
    if places is None:
        problems.append(problem("place_ids", _("Places are a list of place ids.")))
    elif len(places) > MAX_PLACES:
        problems.append(problem("place_ids", _("At most %(n)d places per alert.", n=MAX_PLACES)))
    else:
        unknown = [p for p in places if not is_place(p)]
        if unknown:
            problems.append(
                problem(
                    "place_ids", _("No attraction, business or route has the id %(id)s.", id=unknown[0][:60])
                )
            )
    area, found = check_area(sent.get("area"), geopark)
    problems += found
    months = _months(sent.get("months"))
    if months is None:
        problems.append(problem("months", _("Months are numbers from 1 (January) to 12 (December).")))
    lasts_at_most = LONGEST_SEASONAL if months else LONGEST
    starts = parse_time(sent.get("starts_at")) if sent.get("starts_at") not in (None, "") else now
    ends = parse_time(sent.get("ends_at"))
    if starts is None:
        problems.append(problem("starts_at", _("Write a date and time, such as 2026-12-05T07:00 (WIB).")))
    if ends is None:
        problems.append(problem("ends_at", _("Write when the alert ends, such as 2026-12-05T17:00 (WIB).")))
    elif ends <= now:
        problems.append(problem("ends_at", _("The end is already past: an alert must still be running.")))
    elif starts is not None and ends <= starts:
        problems.append(problem("ends_at", _("The end must come after the start.")))
    elif starts is not None and ends - starts > lasts_at_most:
        message = (
            _("A seasonal note lasts at most five years; post a new one after that.")
            if months
            else _("An alert lasts at most a year; post a new one after that.")
        )
        problems.append(problem("ends_at", message))
    if problems or starts is None or ends is None or places is None or months is None:
        return None, problems
    return {
        "level": str(level),
        "title_id": texts["title_id"],
        "title_en": texts["title_en"],
        "text_id": texts["text_id"],
        "text_en": texts["text_en"],
        "place_ids": places,
        "area": area,
        "months": months,
        "starts_at": utc_text(starts),
        "ends_at": utc_text(ends),
    }, []


def post_alert(
    storage: Storage,
    user: User,
    sent: Mapping[str, Any],
    is_place: Callable[[str], bool],
    geopark: GeoparkArea | None = None,
) -> Alert:
    """Keep an alert a moderator posts (or raise ValidationFailed naming each field at fault); return it."""
    if not accounts.can_moderate(user):
        raise Forbidden("only the tourism office posts alerts")
    alert, problems = check_alert(sent, is_place, datetime.now(UTC), geopark)
    if alert is None:
        raise ValidationFailed(_("The alert has problems; each one says what to fix."), problems)
    return require_alert(storage, storage.add_alert(alert, user["id"]))


def withdraw(storage: Storage, user: User, alert_id: int) -> Alert:
    """End an alert now (it stays in the office's list); return it."""
    if not accounts.can_moderate(user):
        raise Forbidden("only the tourism office withdraws alerts")
    require_alert(storage, alert_id)
    storage.withdraw_alert(alert_id)
    return require_alert(storage, alert_id)


def require_alert(storage: Storage, alert_id: int) -> Alert:
    """Return one alert, or raise NotFound."""
    found = storage.get_alert(alert_id)
    if found is None:
        raise NotFound(_("There is no alert %(id)s.", id=alert_id), "id")
    return found


def current(storage: Storage, now: datetime | None = None) -> list[Alert]:
    """Return the alerts a visitor may still need: running now or starting later, not withdrawn."""
    return storage.alerts(ending_after=utc_text(now or datetime.now(UTC)))


def running(alert: Alert, at: datetime) -> bool:
    """Return whether an alert is shown at a moment (a seasonal note: only in its months, in WIB)."""
    in_season = not alert["months"] or at.astimezone(WIB).month in alert["months"]
    return (
        alert["withdrawn_at"] is None and alert["starts_at"] <= utc_text(at) < alert["ends_at"] and in_season
    )
