"""`Idempotency-Key` on every write: a retry after a lost response gets the first answer, and nothing is
stored twice (draft-ietf-httpapi-idempotency-key-header).

The key is scoped to the signed-in user and kept for a day. The request's fingerprint (method, path, query
and the parsed body: JSON, form fields and each file's content, name and type, so a new multipart boundary
does not count as a new request) must match, or the answer is 422. While the first request runs, a retry gets
409 with Retry-After. Only answers below 500 are kept: after a 5xx, or a request that died before its
write committed, the key is free again, and the retry runs as new.
"""

import hashlib
import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any, cast

from flask import Response, current_app, make_response, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from geotour.context import current as _ctx
from geotour.errors import AlreadyStored, BadParameter, GeotourError, InProgress, KeyReused
from geotour.storage import Storage
from geotour.storage.sql_idempotency import PENDING_KEY
from geotour.web.auth import user_record
from geotour.web.params import View
from geotour.web.views import Blueprint

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII, as a header value
STALE_AFTER_S = 120  # longer than a gunicorn worker may run one request: an older open claim lost its worker
MAX_KEPT_BODY = 1_000_000
# What the OpenAPI document says of the header, on every view that takes it (geotour.web.api.openapi).
# flask-smorest puts these parameters in place of the operation's own list, so a keyed write takes no query
# parameters (none does; a body is declared apart, with @bp.body).
DOCUMENTED = Blueprint.doc(
    parameters=[
        {
            "name": HEADER,
            "in": "header",
            "required": False,
            "description": "Any unique string (a UUID) the client keeps with this write and sends again with every "
            "retry. The server keeps each key for 24 hours per user: a retry gets the first answer back (with the "
            "header Idempotent-Replayed: true) and nothing is stored twice. The same key with a different request "
            "is 422; a retry while the first is still running is 409 with Retry-After.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255},
        }
    ],
    responses={"409": "CONFLICT", "422": "UNPROCESSABLE_ENTITY"},
)


def idempotent(view: View) -> View:
    """Make a write view honour the Idempotency-Key header (after sign-in checks, before the view)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        raw = request.headers.get(HEADER)
        if raw is None:
            return view(*args, **kwargs)
        key = raw.strip().strip('"')
        if not KEY_PATTERN.fullmatch(key):
            raise BadParameter(_("Idempotency-Key must be 1 to 255 visible ASCII characters."), HEADER)
        return _keyed(view, args, kwargs, user_record()["id"], key, fingerprint())

    return cast(View, DOCUMENTED(wrapper))


def fingerprint() -> str:
    """Return a hash of what the request asks for, the same for every retry of it."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    for name, value in sorted(request.args.items(multi=True)):  # ?layer= changes what a write does
        digest.update(f"query {name}={value}\n".encode())
    try:
        body = request.get_json(silent=True) if request.is_json else None
    except RecursionError:  # the view refuses it; the fingerprint only needs to be the same for a retry
        body = None
        digest.update(request.get_data())
    if body is not None:
        digest.update(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    elif request.files or request.form:
        for name, value in sorted(request.form.items(multi=True)):
            digest.update(f"form {name}={value}\n".encode())
        for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
            content = hashlib.sha256(upload.stream.read()).hexdigest()
            upload.stream.seek(0)
            # The name and type too: an import reads a file by its name (.csv, .kml, .geojson).
            digest.update(f"file {name}={content} {upload.filename!r} {upload.mimetype}\n".encode())
    else:
        digest.update(f"{request.mimetype}\n".encode())
        digest.update(request.get_data())
    return digest.hexdigest()


def _keyed(
    view: Callable[..., ResponseReturnValue],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    user_id: int,
    key: str,
    print_: str,
) -> ResponseReturnValue:
    storage = _ctx().storage
    found = storage.claim_idempotency_key(user_id, key, print_)
    if found is not None:
        if found.fingerprint != print_:
            raise KeyReused(_("This Idempotency-Key was already used for a different request."), HEADER)
        if found.answered:
            response = Response(found.body, status=found.status, mimetype=found.mimetype)
            response.headers[REPLAYED_HEADER] = "true"
            return response
        if found.committed:
            if _age_s(found.created_at) < STALE_AFTER_S:
                raise _in_progress()
            raise AlreadyStored(_("This request was already stored; only its first answer was lost."), HEADER)
        if _age_s(found.created_at) < STALE_AFTER_S:
            raise _in_progress()
        storage.release_idempotency_key(user_id, key)  # its worker died before writing: run it again
        if storage.claim_idempotency_key(user_id, key, print_) is not None:
            raise _in_progress()
    return _run(view, args, kwargs, storage, user_id, key)


def _run(
    view: Callable[..., ResponseReturnValue],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    storage: Storage,
    user_id: int,
    key: str,
) -> ResponseReturnValue:
    token = PENDING_KEY.set((user_id, key))
    try:
        response = make_response(view(*args, **kwargs))
    except GeotourError as exc:
        response = make_response(current_app.handle_user_exception(exc))
    except BaseException:
        PENDING_KEY.reset(token)
        storage.release_idempotency_key(user_id, key)
        raise
    PENDING_KEY.reset(token)
    body = response.get_data() if not response.is_streamed else None
    if response.status_code >= 500 or body is None or len(body) > MAX_KEPT_BODY:
        storage.release_idempotency_key(user_id, key)
    else:
        storage.answer_idempotency_key(user_id, key, response.status_code, response.mimetype, body)
    return response


def _in_progress() -> InProgress:
    return InProgress(_("The first request with this key is still being stored; try again shortly."), HEADER)


def _age_s(created_at: str) -> float:
    created = datetime.strptime(created_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return time.time() - created.timestamp()
