"""Immutable layer snapshots on disk: one file per layer, view and data version, with gzip and brotli
forms beside it, for the front server (nginx `try_files`, `gzip_static`, `brotli_static`) to send
without asking the app.

They are a cache: losing them loses nothing, and every machine writes its own when asked. Files are
written under a temporary name and renamed, so a reader sees a whole file or none.
"""

import gzip
import os
import re
import tempfile
from pathlib import Path

import brotli

from geotour.config import LOCALES

# The one spelling of a snapshot's name, used here, by the service worker and by nginx's configuration.
LAYER_PATTERN = r"[a-z0-9_-]{1,40}"
TOKEN_PATTERN = r"[0-9]{1,12}-[0-9a-f]{8}"  # <data version>-<data tag>
# The map's view of a layer, in one language (`.map.id`) or both (`.map`, the catalogue's map_snapshot_url)
FILE_PATTERN = TOKEN_PATTERN + r"(\.map(?:\.(?:" + "|".join(LOCALES) + r"))?)?\.geojson"
NAME = re.compile(LAYER_PATTERN)
TOKEN = re.compile(TOKEN_PATTERN)


def map_view(lang: str) -> str:
    """Return the name of the map's view in one language: "map.id" (see FILE_PATTERN)."""
    return f"map.{lang}"


VIEWS = ("full", "map", *(map_view(lang) for lang in LOCALES))
KEEP_VERSIONS = 3  # per layer and view: a page rendered a moment before an approval still finds its file
ENCODINGS = {
    ".gz": lambda body: gzip.compress(body, 9, mtime=0),
    ".br": lambda body: brotli.compress(body, quality=11),
}


def file_name(token: str, view: str) -> str:
    """Return the file name of a snapshot: `<token>.geojson`, or `<token>.<view>.geojson` for the map's views
    (`<token>.map.geojson`, `<token>.map.id.geojson`)."""
    return f"{token}.geojson" if view == "full" else f"{token}.{view}.geojson"


class SnapshotStore:
    """A folder of snapshots: `<root>/<layer>/<token>[.<view>].geojson` (+ `.gz`, `.br`)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, layer_id: str, token: str, view: str) -> Path | None:
        """Return where a snapshot lives, or None for names that cannot be ours."""
        if not NAME.fullmatch(layer_id or "") or not TOKEN.fullmatch(token or "") or view not in VIEWS:
            return None
        return self.root / layer_id / file_name(token, view)

    def write(self, layer_id: str, token: str, view: str, body: bytes) -> Path:
        """Write a snapshot and its compressed forms (readable by the front server); drop old versions."""
        target = self.path(layer_id, token, view)
        if target is None:
            raise ValueError(f"not a snapshot name: {layer_id}/{token} ({view})")
        target.parent.mkdir(parents=True, exist_ok=True)
        # The compressed forms first: the plain file's presence means all are there.
        for suffix, encode in ENCODINGS.items():
            _write_atomically(target.with_name(target.name + suffix), encode(body))
        _write_atomically(target, body)
        self._prune(target.parent, view)
        return target

    def _prune(self, folder: Path, view: str) -> None:
        pattern = "*.geojson" if view == "full" else f"*.{view}.geojson"
        found = [p for p in folder.glob(pattern) if view != "full" or p.name.count(".") == 1]
        found.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        for old in found[KEEP_VERSIONS:]:
            for path in (old, old.with_name(old.name + ".gz"), old.with_name(old.name + ".br")):
                path.unlink(missing_ok=True)


def _write_atomically(target: Path, data: bytes) -> None:
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.chmod(temp, 0o644)  # the front server's workers read it
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
