"""Photos sent by the API and the web forms: cleaned, then stored, and remembered by the hash of what
was sent (so a phone can ask whether a photo is already here before sending it again)."""
import hashlib

from flask import current_app

from geotour.context import current
from geotour.contributions.photo_cleaning import process_photo


def save_photo(upload, field="photos"):
    """Clean one uploaded photo (Pillow), store both sizes, and return the Photo."""
    data = upload.read()
    photo = process_photo(data, current_app.config["GEOTOUR_PHOTO_MAX_BYTES"], field)
    current().photos.save(photo)
    current().photos.remember_source(hashlib.sha256(data).hexdigest(), photo)
    return photo
