"""/ogc: OGC API - Features, Part 1 Core, with GeoJSON, HTML and OpenAPI 3.0, for QGIS, GDAL and OWSLib."""

import weakref
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from marshmallow import RAISE

from geotour.context import current as _ctx
from geotour.domain import events, flat_fields, places
from geotour.domain.layers import Layer, LayerKind, LayerQuery
from geotour.domain.moments import now_utc, utc_text
from geotour.errors import NotFound
from geotour.web import params, views
from geotour.web.api import schemas
from geotour.web.responses import GEOJSON, JSON, cached, page_links

bp = views.Blueprint("ogc", __name__, url_prefix="/ogc")
ITEMS_DEFAULT_LIMIT = 100
ITEMS_MAX_LIMIT = 1000
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"  # the temporal extent's reference system
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
HTML = "text/html"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
SCHEMA_JSON = "application/schema+json"
# Per storage (one database), per layer and data version: rebuilt when the data changes. Kept per storage
# because two databases can be at the same data version with different data.
_fields_seen: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], list[flat_fields.Field]]] = (
    weakref.WeakKeyDictionary()
)


def _fields(layer_id: str) -> list[flat_fields.Field]:
    """Return the flat Fields of a layer (from all its features), computed once per data version."""
    storage = _ctx().storage
    seen = _fields_seen.setdefault(storage, {})
    key = (layer_id, storage.data_version(allow_stale=True))
    if key not in seen:
        if len(seen) > 64:
            seen.clear()
        seen[key] = flat_fields.layer_fields(places.whole_layer(storage, layer_id))
    return seen[key]


class FormatQuery(params.Unchecked):
    f = params.choice("Response format; without it, the Accept header decides", ("json", "html"))


class ItemsQuery(FormatQuery):
    class Meta:
        unknown = RAISE  # unlike the other pages: a typo in a filter would answer everything

    limit = params.whole(
        f"Features per page; values over {ITEMS_MAX_LIMIT} are taken as {ITEMS_MAX_LIMIT}",
        1,
        load_default=ITEMS_DEFAULT_LIMIT,
    )
    offset = params.whole("Features to skip", 0, params.MAX_OFFSET, load_default=0)
    bbox = params.bbox("minLon,minLat,maxLon,maxLat (or six numbers with heights) in WGS84", allow_3d=True)
    datetime = params.interval(
        "RFC 3339 instant, day or interval: the events whose time overlaps it (the other collections' "
        "features carry no time: all match)"
    )


COLLECTION_ID = views.path("collectionId", "Collection id (a layer)")
FEATURE_ID = views.path("featureId", "Feature id")


def _format(asked: str | None) -> str:
    """Return "json" or "html": ?f= first, then the Accept header; JSON when neither asks for HTML."""
    if asked:
        return asked
    accept = request.accept_mimetypes
    return "html" if accept[HTML] > max(accept[JSON], accept[GEOJSON]) else "json"


def _answer(
    args: dict[str, Any], template: str, build: Callable[[], dict[str, Any]], mimetype: str = JSON
) -> Response:
    """Render build()'s payload as HTML, or send it as cached JSON with an ETag (as args["f"] or Accept asks)."""
    if _format(args.get("f")) == "html":
        response: Response = current_app.make_response(
            render_template(template, data=build(), f_json=_self("json"), link_titles=LINK_TITLES)
        )
    else:
        response = cached(lambda: (build(), mimetype))
    response.vary.add("Accept")
    return response


# The HTML pages name a link in the page's language; the JSON, read by QGIS and scripts, keeps its English title.
LINK_TITLES = {
    "This document": _l("This document"),
    "This document as HTML": _l("This document as HTML"),
    "OpenAPI definition": _l("OpenAPI definition"),
    "API documentation": _l("API documentation"),
    "Conformance classes": _l("Conformance classes"),
    "Collections": _l("Collections"),
    "Items as GeoJSON": _l("Items as GeoJSON"),
    "Items as HTML": _l("Items as HTML"),
    "The properties, each with its one type": _l("The properties, each with its one type"),
}


def _self(fmt: str) -> str:
    args = {**request.args, "f": fmt}
    return url_for(str(request.endpoint), **(request.view_args or {}), **args, _external=True)


def _links(json_type: str = JSON) -> list[dict[str, str]]:
    return [
        {"rel": "self", "type": json_type, "title": "This document", "href": _self("json")},
        {"rel": "alternate", "type": HTML, "title": "This document as HTML", "href": _self("html")},
    ]


def _require_collection(collectionId: str) -> Layer:
    layer = _ctx().catalogue.get(collectionId)
    if layer is None:
        raise NotFound(
            "no collection called %(name)s; see /ogc/collections",
            "collectionId",
            name=repr(collectionId[:60]),
        )
    return layer


@bp.get("")
@bp.get("/")
@bp.query(FormatQuery)
@bp.answers(html=True, cacheable=True)
def landing(args: dict[str, Any]) -> ResponseReturnValue:
    """Show the landing page with links to the API definition, conformance and collections."""

    def build() -> dict[str, Any]:
        return {
            "title": "Geotour – Ciletuh-Palabuhanratu UNESCO Global Geopark",
            "description": "Geosites, biosites, cultural sites and local businesses (OGC API - Features)",
            "links": _links()
            + [
                {
                    "rel": "service-desc",
                    "type": OPENAPI_JSON,
                    "title": "OpenAPI definition",
                    "href": url_for("openapi.document", _external=True),
                },
                {
                    "rel": "service-doc",
                    "type": HTML,
                    "title": "API documentation",
                    "href": url_for("openapi.docs", _external=True),
                },
                {
                    "rel": "conformance",
                    "type": JSON,
                    "title": "Conformance classes",
                    "href": url_for("ogc.conformance", _external=True),
                },
                {
                    "rel": "data",
                    "type": JSON,
                    "title": "Collections",
                    "href": url_for("ogc.collections", _external=True),
                },
            ],
        }

    return _answer(args, "ogc/landing.html", build)


@bp.get("/conformance")
@bp.query(FormatQuery)
@bp.answers(html=True, cacheable=True)
def conformance(args: dict[str, Any]) -> ResponseReturnValue:
    """List the conformance classes this API implements."""
    return _answer(args, "ogc/conformance.html", lambda: {"conformsTo": CONFORMANCE, "links": _links()})


def _temporal_extent(layer: Layer) -> dict[str, Any] | None:
    """An events layer's time span, from its first start to its last end, in UTC (RFC 3339), or None: places
    have no time, and a layer with no event yet has no known span."""
    if layer.kind != LayerKind.EVENT:
        return None
    moments = [events.read_moment(text) for text in _ctx().storage.time_extent(layer.id)]
    if not all(moments):
        return None
    return {
        "interval": [[utc_text(m) for m in moments if m]],
        "trs": GREGORIAN,
    }


def _collection(layer: Layer, stats: dict[str, dict[str, Any]]) -> dict[str, Any]:
    items = url_for("ogc.items", collectionId=layer.id, _external=True)
    bbox = stats.get(layer.id, {}).get("bbox") or [-180, -90, 180, 90]
    extent: dict[str, Any] = {"spatial": {"bbox": [bbox], "crs": CRS84}}
    temporal = _temporal_extent(layer)
    if temporal:
        extent["temporal"] = temporal
    return {
        "id": layer.id,
        "title": layer.title["en"],
        "description": f"{layer.title['en']} / {layer.title['id']}",
        "itemType": "feature",
        "crs": [CRS84],
        "extent": extent,
        "links": [
            {
                "rel": "self",
                "type": JSON,
                "href": url_for("ogc.collection", collectionId=layer.id, _external=True),
            },
            {"rel": "items", "type": GEOJSON, "title": "Items as GeoJSON", "href": items},
            {"rel": "items", "type": HTML, "title": "Items as HTML", "href": items + "?f=html"},
            {
                "rel": QUERYABLES_REL,
                "type": SCHEMA_JSON,
                "title": "The properties, each with its one type",
                "href": url_for("ogc.queryables", collectionId=layer.id, _external=True),
            },
        ],
    }


@bp.get("/collections")
@bp.query(FormatQuery)
@bp.answers(html=True, cacheable=True)
def collections(args: dict[str, Any]) -> ResponseReturnValue:
    """List every collection (layer) with its extent."""

    def build() -> dict[str, Any]:
        stats = _ctx().storage.layer_stats()
        return {
            "collections": [_collection(layer, stats) for layer in _ctx().catalogue.layers],
            "links": _links(),
        }

    return _answer(args, "ogc/collections.html", build)


@bp.get("/collections/<collectionId>", parameters=[COLLECTION_ID])
@bp.query(FormatQuery)
@bp.answers(html=True, cacheable=True)
def collection(collectionId: str, args: dict[str, Any]) -> ResponseReturnValue:
    """Describe one collection."""
    layer = _require_collection(collectionId)
    return _answer(args, "ogc/collection.html", lambda: _collection(layer, _ctx().storage.layer_stats()))


@bp.get("/collections/<collectionId>/queryables", parameters=[COLLECTION_ID])
@bp.query(params.Unchecked)
@bp.answers(media=SCHEMA_JSON, cacheable=True)
def queryables(collectionId: str, args: dict[str, Any]) -> ResponseReturnValue:
    """Describe a collection's properties as JSON Schema: each with its one type (lists joined, objects as JSON
    text), as every feature under /ogc carries them."""
    layer = _require_collection(collectionId)
    schema_id = url_for("ogc.queryables", collectionId=layer.id, _external=True)
    return cached(
        lambda: (flat_fields.json_schema(_fields(layer.id), layer.title["en"], schema_id), SCHEMA_JSON)
    )


@bp.get("/collections/<collectionId>/items", parameters=[COLLECTION_ID])
@bp.query(ItemsQuery)
@bp.answers(schemas.FeatureCollection, GEOJSON, html=True, cacheable=True)
def items(collectionId: str, args: dict[str, Any]) -> ResponseReturnValue:
    """Return the features of a collection, filtered by bbox and paged; larger limits are capped."""
    layer = _require_collection(collectionId)
    timed = layer.kind == LayerKind.EVENT and args.get("datetime")
    query = LayerQuery(
        bbox=params.plain_bbox(args.get("bbox")),
        limit=min(args["limit"], ITEMS_MAX_LIMIT),
        offset=args["offset"],
        during=events.parse_interval(args["datetime"]).bounds() if timed else None,
    )

    def build() -> dict[str, Any]:
        features, matched = places.layer_page(_ctx().storage, _ctx().catalogue, collectionId, query)
        fields = _fields(collectionId)
        features = [flat_fields.flat_feature(f, fields) for f in features]
        links = page_links(query.offset, query.limit, len(features), matched, GEOJSON)
        links.append({"rel": "alternate", "type": HTML, "href": _self("html")})
        links.append(
            {
                "rel": "collection",
                "type": JSON,
                "href": url_for("ogc.collection", collectionId=collectionId, _external=True),
            }
        )
        return {
            "type": "FeatureCollection",
            "features": features,
            "numberMatched": matched,
            "numberReturned": len(features),
            "timeStamp": now_utc(),
            "links": links,
        }

    return _answer(args, "ogc/items.html", build, GEOJSON)


@bp.get("/collections/<collectionId>/items/<featureId>", parameters=[COLLECTION_ID, FEATURE_ID])
@bp.query(FormatQuery)
@bp.answers(schemas.Feature, GEOJSON, html=True, cacheable=True)
def item(collectionId: str, featureId: str, args: dict[str, Any]) -> ResponseReturnValue:
    """Return one feature of a collection."""
    _require_collection(collectionId)

    def build() -> dict[str, Any]:
        feature = places.require_feature(_ctx().storage, featureId)
        if feature["properties"]["layer"] != collectionId:
            raise NotFound(
                "no feature %(id)s in collection %(collection)s",
                "featureId",
                id=repr(featureId[:60]),
                collection=repr(collectionId),
            )
        return {
            **flat_fields.flat_feature(feature, _fields(collectionId)),
            "links": _links(GEOJSON)
            + [
                {
                    "rel": "collection",
                    "type": JSON,
                    "href": url_for("ogc.collection", collectionId=collectionId, _external=True),
                }
            ],
        }

    return _answer(args, "ogc/item.html", build, GEOJSON)
