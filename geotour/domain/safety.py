"""The safety card (/keselamatan): emergency numbers, the tsunami natural warning, the beach rule and the roads,
each fact with its source and date, and what is not known. Read from data/geojson/safety.json. Pure functions.

Nothing here is an evacuation map: the card draws no point and no route that nobody has published.
"""

import re
from pathlib import Path
from typing import Any

from geotour.domain.data_files import HTTP_URL, read_optional

SAFETY_FILE = "safety.json"
LEVELS = ("info", "warning", "danger")
_DATE = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$")
_NUMBER = re.compile(r"^\d{3,15}$")


def _texts(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(value.get(k), str) and value[k].strip() for k in ("id", "en")
    ):
        raise ValueError(f"{where}: needs a text in id and in en")
    return {"id": value["id"], "en": value["en"]}


def _sourced(value: dict[str, Any], where: str) -> dict[str, Any]:
    source = value.get("source")
    if not isinstance(source, dict) or not isinstance(source.get("name"), str) or not source["name"].strip():
        raise ValueError(f"{where}: needs a source with a name")
    url = source.get("url")
    if url is not None and not (isinstance(url, str) and HTTP_URL.match(url)):
        raise ValueError(f"{where}: the source's url must be an http(s) address")
    if not isinstance(value.get("date"), str) or not _DATE.match(value["date"]):
        raise ValueError(f"{where}: needs the source's date, as YYYY, YYYY-MM or YYYY-MM-DD")
    return {"source": {"name": source["name"], "url": url}, "date": value["date"]}


def safety_from_dict(data: object) -> dict[str, Any]:
    """Return the card's content, checked: every number, section and fact with its source and date."""
    if not isinstance(data, dict):
        raise ValueError("top level must be an object")
    numbers = []
    for n, entry in enumerate(data.get("numbers") or [], start=1):
        where = f"numbers[{n}]"
        if not isinstance(entry, dict) or not _NUMBER.match(str(entry.get("number", ""))):
            raise ValueError(f"{where}: a number is 3 to 15 digits")
        numbers.append(
            {
                "number": str(entry["number"]),
                "name": _texts(entry.get("name"), where),
                "note": _texts(entry.get("note"), where),
                **_sourced(entry, where),
            }
        )
    if not numbers:
        raise ValueError("the card needs at least one emergency number")
    sections = []
    for s, entry in enumerate(data.get("sections") or [], start=1):
        where = f"sections[{s}]"
        if (
            not isinstance(entry, dict)
            or entry.get("level") not in LEVELS
            or not isinstance(entry.get("id"), str)
        ):
            raise ValueError(f"{where}: needs an id and a level ({', '.join(LEVELS)})")
        items = []
        for i, item in enumerate(entry.get("items") or [], start=1):
            at = f"{where}.items[{i}]"
            if not isinstance(item, dict):
                raise ValueError(f"{at}: must be an object")
            items.append({"text": _texts(item.get("text"), at), **_sourced(item, at)})
        sections.append(
            {
                "id": entry["id"],
                "level": entry["level"],
                "title": _texts(entry.get("title"), where),
                "lead": _texts(entry.get("lead"), where),
                "items": items,
            }
        )
    not_known = [
        _texts(entry, f"not_known[{k}]") for k, entry in enumerate(data.get("not_known") or [], start=1)
    ]
    links = []
    for k, entry in enumerate(data.get("links") or [], start=1):
        if not isinstance(entry, dict) or not (
            isinstance(entry.get("url"), str) and HTTP_URL.match(entry["url"])
        ):
            raise ValueError(f"links[{k}]: needs an http(s) url")
        links.append({"title": _texts(entry.get("title"), f"links[{k}]"), "url": entry["url"]})
    return {"numbers": numbers, "sections": sections, "not_known": not_known, "links": links}


def load_safety(data_dir: str | Path) -> dict[str, Any] | None:
    """Return the card in data_dir/safety.json (None when there is none), or raise SeedDataError."""
    return read_optional(data_dir, SAFETY_FILE, safety_from_dict)
