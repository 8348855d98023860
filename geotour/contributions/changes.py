"""What changed between two versions of a place, as a moderator reads it (the moderation queue and history)."""

import difflib
import re
from collections.abc import Mapping
from typing import Any, TypeGuard

from geotour.domain.geodesy import distance_m

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
    if old_at != new_at:
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


def _is_position(coords: object) -> TypeGuard[list[float]]:
    return (
        isinstance(coords, list) and len(coords) >= 2 and all(isinstance(c, (int, float)) for c in coords[:2])
    )


def _thumbs(properties: Mapping[str, Any]) -> list[Any]:
    return [p.get("thumb") for p in properties.get("photos") or () if isinstance(p, dict) and p.get("thumb")]
