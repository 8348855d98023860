"""An alert as the API, the feed and the pages give it: both languages, the places it concerns by name and page."""

from typing import Any

from flask import url_for

from geotour.context import current as _ctx
from geotour.domain.layers import ATTRACTION, MSME, ROUTE
from geotour.domain.places import require_layer
from geotour.storage.records import Alert


def alert_view(alert: Alert) -> dict[str, Any]:
    """Return an alert for visitors: no author, places that are no longer published left out."""
    ctx = _ctx()
    places = []
    for place_id in alert["place_ids"]:
        feature = ctx.storage.get_feature(place_id)
        if feature is None:
            continue
        kind = require_layer(ctx.catalogue, feature["properties"]["layer"]).kind
        if kind == ROUTE:
            url = url_for("route_pages.route", route_id=place_id, lang=None)
        else:
            url = url_for("pages.msme" if kind == MSME else "pages.site", feature_id=place_id, lang=None)
        places.append({"id": place_id, "name": feature["properties"]["name"], "url": url})
    return {
        "id": alert["id"],
        "level": alert["level"],
        "title": {"id": alert["title_id"], "en": alert["title_en"]},
        "text": {"id": alert["text_id"], "en": alert["text_en"]},
        "places": places,
        "months": alert["months"],
        "starts_at": alert["starts_at"],
        "ends_at": alert["ends_at"],
        "withdrawn_at": alert["withdrawn_at"],
    }


def is_place(place_id: str) -> bool:
    """Return whether an alert may name this id: a published attraction, business or route."""
    ctx = _ctx()
    feature = ctx.storage.get_feature(place_id)
    return feature is not None and require_layer(ctx.catalogue, feature["properties"]["layer"]).kind in (
        ATTRACTION,
        MSME,
        ROUTE,
    )
