"""The geopark's events for visitors: the list ("this week", "this month", "later", and the ones just past), one
event's page (when, where, who organises it, the price, booking by WhatsApp, schema.org Event JSON-LD), its
ICS file, and the calendar feed the office's site subscribes to. Past events leave the map (the layer's API
answers only those not over) but keep their pages."""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import icalendar
from babel.numbers import format_decimal
from flask import Blueprint, Response, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, format_time
from flask_babel import gettext as _

from geotour.context import current as _ctx
from geotour.domain import events, places
from geotour.domain.features import Feature
from geotour.domain.layers import EVENT
from geotour.domain.visit import WIB
from geotour.errors import NotFound
from geotour.web.pages import place_facts
from geotour.web.pages.route_pages import download

bp = Blueprint("events_pages", __name__)
PAST_LISTED = 20  # on /events: the most recent past events, each keeping its page
FEED_PAST_DAYS = 90  # the calendar feed keeps an event this long after it ends
FEED_MAX_AGE_S = 900  # a calendar app asks again every few hours; a proxy may keep it this long
FILE_MAX_AGE_S = 300


def require_event(event_id: str) -> Feature:
    """Return the published event with this id, or raise NotFound (a page)."""
    feature = _ctx().storage.get_feature(event_id)
    layer = _ctx().catalogue.get(feature["properties"]["layer"]) if feature else None
    if feature is None or layer is None or layer.kind != EVENT:
        raise NotFound(_("No event with this id."), "id")
    return feature


def _when(starts: datetime, ends: datetime) -> str:
    """Return "Saturday, 16 January 2027, 19.00–22.00 WIB", or both days when it spans several."""
    if starts.date() == ends.date():
        return _(
            "%(day)s, %(start)s–%(end)s WIB",
            day=format_date(starts, "full"),
            start=format_time(starts, "short"),
            end=format_time(ends, "short"),
        )
    return _(
        "%(start_day)s %(start)s to %(end_day)s %(end)s WIB",
        start_day=format_date(starts, "medium"),
        start=format_time(starts, "short"),
        end_day=format_date(ends, "medium"),
        end=format_time(ends, "short"),
    )


def _place(props: Mapping[str, Any]) -> dict[str, Any] | None:
    """Return the published place an event is held at (name, page), or None: a point, or a place since gone."""
    place_id = props.get("place_id")
    feature = _ctx().storage.get_feature(place_id) if isinstance(place_id, str) else None
    layer = _ctx().catalogue.get(feature["properties"]["layer"]) if feature else None
    if feature is None or layer is None:
        return None
    return {
        "id": feature["id"],
        "name": feature["properties"]["name"],
        "url": place_facts.page_url(layer.kind, feature["id"]),
    }


def event_when(feature: Feature, now: datetime | None = None) -> dict[str, Any]:
    """Return an event's name in the page's language, when it is (WIB) and whether it is over: what a list
    of events from several places (a trip) shows of each."""
    props = feature["properties"]
    starts, ends = events.read_moment(props.get("starts")), events.read_moment(props.get("ends"))
    assert starts is not None and ends is not None  # a stored event has both (field_rules.MomentField)
    return {
        "name": (props.get("name_en") if place_facts.lang() == "en" else None) or props["name"],
        "starts": starts,
        "ends": ends,
        "when": _when(starts, ends),
        "past": events.is_past(props, now),
    }


def event_view(feature: Feature, now: datetime | None = None) -> dict[str, Any]:
    """Return what the event templates show: place_facts (name, links, category) with its time, place,
    organiser, price and capacity, in the page's language; times in WIB."""
    props = feature["properties"]
    facts = place_facts.place_facts(feature)
    lang = place_facts.lang()
    price = props.get("ticket_price")
    capacity = props.get("capacity")
    return {
        **facts,
        **event_when(feature, now),
        "title_id": props["name"],
        "bucket": events.bucket_of(props, now),
        "place": _place(props),
        "organiser": props.get("organiser") or "",
        "price": place_facts.format_rupiah(int(price)) if isinstance(price, int) else None,
        "price_note": props.get("price_note") or "",
        "capacity": format_decimal(capacity, locale=lang) if isinstance(capacity, int) else None,
        "ticket_price": price if isinstance(price, int) else None,
        "capacity_value": capacity if isinstance(capacity, int) else None,
        "ics": url_for("events_pages.event_ics", event_id=feature["id"]),
    }


@bp.get("/events")
def event_list() -> ResponseReturnValue:
    """List the events: this week (under way included), this month, later; then the most recent past ones."""
    now = events.now_wib()
    features = places.features_of_kind(_ctx().storage, _ctx().catalogue, EVENT)
    groups = events.grouped(features, now)
    views = {name: [event_view(f, now) for f in found] for name, found in groups.items()}
    views["past"] = views["past"][:PAST_LISTED]
    return render_template(
        "events.html",
        groups=views,
        coming=sum(len(views[name]) for name in events.BUCKETS),
        feed=url_for("events_pages.event_feed", _external=True),
    )


@bp.get("/events/<event_id>")
def event(event_id: str) -> ResponseReturnValue:
    """Show one event: when (WIB), where, who organises it, the price and places, booking by WhatsApp, a
    calendar file; a past one says it is over."""
    feature = require_event(event_id)
    view = event_view(feature)
    canonical = url_for("events_pages.event", event_id=event_id, lang=None, _external=True)
    return render_template("event.html", event=view, canonical=canonical, json_ld=_json_ld(view, canonical))


def _json_ld(view: Mapping[str, Any], canonical: str) -> dict[str, Any]:
    """Return schema.org Event JSON-LD: the time with its offset, the place, the organiser and the price."""
    place: dict[str, Any] = {
        "@type": "Place",
        "name": view["place"]["name"] if view["place"] else view["name"],
        "geo": {"@type": "GeoCoordinates", "latitude": view["lat"], "longitude": view["lon"]},
        "address": {
            "@type": "PostalAddress",
            **({"addressLocality": view["village"]} if view["village"] else {}),
            "addressRegion": "Jawa Barat",
            "addressCountry": "ID",
        },
    }
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": view["name"],
        "startDate": view["starts"].isoformat(),
        "endDate": view["ends"].isoformat(),
        "eventStatus": "https://schema.org/EventScheduled",
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "location": place,
        "url": canonical,
        "inLanguage": place_facts.lang(),
    }
    if view["description"]:
        data["description"] = view["description"]
    if view["organiser"]:
        data["organizer"] = {"@type": "Organization", "name": view["organiser"]}
    if view["ticket_price"] is not None:
        data["offers"] = {
            "@type": "Offer",
            "price": view["ticket_price"],
            "priceCurrency": "IDR",
            "url": canonical,
        }
    if view["capacity_value"] is not None:
        data["maximumAttendeeCapacity"] = view["capacity_value"]
    return data


def _calendar(name: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Geotour//Ciletuh-Palabuhanratu UNESCO Global Geopark//ID")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Jakarta")
    return calendar


def _vevent(feature: Feature, stamp: datetime) -> icalendar.Event:
    """Return one event as iCalendar: its time in Asia/Jakarta, where, and the page to read the rest."""
    view = event_view(feature)
    page = url_for("events_pages.event", event_id=feature["id"], lang=None, _external=True)
    entry = icalendar.Event()
    entry.add("uid", f"{feature['id']}@{urlsplit(page).hostname}")
    entry.add("dtstamp", stamp)
    entry.add("dtstart", view["starts"].astimezone(WIB))
    entry.add("dtend", view["ends"].astimezone(WIB))
    entry.add("summary", view["name"])
    lines = [view["description"]] if view["description"] else []
    if view["organiser"]:
        lines.append(_("Organiser: %(name)s", name=view["organiser"]))
    if view["price"]:
        lines.append(
            _("Price: %(price)s", price=view["price"])
            + (f" ({view['price_note']})" if view["price_note"] else "")
        )
    lines.append(page)
    entry.add("description", "\n\n".join(lines))
    where = view["place"]["name"] if view["place"] else ""
    entry.add("location", ", ".join(p for p in (where, view["village"], "Sukabumi") if p))
    entry.add("geo", (view["lat"], view["lon"]))
    entry.add("url", page)
    if view["category_title"]:
        entry.add("categories", [view["category_title"]])
    entry.add("status", "CONFIRMED")
    return entry


def _ics(calendar: icalendar.Calendar, filename: str, max_age: int) -> Response:
    calendar.add_missing_timezones()
    response = download(calendar.to_ical(), "text/calendar", filename)
    response.cache_control.max_age = max_age
    return response


@bp.get("/events/<event_id>.ics")
def event_ics(event_id: str) -> Response:
    """Download one event for a phone's calendar (iCalendar, RFC 5545)."""
    feature = require_event(event_id)
    calendar = _calendar(_("Ciletuh-Palabuhanratu Geopark events"))
    calendar.add_component(_vevent(feature, datetime.now(UTC).replace(microsecond=0)))
    return _ics(calendar, f"{feature['id']}.ics", FILE_MAX_AGE_S)


@bp.get("/events.ics")
def event_feed() -> Response:
    """The calendar feed a website or a calendar app subscribes to: every event not over, and the ones that
    ended in the last FEED_PAST_DAYS days."""
    since = events.now_wib() - timedelta(days=FEED_PAST_DAYS)
    stamp = datetime.now(UTC).replace(microsecond=0)
    calendar = _calendar(_("Ciletuh-Palabuhanratu Geopark events"))
    calendar.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    for feature in places.features_of_kind(_ctx().storage, _ctx().catalogue, EVENT):
        if events.Interval(since, None).holds(feature["properties"]):
            calendar.add_component(_vevent(feature, stamp))
    return _ics(calendar, "geotour-events.ics", FEED_MAX_AGE_S)
