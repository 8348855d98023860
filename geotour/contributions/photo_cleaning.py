"""Contributed photos: decode and re-encode with Pillow, read the GPS position, keep no metadata.

Re-encoding every file is what guards against decompression bombs and files that lie about their
type, and it drops all EXIF (GPS included) once the position has been read.
"""

import hashlib
import io
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from geotour.errors import BadParameter, TooLarge

FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PHOTOS = 5
MAX_REQUEST_PIXELS = 100_000_000  # every photo of one sending together: five 20-megapixel phone photos
MAX_PIXELS = 40_000_000  # a 40-megapixel phone photo is fine; a 1-gigapixel "photo" is an attack
DISPLAY_SIZE = 1600
THUMB_SIZE = 400
GPS_IFD = 0x8825


@dataclass(frozen=True)
class Photo:
    """A cleaned photo: its id (a content hash), a display size and a thumbnail (WebP), and where it was taken."""

    id: str
    display: bytes
    thumb: bytes
    width: int
    height: int
    gps: tuple[float, float] | None  # (lon, lat)


def _rational(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return float(value[0]) / float(value[1])


def gps_position(exif: Image.Exif) -> tuple[float, float] | None:
    """Return (lon, lat) from EXIF GPS tags, or None when they are missing or nonsense."""
    gps = exif.get_ifd(GPS_IFD) if exif else {}
    try:
        lat_dms, lon_dms = gps[2], gps[4]
        lat = sum(_rational(v) / 60**i for i, v in enumerate(lat_dms))
        lon = sum(_rational(v) / 60**i for i, v in enumerate(lon_dms))
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None
    if str(gps.get(1, "N")).upper().startswith("S"):
        lat = -lat
    if str(gps.get(3, "E")).upper().startswith("W"):
        lon = -lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return round(lon, 6), round(lat, 6)


def _encode(image: Image.Image, size: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, "WEBP", quality=80, method=4)  # saved without exif or icc: nothing personal is kept
    return out.getvalue()


def _pixels(data: bytes) -> int:
    """Return a photo's pixel count from its header alone (nothing is decoded); 0 when it cannot say."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            return probe.width * probe.height
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return 0  # process_photo reports the fault, saying which


def check_sending(photos_data: Sequence[bytes], field: str = "photos") -> None:
    """Refuse a sending of photos before any is decoded: too many, or too many pixels together."""
    if len(photos_data) > MAX_PHOTOS:
        raise BadParameter("At most %(n)d photos per place.", field, n=MAX_PHOTOS)
    total = sum(_pixels(data) for data in photos_data)
    if total > MAX_REQUEST_PIXELS:
        raise TooLarge(
            "These photos hold %(got)d megapixels together; the limit is %(max)d. Send fewer or smaller "
            "photos.",
            field,
            got=total // 1_000_000,
            max=MAX_REQUEST_PIXELS // 1_000_000,
        )


def _not_a_photo(field: str) -> BadParameter:
    return BadParameter(
        "This file is not a photo we can read. Send a JPEG, PNG or WebP photo; on an iPhone, set "
        "Settings › Camera › Formats to Most Compatible.",
        field,
    )


def process_photo(data: bytes, max_bytes: int, field: str = "photos") -> Photo:
    """Return a Photo made from uploaded bytes, or raise BadParameter/TooLarge saying what is wrong."""
    if len(data) > max_bytes:
        raise TooLarge(
            "A photo may be at most %(max)s MB; this one is %(got)s MB.",
            field,
            max=max_bytes / 1e6,
            got=round(len(data) / 1e6, 1),
        )
    if not data:
        raise BadParameter("The photo file is empty; choose the photo again.", field)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format
                if kind not in FORMATS:
                    raise _not_a_photo(field)
                if probe.width * probe.height > MAX_PIXELS:
                    raise TooLarge(
                        "The photo has %(w)d×%(h)d pixels; the limit is %(max)d megapixels. Send a smaller "
                        "copy of it.",
                        field,
                        w=probe.width,
                        h=probe.height,
                        max=MAX_PIXELS // 1_000_000,
                    )
                exif = probe.getexif()
                image = ImageOps.exif_transpose(probe)
                image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _not_a_photo(field) from None
    except (OSError, SyntaxError, ValueError):
        raise BadParameter(
            "The photo file is damaged or cut short; choose it again, or take the photo again.", field
        ) from None
    image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    display = _encode(image, DISPLAY_SIZE)
    return Photo(
        id=hashlib.sha256(display).hexdigest()[:32],
        display=display,
        thumb=_encode(image, THUMB_SIZE),
        width=image.width,
        height=image.height,
        gps=gps_position(exif),
    )


def photo_urls(photo_id: str, url_for_photo: Callable[[str, str], str]) -> dict[str, str]:
    """Return the properties a feature keeps for one photo: its display and thumbnail URLs."""
    return {
        "id": photo_id,
        "url": url_for_photo(photo_id, "display"),
        "thumb": url_for_photo(photo_id, "thumb"),
    }
