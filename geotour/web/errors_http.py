"""One error handler: JSON under /api, an HTML page elsewhere. Never a bare 500."""
import time

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from geotour.errors import GeotourError
from geotour.storage import StorageUnavailable
from geotour.web.auth import limiter

RETRY_AFTER_S = 10

API_PREFIXES = ("/api/", "/ogc", "/oembed")


def _wants_json():
    return request.path.startswith(API_PREFIXES)


def _answer(status, code, message, field=None):
    if _wants_json():
        response = jsonify({"error": {"code": code, "message": message, "field": field}})
        response.status_code = status
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
    return render_template("error.html", status=status, message=message), status


def init_app(app):
    """Register the handlers for our errors, HTTP errors and anything unexpected."""

    @app.errorhandler(GeotourError)
    def geotour_error(exc):
        message = exc.message
        if not _wants_json() and exc.status == 404:
            message = _("We could not find that page or place.")
        elif not _wants_json() and exc.field:
            message = _("The address has a value we cannot use (%(field)s): %(detail)s", field=exc.field,
                        detail=exc.message)
        if _wants_json():
            response = jsonify(exc.to_dict())
            response.status_code = exc.status
            response.headers["Access-Control-Allow-Origin"] = "*"
            if exc.status == 401:
                response.headers["WWW-Authenticate"] = 'Bearer realm="geotour"'
            if getattr(exc, "retry_after_s", None):
                response.headers["Retry-After"] = str(exc.retry_after_s)
            return response
        return _answer(exc.status, exc.code, message, exc.field)

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code is not None and exc.code < 400:
            return exc  # routing redirects are answers, not errors
        code = (exc.name or "error").lower().replace(" ", "_")
        message = exc.description if _wants_json() else _("We could not find that page or place.") \
            if exc.code == 404 else exc.name
        response = app.make_response(_answer(exc.code or 500, code, message))
        if exc.code == 429 and limiter.current_limit is not None:
            response.headers["Retry-After"] = str(max(1, int(limiter.current_limit.reset_at - time.time())))
        return response

    @app.errorhandler(StorageUnavailable)
    def storage_unavailable(exc):
        app.logger.warning("database unavailable on %s: %s", request.path, exc)
        response = _answer(503, "database_unavailable",
                           _("The database is not reachable right now. Please try again in a moment."))
        response = app.make_response(response)
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
        response.cache_control.no_store = True
        return response

    @app.errorhandler(Exception)
    def unexpected_error(exc):
        app.logger.exception("unexpected error on %s", request.path)
        return _answer(500, "internal_error", _("Something went wrong on our side. Please try again."))
