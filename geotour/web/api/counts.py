"""/api/v1/counts: what a visitor's page reports it showed or was tapped (a page view, a popup, a contact tap,
a search that found nothing), sent by navigator.sendBeacon after the page is drawn (static/js/count.js). It is
added to the day's count of the place (geotour.web.counting); nothing about the sender is kept."""

from typing import Any

from flask import Response
from flask.typing import ResponseReturnValue

from geotour.context import current as _ctx
from geotour.domain import counting
from geotour.errors import BadParameter
from geotour.web import params, views
from geotour.web.auth import count_limit
from geotour.web.counting import count

bp = views.Blueprint("api_counts", __name__, url_prefix="/api/v1")


class CountBody(params.Body):
    event = params.choice("What the visitor did", counting.SENT_BY_PAGE, required=True)
    place = params.text("The id of the place or route (none: the map as a whole)", 120)
    source = params.choice(
        "How the visitor came: direct, qr (a signboard's code) or embed (another site)",
        counting.SOURCES,
        load_default=counting.DIRECT,
    )
    host = params.text("For an embed: the name of the site it is shown on", 255)
    q = params.text("For search_empty: the words searched", 200)


def hit_of(body: dict[str, Any]) -> counting.Hit:
    """Return what to count for a page's report, or raise BadParameter naming the field at fault."""
    event, place = body["event"], (body.get("place") or "").strip()
    if event == counting.SEARCH_EMPTY:
        return counting.Hit(event, "", body["source"], counting.search_detail(body.get("q")))
    if place:
        if _ctx().storage.get_feature(place) is None:
            raise BadParameter("no place with this id", "place")
    elif event != counting.VIEW:
        raise BadParameter("say which place was tapped", "place")
    host = counting.host_detail(body.get("host")) if body["source"] == counting.EMBED else ""
    return counting.Hit(event, place, body["source"], host)


@bp.post("/counts")
@count_limit()
@bp.doc(security=[], responses={"204": {"description": "Counted (or not: a robot, a prefetch)"}})
@bp.body(CountBody, form_too=True)
def add_count(body: dict[str, Any]) -> ResponseReturnValue:
    """Count a page view, a popup or a tap for the place's figures: each request counts once (pages send it
    with navigator.sendBeacon, which never retries). No cookie, address or fingerprint is kept; robots and
    prefetches are not counted."""
    count(hit_of(body))
    return Response(status=204, headers={"Cache-Control": "no-store"})
