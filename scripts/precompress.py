"""Write a brotli (.br, quality 11) and a gzip (.gz, level 9) copy next to every text file under a folder
of installed libraries (`make assets` runs it on static/vendor), for nginx's brotli_static and gzip_static
under `make serve`.

Compressing Leaflet at brotli 11 takes a fifth of a second: too slow for each request, but done once it makes
Leaflet 37 kB on a phone's link instead of the 44 kB of nginx's per-request level 4. Only the libraries are
done: they change only when `make assets` copies them again, and it writes these copies again then. Our own
scripts are not: the app fingerprints a file as soon as it changes (web/assets.py), so a copy made before an
edit would be sent, for a year, under the new fingerprint. A copy is written whole and then renamed into
place, and made again only when its file is newer.

    python scripts/precompress.py static/vendor
"""

import gzip
import os
import sys
import tempfile
from pathlib import Path

import brotli

TEXT = {".js", ".mjs", ".css", ".svg", ".json", ".webmanifest", ".map"}
SMALLEST = 500  # bytes; nginx compresses nothing smaller either (gzip_min_length)
FORMS = {
    ".br": lambda data: brotli.compress(data, quality=11),
    ".gz": lambda data: gzip.compress(data, 9, mtime=0),
}


def _write_whole(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix="." + path.name + ".")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def precompress(folder: Path) -> int:
    """Write the missing or out-of-date .br and .gz copies of the text files under folder; return how many
    copies were written."""
    written = 0
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix not in TEXT:
            continue
        made = path.stat()
        if made.st_size < SMALLEST:
            continue
        data = None
        for suffix, compress in FORMS.items():
            copy = path.with_name(path.name + suffix)
            if copy.is_file() and copy.stat().st_mtime >= made.st_mtime:
                continue
            data = path.read_bytes() if data is None else data
            _write_whole(copy, compress(data))
            written += 1
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1])
    print(f"precompress: {precompress(target)} copies written under {target}")
