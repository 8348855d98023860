"""/photos: contributed photos, cleaned and stored under their content hash."""
from flask import Blueprint, abort, send_file

from geotour.context import current as _ctx

bp = Blueprint("photos", __name__)
IMMUTABLE = 365 * 24 * 3600


@bp.get("/photos/<photo_id>-<size>.webp")
def photo(photo_id, size):
    """Serve a cleaned photo; its name is its content hash, so it may be cached for a year."""
    path = _ctx().photos.path(photo_id, size)
    if path is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/webp", max_age=IMMUTABLE, conditional=True)
    response.cache_control.immutable = True
    response.cache_control.public = True
    return response
