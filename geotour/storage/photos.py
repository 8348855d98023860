"""Photo files on disk: written once under their content hash, atomically, never changed after."""
import os
import re
import tempfile
from pathlib import Path

PHOTO_ID = re.compile(r"^[0-9a-f]{32}$")
SIZES = ("display", "thumb")


class PhotoStore:
    """A folder of cleaned photos, sharded by the first two characters of the id."""

    def __init__(self, root):
        self.root = Path(root)

    def path(self, photo_id, size):
        """Return the file for a photo id and size, or None for an id or size that cannot exist."""
        if not PHOTO_ID.match(photo_id or "") or size not in SIZES:
            return None
        return self.root / photo_id[:2] / f"{photo_id}-{size}.webp"

    def exists(self, photo_id):
        """Return whether both sizes of this photo are stored."""
        return all((p := self.path(photo_id, size)) is not None and p.is_file() for size in SIZES)

    def save(self, photo):
        """Write both sizes of a Photo (a no-op when it is already stored)."""
        for size in SIZES:
            target = self.path(photo.id, size)
            if target.is_file():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=target.parent, suffix=".part")
            with os.fdopen(fd, "wb") as file:
                file.write(getattr(photo, size))
            os.replace(temp, target)  # readers see the whole file or none
