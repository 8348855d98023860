"""Photos sent by the API and the web forms: cleaned, then stored, and remembered by the hash of what
was sent (so a phone can ask whether a photo is already here before sending it again)."""

import hashlib
from collections.abc import Sequence

from flask import current_app
from werkzeug.datastructures import FileStorage

from geotour.context import current
from geotour.contributions.photo_cleaning import Photo, check_sending, process_photo
from geotour.web.auth import user_record


def save_photo(upload: FileStorage, field: str = "photos") -> Photo:
    """Clean one uploaded photo (Pillow), store both sizes, and return the Photo."""
    return save_photos([upload], field)[0]


def save_photos(uploads: Sequence[FileStorage], field: str = "photos") -> list[Photo]:
    """Clean every uploaded photo, then store them all; return the Photos.

    They are counted and their pixels summed from the headers first, then decoded, and stored only when
    every one is good: a refused sending decodes nothing too large and writes nothing. The sender is noted
    as its uploader: only they may attach it, and only they and moderators see it until it is published.
    """
    sent = [upload.read() for upload in uploads]
    check_sending(sent, field)
    photos = [process_photo(data, current_app.config["GEOTOUR_PHOTO_MAX_BYTES"], field) for data in sent]
    for data, photo in zip(sent, photos, strict=True):
        current().photos.save(photo)
        current().photos.remember_source(hashlib.sha256(data).hexdigest(), photo)
        current().storage.add_photo_uploader(photo.id, user_record()["id"])
    return photos
