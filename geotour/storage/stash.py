"""Import files kept between the dry run and the confirmation, so a member on a slow link uploads once.

They live in the database (see SQLFiles), not on one machine's disk: behind a load balancer the
confirmation may reach another machine than the preview did.
"""

import re
from pathlib import PurePath

STASH_ID = re.compile(r"^[0-9a-f]{32}$")


class ImportStash:
    """Uploaded import files, each readable only by the user who sent it, kept for a day."""

    def __init__(self, storage):
        self.storage = storage

    def put(self, user_id, filename, data):
        """Keep a file for a user; return its stash id."""
        return self.storage.stash_import(user_id, PurePath(filename or "upload").name, data)

    def get(self, user_id, stash_id):
        """Return (filename, data) of a user's kept file, or None."""
        if not STASH_ID.match(stash_id or ""):
            return None
        return self.storage.stashed_import(user_id, stash_id)

    def drop(self, user_id, stash_id):
        """Forget a kept file (after it was committed)."""
        if STASH_ID.match(stash_id or ""):
            self.storage.drop_stashed_import(user_id, stash_id)
