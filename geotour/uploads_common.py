"""Helpers the API and the web forms share for uploads."""
from flask import current_app

from .context import current
from .errors import BadParameter
from .photos import process_photo

TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off", "")


def parse_bool(name, raw):
    """Return True/False for true|false (and 1/0, yes/no, on/off), or raise BadParameter naming `name`."""
    value = (raw or "").strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise BadParameter(f"{name} must be true or false", name)


def save_photo(upload, field="photos"):
    """Clean one uploaded photo (Pillow), store both sizes, and return the Photo."""
    photo = process_photo(upload.read(), current_app.config["GEOTOUR_PHOTO_MAX_BYTES"], field)
    current().photos.save(photo)
    return photo
