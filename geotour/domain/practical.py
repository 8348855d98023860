"""The practical facts the sources already give about a place, sorted into the fields a visitor looks for.

A seed site carries `facts`: a list of {"fact", "source", "date"} as the research recorded them (in English).
`fact_wording.json`, beside the seed layers, says for each recorded fact what it tells (a ticket, parking, a boat,
hours, access, facilities, or a "good to know" note) in Indonesian and English. A fact with no wording is still
shown, as recorded, under "good to know": nothing sourced is dropped. Pure functions.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geotour.domain.data_files import HTTP_URL, read_optional

WORDING_FILE = "fact_wording.json"
# The fields of a place's page a fact can fill, in the page's order; "note" is "good to know".
ABOUT = ("ticket", "parking", "boat", "hours", "access", "facilities", "note")
# The contributor's fields behind each field of the page: an approved value replaces what the sources say (ticket,
# parking, boat, hours) or stands beside it (access, facilities), shown with the day it was approved.
CONTRIBUTED = {
    "ticket": ("ticket_price",),
    "parking": ("parking_fee",),
    "boat": ("boat_fare",),
    "hours": ("opening_hours",),
    "access": ("access_road", "walk_minutes", "access"),
    "facilities": ("facilities",),
    "status": ("status",),
}
_PLACEHOLDER = re.compile(r"\{(\d+)\}")
_YEAR = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2]))?(?:-\d{2})?$")


@dataclass(frozen=True)
class Part:
    """What one recorded fact says about one field: text per language ({0}… stand for `idr` amounts)."""

    about: str
    text: Mapping[str, str]
    idr: tuple[int, ...] = ()


@dataclass(frozen=True)
class SourcedFact:
    """One part of a recorded fact, with the fact's source and date."""

    part: Part
    source: str | None  # an http(s) address, or None when the record names none we can link
    date: str | None  # as recorded: "2022", "2022-08" or "2022-08-15"
    worded: bool  # False: shown as recorded (English), because fact_wording.json does not word it

    @property
    def year(self) -> int | None:
        """Return the year the source is from, or None when it is undated."""
        match = _YEAR.match(self.date or "")
        return int(match.group(1)) if match else None


Wording = Mapping[str, tuple[Part, ...]]


def _key(text: str) -> str:
    return " ".join(text.split())


def _part(about: object, texts: Mapping[str, object], idr: object, fact: str) -> Part:
    if about not in ABOUT:
        raise ValueError(f"unknown field {about!r} (one of {', '.join(ABOUT)})")
    amounts = idr if isinstance(idr, list) else []
    if idr is not None and not (
        isinstance(idr, list) and all(isinstance(a, int) and not isinstance(a, bool) and a >= 0 for a in idr)
    ):
        raise ValueError('"idr" must be a list of whole rupiah amounts')
    text = {"id": texts.get("id"), "en": texts.get("en", fact)}
    for lang, words in text.items():
        if not isinstance(words, str) or not words.strip():
            raise ValueError(f'"{lang}" must be a text')
        if sorted({int(n) for n in _PLACEHOLDER.findall(words)}) != list(range(len(amounts))):
            raise ValueError(f'"{lang}" must use {{0}}… once for each of the {len(amounts)} amounts')
    return Part(str(about), {k: str(v) for k, v in text.items()}, tuple(amounts))


def wording_from_dict(data: object) -> dict[str, tuple[Part, ...]]:
    """Return {recorded fact: parts} from the parsed wording file; raise ValueError naming the first fault."""
    facts = data.get("facts") if isinstance(data, dict) else None
    if not isinstance(facts, dict):
        raise ValueError('top level must be an object with "facts"')
    wording: dict[str, tuple[Part, ...]] = {}
    for fact, parts in facts.items():
        if not isinstance(parts, list) or not parts or not all(isinstance(p, dict) for p in parts):
            raise ValueError(f"{fact!r}: must be a list of parts")
        try:
            wording[_key(fact)] = tuple(_part(p.get("about"), p, p.get("idr"), fact) for p in parts)
        except ValueError as exc:
            raise ValueError(f"{fact!r}: {exc}") from None
    return wording


def load_wording(data_dir: str | Path) -> dict[str, tuple[Part, ...]]:
    """Return the wording in data_dir/fact_wording.json ({} when there is none), or raise SeedDataError."""
    return read_optional(data_dir, WORDING_FILE, wording_from_dict) or {}


def source_link(source: object) -> str | None:
    """Return a recorded source if it is a well-formed http(s) address, else None (the fact shows unlinked)."""
    return source if isinstance(source, str) and HTTP_URL.match(source) else None


def sourced_facts(facts: object, wording: Wording) -> list[SourcedFact]:
    """Return every part of every recorded fact, in the order recorded; an unworded fact is one "note"."""
    found: list[SourcedFact] = []
    for record in facts if isinstance(facts, list) else ():
        if (
            not isinstance(record, dict)
            or not isinstance(record.get("fact"), str)
            or not record["fact"].strip()
        ):
            continue
        date = record.get("date") if isinstance(record.get("date"), str) else None
        parts = wording.get(_key(record["fact"]))
        recorded = (Part("note", {"en": record["fact"].strip()}),)
        for part in parts or recorded:
            found.append(SourcedFact(part, source_link(record.get("source")), date, parts is not None))
    return found


def by_field(found: Iterable[SourcedFact]) -> dict[str, list[SourcedFact]]:
    """Return {field: its sourced facts, newest source first (undated last)}, for every field in ABOUT."""
    fields: dict[str, list[SourcedFact]] = {about: [] for about in ABOUT}
    for fact in found:
        fields[fact.part.about].append(fact)
    for facts in fields.values():
        facts.sort(key=lambda f: f.date or "", reverse=True)  # stable: same date keeps the recorded order
    return fields


def wording_text(part: Part, lang: str, amount: Any) -> tuple[str, str]:
    """Return (text, its language) of a part in `lang` (else the other language), amounts written by `amount`."""
    other = "en" if lang == "id" else "id"
    shown = lang if lang in part.text else other
    words = part.text[shown]
    if part.idr:
        words = _PLACEHOLDER.sub(lambda m: amount(part.idr[int(m.group(1))]), words)
    return words, shown
