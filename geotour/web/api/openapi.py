"""The OpenAPI 3.0 document for /api/v1 and /ogc, and its docs page.

apispec (with its marshmallow plugin) writes the document from the same declarations the views use: each
view's query parameters come from the params.Query it is decorated with, path parameters from its route,
request bodies from the params.Body the view is decorated with (or, for GeoJSON and files, the schemas in
geotour.web.api.schemas and the views' own forms), answers from those schemas. What is
left here per endpoint is its summary, its media types and the errors it can answer.
"""

import re
from collections.abc import Sequence
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Flask, current_app, render_template, url_for
from flask.typing import ResponseReturnValue
from marshmallow.fields import Field
from werkzeug.routing import IntegerConverter, Rule

from geotour.storage import snapshots
from geotour.web import params
from geotour.web.api import ogc, schemas
from geotour.web.api.write import SOURCE_HASH_PATTERN, ImportForm
from geotour.web.responses import GEOJSON, JSON, cached

bp = Blueprint("openapi", __name__, url_prefix="/api")
HTML_TYPE = "text/html"
FORM = "application/x-www-form-urlencoded"  # what a page's <form> sends
DOCUMENTED_PREFIXES = ("/api", "/ogc")
PATH_PARAMETERS = {
    "layer_id": "Layer id (see /api/v1/layers)",
    "feature_id": "Feature id",
    "collectionId": "Collection id (a layer)",
    "featureId": "Feature id",
    "submission_id": "Submission id",
    "batch": "The import's batch id (submissions[].batch)",
    "name": "<data version>-<data tag>.geojson, or .map.geojson for the map's properties",
    "source_hash": "SHA-256 of the photo file, 64 hex digits",
}
PATH_PATTERNS = {"name": f"^{snapshots.FILE_PATTERN}$", "source_hash": f"^{SOURCE_HASH_PATTERN}$"}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any unique string (a UUID) the client keeps with this write and sends again with every retry. "
    "The server keeps each key for 24 hours per user: a retry gets the first answer back (with the header "
    "Idempotent-Replayed: true) and nothing is stored twice. The same key with a different request is 422; "
    "a retry while the first is still running is 409 with Retry-After.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def _op(
    summary: str,
    answer: Any = None,
    media: str = JSON,
    html: bool = False,
    errors: Sequence[int] = (400, 404),
) -> dict[str, Any]:
    content = {media: {"schema": answer or {"type": "object"}}}
    if html:
        content[HTML_TYPE] = {"schema": {"type": "string"}}
    responses = {"200": {"description": summary, "content": content}}
    if media != HTML_TYPE:
        responses["304"] = {"description": "Not modified (the If-None-Match ETag matches)"}
    for status in errors:
        responses[str(status)] = {"description": "Error", "content": {JSON: {"schema": schemas.Error}}}
    return {"summary": summary, "responses": responses}


def _write(
    summary: str,
    body: dict[str, Any] | None = None,
    status: int = 200,
    errors: Sequence[int] = (400, 401, 403, 404, 409),
    keyed: bool = False,
    answer: Any = None,
) -> dict[str, Any]:
    op = _op(summary, answer, errors=tuple(sorted({*errors, 409, 422})) if keyed else errors)
    op["responses"].pop("304", None)
    if status != 200:
        op["responses"][str(status)] = op["responses"].pop("200")
    if keyed:
        op["parameters"] = [IDEMPOTENCY_KEY]
    if body:
        op["requestBody"] = {"required": True, "content": body}
    op["security"] = [{"bearer": []}, {"session": []}]
    return op


def _optional_body(op: dict[str, Any]) -> dict[str, Any]:
    op["requestBody"]["required"] = False
    return op


JSON_OBJECT = {JSON: {"schema": {"type": "object"}}}
WRITE_OPERATIONS = {
    "api_writes.create_submission": _write(
        "Propose a feature (a GeoJSON Feature with properties.layer, or ?layer=), or import a file (multipart)",
        {
            GEOJSON: {"schema": schemas.Feature},
            "multipart/form-data": {"schema": schemas.with_file(ImportForm)},
        },
        201,
        (400, 401, 403, 404, 413, 429),
        keyed=True,
        answer=schemas.Submissions,
    ),
    "api_writes.list_submissions": _write(
        "Your submissions (everyone's for a moderator)", answer=schemas.Submissions
    ),
    "api_writes.get_submission": _write("One submission", answer=schemas.Submission),
    "api_writes.approve_submission": _optional_body(
        _write(
            'Approve and publish (moderators); with a body, correct it first: {"properties": {fields to change}, '
            '"geometry": a Point}, checked by the same rules as a proposal',
            JSON_OBJECT,
            keyed=True,
            answer=schemas.Submission,
        )
    ),
    "api_writes.reject_submission": _write(
        "Reject with a reason (moderators)", keyed=True, answer=schemas.Submission
    ),
    "api_writes.edit_feature": _write(
        "Propose changes to a feature", JSON_OBJECT, 201, keyed=True, answer=schemas.Submissions
    ),
    "api_writes.delete_feature": _write(
        "Propose removing a feature", None, 201, keyed=True, answer=schemas.Submissions
    ),
    "api_writes.feature_versions": _write("Every version of a feature (moderators)"),
    "api_writes.revert_feature": _write("Publish an earlier version again (moderators)", keyed=True),
    "api_writes.report_here": {
        **_write(
            '"I am here": a visitor at a place whose point is an estimate sends the phone\'s position (no account; '
            "kept for moderators, never public). No Idempotency-Key: a repeat is harmless, as one sender counts once",
            status=202,
            errors=(400, 404, 409, 429),
        ),
        "security": [],
    },
    "api_writes.decide_batch": _write(
        'Decide an import in one action (moderators): approve every pending row except those in "except", which '
        'are rejected with "reason" or left pending without one; {"reject": true, "reason"} rejects every row',
        keyed=True,
    ),
    "api_writes.upload_photo": _write(
        "Upload a photo; returns its id and GPS position",
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
        errors=(400, 401, 403),
    ),
}

# One entry per endpoint. A route under /api or /ogc without an entry stops the document from building.
OPERATIONS = {
    "api.layers": _op("The layer catalogue with count, bbox and last update", schemas.Layers, errors=(400,)),
    "api.layer_features": _op("One layer as a GeoJSON FeatureCollection", schemas.FeatureCollection, GEOJSON),
    "api.layer_snapshot": {
        **_op(
            "A whole layer at one data version, from an immutable file (cached for a year): use the snapshot_url or "
            "map_snapshot_url of /api/v1/layers. An older version's name redirects (307) to the current one",
            schemas.FeatureCollection,
            GEOJSON,
        ),
        "x-immutable": True,
    },
    "api.layer_export": _op("Download a whole layer as a file", media="application/octet-stream"),
    "api.feature": _op("One feature", schemas.Feature, GEOJSON),
    "api.feature_nearby": _op(
        "MSMEs near an attraction, or attractions near an MSME, nearest first",
        schemas.NearbyCollection,
        GEOJSON,
    ),
    "api.point_nearby": _op("Attractions and MSMEs near a point", schemas.NearbyCollection, GEOJSON),
    **WRITE_OPERATIONS,
    "ogc.landing": _op("Landing page", html=True, errors=(400,)),
    "ogc.conformance": _op("Conformance classes", html=True, errors=(400,)),
    "ogc.collections": _op("Collections", html=True, errors=(400,)),
    "ogc.collection": _op("One collection", html=True),
    "ogc.queryables": _op(
        "The properties of a collection as JSON Schema, each with its one type", media=ogc.SCHEMA_JSON
    ),
    "ogc.items": _op("Features of a collection", schemas.FeatureCollection, GEOJSON, html=True),
    "ogc.item": _op("One feature of a collection", schemas.Feature, GEOJSON, html=True),
    "openapi.document": _op("This OpenAPI document", media=ogc.OPENAPI_JSON, errors=()),
    "openapi.docs": _op("Documentation of this API", media=HTML_TYPE, errors=()),
}
# OGC path parameters use the spec's names; Flask's are snake_case.
PATH_NAMES = {("ogc.", "collection_id"): "collectionId", ("ogc.", "feature_id"): "featureId"}


def _path(rule: Rule) -> str:
    def rename(match: re.Match[str]) -> str:
        name = match.group(1)
        return "{" + PATH_NAMES.get((rule.endpoint[:4], name), name) + "}"

    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", rename, rule.rule)


def _path_parameters(rule: Rule) -> list[dict[str, Any]]:
    """Return the path parameters of a route, typed by its converters (<int:…> is an integer)."""
    found = []
    for flask_name, converter in rule._converters.items():
        name = PATH_NAMES.get((rule.endpoint[:4], flask_name), flask_name)
        schema = {"type": "integer" if isinstance(converter, IntegerConverter) else "string"}
        if name in PATH_PATTERNS:
            schema["pattern"] = PATH_PATTERNS[name]
        found.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": PATH_PARAMETERS[name],
                "schema": schema,
            }
        )
    return found


def _declared_parameter(converter: Any, field: Field, **kwargs: Any) -> dict[str, Any]:
    """The OpenAPI schema of a params.Param, from its own declaration."""
    return field.openapi() if isinstance(field, params.Param) else {}


def _unexploded(converter: Any, field: Field, **kwargs: Any) -> dict[str, Any]:
    """A list in one value, comma-separated (bbox=1,2,3,4), not one value per item."""
    return {"style": "form", "explode": False} if getattr(field, "explode", True) is False else {}


def _spec() -> APISpec:
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="Geotour API – Ciletuh-Palabuhanratu UNESCO Global Geopark",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[plugin],
        info={
            "description": "Read API (/api/v1) and OGC API - Features (/ogc). Coordinates are WGS84 "
            "lon/lat (RFC 7946); distances are geodesic metres."
        },
        servers=[{"url": url_for("pages.index", _external=True).rstrip("/")}],
    )
    converter = plugin.converter  # made by APISpec(plugins=...) above
    assert converter is not None
    converter.add_attribute_function(_declared_parameter)
    converter.add_parameter_attribute_function(_unexploded)
    spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "A personal API token (see /account)"}
    )
    spec.components.security_scheme(
        "session",
        {
            "type": "apiKey",
            "in": "cookie",
            "name": "geotour_session",
            "description": "A signed-in browser; writes also need the X-CSRFToken header",
        },
    )
    return spec


def _operation(app: Flask, rule: Rule) -> dict[str, Any]:
    operation = dict(OPERATIONS[rule.endpoint])
    operation["operationId"] = rule.endpoint.replace(".", "_") + ("_slash" if rule.rule.endswith("/") else "")
    operation["tags"] = ["OGC API - Features" if rule.endpoint.startswith("ogc.") else "Geotour API"]
    view = app.view_functions[rule.endpoint]
    declared = getattr(view, "query_schema", None)
    operation["parameters"] = [
        *_path_parameters(rule),
        *([{"in": "query", "schema": declared}] if declared else []),
        *operation.get("parameters", []),
    ]
    if body := getattr(view, "body_schema", None):
        media = [JSON, FORM] if getattr(view, "body_form_too", False) else [JSON]
        required = any(field.required for field in body._declared_fields.values())
        operation["requestBody"] = {"required": required, "content": {m: {"schema": body} for m in media}}
    return operation


def build_document(app: Flask) -> dict[str, Any]:
    """Return the OpenAPI 3.0 document for every route under /api and /ogc."""
    spec = _spec()
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.rule.startswith(DOCUMENTED_PREFIXES):
            path = _path(rule)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                paths.setdefault(path, {})[method.lower()] = _operation(app, rule)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@bp.get("/openapi.json")
def document() -> ResponseReturnValue:
    """Serve the OpenAPI document."""
    return cached(lambda: (build_document(current_app), ogc.OPENAPI_JSON))


@bp.get("/docs")
def docs() -> ResponseReturnValue:
    """Show the API documentation, rendered here from the OpenAPI document (no CDN)."""
    return render_template("api_docs.html", doc=build_document(current_app))
