"""Import files kept between the dry run and the confirmation, so a member on a slow link uploads once."""
import os
import re
import secrets
import tempfile
import time
from pathlib import Path

STASH_ID = re.compile(r"^[0-9a-f]{32}$")
MAX_AGE_S = 24 * 3600


class ImportStash:
    """A folder of uploaded import files, each readable only by the user who sent it, kept for a day."""

    def __init__(self, root):
        self.root = Path(root)

    def put(self, user_id, filename, data):
        """Keep a file for a user; return its stash id."""
        self.root.mkdir(parents=True, exist_ok=True)
        self._sweep()
        stash_id = secrets.token_hex(16)
        fd, temp = tempfile.mkstemp(dir=self.root, suffix=".part")
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(temp, self.root / f"{user_id}-{stash_id}")
        (self.root / f"{user_id}-{stash_id}.name").write_text(Path(filename or "upload").name, encoding="utf-8")
        return stash_id

    def get(self, user_id, stash_id):
        """Return (filename, data) of a user's kept file, or None."""
        if not STASH_ID.match(stash_id or ""):
            return None
        path = self.root / f"{int(user_id)}-{stash_id}"
        if not path.is_file():
            return None
        return (path.with_name(path.name + ".name").read_text(encoding="utf-8"), path.read_bytes())

    def drop(self, user_id, stash_id):
        """Forget a kept file (after it was committed)."""
        if STASH_ID.match(stash_id or ""):
            for suffix in ("", ".name"):
                (self.root / f"{int(user_id)}-{stash_id}{suffix}").unlink(missing_ok=True)

    def _sweep(self):
        cutoff = time.time() - MAX_AGE_S
        for path in self.root.iterdir():
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
