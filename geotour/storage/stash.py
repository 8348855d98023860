"""Import files kept between the dry run and the confirmation, so a member on a slow link uploads once.

They live in the database (see SQLFiles), not on one machine's disk: behind a load balancer the
confirmation may reach another machine than the preview did.
"""

import re
from pathlib import PurePath

from geotour.storage import Storage

STASH_ID = re.compile(r"^[0-9a-f]{32}$")


class ImportStash:
    """Uploaded import files, each readable only by the user who sent it, kept for a day."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def put(self, user_id: int, filename: str | None, data: bytes) -> str:
        """Keep a file for a user; return its stash id."""
        return self.storage.stash_import(user_id, PurePath(filename or "upload").name, data)

    def claim(self, user_id: int, stash_id: str | None) -> tuple[str, bytes] | None:
        """Take (filename, data) of a user's kept file, once: a second confirmation sent at the same time
        gets None, as does an unknown or expired id."""
        if stash_id is None or not STASH_ID.match(stash_id):
            return None
        return self.storage.claim_stashed_import(user_id, stash_id)

    def put_back(self, user_id: int, stash_id: str, kept: tuple[str, bytes]) -> None:
        """Keep a claimed file again (its import failed), so that nothing the member sent is lost."""
        self.storage.return_stashed_import(user_id, stash_id, *kept)
