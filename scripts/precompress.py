"""Write a brotli (.br, quality 11) and a gzip (.gz, level 9) copy next to every text file of a folder of
installed libraries (static/vendor), for nginx's brotli_static and gzip_static under `make serve`.

Compressing Leaflet at quality 11 takes a fifth of a second: too slow for each request, but done once here
it makes Leaflet 37 kB on a phone's link instead of the 44 kB of nginx's on-the-fly level 4. Only files
`make assets` installs are compressed this way: they change only when it copies them again, and it writes
these copies again then. Our own scripts, which a developer edits, are compressed per request.

    python scripts/precompress.py static/vendor
"""

import gzip
import sys
from pathlib import Path

import brotli

TEXT = {".js", ".mjs", ".css", ".svg", ".json", ".map"}
SMALLEST = 500  # bytes; nginx compresses nothing smaller either (gzip_min_length)


def precompress(folder: Path) -> int:
    """Write the .br and .gz copies of every text file under folder; return how many files were done."""
    done = 0
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix not in TEXT or path.stat().st_size < SMALLEST:
            continue
        data = path.read_bytes()
        path.with_name(path.name + ".br").write_bytes(brotli.compress(data, quality=11))
        path.with_name(path.name + ".gz").write_bytes(gzip.compress(data, 9, mtime=0))
        done += 1
    return done


if __name__ == "__main__":
    target = Path(sys.argv[1])
    print(f"precompressed {precompress(target)} files under {target}")
