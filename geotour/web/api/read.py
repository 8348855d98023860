"""/api/v1: JSON and GeoJSON only. Each view parses its parameters and calls one function in places."""

import hashlib

from flask import Blueprint, redirect, request, url_for

from geotour.domain import exports
from geotour.web import params
from geotour.domain import places
from geotour.context import current as _ctx
from geotour.domain.layers import LayerQuery
from geotour.domain.nearby import DEFAULT_RADIUS_M, MAX_RADIUS_M
from geotour.errors import NotFound
from geotour.storage import snapshots
from geotour.web.responses import (
    GEOJSON,
    JSON,
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


def _radius():
    return params.parse_float("radius_m", request.args.get("radius_m"), 0, MAX_RADIUS_M, DEFAULT_RADIUS_M)


def _nearby_limit():
    return params.parse_int(
        "limit", request.args.get("limit"), 1, places.NEARBY_MAX_LIMIT, places.NEARBY_DEFAULT_LIMIT
    )


@bp.get("/layers")
@cached_json()
def layers():
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


def snapshot_url(layer_id, token, view):
    """Return the immutable URL of one layer's data as it is at `token` (see layer_snapshot)."""
    return url_for(
        "api.layer_snapshot", layer_id=layer_id, name=snapshots.file_name(token, view), _external=True
    )


@bp.get("/layers/<layer_id>/v/<name>")
def layer_snapshot(layer_id, name):
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
@cached_json("bbox", "category", "q", "limit", "offset", "properties")
def layer_features(layer_id):
    """Return one layer as a FeatureCollection, filtered and paged."""
    query = LayerQuery(
        bbox=params.parse_bbox(request.args.get("bbox")),
        category=request.args.get("category") or None,
        q=params.parse_text("q", request.args.get("q")),
        limit=params.parse_int("limit", request.args.get("limit"), 1, LAYER_MAX_LIMIT, LAYER_DEFAULT_LIMIT),
        offset=params.parse_int("offset", request.args.get("offset"), 0, 10**9, 0),
        properties=_property_list(),
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


def _property_list():
    raw = params.parse_text("properties", request.args.get("properties"), 500)
    return tuple(p.strip() for p in raw.split(",") if p.strip()) if raw else None


@bp.get("/features/<feature_id>")
@cached_json()
def feature(feature_id):
    """Return one feature."""
    return places.require_feature(_ctx().storage, feature_id), GEOJSON


@bp.get("/features/<feature_id>/nearby")
@cached_json("radius_m", "category", "limit")
def feature_nearby(feature_id):
    """Return MSMEs near an attraction (or attractions near an MSME), nearest first."""
    radius_m = _radius()
    origin, found = places.near_feature(
        _ctx().storage,
        _ctx().catalogue,
        feature_id,
        radius_m=radius_m,
        category=request.args.get("category") or None,
        limit=_nearby_limit(),
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
@cached_json("lat", "lon", "radius_m", "layers", "limit")
def point_nearby():
    """Return attractions and MSMEs near a point, for "near me"."""
    lat = params.parse_float("lat", request.args.get("lat"), -90, 90)
    lon = params.parse_float("lon", request.args.get("lon"), -180, 180)
    radius_m = _radius()
    layers = params.parse_list("layers", request.args.get("layers"), _ctx().catalogue.point_layers())
    found = places.near_point(_ctx().storage, _ctx().catalogue, lon, lat, radius_m, layers, _nearby_limit())
    return {
        "type": "FeatureCollection",
        "origin": {"type": "Point", "coordinates": [lon, lat]},
        "radius_m": radius_m,
        "numberReturned": len(found),
        "features": found,
    }, GEOJSON


@bp.get("/layers/<layer_id>/export")
def layer_export(layer_id):
    """Download a whole layer as GeoJSON, CSV, GeoPackage or KML."""
    fmt = params.parse_choice("format", request.args.get("format"), tuple(exports.FORMATS)) or "geojson"
    key = f"export:v{_ctx().storage.data_version()}:{layer_id}:{fmt}"
    body = cache.get(key)
    if body is None:  # GDAL writes the file once per data version
        body = places.layer_file(_ctx().storage, _ctx().catalogue, layer_id, fmt)
        cache.set(key, body)
    spec = exports.FORMATS[fmt]
    response = conditional_response(body, spec.mimetype, hashlib.sha256(body).hexdigest()[:32])
    response.headers["Content-Disposition"] = f'attachment; filename="geotour-{layer_id}.{spec.extension}"'
    return response
