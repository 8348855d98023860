"""What changed between two versions of a place, as a moderator reads it (the moderation queue and history)."""

import difflib
import math
import re
from collections.abc import Mapping
from typing import Any, TypeGuard

from geotour.domain.geodesy import distance_m
from geotour.domain.routes import line_length_m

DIFF_HIDDEN = frozenset({"id", "layer", "photo", "photo_thumb", "contributed", "attribution"})
LONG_TEXT = (
    120  # a text this long, or of several lines (a story), is shown as one text with its changes marked
)
_WORDS = re.compile(r"\s+|[^\s]+")


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Return [{field, old, new}] for what differs, as a moderator reads it: the location first (with how far it
    moved, in metres on the ellipsoid, when it moved), the photos as their thumbnails, then every other property
    except Geotour's own bookkeeping (ids, the first photo's copies)."""
    old = dict((before or {}).get("properties") or {})
    new = dict((after or {}).get("properties") or {})
    rows = []
    old_at = (before or {}).get("geometry", {}).get("coordinates") if before else None
    new_at = (after or {}).get("geometry", {}).get("coordinates") if after else None
    if old_at != new_at and (_is_line(old_at) or _is_line(new_at)):
        rows.append(_track_row(old_at, new_at))
    elif old_at != new_at:
        row = {"field": "location", "old": old_at, "new": new_at}
        if _is_position(old_at) and _is_position(new_at):
            row["moved_m"] = round(distance_m(old_at[0], old_at[1], new_at[0], new_at[1]))
        rows.append(row)
    if _thumbs(old) != _thumbs(new):
        rows.append({"field": "photos", "old": _thumbs(old), "new": _thumbs(new), "kind": "photos"})
    for key in sorted(set(old) | set(new)):
        if key not in DIFF_HIDDEN and key != "photos" and old.get(key) != new.get(key):
            was, now = old.get(key), new.get(key)
            row = {"field": key, "old": was, "new": now}
            if isinstance(was, str) and isinstance(now, str) and _long_text(was, now):
                row["words"] = word_diff(was, now)
            rows.append(row)
    return rows


def _long_text(old: str, new: str) -> bool:
    return any(len(t) > LONG_TEXT or "\n" in t for t in (old, new))


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Return [(op, text)] that reads `old` into `new` word by word: op is "same", "del" or "ins"."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(("ins", "".join(b[j1:j2])))
    return out


TRACK_SVG_POINTS = 300  # per line: enough to see a track's shape in the queue, small in the page


def _is_line(coords: object) -> TypeGuard[list[list[float]]]:
    return isinstance(coords, list) and len(coords) >= 2 and all(_is_position(c) for c in coords)


def _track_row(old: object, new: object) -> dict[str, Any]:
    """A route's line changed: both lengths (metres on the ellipsoid), the change, and both lines drawn on one
    small map (SVG points only; the template draws them), the old one under the new."""
    lines = [c if _is_line(c) else None for c in (old, new)]
    lengths = [round(line_length_m(c)) if c else None for c in lines]
    row: dict[str, Any] = {"field": "track", "kind": "track", "old": lengths[0], "new": lengths[1]}
    if lengths[0] is not None and lengths[1] is not None:
        row["change_m"] = lengths[1] - lengths[0]
    every = [p for c in lines if c for p in c]
    west, east = min(p[0] for p in every), max(p[0] for p in every)
    south, north = min(p[1] for p in every), max(p[1] for p in every)
    across = math.cos(
        math.radians((south + north) / 2)
    )  # a degree of longitude is shorter than one of latitude
    width, height = max((east - west) * across, 1e-9), max(north - south, 1e-9)
    scale = 220 / max(width, height)

    def points(line: list[list[float]] | None) -> str | None:
        if not line:
            return None
        step = max(1, len(line) // TRACK_SVG_POINTS)
        shown = line[::step] + ([line[-1]] if (len(line) - 1) % step else [])
        return " ".join(
            f"{10 + (p[0] - west) * across * scale:.1f},{10 + (north - p[1]) * scale:.1f}" for p in shown
        )

    row["svg"] = {
        "viewbox": f"0 0 {width * scale + 20:.0f} {height * scale + 20:.0f}",
        "old": points(lines[0]),
        "new": points(lines[1]),
    }
    return row


def _is_position(coords: object) -> TypeGuard[list[float]]:
    return (
        isinstance(coords, list) and len(coords) >= 2 and all(isinstance(c, (int, float)) for c in coords[:2])
    )


def _thumbs(properties: Mapping[str, Any]) -> list[Any]:
    return [p.get("thumb") for p in properties.get("photos") or () if isinstance(p, dict) and p.get("thumb")]
