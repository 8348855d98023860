"""Photo files on disk: written once under their content hash, atomically, never changed after."""

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from geotour.storage import Storage
from geotour.storage.records import PhotoSource

PHOTO_ID = re.compile(r"^[0-9a-f]{32}$")
SOURCE_HASH = re.compile(r"^[0-9a-f]{64}$")
SIZES = ("display", "thumb")


def _write_once(target: Path, data: bytes) -> None:
    """Write a file atomically: readers see the whole file or none."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, suffix=".part")
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    os.chmod(temp, 0o644)  # the front server's workers send it, once the app has said who may see it
    os.replace(temp, target)


class CleanedPhoto(Protocol):
    """What is stored of a photo (contributions.photo_cleaning.Photo): its id, both sizes, where it was taken."""

    @property
    def id(self) -> str: ...

    @property
    def display(self) -> bytes: ...

    @property
    def thumb(self) -> bytes: ...

    @property
    def gps(self) -> tuple[float, float] | None: ...


class PhotoStore:
    """A folder of cleaned photos, sharded by the first two characters of the id."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, photo_id: str, size: str) -> Path | None:
        """Return the file for a photo id and size, or None for an id or size that cannot exist."""
        if not PHOTO_ID.match(photo_id or "") or size not in SIZES:
            return None
        return self.root / photo_id[:2] / f"{photo_id}-{size}.webp"

    def exists(self, photo_id: str | None) -> bool:
        """Return whether both sizes of this photo are stored."""
        if photo_id is None:
            return False
        return all((p := self.path(photo_id, size)) is not None and p.is_file() for size in SIZES)

    def save(self, photo: CleanedPhoto) -> None:
        """Write both sizes of a Photo (a no-op when it is already stored)."""
        for size in SIZES:
            target = self.path(photo.id, size)
            if target is None or target.is_file():
                continue
            _write_once(target, getattr(photo, size))

    def discard(self, photo_id: str) -> None:
        """Delete both sizes of a photo nothing shows any more (a visitor's report that expired); the note
        of its source then leads nowhere, as by_source checks that the photo exists."""
        for size in SIZES:
            target = PhotoStore.path(
                self, photo_id, size
            )  # this machine's file (or cached copy), never fetched
            if target is not None:
                target.unlink(missing_ok=True)

    def remember_source(self, source_hash: str, photo: CleanedPhoto) -> None:
        """Note that the uploaded bytes with this SHA-256 became `photo`, so a client may ask before sending."""
        if not SOURCE_HASH.match(source_hash):
            return
        target = self.root / "sources" / source_hash[:2] / f"{source_hash}.json"
        if target.is_file():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, suffix=".part")
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump({"id": photo.id, "gps": list(photo.gps) if photo.gps else None}, file)
        os.replace(temp, target)

    def by_source(self, source_hash: str) -> PhotoSource | None:
        """Return {"id", "gps"} of the photo made from uploaded bytes with this SHA-256, or None."""
        if not SOURCE_HASH.match(source_hash):
            return None
        target = self.root / "sources" / source_hash[:2] / f"{source_hash}.json"
        try:
            found = json.loads(target.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return found if self.exists(found.get("id")) else None


class DatabasePhotoStore(PhotoStore):
    """Photos in the database (GEOTOUR_PHOTO_STORE=database), so machines share nothing but the database.

    The folder is only this machine's cache: a photo read from the database is written there once, and
    the front server sends it from disk from then on (photos never change: their name is their hash).
    """

    def __init__(self, storage: Storage, cache_root: str | os.PathLike[str]) -> None:
        super().__init__(cache_root)
        self.storage = storage

    def exists(self, photo_id: str | None) -> bool:
        """Return whether both sizes of this photo are in the database."""
        return (
            photo_id is not None
            and bool(PHOTO_ID.match(photo_id))
            and self.storage.photo_sizes(photo_id) >= set(SIZES)
        )

    def save(self, photo: CleanedPhoto) -> None:
        """Store both sizes in the database, and in this machine's cache."""
        for size in SIZES:
            self.storage.put_photo_file(photo.id, size, getattr(photo, size))
        super().save(photo)

    def path(self, photo_id: str, size: str) -> Path | None:
        """Return the cached file of a photo, copying it from the database first; None when it is not there."""
        target = super().path(photo_id, size)
        if target is None or target.is_file():
            return target
        data = self.storage.photo_file(photo_id, size)
        if data is None:
            return None
        _write_once(target, data)
        return target

    def remember_source(self, source_hash: str, photo: CleanedPhoto) -> None:
        """Note, in the database, that the uploaded bytes with this SHA-256 became `photo`."""
        if SOURCE_HASH.match(source_hash):
            self.storage.put_photo_source(source_hash, photo.id, photo.gps)

    def by_source(self, source_hash: str) -> PhotoSource | None:
        """Return {"id", "gps"} of the photo made from uploaded bytes with this SHA-256, or None."""
        if not SOURCE_HASH.match(source_hash):
            return None
        found = self.storage.photo_source(source_hash)
        return found if found and self.exists(found["id"]) else None
