"""Events: when they happen (in WIB), which ones a date interval selects, and how a list of them is grouped
("this week", "this month", "later", "past"). Pure: no Flask, no I/O.

An event's `starts` and `ends` are stored as "YYYY-MM-DDTHH:MM+07:00": every one in WIB, written the same
way, so that comparing the texts (in SQL too) compares the moments.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from geotour.domain.visit import WIB

MOST_DAYS_AHEAD = 2 * 366  # an event starts at most two years ahead
MOST_DAYS_LONG = 92  # and lasts at most three months (a season's festival)
_STORED = "%Y-%m-%dT%H:%M%z"
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# What a phone's date-and-time field sends ("2027-01-15T19:00"), with seconds, or with an offset or Z
_MOMENT = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$", re.IGNORECASE
)
BUCKETS = ("week", "month", "later")
STORED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}\+07:00$")  # how every event's time is kept


def stored(moment: datetime) -> str:
    """Return a moment as an event stores it: in WIB, to the minute, "2027-01-15T19:00+07:00"."""
    text = moment.astimezone(WIB).strftime(_STORED)
    return f"{text[:-2]}:{text[-2:]}"


def parse_moment(value: object, end_of_day: bool = False) -> datetime | None:
    """Return the moment someone wrote, in WIB, or None when it is not one.

    A time without an offset is read in WIB (the geopark's time, whatever the phone's zone); a bare day is
    its first minute, or with end_of_day its last.
    """
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip() if isinstance(value, (str, date)) else ""
        if _DATE_ONLY.match(text):
            try:
                day = date.fromisoformat(text)
            except ValueError:
                return None
            return datetime.combine(day, time(23, 59) if end_of_day else time(0, 0), WIB)
        if not _MOMENT.match(text):
            return None
        try:
            moment = datetime.fromisoformat(text.upper().replace(" ", "T"))
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=WIB)
    return moment.astimezone(WIB).replace(second=0, microsecond=0)


class IntervalInvalid(ValueError):
    """A datetime parameter that is neither an instant nor an interval (OGC API Features, part 1, 7.15.4)."""


@dataclass(frozen=True)
class Interval:
    """A closed interval of moments; None at an end is open ("..")."""

    start: datetime | None
    end: datetime | None

    def bounds(self) -> tuple[str | None, str | None]:
        """Return the ends as stored texts: an event is in the interval when starts <= end and ends >= start."""
        return (stored(self.start) if self.start else None, stored(self.end) if self.end else None)

    def holds(self, props: Mapping[str, Any]) -> bool:
        """Return whether an event's time overlaps the interval (the same test as the storage's)."""
        low, high = self.bounds()
        starts, ends = props.get("starts"), props.get("ends")
        if not isinstance(starts, str) or not isinstance(ends, str):
            return False
        return (high is None or starts <= high) and (low is None or ends >= low)


def parse_interval(value: str) -> Interval:
    """Return the Interval an OGC `datetime` parameter names: an instant or a day ("2027-01-15"), or two
    of them joined by "/", either of which may be ".." or empty (open). A day as the end means all of it.
    """
    parts = value.strip().split("/")
    if len(parts) > 2 or not parts[0] and len(parts) == 1 or all(p.strip() in ("", "..") for p in parts):
        raise IntervalInvalid(value)
    if len(parts) == 1:
        start = parse_moment(parts[0])
        end = parse_moment(parts[0], end_of_day=True)
        if start is None or end is None:
            raise IntervalInvalid(value)
        if not _DATE_ONLY.match(parts[0].strip()):
            end = start
        return Interval(start, end)
    ends: list[datetime | None] = []
    for index, part in enumerate(parts):
        part = part.strip()
        if part in ("", ".."):
            ends.append(None)
            continue
        moment = parse_moment(part, end_of_day=index == 1)
        if moment is None:
            raise IntervalInvalid(value)
        ends.append(moment)
    start, end = ends
    if start is not None and end is not None and start > end:
        raise IntervalInvalid(value)
    return Interval(start, end)


def now_wib() -> datetime:
    """Return this minute in WIB."""
    return datetime.now(UTC).astimezone(WIB).replace(second=0, microsecond=0)


def upcoming(now: datetime | None = None) -> Interval:
    """Return the interval of events not yet over: from now on."""
    return Interval(now or now_wib(), None)


def is_past(props: Mapping[str, Any], now: datetime | None = None) -> bool:
    """Return whether an event is over."""
    ends = props.get("ends")
    return isinstance(ends, str) and ends < stored(now or now_wib())


def bucket_of(props: Mapping[str, Any], now: datetime | None = None) -> str:
    """Return where /events lists an event: "past", "week" (on now or in the next 7 days, or under way),
    "month" (by the end of the next 30 days) or "later"."""
    now = now or now_wib()
    if is_past(props, now):
        return "past"
    starts = str(props.get("starts") or "")
    if starts <= stored(now + timedelta(days=7)):
        return "week"
    if starts <= stored(now + timedelta(days=30)):
        return "month"
    return "later"


def grouped(events: Iterable[Mapping[str, Any]], now: datetime | None = None) -> dict[str, list[Any]]:
    """Return {bucket: events}: the coming ones soonest first, the past ones most recent first."""
    now = now or now_wib()
    groups: dict[str, list[Any]] = {name: [] for name in (*BUCKETS, "past")}
    for event in events:
        props = event.get("properties", event)
        groups[bucket_of(props, now)].append(event)
    for name in BUCKETS:
        groups[name].sort(key=lambda e: (e.get("properties", e)["starts"], e.get("properties", e)["ends"]))
    groups["past"].sort(key=lambda e: e.get("properties", e)["ends"], reverse=True)
    return groups


def read_moment(text: object) -> datetime | None:
    """Return a stored moment as a datetime in WIB, or None."""
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text).astimezone(WIB)
    except ValueError:
        return None
