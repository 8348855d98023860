"""What Geotour counts, and how, without tracking anyone. Pure rules, no web framework.

A count is one number per (day in WIB, place, event, source, detail): never who, never an address, a cookie
or a fingerprint. The place is a feature id, or "" for the map as a whole (and for searches). The source says
how the visitor came: typed or tapped a link ("direct"), scanned a signboard's QR code ("qr"), or saw the map
inside another website ("embed", whose host site is the detail). A search that found nothing keeps its words
(folded, cut short) as the detail, so the office sees what visitors look for and the map lacks.

Requests from robots (a user agent that says so), prefetches and prerenders are not counted: nobody saw them.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Protocol

from geotour.domain.features import fold

WIB = timezone(timedelta(hours=7), "WIB")

VIEW = "view"  # a place's page, the map, or an embed shown
POPUP = "popup"  # a place's popup opened on the map
WHATSAPP = "whatsapp"
CALL = "call"
DIRECTIONS = "directions"
DOWNLOAD = "download"  # a route's GPX or KML file
SEARCH_EMPTY = "search_empty"  # a search that found nothing (place "", detail: the words)
EVENTS = (VIEW, POPUP, WHATSAPP, CALL, DIRECTIONS, DOWNLOAD, SEARCH_EMPTY)
CONTACT = (WHATSAPP, CALL, DIRECTIONS)  # the taps /go/<event>/<id> counts and redirects
#: what a visitor's page may report itself (the rest are counted by the server as it answers)
SENT_BY_PAGE = (VIEW, POPUP, WHATSAPP, CALL, DIRECTIONS, SEARCH_EMPTY)

DIRECT, QR, EMBED = "direct", "qr", "embed"
SOURCES = (DIRECT, QR, EMBED)

MAX_DETAIL = 60  # a host name or a search's words are cut to this many characters
MIN_SEARCH = 3  # shorter searches are someone still typing

# Crawlers, link previews, uptime checks, audits and headless scripts: their user agents say what they are.
_ROBOT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|mediapartners|facebookexternalhit|embedly|preview|lighthouse|pagespeed"
    r"|headlesschrome|phantomjs|python-|curl/|wget/|httpx|okhttp|go-http-client|java/|libwww|scrapy"
    r"|monitor|pingdom|uptime|feedfetcher|whatsapp/|telegrambot|discordbot|skypeuripreview",
    re.IGNORECASE,
)


class Headers(Protocol):
    """A request's headers, as far as is_prefetch reads them (werkzeug's Headers, or a dict)."""

    def get(self, key: str, default: str, /) -> str: ...


@dataclass(frozen=True)
class Hit:
    """One thing to count: what happened, where, how the visitor came, and the host site or search words."""

    event: str
    place: str = ""
    source: str = DIRECT
    detail: str = ""


def is_robot(user_agent: str | None) -> bool:
    """Tell whether a request's user agent is a robot's (or missing: every browser sends one)."""
    return not user_agent or bool(_ROBOT.search(user_agent))


def is_prefetch(headers: Headers) -> bool:
    """Tell whether a request is a prefetch or a prerender (Sec-Purpose, Purpose, X-Moz, X-Purpose)."""
    said = " ".join(headers.get(name, "") for name in ("Sec-Purpose", "Purpose", "X-Purpose", "X-Moz"))
    return "prefetch" in said.lower() or "preview" in said.lower() or "prerender" in said.lower()


def day_of(moment: datetime | None = None) -> str:
    """Return the day (YYYY-MM-DD, in WIB) a count belongs to."""
    return (moment or datetime.now(UTC)).astimezone(WIB).date().isoformat()


def today() -> date:
    """Return today's date in WIB: the day counts, partner labels and the figures' periods are read against."""
    return date.fromisoformat(day_of())


def host_detail(host: str | None) -> str:
    """Return the host name an embed's view is counted under ("" when there is none): lower case, no port,
    no "www.", never a path or a query (those could name a person)."""
    text = (host or "").strip().lower()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text).split("/")[0].split("?")[0].split("#")[0]
    text = text.rsplit("@", 1)[-1].split(":")[0].removeprefix("www.")
    return text[:MAX_DETAIL] if re.fullmatch(r"[a-z0-9.-]+", text) else ""


def search_detail(words: str | None) -> str:
    """Return the words a search that found nothing is counted under: folded, spaces squeezed, cut short; ""
    when too short to mean anything or when they hold a run of digits (a phone number is nobody's search)."""
    text = " ".join(fold(words or "").split())[:MAX_DETAIL]
    if len(text) < MIN_SEARCH or re.search(r"\d{5,}", text.replace(" ", "")):
        return ""
    return text
