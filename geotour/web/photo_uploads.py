"""Photos sent by the API and the web forms: cleaned, then stored."""
from flask import current_app

from geotour.context import current
from geotour.contributions.photo_cleaning import process_photo


def save_photo(upload, field="photos"):
    """Clean one uploaded photo (Pillow), store both sizes, and return the Photo."""
    photo = process_photo(upload.read(), current_app.config["GEOTOUR_PHOTO_MAX_BYTES"], field)
    current().photos.save(photo)
    return photo
