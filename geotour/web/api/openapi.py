"""The OpenAPI 3.0 document for /api/v1 and /ogc, built from the app's own routes, and its docs page."""

import re

from flask import Blueprint, current_app, render_template, url_for

from geotour.web.api import read as read_api
from geotour.web.api import ogc
from geotour.contributions import bulk_import
from geotour.domain import places, position_checks
from geotour.domain.nearby import DEFAULT_RADIUS_M, MAX_RADIUS_M
from geotour.web.responses import GEOJSON, JSON, cached

bp = Blueprint("openapi", __name__, url_prefix="/api")
HTML_TYPE = "text/html"
DOCUMENTED_PREFIXES = ("/api", "/ogc")


def _param(name, where, description, schema, required=False):
    return {
        "name": name,
        "in": where,
        "description": description,
        "required": required or where == "path",
        "schema": schema,
    }


def _limit(default, maximum, capped=False):
    note = f"; larger values are capped at {maximum}" if capped else ""
    schema = {"type": "integer", "minimum": 1, "default": default, "maximum": maximum}
    return _param("limit", "query", f"Features per page (default {default}, at most {maximum}{note})", schema)


BBOX = _param(
    "bbox",
    "query",
    "minLon,minLat,maxLon,maxLat in WGS84 (CRS84)",
    {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
    False,
)
BBOX["style"], BBOX["explode"] = "form", False
OFFSET = _param("offset", "query", "Features to skip", {"type": "integer", "minimum": 0, "default": 0})
RADIUS = _param(
    "radius_m",
    "query",
    f"Search radius in metres (default {DEFAULT_RADIUS_M})",
    {"type": "number", "minimum": 0, "maximum": MAX_RADIUS_M, "default": DEFAULT_RADIUS_M},
)
NEARBY_LIMIT = _param(
    "limit",
    "query",
    "How many places at most",
    {
        "type": "integer",
        "minimum": 1,
        "maximum": places.NEARBY_MAX_LIMIT,
        "default": places.NEARBY_DEFAULT_LIMIT,
    },
)
FORMAT = _param("f", "query", "Response format", {"type": "string", "enum": ["json", "html"]})
COLLECTION = _param("collectionId", "path", "Collection id (a layer)", {"type": "string"})


def _op(summary, parameters=(), media=JSON, html=False, errors=(400, 404)):
    content = {media: {"schema": {"type": "object"}}}
    if html:
        content[HTML_TYPE] = {"schema": {"type": "string"}}
    responses = {"200": {"description": summary, "content": content}}
    if media != HTML_TYPE:
        responses["304"] = {"description": "Not modified (the If-None-Match ETag matches)"}
    for status in errors:
        responses[str(status)] = {
            "description": "Error",
            "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    return {"summary": summary, "parameters": list(parameters), "responses": responses}


IDEMPOTENCY_KEY = _param(
    "Idempotency-Key",
    "header",
    "Any unique string (a UUID) the client keeps with this write and sends again with every retry. The server "
    "keeps each key for 24 hours per user: a retry gets the first answer back (with the header "
    "Idempotent-Replayed: true) and nothing is stored twice. The same key with a different request is 422; "
    "a retry while the first is still running is 409 with Retry-After.",
    {"type": "string", "minLength": 1, "maxLength": 255},
)


def _write(summary, parameters=(), body=None, status=200, errors=(400, 401, 403, 404, 409), keyed=False):
    op = _op(
        summary,
        (*parameters, IDEMPOTENCY_KEY) if keyed else parameters,
        errors=tuple(sorted({*errors, 409, 422})) if keyed else errors,
    )
    op["responses"].pop("304", None)
    if status != 200:
        op["responses"][str(status)] = op["responses"].pop("200")
    if body:
        op["requestBody"] = {"required": True, "content": body}
    op["security"] = [{"bearer": []}, {"session": []}]
    return op


def _optional_body(op):
    op["requestBody"]["required"] = False
    return op


FEATURE_ID = _param("feature_id", "path", "Feature id", {"type": "string"})
SUBMISSION_ID = _param("submission_id", "path", "Submission id", {"type": "integer"})
JSON_OBJECT = {JSON: {"schema": {"type": "object"}}}
WRITE_OPERATIONS = {
    "api_writes.create_submission": _write(
        "Propose a feature (a GeoJSON Feature with properties.layer), or import a file (multipart: file, layer, "
        "dry_run=true|false, category, owner_consent, on_error=fail|skip, apply_fixes=true|false)",
        [_param("layer", "query", "Layer id (or properties.layer)", {"type": "string"})],
        {
            GEOJSON: {"schema": {"type": "object"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "layer": {"type": "string"},
                        "dry_run": {"type": "boolean", "default": True},
                        "category": {"type": "string"},
                        "owner_consent": {"type": "boolean"},
                        "on_error": {
                            "type": "string",
                            "enum": list(bulk_import.ON_ERROR),
                            "default": "fail",
                            "description": "fail: store nothing when any row has an error; skip: store the ready rows",
                        },
                        "apply_fixes": {
                            "type": "boolean",
                            "default": False,
                            "description": "take swapped or sign-less positions at their suggested fix",
                        },
                    },
                }
            },
        },
        201,
        (400, 401, 403, 404, 413, 429),
        keyed=True,
    ),
    "api_writes.list_submissions": _write(
        "Your submissions (everyone's for a moderator)",
        [
            _param(
                "status",
                "query",
                "pending, approved or rejected",
                {"type": "string", "enum": ["pending", "approved", "rejected"]},
            ),
            _limit(100, 500),
            OFFSET,
        ],
    ),
    "api_writes.get_submission": _write("One submission", [SUBMISSION_ID]),
    "api_writes.approve_submission": _optional_body(
        _write(
            'Approve and publish (moderators); with a body, correct it first: {"properties": {fields to change}, '
            '"geometry": a Point}, checked by the same rules as a proposal',
            [SUBMISSION_ID],
            JSON_OBJECT,
            keyed=True,
        )
    ),
    "api_writes.reject_submission": _write(
        "Reject with a reason (moderators)", [SUBMISSION_ID], JSON_OBJECT, keyed=True
    ),
    "api_writes.edit_feature": _write(
        "Propose changes to a feature", [FEATURE_ID], JSON_OBJECT, 201, keyed=True
    ),
    "api_writes.delete_feature": _write("Propose removing a feature", [FEATURE_ID], None, 201, keyed=True),
    "api_writes.feature_versions": _write("Every version of a feature (moderators)", [FEATURE_ID]),
    "api_writes.revert_feature": _write(
        "Publish an earlier version again (moderators)", [FEATURE_ID], JSON_OBJECT, keyed=True
    ),
    "api_writes.report_here": {
        **_write(
            '"I am here": a visitor at a place whose point is an estimate sends the phone\'s position (no account; '
            "accuracy 50 m or better; kept for moderators, never public). No Idempotency-Key: a repeat is harmless, as "
            "one sender counts once",
            [FEATURE_ID],
            {
                JSON: {
                    "schema": {
                        "type": "object",
                        "required": ["lon", "lat", "accuracy_m"],
                        "properties": {
                            "lon": {"type": "number"},
                            "lat": {"type": "number"},
                            "accuracy_m": {"type": "number", "maximum": position_checks.MAX_ACCURACY_M},
                        },
                    }
                }
            },
            202,
            (400, 404, 409, 429),
        ),
        "security": [],
    },
    "api_writes.decide_batch": _write(
        'Decide an import in one action (moderators): approve every pending row except those in "except", which '
        'are rejected with "reason" or left pending without one; {"reject": true, "reason"} rejects every row',
        [_param("batch", "path", "The import's batch id (submissions[].batch)", {"type": "string"})],
        {
            JSON: {
                "schema": {
                    "type": "object",
                    "properties": {
                        "except": {"type": "array", "items": {"type": "integer"}},
                        "reason": {"type": "string"},
                        "reject": {"type": "boolean", "default": False},
                    },
                }
            }
        },
        keyed=True,
    ),
    "api_writes.upload_photo": _write(
        "Upload a photo; returns its id and GPS position",
        (),
        {
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {"photo": {"type": "string", "format": "binary"}}}
            }
        },
        201,
        (400, 401, 413, 429),
        keyed=True,
    ),
    "api_writes.photo_by_source": _write(
        'Is a photo already stored? Ask with the SHA-256 of the bytes you would send: {"stored": false} means '
        'send it; {"stored": true, id, url, thumb, gps} means use that id',
        [
            _param(
                "source_hash",
                "path",
                "SHA-256 of the photo file, 64 hex digits",
                {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            )
        ],
        errors=(400, 401, 403),
    ),
}

# One entry per endpoint. A route under /api or /ogc without an entry stops the document from building.
OPERATIONS = {
    "api.layers": _op("The layer catalogue with count, bbox and last update", errors=()),
    "api.layer_features": _op(
        "One layer as a GeoJSON FeatureCollection",
        [
            _param("layer_id", "path", "Layer id", {"type": "string"}),
            BBOX,
            _param("category", "query", "Only this category", {"type": "string"}),
            _param(
                "q", "query", "Name search, ignoring case and accents", {"type": "string", "maxLength": 100}
            ),
            _param("properties", "query", "Comma-separated property names to keep", {"type": "string"}),
            _limit(read_api.LAYER_DEFAULT_LIMIT, read_api.LAYER_MAX_LIMIT),
            OFFSET,
        ],
        GEOJSON,
    ),
    "api.layer_snapshot": {
        **_op(
            "A whole layer at one data version, from an immutable file (cached for a year): use the snapshot_url or "
            "map_snapshot_url of /api/v1/layers. An older version's name redirects (307) to the current one",
            [
                _param("layer_id", "path", "Layer id", {"type": "string"}),
                _param(
                    "name",
                    "path",
                    "<data version>-<data tag>.geojson, or .map.geojson for the map's properties",
                    {"type": "string", "pattern": "^[0-9]+-[0-9a-f]{8}(\\.map)?\\.geojson$"},
                ),
            ],
            GEOJSON,
        ),
        "x-immutable": True,
    },
    "api.layer_export": {
        **_op(
            "Download a whole layer as a file",
            [
                _param("layer_id", "path", "Layer id", {"type": "string"}),
                _param(
                    "format",
                    "query",
                    "File format",
                    {"type": "string", "enum": ["geojson", "csv", "gpkg", "kml"], "default": "geojson"},
                ),
            ],
            "application/octet-stream",
        )
    },
    "api.feature": _op(
        "One feature", [_param("feature_id", "path", "Feature id", {"type": "string"})], GEOJSON
    ),
    "api.feature_nearby": _op(
        "MSMEs near an attraction, or attractions near an MSME, nearest first",
        [
            _param("feature_id", "path", "Feature id", {"type": "string"}),
            RADIUS,
            _param("category", "query", "Only this category", {"type": "string"}),
            NEARBY_LIMIT,
        ],
        GEOJSON,
    ),
    "api.point_nearby": _op(
        "Attractions and MSMEs near a point",
        [
            _param("lat", "query", "Latitude", {"type": "number", "minimum": -90, "maximum": 90}, True),
            _param("lon", "query", "Longitude", {"type": "number", "minimum": -180, "maximum": 180}, True),
            RADIUS,
            _param("layers", "query", "Comma-separated layer ids", {"type": "string"}),
            NEARBY_LIMIT,
        ],
        GEOJSON,
    ),
    **WRITE_OPERATIONS,
    "ogc.landing": _op("Landing page", [FORMAT], html=True, errors=(400,)),
    "ogc.conformance": _op("Conformance classes", [FORMAT], html=True, errors=(400,)),
    "ogc.collections": _op("Collections", [FORMAT], html=True, errors=(400,)),
    "ogc.collection": _op("One collection", [COLLECTION, FORMAT], html=True),
    "ogc.queryables": _op(
        "The properties of a collection as JSON Schema, each with its one type", [COLLECTION], ogc.SCHEMA_JSON
    ),
    "ogc.items": _op(
        "Features of a collection",
        [
            COLLECTION,
            _limit(ogc.ITEMS_DEFAULT_LIMIT, ogc.ITEMS_MAX_LIMIT, capped=True),
            OFFSET,
            BBOX,
            _param(
                "datetime",
                "query",
                "RFC 3339 instant or interval (features carry no time: all match)",
                {"type": "string"},
            ),
            FORMAT,
        ],
        GEOJSON,
        html=True,
    ),
    "ogc.item": _op(
        "One feature of a collection",
        [COLLECTION, _param("featureId", "path", "Feature id", {"type": "string"}), FORMAT],
        GEOJSON,
        html=True,
    ),
    "openapi.document": _op("This OpenAPI document", media=ogc.OPENAPI_JSON, errors=()),
    "openapi.docs": _op("Documentation of this API", media=HTML_TYPE, errors=()),
}
# OGC path parameters use the spec's names; Flask's are snake_case.
PATH_NAMES = {("ogc.", "collection_id"): "collectionId", ("ogc.", "feature_id"): "featureId"}


def _path(rule):
    def rename(match):
        name = match.group(1)
        return "{" + PATH_NAMES.get((rule.endpoint[:4], name), name) + "}"

    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", rename, rule.rule)


def build_document(app):
    """Return the OpenAPI 3.0 document for every route under /api and /ogc."""
    paths = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(DOCUMENTED_PREFIXES):
            continue
        operation = dict(OPERATIONS[rule.endpoint])
        operation["operationId"] = rule.endpoint.replace(".", "_") + (
            "_slash" if rule.rule.endswith("/") else ""
        )
        operation["tags"] = ["OGC API - Features" if rule.endpoint.startswith("ogc.") else "Geotour API"]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(_path(rule), {})[method.lower()] = operation
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Geotour API – Ciletuh-Palabuhanratu UNESCO Global Geopark",
            "version": "1.0.0",
            "description": "Read API (/api/v1) and OGC API - Features (/ogc). Coordinates are WGS84 "
            "lon/lat (RFC 7946); distances are geodesic metres.",
        },
        "servers": [{"url": url_for("pages.index", _external=True).rstrip("/")}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token (see /account)",
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "geotour_session",
                    "description": "A signed-in browser; writes also need the X-CSRFToken header",
                },
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                                "field": {"type": "string", "nullable": True},
                            },
                        }
                    },
                }
            },
        },
    }


@bp.get("/openapi.json")
def document():
    """Serve the OpenAPI document."""
    return cached(lambda: (build_document(current_app), ogc.OPENAPI_JSON))


@bp.get("/docs")
def docs():
    """Show the API documentation, rendered here from the OpenAPI document (no CDN)."""
    return render_template("api_docs.html", doc=build_document(current_app))
