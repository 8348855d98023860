"""/api/v1: JSON and GeoJSON only. Each view parses its parameters and calls one function in places."""

import hashlib
from datetime import UTC, datetime
from typing import Any

from flask import Response, current_app, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from geotour.config import LOCALES
from geotour.context import current as _ctx
from geotour.contributions import alerts as office_alerts
from geotour.domain import counting, events, exports, places
from geotour.domain.geodesy import DEFAULT_RADIUS_M, MAX_RADIUS_M
from geotour.domain.layers import LayerKind, LayerQuery
from geotour.domain.moments import utc_text
from geotour.errors import NotFound
from geotour.storage import snapshots
from geotour.web import params, views
from geotour.web.alert_views import alert_view
from geotour.web.api import schemas
from geotour.web.responses import (
    GEOJSON,
    JSON,
    Built,
    cache,
    cached,
    cached_json,
    conditional_response,
    dumps,
    immutable_file,
    page_links,
)

bp = views.Blueprint("api", __name__, url_prefix="/api/v1")
LAYER_DEFAULT_LIMIT = 100
LAYER_MAX_LIMIT = 5000


LAYER_ID = views.path("layer_id", "Layer id (see /api/v1/layers)")
FEATURE_ID = views.path("feature_id", "Feature id")


CATEGORY = "Only this category (see /api/v1/layers); another layer's category matches nothing"


def _categories() -> tuple[str, ...]:
    return _ctx().catalogue.category_ids()


class LayerFeaturesQuery(params.Query):
    bbox = params.bbox("minLon,minLat,maxLon,maxLat in WGS84 (CRS84)")
    category = params.choice(CATEGORY, _categories)
    q = params.text("Name search, ignoring case and accents")
    limit = params.whole("Features per page", 1, LAYER_MAX_LIMIT, load_default=LAYER_DEFAULT_LIMIT)
    offset = params.whole("Features to skip", 0, params.MAX_OFFSET, load_default=0)
    properties = params.names("Comma-separated property names to keep", 500)
    partner = params.flag("true: only geopark partners (Mitra Geopark) whose label holds today (WIB)")
    datetime = params.interval(
        "Events only: those whose time overlaps this RFC 3339 instant, day or interval (a/b, ../b, a/..); "
        "without it, the events not yet over"
    )


class NearbyQuery(params.Query):
    radius_m = params.number("Search radius in metres", 0, MAX_RADIUS_M, load_default=DEFAULT_RADIUS_M)
    limit = params.whole(
        "How many places at most", 1, places.NEARBY_MAX_LIMIT, load_default=places.NEARBY_DEFAULT_LIMIT
    )


class FeatureNearbyQuery(NearbyQuery):
    category = params.choice(CATEGORY, _categories)


class PointNearbyQuery(NearbyQuery):
    lat = params.number("Latitude", -90, 90, required=True)
    lon = params.number("Longitude", -180, 180, required=True)
    layers = params.choices("Layer ids", lambda: _ctx().catalogue.point_layers())


class ExportQuery(params.Query):
    format = params.choice("File format", exports.FORMATS, load_default="geojson")


@bp.get("/offline/geopark")
@bp.query()
@bp.answers(schemas.OfflineSet)
@bp.alt_response(
    202,
    schema={
        "type": "object",
        "required": ["lang", "measuring"],
        "properties": {"lang": {"type": "string"}, "measuring": {"type": "boolean"}},
    },
    description="Still measuring: ask again after Retry-After seconds",
    success=True,
)
def offline_geopark(args: dict[str, Any]) -> ResponseReturnValue:
    """What "save the whole geopark" keeps on a phone, in the asked language: every place's and route's page and
    each place's first photo (small), each with its size in bytes as served and a tag that changes when what it
    shows does (a phone that saved them fetches again only those). The sizes are measured by rendering every
    page, once per data version on each machine: meanwhile the answer is 202 with Retry-After."""
    from geotour.web import offline_set
    from geotour.web.assets import shell_version

    lang = str(get_locale())
    found = offline_set.geopark_files(lang, shell_version())
    if found is None:  # being measured: ask again shortly (202 with Retry-After)
        response = jsonify({"lang": lang, "measuring": True})
        response.status_code = 202
        response.headers["Retry-After"] = "2"
    else:
        response = jsonify({"lang": lang, **found})
    response.cache_control.no_cache = True
    return response


@bp.get("/alerts")
@bp.answers(schemas.Alerts)
def alerts() -> ResponseReturnValue:
    """List the tourism office's alerts a visitor may need: running now or starting later (times in UTC; each
    ends by itself at ends_at). Empty places: the whole geopark."""
    body = {
        "alerts": [alert_view(a) for a in office_alerts.current(_ctx().storage)],
        "as_of": utc_text(datetime.now(UTC)),
    }
    response = jsonify(body)
    response.cache_control.no_cache = True  # an alert can start, end or be withdrawn at any moment
    return response


@bp.get("/layers")
@bp.query()
@bp.answers(schemas.Layers, cacheable=True)
@cached_json
def layers(args: dict[str, Any]) -> Built:
    """List the layer catalogue with count, bbox and last update per layer."""
    entries = places.catalogue_entries(_ctx().storage, _ctx().catalogue)
    token = places.snapshot_token(_ctx().storage)
    for entry in entries:
        entry["links"] = [
            {
                "rel": "items",
                "type": GEOJSON,
                "href": url_for("api.layer_features", layer_id=entry["id"], _external=True),
            }
        ]
        entry["snapshot_url"] = snapshot_url(entry["id"], token, "full")
        entry["map_snapshot_url"] = snapshot_url(entry["id"], token, "map")
        entry["map_snapshot_urls"] = {
            lang: snapshot_url(entry["id"], token, snapshots.map_view(lang)) for lang in LOCALES
        }
    return {
        "layers": entries,
        "attraction_types": [t.to_dict() for t in _ctx().catalogue.types],
        "data_version": _ctx().storage.data_version(),
        "snapshot": token,
    }, JSON


def snapshot_url(layer_id: str, token: str, view: str) -> str:
    """Return the immutable URL of one layer's data as it is at `token` (see layer_snapshot)."""
    return url_for(
        "api.layer_snapshot", layer_id=layer_id, name=snapshots.file_name(token, view), _external=True
    )


@bp.get(
    "/layers/<layer_id>/v/<name>",
    parameters=[
        LAYER_ID,
        views.path(
            "name",
            "<data version>-<data tag>.geojson, or .map.geojson for the map's properties (.map.id.geojson in "
            "one language)",
            pattern=f"^{snapshots.FILE_PATTERN}$",
        ),
    ],
)
@bp.answers(schemas.FeatureCollection, GEOJSON, cacheable=True)
@bp.alt_response(307, description="An older data version: go to the current one (Location)")
@bp.doc(**{"x-immutable": True})
def layer_snapshot(layer_id: str, name: str) -> ResponseReturnValue:
    """A whole layer at one data version, from an immutable file (cached for a year)

    Use the snapshot_url or map_snapshot_url of /api/v1/layers. An older version's name redirects (307) to
    the current one.
    ---
    Under `make serve` nginx sends the files from disk, after asking this view whether the name is
    current (SNAPSHOT_CHECK; nginx keeps the answer a second), so no machine sends a snapshot made before
    a place was removed for more than two seconds after. A name of an older data version redirects to the
    current one (not cached), so a page rendered just before an approval still gets the data.
    """
    token, _, view = name.removesuffix(".geojson").partition(".")
    view = view or "full"
    store = _ctx().snapshots
    path = store.path(layer_id, token, view)
    checking = SNAPSHOT_CHECK in request.headers and current_app.config["GEOTOUR_NGINX_SNAPSHOTS"]
    try:
        if path is None:
            raise NotFound("no snapshot called %(name)s; see /api/v1/layers", "name", name=repr(name[:60]))
        places.require_layer(_ctx().catalogue, layer_id)
    except NotFound:
        if checking:
            return _snapshot_check(False)  # nginx then asks the app itself, which says what is wrong
        raise
    current = places.snapshot_token(_ctx().storage)
    if token == current and not path.is_file():
        store.write(
            layer_id,
            token,
            view,
            dumps(places.layer_snapshot(_ctx().storage, _ctx().catalogue, layer_id, view)),
        )
    if checking:
        return _snapshot_check(token == current)
    if token != current:
        response = redirect(snapshot_url(layer_id, current, view), 307)
        response.cache_control.no_store = True
        return response
    return immutable_file(path, GEOJSON, f"{token}-{view}")


# nginx's question before it sends a snapshot from disk (deploy/nginx.conf.in, auth_request): 204 "send
# your file" (written by now), or 403 "ask the app", which then redirects to the current name or says 404.
SNAPSHOT_CHECK = "X-Geotour-Snapshot-Check"


def _snapshot_check(current: bool) -> Response:
    return Response(status=204 if current else 403)


@bp.get("/layers/<layer_id>", parameters=[LAYER_ID])
@bp.query(LayerFeaturesQuery)
@bp.answers(schemas.FeatureCollection, GEOJSON, cacheable=True)
def layer_features(layer_id: str, args: dict[str, Any]) -> ResponseReturnValue:
    """Return one layer as a FeatureCollection, filtered and paged; events only while not over, unless
    `datetime` asks for another time."""
    layer = places.require_layer(_ctx().catalogue, layer_id)
    during, vary = None, []
    if layer.kind == LayerKind.EVENT:
        if args.get("datetime"):
            during = events.parse_interval(args["datetime"]).bounds()
        else:  # from the start of this five minutes: one cached answer for all of them
            now = events.now_wib()
            during = events.Interval(now.replace(minute=now.minute - now.minute % 5), None).bounds()
            vary.append(str(during[0]))
    if args.get("partner"):
        vary.append(counting.day_of())
    query = LayerQuery(
        bbox=params.plain_bbox(args.get("bbox")),
        category=args.get("category"),
        q=args.get("q"),
        limit=args["limit"],
        offset=args["offset"],
        properties=tuple(args["properties"]) if "properties" in args else None,
        partner_on=counting.day_of() if args.get("partner") else None,
        during=during,
    )

    def build() -> Built:
        features, matched = places.layer_page(_ctx().storage, _ctx().catalogue, layer_id, query)
        links = page_links(query.offset, query.limit, len(features), matched, GEOJSON)
        return {
            "type": "FeatureCollection",
            "layer": layer_id,
            "numberMatched": matched,
            "numberReturned": len(features),
            "features": features,
            "links": links,
        }, GEOJSON

    return cached(build, ",".join(vary))


@bp.get("/features/<feature_id>", parameters=[FEATURE_ID])
@bp.query()
@bp.answers(schemas.Feature, GEOJSON, cacheable=True)
@cached_json
def feature(feature_id: str, args: dict[str, Any]) -> Built:
    """Return one feature."""
    return places.require_feature(_ctx().storage, feature_id), GEOJSON


@bp.get("/features/<feature_id>/nearby", parameters=[FEATURE_ID])
@bp.query(FeatureNearbyQuery)
@bp.answers(schemas.NearbyCollection, GEOJSON, cacheable=True)
@cached_json
def feature_nearby(feature_id: str, args: dict[str, Any]) -> Built:
    """Return MSMEs near an attraction (or attractions near an MSME), nearest first."""
    radius_m = args["radius_m"]
    origin, found = places.near_feature(
        _ctx().storage,
        _ctx().catalogue,
        feature_id,
        radius_m=radius_m,
        category=args.get("category"),
        limit=args["limit"],
    )
    return {
        "type": "FeatureCollection",
        "origin": {
            "id": origin["id"],
            "geometry": origin["geometry"],
            "layer": origin["properties"]["layer"],
        },
        "radius_m": radius_m,
        "numberReturned": len(found),
        "features": found,
    }, GEOJSON


@bp.get("/nearby")
@bp.query(PointNearbyQuery)
@bp.answers(schemas.NearbyCollection, GEOJSON, cacheable=True)
@cached_json
def point_nearby(args: dict[str, Any]) -> Built:
    """Return attractions and MSMEs near a point, for "near me"."""
    lat, lon, radius_m = args["lat"], args["lon"], args["radius_m"]
    found = places.near_point(
        _ctx().storage, _ctx().catalogue, lon, lat, radius_m, args.get("layers"), args["limit"]
    )
    return {
        "type": "FeatureCollection",
        "origin": {"type": "Point", "coordinates": [lon, lat]},
        "radius_m": radius_m,
        "numberReturned": len(found),
        "features": found,
    }, GEOJSON


def _answers_in_every_format(view: params.View) -> params.View:
    """Document an export's answer in each format's media type."""
    for fmt, spec in exports.FORMATS.items():
        # GDAL's GeoJSON: the id is a property, as in the other formats' columns
        schema = {"type": "object"} if fmt == "geojson" else {"type": "string", "format": "binary"}
        view = bp.answers(schema, spec.mimetype, cacheable=True)(view)
    return view


@bp.get("/layers/<layer_id>/export", parameters=[LAYER_ID])
@bp.query(ExportQuery)
@_answers_in_every_format
def layer_export(layer_id: str, args: dict[str, Any]) -> ResponseReturnValue:
    """Download a whole layer as GeoJSON, CSV, GeoPackage or KML."""
    fmt = args["format"]
    key = f"export:v{_ctx().storage.data_version()}:{layer_id}:{fmt}"
    body = cache.get(key)
    if body is None:  # GDAL writes the file once per data version
        body = places.layer_file(_ctx().storage, _ctx().catalogue, layer_id, fmt)
        cache.set(key, body)
    spec = exports.FORMATS[fmt]
    response = conditional_response(body, spec.mimetype, hashlib.sha256(body).hexdigest()[:32])
    response.headers["Content-Disposition"] = f'attachment; filename="geotour-{layer_id}.{spec.extension}"'
    return response
