"""Errors that carry an HTTP status and a message that is safe to show to anyone.

A message is a catalogue id (English) with its values; it is translated when it is read, which is at the
edge (an error handler in a request, in that request's language), so domain code never picks a language.
The error classes are extraction keywords for `make messages`: write the message as a literal.
"""

import os
from typing import Any

from geotour.text import gettext


class GeotourError(Exception):
    """Base error: an HTTP status, a machine-readable code, a safe message and the field at fault."""

    status = 400
    code = "bad_request"
    retry_after_s: int | None = None  # when set, the answer says Retry-After
    detail: str | None = None  # a library's own words (GDAL's, in English), for scripts

    def __init__(self, message: str, field: str | None = None, **values: Any) -> None:
        super().__init__(message % values if values else message)
        self.msgid = message
        self.values = values
        self.field = field

    @property
    def message(self) -> str:
        """The message in the current request's language (English outside a request)."""
        return gettext(self.msgid, **self.values)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON error body used under /api."""
        body = {"error": {"code": self.code, "message": self.message, "field": self.field}}
        if self.detail:
            body["error"]["detail"] = self.detail
        return body


class BadParameter(GeotourError):
    """A query parameter or field has a value we cannot use."""

    status = 400
    code = "invalid_parameter"


class NotFound(GeotourError):
    """An unknown layer, feature or page."""

    status = 404
    code = "not_found"


class SeedDataError(Exception):
    """A seed file is invalid; start-up stops with this message (file, feature and fault)."""

    def __init__(self, path: str | os.PathLike[str], feature: str | None, fault: str) -> None:
        self.path, self.feature, self.fault = str(path), feature, fault
        where = f" feature {feature}" if feature is not None else ""
        super().__init__(f"{self.path}:{where}: {fault}")


class Unauthorized(GeotourError):
    """No one is signed in, or the token is unknown or revoked."""

    status = 401
    code = "unauthorized"


class Forbidden(GeotourError):
    """Signed in, but this role may not do that."""

    status = 403
    code = "forbidden"


class Conflict(GeotourError):
    """The request clashes with the current state (a taken name, an already decided submission)."""

    status = 409
    code = "conflict"


class TooLarge(GeotourError):
    """A file or request is over its size or count limit."""

    status = 413
    code = "too_large"


class ValidationFailed(GeotourError):
    """A submission has problems; each names its row (for imports), field and what to fix."""

    status = 400
    code = "invalid_submission"

    def __init__(
        self,
        message: str,
        problems: list[dict[str, Any]],
        report: dict[str, Any] | None = None,
        **values: Any,
    ) -> None:
        field = next((p["field"] for p in problems if p["severity"] == "error"), None)
        super().__init__(message, field, **values)
        self.problems = problems
        self.report = report  # a bulk import's whole report, for the page that shows it

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON error body, with every problem."""
        body = super().to_dict()
        body["error"]["problems"] = self.problems
        return body


class TooManyReports(GeotourError):
    """A sender or a place already has as many open visitor reports as are kept."""

    status = 429
    code = "too_many_reports"
    retry_after_s = 3600


class KeyReused(GeotourError):
    """An Idempotency-Key came back with a different request."""

    status = 422
    code = "idempotency_key_reused"


class InProgress(GeotourError):
    """The first request with this Idempotency-Key is still running; try again in a moment."""

    status = 409
    code = "idempotency_key_in_progress"
    retry_after_s = 2


class AlreadyStored(GeotourError):
    """The write of this Idempotency-Key was stored, but its first answer was lost (the worker died)."""

    status = 409
    code = "idempotency_key_already_stored"
