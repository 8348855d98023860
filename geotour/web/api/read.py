"""/api/v1: JSON and GeoJSON only. Each view parses its parameters and calls one function in places."""

import hashlib
from typing import Any

from flask import Blueprint, redirect, url_for
from flask.typing import ResponseReturnValue

from geotour.context import current as _ctx
from geotour.domain import exports, places
from geotour.domain.layers import LayerQuery
from geotour.domain.nearby import DEFAULT_RADIUS_M, MAX_RADIUS_M
from geotour.errors import NotFound
from geotour.storage import snapshots
from geotour.web import params
from geotour.web.responses import (
    GEOJSON,
    JSON,
    Built,
    cache,
    cached_json,
    conditional_response,
    dumps,
    immutable_file,
    page_links,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
LAYER_DEFAULT_LIMIT = 100
LAYER_MAX_LIMIT = 5000


class LayerFeaturesQuery(params.Query):
    bbox = params.BBox("minLon,minLat,maxLon,maxLat in WGS84 (CRS84)")
    category = params.Text("Only this category")
    q = params.Text("Name search, ignoring case and accents")
    limit = params.Integer("Features per page", 1, LAYER_MAX_LIMIT, default=LAYER_DEFAULT_LIMIT)
    offset = params.Integer("Features to skip", 0, default=0)
    properties = params.Names("Comma-separated property names to keep", 500)


class NearbyQuery(params.Query):
    radius_m = params.Number("Search radius in metres", 0, MAX_RADIUS_M, default=DEFAULT_RADIUS_M)
    limit = params.Integer(
        "How many places at most", 1, places.NEARBY_MAX_LIMIT, default=places.NEARBY_DEFAULT_LIMIT
    )


class FeatureNearbyQuery(NearbyQuery):
    category = params.Text("Only this category")


class PointNearbyQuery(NearbyQuery):
    lat = params.Number("Latitude", -90, 90, required=True)
    lon = params.Number("Longitude", -180, 180, required=True)
    layers = params.ChoiceList("Layer ids", lambda: _ctx().catalogue.point_layers())


class ExportQuery(params.Query):
    format = params.Choice("File format", tuple(exports.FORMATS), default="geojson")


@bp.get("/layers")
@params.query()
@cached_json
def layers(args: dict[str, Any]) -> Built:
    """List the layer catalogue with count, bbox and last update per layer."""
    entries = places.catalogue_entries(_ctx().storage, _ctx().catalogue)
    token = _ctx().storage.snapshot_token()
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


@bp.get("/layers/<layer_id>/v/<name>")
def layer_snapshot(layer_id: str, name: str) -> ResponseReturnValue:
    """Return a whole layer at one data version, from an immutable file (written here when missing).

    The front server sends these files itself; this view runs only on a machine that lacks the file.
    A name of an older data version redirects to the current one (not cached), so a page rendered just
    before an approval still gets the data.
    """
    token, _, view = name.removesuffix(".geojson").partition(".")
    view = view or "full"
    store = _ctx().snapshots
    path = store.path(layer_id, token, view)
    if path is None:
        raise NotFound("no snapshot called %(name)s; see /api/v1/layers", "name", name=repr(name[:60]))
    places.require_layer(_ctx().catalogue, layer_id)
    current = _ctx().storage.snapshot_token()
    if token != current:
        response = redirect(snapshot_url(layer_id, current, view), 307)
        response.cache_control.no_store = True
        return response
    if not path.is_file():
        store.write(
            layer_id,
            token,
            view,
            dumps(places.layer_snapshot(_ctx().storage, _ctx().catalogue, layer_id, view)),
        )
    return immutable_file(path, GEOJSON, f"{token}-{view}")


@bp.get("/layers/<layer_id>")
@params.query(LayerFeaturesQuery)
@cached_json
def layer_features(layer_id: str, args: dict[str, Any]) -> Built:
    """Return one layer as a FeatureCollection, filtered and paged."""
    query = LayerQuery(
        bbox=args["bbox"],
        category=args["category"],
        q=args["q"],
        limit=args["limit"],
        offset=args["offset"],
        properties=args["properties"],
    )
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


@bp.get("/features/<feature_id>")
@params.query()
@cached_json
def feature(feature_id: str, args: dict[str, Any]) -> Built:
    """Return one feature."""
    return places.require_feature(_ctx().storage, feature_id), GEOJSON


@bp.get("/features/<feature_id>/nearby")
@params.query(FeatureNearbyQuery)
@cached_json
def feature_nearby(feature_id: str, args: dict[str, Any]) -> Built:
    """Return MSMEs near an attraction (or attractions near an MSME), nearest first."""
    radius_m = args["radius_m"]
    origin, found = places.near_feature(
        _ctx().storage,
        _ctx().catalogue,
        feature_id,
        radius_m=radius_m,
        category=args["category"],
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
@params.query(PointNearbyQuery)
@cached_json
def point_nearby(args: dict[str, Any]) -> Built:
    """Return attractions and MSMEs near a point, for "near me"."""
    lat, lon, radius_m = args["lat"], args["lon"], args["radius_m"]
    found = places.near_point(
        _ctx().storage, _ctx().catalogue, lon, lat, radius_m, args["layers"], args["limit"]
    )
    return {
        "type": "FeatureCollection",
        "origin": {"type": "Point", "coordinates": [lon, lat]},
        "radius_m": radius_m,
        "numberReturned": len(found),
        "features": found,
    }, GEOJSON


@bp.get("/layers/<layer_id>/export")
@params.query(ExportQuery)
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
