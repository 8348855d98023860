"""The figures that show what the map brought: counts per place and day (geotour.domain.counting) added up for
a period, for the office (every place) and for a KIM member (the businesses they added). Nothing here names
a visitor: there is nothing to name.

May import: geotour.domain, geotour.storage, geotour.errors. Never geotour.web.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from geotour.context import GeotourContext
from geotour.domain import counting
from geotour.domain.places import area_of
from geotour.errors import BadParameter

DEFAULT_DAYS = 28
MAX_DAYS = 400  # a period longer than a year and a month is asked in parts
TREND_WEEKS = 12
TOP_PLACES = 30
TOP_WORDS = 30
TOP_HOSTS = 20
#: what a place's row shows, in this order
PLACE_EVENTS = (
    counting.VIEW,
    counting.POPUP,
    counting.WHATSAPP,
    counting.CALL,
    counting.DIRECTIONS,
    counting.DOWNLOAD,
)


@dataclass(frozen=True)
class Period:
    """Days first..last, both included (WIB)."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def text(self) -> tuple[str, str]:
        return self.first.isoformat(), self.last.isoformat()


@dataclass
class PlaceRow:
    """One place's totals for the period, by event; `qr` is its page views from signboards."""

    id: str
    name: str
    layer: str
    area: str
    counts: dict[str, int] = field(default_factory=dict)
    qr: int = 0

    @property
    def contacts(self) -> int:
        return sum(self.counts.get(e, 0) for e in counting.CONTACT)

    @property
    def weight(self) -> int:
        return sum(self.counts.values())


def _day(text: object, name: str) -> date:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise BadParameter("%(name)s must be a day written YYYY-MM-DD", name, name=name) from None


def period(first: object, last: object, today: date | None = None) -> Period:
    """Return the period asked (from, to: YYYY-MM-DD); by default the last 28 days up to today (WIB)."""
    today = today or counting.today()
    end = _day(last, "to") if last else today
    start = _day(first, "from") if first else end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise BadParameter("from must be on or before to", "from")
    if (end - start).days + 1 > MAX_DAYS:
        raise BadParameter("a period may be at most %(days)d days long", "from", days=MAX_DAYS)
    return Period(start, end)


def month_period(month: object, today: date | None = None) -> Period:
    """Return a calendar month (YYYY-MM; by default the last whole month)."""
    today = today or counting.today()
    if not month:
        last = today.replace(day=1) - timedelta(days=1)
        return Period(last.replace(day=1), last)
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise BadParameter("month must be written YYYY-MM", "month") from None
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(first, following - timedelta(days=1))


def _places(ctx: GeotourContext, ids: Iterable[str]) -> dict[str, PlaceRow]:
    rows = {}
    for place_id in ids:
        if not place_id:
            continue
        feature = ctx.storage.get_feature(place_id)
        props = feature["properties"] if feature is not None else {}
        rows[place_id] = PlaceRow(
            id=place_id,
            name=str(props.get("name") or place_id),
            layer=str(props.get("layer") or ""),
            area=area_of(props) if props else "",
        )
    return rows


def place_rows(ctx: GeotourContext, span: Period, only: Sequence[str] | None = None) -> list[PlaceRow]:
    """Return each place's totals for the period (only those places, when given), the busiest first."""
    where: dict[str, Sequence[str]] = {"event": PLACE_EVENTS}
    if only is not None:
        where["place"] = only
    totals = ctx.storage.count_totals(*span.text(), ("place", "event", "source"), where)
    rows = _places(ctx, {str(t[0]) for t in totals} | set(only or ()))
    for place, event, source, n in totals:
        row = rows.get(str(place))
        if row is None:
            continue
        row.counts[str(event)] = row.counts.get(str(event), 0) + int(n)
        if event == counting.VIEW and source == counting.QR:
            row.qr += int(n)
    return sorted(rows.values(), key=lambda r: (-r.weight, r.name))


def weekly(
    ctx: GeotourContext, last_day: date, only: Sequence[str] | None = None, weeks: int = TREND_WEEKS
) -> list[dict[str, Any]]:
    """Return the last `weeks` weeks (Monday to Sunday) up to the one holding last_day: per week its first
    day, views (pages, the map, popups) and contact taps (WhatsApp, call, directions)."""
    monday = last_day - timedelta(days=last_day.weekday())
    start = monday - timedelta(weeks=weeks - 1)
    where: dict[str, Sequence[str]] = {}
    if only is not None:
        where["place"] = only
    totals = ctx.storage.count_totals(
        start.isoformat(), (monday + timedelta(days=6)).isoformat(), ("day", "event"), where
    )
    views, contacts = [0] * weeks, [0] * weeks
    for day, event, n in totals:
        index = (date.fromisoformat(str(day)) - start).days // 7
        if event in (counting.VIEW, counting.POPUP):
            views[index] += int(n)
        elif event in counting.CONTACT:
            contacts[index] += int(n)
    return [
        {"week": start + timedelta(weeks=i), "views": views[i], "contacts": contacts[i]} for i in range(weeks)
    ]


def _sum_by(rows: Iterable[tuple[str | int, ...]]) -> dict[str, int]:
    found: dict[str, int] = defaultdict(int)
    for key, n in rows:
        found[str(key)] += int(n)
    return dict(found)


def office(ctx: GeotourContext, span: Period) -> dict[str, Any]:
    """Return everything /admin/figures shows for the period."""
    first, last = span.text()
    storage = ctx.storage
    places = place_rows(ctx, span)
    areas: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in places:
        for event, n in row.counts.items():
            areas[row.area or ""][event] += n
    return {
        "period": span,
        "totals": _sum_by(storage.count_totals(first, last, ("event",))),
        "map_views": _sum_by(
            storage.count_totals(first, last, ("source",), {"event": [counting.VIEW], "place": [""]})
        ),
        "sources": _sum_by(storage.count_totals(first, last, ("source",), {"event": [counting.VIEW]})),
        "hosts": storage.count_totals(
            first, last, ("detail",), {"event": [counting.VIEW], "source": [counting.EMBED]}, TOP_HOSTS
        ),
        "missed": storage.count_totals(
            first, last, ("detail",), {"event": [counting.SEARCH_EMPTY]}, TOP_WORDS
        ),
        "places": places[:TOP_PLACES],
        "areas": {area: dict(events) for area, events in sorted(areas.items())},
        "weeks": weekly(ctx, span.last),
    }


def csv_rows(ctx: GeotourContext, span: Period) -> Iterable[Mapping[str, Any]]:
    """Return every count of the period, a row per day, place, event, source and detail, with the place's name."""
    totals = ctx.storage.count_totals(*span.text(), ("day", "place", "event", "source", "detail"))
    names = _places(ctx, {str(t[1]) for t in totals})
    for day, place, event, source, detail, n in sorted(
        totals, key=lambda t: (str(t[0]), str(t[1]), str(t[2]))
    ):
        row = names.get(str(place))
        yield {
            "day": day,
            "place": place,
            "name": row.name if row else "",
            "event": event,
            "source": source,
            "detail": detail,
            "count": n,
        }
