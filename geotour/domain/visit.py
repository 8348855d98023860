"""Practical visit information: ticket price, opening hours, access and facilities. Pure functions.

Titles are {"id": ..., "en": ...} dicts, as in the layer catalogue: the page picks its language.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")
MAX_TICKET_IDR = 10_000_000
MAX_WALK_MINUTES = 600

# The facilities a visitor asks about first, with the words people write for them (folded, in either language).
FACILITIES = {
    "parking": (
        {"id": "Parkir", "en": "Parking"},
        ("parkir", "parking", "area parkir", "lahan parkir", "car park"),
    ),
    "toilet": (
        {"id": "Toilet", "en": "Toilets"},
        ("toilet", "toilets", "wc", "kamar mandi", "kamar kecil", "restroom"),
    ),
    "prayer_room": (
        {"id": "Musala", "en": "Prayer room"},
        ("musala", "mushola", "musholla", "mushalla", "musholah", "masjid", "prayer room", "mosque"),
    ),
    "food": (
        {"id": "Warung makan", "en": "Food stalls"},
        (
            "warung",
            "warung makan",
            "kantin",
            "rumah makan",
            "food",
            "food stall",
            "food stalls",
            "makan",
            "restaurant",
            "restoran",
            "kuliner",
        ),
    ),
}
# How the last stretch is reached: the choices a contributor picks from.
ACCESS_ROADS = {
    "car": {"id": "Bisa dengan mobil sampai dekat lokasi", "en": "By car to near the site"},
    "motorbike": {
        "id": "Hanya sepeda motor untuk bagian terakhir",
        "en": "Motorbike only for the last stretch",
    },
    "foot": {"id": "Bagian terakhir jalan kaki", "en": "Last stretch on foot"},
    "boat": {"id": "Dengan perahu", "en": "By boat"},
}
# Whether a place can be visited now: set by the office (or proposed by a member), with a reason and an end.
PLACE_STATUS = {
    "open": {"id": "Buka seperti biasa", "en": "Open as usual"},
    "closed": {"id": "Tutup", "en": "Closed"},
    "limited": {"id": "Terbatas", "en": "Limited"},
}
STATUS_MOST_DAYS = 366
FREE_WORDS = ("gratis", "free", "tidak dipungut biaya", "tanpa biaya")
_AMOUNT = re.compile(r"^(?:rp\.?|idr)?\s*(\d{1,3}(?:[.,\s]\d{3})+|\d+)(?:[.,]-|,00)?\s*(?:rupiah)?$")
_HOURS = re.compile(r"^(\d{1,2})[.:](\d{2})\s*[-–—]\s*(\d{1,2})[.:](\d{2})$")
ALL_DAY = ("24 jam", "24 hours", "24h", "24/7", "buka 24 jam", "open 24 hours")


def parse_rupiah(value: object) -> int | None:
    """Return a price in whole rupiah (0 for free) from 5000, "5000", "Rp 5.000", "Rp5,000" or "gratis"; or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_TICKET_IDR else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and 0 <= value <= MAX_TICKET_IDR else None
    if not isinstance(value, str):
        return None
    text = " ".join(value.strip().lower().split())
    if text in FREE_WORDS:
        return 0
    match = _AMOUNT.match(text)
    if not match:
        return None
    amount = int(re.sub(r"\D", "", match.group(1)))
    return amount if amount <= MAX_TICKET_IDR else None


@dataclass(frozen=True)
class Hours:
    """Opening hours as one daily span in minutes after midnight (close may pass midnight), or all day."""

    opens: int = 0
    closes: int = 24 * 60
    all_day: bool = False

    def is_open(self, at: datetime) -> bool:
        """Return whether the place is open at a datetime (read in WIB)."""
        if self.all_day:
            return True
        local = at.astimezone(WIB)
        minute = local.hour * 60 + local.minute
        if self.opens <= self.closes:
            return self.opens <= minute < self.closes
        return minute >= self.opens or minute < self.closes  # e.g. 18.00–02.00

    def label(self) -> str:
        """Return the span as written in Indonesia: "07.00–17.00"."""
        return "24/7" if self.all_day else f"{_hhmm(self.opens)}–{_hhmm(self.closes)}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60 % 24:02d}.{minutes % 60:02d}" if minutes < 24 * 60 else "24.00"


def parse_hours(text: object) -> Hours | None:
    """Return Hours from "07.00–17.00", "7:00 - 17:00" or "24 jam"; None when the text is anything else."""
    if not isinstance(text, str):
        return None
    cleaned = " ".join(text.strip().lower().split())
    if cleaned in ALL_DAY:
        return Hours(all_day=True)
    match = _HOURS.match(cleaned)
    if not match:
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59:
        return None
    opens, closes = h1 * 60 + m1, h2 * 60 + m2
    if opens == closes:
        return None
    return Hours(opens % (24 * 60), closes if closes == 24 * 60 else closes % (24 * 60))


def open_now(text: object, now: datetime | None = None) -> bool | None:
    """Return True/False for "open now" in WIB, or None when the hours are unknown or not in a form we read."""
    hours = parse_hours(text)
    if hours is None:
        return None
    return hours.is_open(now or datetime.now(WIB))


def facility_id(text: object) -> str | None:
    """Return the known facility a written word names ("Mushola" -> "prayer_room"), or None."""
    folded = " ".join(str(text).strip().lower().split())
    return next((key for key, (_title, words) in FACILITIES.items() if folded in words), None)


def sort_facilities(items: Iterable[object] | None) -> tuple[list[str], list[str]]:
    """Return (known facility ids in FACILITIES order, other texts as written) from a list of facilities."""
    known: set[str] = set()
    other: list[str] = []
    for item in items or ():
        key = facility_id(item)
        if key:
            known.add(key)
        elif str(item).strip():
            other.append(str(item).strip())
    return [key for key in FACILITIES if key in known], other


def parse_day(value: object) -> date | None:
    """Return a calendar day from "2026-12-05" (or a date), or None."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10]) if len(value.strip()) == 10 else None
    except ValueError:
        return None


def place_status(props: Mapping[str, Any], today: date | None = None) -> tuple[str, date | None]:
    """Return (status, until) as it stands today in WIB: "closed" or "limited" (until a day, or None: until
    the office says otherwise), else "open". A closure whose last day has passed is over by itself."""
    status = props.get("status")
    if status not in ("closed", "limited"):
        return "open", None
    until = parse_day(props.get("status_until"))
    if until is not None and until < (today or datetime.now(WIB).date()):
        return "open", None
    return str(status), until


# The practical fields a contributor reports; the page shows when each value was approved.
REPORTED_FIELDS = (
    "ticket_price",
    "parking_fee",
    "boat_fare",
    "opening_hours",
    "access_road",
    "walk_minutes",
    "access",
    "facilities",
    "status",
)


def with_reported_dates(
    before: Mapping[str, Any] | None, after: Mapping[str, Any], on: str
) -> dict[str, Any]:
    """Return `after`'s properties with `reported_on`: {field: date} for each practical field that holds a value,
    dated `on` (YYYY-MM-DD) when the value is new or changed since `before`, else keeping its earlier date."""
    earlier = (before or {}).get("reported_on")
    earlier = earlier if isinstance(earlier, dict) else {}
    dates: dict[str, str] = {}
    for field in REPORTED_FIELDS:
        value = after.get(field)
        if value is None or value == "" or value == []:
            continue
        if before is None or before.get(field) != value:
            dates[field] = on
        elif isinstance(earlier.get(field), str):
            dates[field] = earlier[field]
    properties = {k: v for k, v in after.items() if k != "reported_on"}
    if dates:
        properties["reported_on"] = dates
    return properties
