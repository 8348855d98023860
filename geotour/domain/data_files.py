"""The small JSON files beside the seed layers that say how pages word things (fact_wording.json,
glossary.json, safety.json): read once at start-up, and a fault stops the start with the file and the fault."""

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from geotour.errors import SeedDataError

T = TypeVar("T")
# A source a page may link to: an http(s) address with nothing a browser would read as the end of it.
HTTP_URL = re.compile(r"^https?://[^\s\"<>\\^`{|}]+$")


def read_optional(data_dir: str | Path, name: str, parse: Callable[[object], T]) -> T | None:
    """Return parse(the parsed file data_dir/name), None when there is no such file; raise SeedDataError naming
    the file and the fault when it cannot be read or `parse` raises ValueError."""
    path = Path(data_dir) / name
    if not path.exists():
        return None
    try:
        return parse(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
        raise SeedDataError(path, None, str(exc)) from None
