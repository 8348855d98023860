"""/photos: contributed photos, cleaned and stored under their content hash.

A photo is public while a published feature shows it: then it is sent with a day's public caching. Before
that (pending, rejected, never attached) and after (the place deleted, or reverted to a version without
it) only the people who sent it and moderators may fetch it, privately; anyone else gets the same 404 as
for a photo that does not exist. The app decides on every request, on every machine; under `make serve`
nginx then sends the file (X-Accel-Redirect to GEOTOUR_NGINX_PHOTOS), so a slow phone never holds a worker.
"""

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, send_file
from flask.typing import ResponseReturnValue
from flask_login import current_user

from geotour.context import current as _ctx
from geotour.contributions import accounts

bp = Blueprint("photos", __name__)
PUBLIC_MAX_AGE = 24 * 3600  # a photo's bytes never change, but it stops being public when its place goes
PRIVATE_MAX_AGE = 365 * 24 * 3600


@bp.get("/photos/<photo_id>-<size>.webp")
def photo(photo_id: str, size: str) -> ResponseReturnValue:
    """Serve a cleaned photo to whoever may see it; its name is its content hash, so it never changes."""
    store, storage = _ctx().photos, _ctx().storage
    path = store.path(photo_id, size)
    if path is None:
        abort(404)
    public = storage.photo_published(photo_id)
    if not public:
        user = current_user.record if current_user.is_authenticated else None
        if user is None or not (
            accounts.can_moderate(user) or storage.photo_uploaded_by(photo_id, user["id"])
        ):
            abort(404)
    return _send(path, path.relative_to(store.root).as_posix(), public)


def _send(path: Path, relative: str, public: bool) -> Response:
    if not path.is_file():
        abort(404)
    front = current_app.config["GEOTOUR_NGINX_PHOTOS"]
    if front:  # nginx sends the file; these headers go with it
        response = Response(mimetype="image/webp")
        response.headers["X-Accel-Redirect"] = front.rstrip("/") + "/" + relative
    else:
        response = send_file(
            path,
            mimetype="image/webp",
            conditional=True,
            max_age=PUBLIC_MAX_AGE if public else PRIVATE_MAX_AGE,
        )
    if public:
        response.cache_control.public = True
        response.cache_control.max_age = PUBLIC_MAX_AGE
    else:
        response.cache_control.private = True
        response.cache_control.max_age = PRIVATE_MAX_AGE
        response.cache_control.immutable = True
        response.vary.add("Cookie")
        response.vary.add("Authorization")
    return response
