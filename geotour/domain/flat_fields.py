"""Properties as GIS programs read them: every field one simple type across a whole layer, present (null when
absent) in every feature.

QGIS and GDAL type a field from the values they see first: a list, an object, or a null before the first
value loses the data that follows. So under /ogc (never /api/v1, which keeps the data as stored):

- a list of plain values (name_alt, tags, facilities) becomes one text, its items joined by "; ";
- anything else structured (facts: a list of objects; coord_previous, checks: objects) becomes JSON text;
- numbers are integers only when every value of the field in the layer is whole; a field with both numbers
  and text is text.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from geotour.domain.features import Feature

JOIN = "; "


@dataclass(frozen=True)
class Field:
    """One property of a layer as served flat: its JSON Schema type, and how structured values are written."""

    name: str
    type: str  # string, integer, number or boolean
    written_as: str = "value"  # value, joined (a list of plain values) or json (anything else structured)


def _plain(value: object) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    return "string"


def layer_fields(features: Iterable[Feature]) -> list[Field]:
    """Return the Fields of a layer, in the order they first appear, from every feature's properties."""
    seen: dict[str, tuple[set[str], str]] = {}  # name -> (its values' kinds, how structured ones are written)
    for feature in features:
        for name, value in (feature.get("properties") or {}).items():
            kinds, written = seen.setdefault(name, (set(), "value"))
            if isinstance(value, list) and all(_plain(v) and not isinstance(v, bool) for v in value):
                written = "json" if written == "json" else "joined"
                kinds.add("string")
            elif isinstance(value, (list, dict)):
                written = "json"
                kinds.add("string")
            elif value is not None:
                kinds.add(_kind(value))
            seen[name] = (kinds, written)
    return [Field(name, _type_of(kinds), written) for name, (kinds, written) in seen.items()]


def _type_of(kinds: set[str]) -> str:
    if kinds <= {"integer"} and kinds:
        return "integer"
    if kinds <= {"integer", "number"} and kinds:
        return "number"
    if kinds == {"boolean"}:
        return "boolean"
    return "string"


def flat_value(field: Field, value: Any) -> Any:
    """Return one value as the field serves it (None for an absent value and for an empty list)."""
    if value is None or value == [] or value == {}:
        return None
    if field.written_as == "joined" and isinstance(value, list) and all(_plain(v) for v in value):
        return JOIN.join(str(v) for v in value if v is not None) or None
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if field.type == "number":
        return float(value)
    if field.type == "integer":
        return int(value)
    if field.type == "string" and not isinstance(value, str):
        return json.dumps(value)  # a number or yes/no in a text field: as JSON writes it ("12", "true")
    return value


def flat_feature(feature: Feature, fields: Sequence[Field]) -> Feature:
    """Return a feature whose properties are every field of its layer, in the layer's order, flat."""
    props = feature.get("properties") or {}
    return {**feature, "properties": {f.name: flat_value(f, props.get(f.name)) for f in fields}}


def json_schema(fields: Sequence[Field], title: str, schema_id: str) -> dict[str, Any]:
    """Return the JSON Schema of a layer's flat properties (OGC API - Features Part 3 queryables)."""
    properties = {f.name: {"title": f.name, "type": f.type} for f in fields}
    for f in fields:
        if f.written_as != "value":
            properties[f.name]["description"] = (
                'items joined by "; "'
                if f.written_as == "joined"
                else "JSON text (the value as /api/v1 serves it)"
            )
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": schema_id,
        "type": "object",
        "title": title,
        "properties": {"geometry": {"$ref": "https://geojson.org/schema/Geometry.json"}, **properties},
    }
