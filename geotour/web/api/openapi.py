"""The OpenAPI 3.0 document for /api/v1 and /ogc, and its docs page.

flask-smorest writes the document from what the views declare: query parameters and bodies
(`@bp.query`, `@bp.body`), answers (`@bp.answers`), summaries (the first line of each view's docstring),
path parameters (the routes and their converters), sign-in (`auth.requires`) and Idempotency-Key
(`idempotency.idempotent`). Nothing here names an endpoint.
"""

from typing import Any

from flask import Flask, current_app, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_smorest import Api

from geotour.web import views
from geotour.web.api import counts, ogc, read, reports, schemas, write
from geotour.web.responses import cached

bp = views.Blueprint("openapi", __name__, url_prefix="/api")
DOCUMENTED = (read.bp, write.bp, reports.bp, counts.bp, ogc.bp, bp)


class Document(Api):
    """flask-smorest's Api, for the document only: errors are answered by geotour.web.errors_http, in our
    JSON shape (schemas.Error), which the document gives for every error status."""

    ERROR_SCHEMA = schemas.Error

    def _register_error_handlers(self) -> None:
        """Leave errors to geotour.web.errors_http."""


def _empty_is_absent(self: Any, field: Any, ret: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """An optional query parameter sent empty (name=, as a form sends it) is taken as absent (params.Query)."""
    return {"allowEmptyValue": True} if ret["in"] == "query" and not field.required else {}


def init_app(app: Flask) -> None:
    """Register the documented blueprints and write their document (once per app)."""
    app.config.update(
        API_TITLE="Geotour API – Ciletuh-Palabuhanratu UNESCO Global Geopark",
        API_VERSION="1.0.0",
        OPENAPI_VERSION="3.0.3",
        API_SPEC_OPTIONS={
            "info": {
                "description": "Read API (/api/v1) and OGC API - Features (/ogc). Coordinates are WGS84 "
                "lon/lat (RFC 7946); distances are geodesic metres."
            },
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
                }
            },
        },
    )
    document = Document(app)
    document.ma_plugin.converter.add_parameter_attribute_function(_empty_is_absent)
    document.register_converter(views.RowIdConverter, lambda converter: {"type": "integer"})
    with app.app_context():  # the catalogue's choices are read while the document is written
        for blueprint in DOCUMENTED:
            document.register_blueprint(blueprint)
    app.extensions["geotour_openapi"] = document


def build_document(app: Flask) -> dict[str, Any]:
    """Return the OpenAPI 3.0 document for every route under /api and /ogc, served from this host."""
    spec: dict[str, Any] = app.extensions["geotour_openapi"].spec.to_dict()
    return {**spec, "servers": [{"url": url_for("pages.index", lang=None, _external=True).rstrip("/")}]}


@bp.get("/openapi.json")
@bp.answers(media=ogc.OPENAPI_JSON, cacheable=True)
def document() -> ResponseReturnValue:
    """This OpenAPI document"""
    return cached(lambda: (build_document(current_app), ogc.OPENAPI_JSON))


@bp.get("/docs")
@bp.answers(media=ogc.HTML)
def docs() -> ResponseReturnValue:
    """Documentation of this API

    ---
    Rendered here from the OpenAPI document (no CDN).
    """
    return render_template("api_docs.html", doc=build_document(current_app))
