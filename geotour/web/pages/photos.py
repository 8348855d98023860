"""/photos: contributed photos, cleaned and stored under their content hash.

A photo is public once a published feature shows it: then it is sent with a year's public caching, and a
copy goes where the front server sends it from without asking the app. Before that (pending, rejected, or
never attached) only the people who sent it and moderators may fetch it, privately; anyone else gets the
same 404 as for a photo that does not exist.
"""

from pathlib import Path

from flask import Blueprint, Response, abort, send_file
from flask.typing import ResponseReturnValue
from flask_login import current_user

from geotour.context import current as _ctx
from geotour.contributions import accounts

bp = Blueprint("photos", __name__)
IMMUTABLE = 365 * 24 * 3600


@bp.get("/photos/<photo_id>-<size>.webp")
def photo(photo_id: str, size: str) -> ResponseReturnValue:
    """Serve a cleaned photo to whoever may see it; its name is its content hash, so it never changes."""
    store, storage = _ctx().photos, _ctx().storage
    if store.path(photo_id, size) is None:
        abort(404)
    if storage.photo_published(photo_id):
        return _send(store.public_path(photo_id, size), public=True)
    user = current_user.record if current_user.is_authenticated else None
    if user is None or not (accounts.can_moderate(user) or storage.photo_uploaded_by(photo_id, user["id"])):
        abort(404)
    return _send(store.path(photo_id, size), public=False)


def _send(path: Path | None, public: bool) -> Response:
    if path is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/webp", max_age=IMMUTABLE, conditional=True)
    response.cache_control.immutable = True
    if public:
        response.cache_control.public = True
    else:
        response.cache_control.private = True
        response.vary.add("Cookie")
        response.vary.add("Authorization")
    return response
