"""One error handler: JSON under /api, an HTML page elsewhere. Never a bare 500."""

import time

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from geotour.errors import GeotourError
from geotour.storage import StorageUnavailable
from geotour.web.auth import limiter

RETRY_AFTER_S = 10

API_PREFIXES = ("/api/", "/ogc", "/oembed")
FRONT_SERVER_ERROR = "/_error/413"  # deploy/nginx.conf.in sends a body it refused for size here


def _wants_json() -> bool:
    # The front server's own 413 reaches us as GET /_error/413, naming the address that was refused.
    path = (
        request.headers.get("X-Geotour-Original-Uri", "")
        if request.path == FRONT_SERVER_ERROR
        else request.path
    )
    return path.startswith(API_PREFIXES)


# What a person sees for each status: a heading and what to do next, in their language.
PAGES = {
    400: (
        _l("This request could not be used"),
        _l("Something in the address or the form is not right. Go back and try again."),
    ),
    401: (_l("Please sign in"), _l("Sign in first, then try again.")),
    403: (_l("Not allowed"), _l("Your account may not do this. Ask the tourism office if you need it.")),
    404: (_l("Page not found"), _l("We could not find that page or place.")),
    405: (_l("Not possible here"), _l("This page cannot do that. Go back and use the page's own buttons.")),
    409: (_l("Already changed"), _l("Someone changed this first. Reload the page to see how it is now.")),
    413: (
        _l("Too large to send"),
        _l(
            "What you sent is larger than we accept. Send smaller photos, or split the file "
            "into smaller files, then try again."
        ),
    ),
    429: (_l("Too many attempts"), _l("Wait a few minutes, then try again.")),
    500: (
        _l("Something went wrong on our side"),
        _l("Please try again in a moment. If it keeps happening, tell the tourism office."),
    ),
    501: (_l("Not available"), _l("This is not offered here.")),
    503: (_l("The server is having trouble"), _l("The server is having trouble. Try again in a moment.")),
}


# What a program reading the API is told for each status, where the page's words speak to a person
# ("go back and use the page's buttons"). A 405 also names the method and what the address takes.
API_WORDS = {
    400: _l("The request could not be read."),
    401: _l("Sign in, or send Authorization: Bearer <token>."),
    403: _l("This account may not do this."),
    404: _l("Nothing is at this address; the API's addresses are in /api/openapi.json."),
    409: _l("This was changed by another request first; read it again, then retry."),
    413: _l(
        "The request body is larger than this server accepts; send a smaller one, or split it into several requests."
    ),
    429: _l("Too many requests; retry after the seconds in the Retry-After header."),
    500: _l("An unexpected error on the server; retry later."),
    501: _l("Not implemented here."),
    503: _l("The server cannot answer now; retry after the seconds in the Retry-After header."),
}


def api_text(status: int) -> str:
    """Return what an API client is told for a status, in the request's language."""
    return str(API_WORDS.get(status) or API_WORDS[500 if status >= 500 else 400])


def page_text(status: int) -> tuple[str, str]:
    """Return (heading, what to do) for a status, in the request's language."""
    heading, advice = PAGES.get(status) or PAGES[500 if status >= 500 else 400]
    return str(heading), str(advice)


def _answer(
    status: int,
    code: str,
    message: str | None = None,
    field: str | None = None,
    retry_after_s: int | None = None,
) -> ResponseReturnValue:
    """Answer an error: JSON under /api (message, else the status's own words), else the error page."""
    heading, advice = page_text(status)
    if _wants_json():
        response = jsonify({"error": {"code": code, "message": message or api_text(status), "field": field}})
        response.status_code = status
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
    if retry_after_s:
        minutes = max(1, -(-retry_after_s // 60))
        advice = ngettext(
            "Wait %(num)d minute, then try again.", "Wait %(num)d minutes, then try again.", minutes
        )
    return render_template(
        "error.html",
        status=status,
        heading=heading,
        message=message,
        advice=advice if message != advice else None,
    ), status


def init_app(app: Flask) -> None:
    """Register the handlers for our errors, HTTP errors and anything unexpected."""

    @app.errorhandler(GeotourError)
    def geotour_error(exc: GeotourError) -> ResponseReturnValue:
        message: str | None = exc.message
        if not _wants_json() and exc.status == 404:
            message = None  # the page's own words: which id was asked for is in the address bar
        elif not _wants_json() and exc.field and exc.status == 400:
            message = _(
                "The address has a value we cannot use (%(field)s): %(detail)s",
                field=exc.field,
                detail=exc.message,
            )
        if _wants_json():
            response = jsonify(exc.to_dict())
            response.status_code = exc.status
            response.headers["Access-Control-Allow-Origin"] = "*"
            if exc.status == 401:
                response.headers["WWW-Authenticate"] = 'Bearer realm="geotour"'
            if exc.retry_after_s:
                response.headers["Retry-After"] = str(exc.retry_after_s)
            return response
        return _answer(exc.status, exc.code, message, exc.field)

    @app.get(FRONT_SERVER_ERROR)
    def refused_by_the_front_server() -> ResponseReturnValue:
        response = app.make_response(_answer(413, "too_large"))
        response.cache_control.no_store = True
        return response

    @app.errorhandler(CSRFError)
    def form_expired(exc: CSRFError) -> ResponseReturnValue:
        if _wants_json():
            return _answer(
                400,
                "csrf_failed",
                _(
                    "The CSRF token is missing or has expired: send the page's token in "
                    "the X-CSRFToken header, or use a Bearer token."
                ),
                "X-CSRFToken",
            )
        return _answer(
            400,
            "csrf_failed",
            _(
                "This form has expired: it was open a long time, or you signed in again elsewhere. Reload the page and "
                "send it again. Submissions saved on this phone are kept."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        if exc.code is not None and exc.code < 400:
            return exc  # routing redirects are answers, not errors
        status = exc.code or 500
        code = (exc.name or "error").lower().replace(" ", "_")
        retry_after_s = None
        if status == 429 and limiter.current_limit is not None:
            retry_after_s = max(1, int(limiter.current_limit.reset_at - time.time()))
        allowed = sorted(exc.valid_methods or ()) if isinstance(exc, MethodNotAllowed) else []
        message = None
        if allowed and _wants_json():
            message = _(
                "%(method)s is not allowed at this address; it takes %(allowed)s (see the Allow header).",
                method=request.method,
                allowed=", ".join(allowed),
            )
        response = app.make_response(_answer(status, code, message, retry_after_s=retry_after_s))
        if retry_after_s:
            response.headers["Retry-After"] = str(retry_after_s)
        if allowed:  # RFC 9110: a 405 says what is allowed
            response.headers["Allow"] = ", ".join(allowed)
        return response

    @app.errorhandler(StorageUnavailable)
    def storage_unavailable(exc: StorageUnavailable) -> ResponseReturnValue:
        app.logger.warning("database unavailable on %s: %s", request.path, exc)
        response = _answer(503, "database_unavailable")
        response = app.make_response(response)
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
        response.cache_control.no_store = True
        return response

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception) -> ResponseReturnValue:
        app.logger.exception("unexpected error on %s", request.path)
        return _answer(500, "internal_error")
