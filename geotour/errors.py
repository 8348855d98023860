"""Errors that carry an HTTP status and a message that is safe to show to anyone."""


class GeotourError(Exception):
    """Base error: an HTTP status, a machine-readable code, a safe message and the field at fault."""

    status = 400
    code = "bad_request"

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self):
        """Return the JSON error body used under /api."""
        return {"error": {"code": self.code, "message": self.message, "field": self.field}}


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

    def __init__(self, path, feature, fault):
        self.path, self.feature, self.fault = str(path), feature, fault
        where = f" feature {feature}" if feature is not None else ""
        super().__init__(f"{self.path}:{where}: {fault}")
