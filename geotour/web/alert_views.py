"""An alert as the API, the feed and the pages give it: both languages, the places it concerns by name and page."""

from typing import Any

import shapely.prepared
from shapely.geometry import shape

from geotour.context import current as _ctx
from geotour.domain.features import Feature, Geometry
from geotour.domain.layers import ATTRACTION, MSME, ROUTE, LayerKind, LayerQuery
from geotour.domain.places import require_layer
from geotour.storage.records import Alert
from geotour.web.pages.place_facts import page_url

MAX_AREA_PLACES = 500  # an area alert names at most this many places (a page shows it when it is among them)


def _place(feature: Feature, kind: LayerKind) -> dict[str, Any]:
    url = page_url(kind, feature["id"], lang=None)
    return {"id": feature["id"], "name": feature["properties"]["name"], "url": url}


def places_in_area(area: Geometry) -> list[dict[str, Any]]:
    """Return the attractions, businesses and routes inside (a route: crossing) a drawn area, by name."""
    ctx = _ctx()
    polygon = shape(area)
    prepared = shapely.prepared.prep(polygon)
    found = []
    for kind in (ATTRACTION, ROUTE, MSME):
        for layer_id in ctx.catalogue.ids(kind):
            features, _ = ctx.storage.query_layer(
                layer_id, LayerQuery(bbox=polygon.bounds, limit=MAX_AREA_PLACES, properties=("name",))
            )
            found += [_place(f, kind) for f in features if prepared.intersects(shape(f["geometry"]))]
    return found[:MAX_AREA_PLACES]


def alert_view(alert: Alert) -> dict[str, Any]:
    """Return an alert for visitors: no author, places that are no longer published left out, and the places
    inside its drawn area (found now, so a place added inside it later is covered too)."""
    ctx = _ctx()
    places = []
    for place_id in alert["place_ids"]:
        feature = ctx.storage.get_feature(place_id)
        if feature is None:
            continue
        places.append(_place(feature, require_layer(ctx.catalogue, feature["properties"]["layer"]).kind))
    area = alert.get("area")
    if area:
        named = {p["id"] for p in places}
        places += [p for p in places_in_area(area) if p["id"] not in named]
    return {
        "id": alert["id"],
        "level": alert["level"],
        "title": {"id": alert["title_id"], "en": alert["title_en"]},
        "text": {"id": alert["text_id"], "en": alert["text_en"]},
        "places": places,
        "area": alert.get("area"),
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
