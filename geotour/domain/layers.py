"""The layer catalogue, and the query a tourist or script makes of one layer (bbox, category, text)."""

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from geotour.domain.features import fold


class LayerKind(enum.StrEnum):
    """What a layer holds: places to visit, local businesses, routes from site to site, events, an area (the
    boundary), or reference points."""

    ATTRACTION = "attraction"
    MSME = "msme"
    ROUTE = "route"
    EVENT = "event"
    AREA = "area"
    REFERENCE = "reference"


KINDS = tuple(kind.value for kind in LayerKind)
ATTRACTION, MSME, ROUTE, EVENT = LayerKind.ATTRACTION, LayerKind.MSME, LayerKind.ROUTE, LayerKind.EVENT
GEOMETRY_OF_KIND = {
    "attraction": "Point",
    "msme": "Point",
    "route": "LineString",
    "event": "Point",
}  # area, reference: any
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_LAYER_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_ICON = re.compile(r"^[a-z0-9-]{1,40}$")


class CatalogueInvalid(ValueError):
    """layers.json breaks a rule; the message says which."""


@dataclass(frozen=True)
class Category:
    """One category of a layer, with titles in Indonesian and English and a marker style."""

    id: str
    title: dict[str, str]
    color: str
    glyph: str
    icon: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the category as JSON for the API."""
        return {"id": self.id, "title": self.title, "style": _style_dict(self)}


def _style_dict(item: "Category | AttractionType") -> dict[str, str]:
    return {"color": item.color, "glyph": item.glyph, **({"icon": item.icon} if item.icon else {})}


@dataclass(frozen=True)
class AttractionType:
    """What a tourist looks for (waterfalls, beaches...): a filter and marker style drawn from sites' categories.

    `categories` holds "layer:category" pairs, or "layer:*" for every category of a layer.
    """

    id: str
    title: dict[str, str]
    color: str
    glyph: str
    icon: str
    categories: tuple[str, ...]

    def matches(self, layer_id: str, category_id: str | None) -> bool:
        """Return whether a site of this layer and category is of this type."""
        return f"{layer_id}:{category_id}" in self.categories or f"{layer_id}:*" in self.categories

    def to_dict(self) -> dict[str, Any]:
        """Return the type as JSON for the API."""
        return {
            "id": self.id,
            "title": self.title,
            "style": _style_dict(self),
            "categories": list(self.categories),
        }


@dataclass(frozen=True)
class Layer:
    """One layer: an id, titles, its geometry kind, a style and its category vocabulary."""

    id: str
    file: str
    kind: LayerKind
    geometry: str
    title: dict[str, str]
    color: str
    glyph: str
    categories: tuple[Category, ...] = field(default_factory=tuple)

    @property
    def category_ids(self) -> tuple[str, ...]:
        """Return the ids of this layer's categories."""
        return tuple(c.id for c in self.categories)

    def category(self, category_id: str | None) -> Category | None:
        """Return the Category with this id, or None."""
        return next((c for c in self.categories if c.id == category_id), None)

    def find_category(self, written: object) -> Category | None:
        """Return the Category someone wrote: its id or its title in either language, in any case and with or
        without accents ("Penginapan", "homestay", "PENGINAPAN"); None when it names none."""
        if not isinstance(written, str):
            return None
        wanted = " ".join(fold(written).split())
        return next(
            (
                c
                for c in self.categories
                if wanted in {fold(c.id), *(" ".join(fold(t).split()) for t in c.title.values())}
            ),
            None,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the catalogue entry as JSON for the API."""
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "geometry_type": self.geometry,
            "style": {"color": self.color, "glyph": self.glyph},
            "categories": [c.to_dict() for c in self.categories],
        }


@dataclass(frozen=True)
class LayerQuery:
    """What to read from a layer: an optional bbox, category, name search and partners only, and a page."""

    bbox: tuple | None = None
    category: str | None = None
    q: str | None = None
    limit: int = 100
    offset: int = 0
    properties: tuple | None = None
    partner_on: str | None = None  # a day (YYYY-MM-DD): only geopark partners whose label holds on it
    # events whose time overlaps (low, high): stored moments (geotour.domain.events), None for an open end
    during: tuple[str | None, str | None] | None = None


class Catalogue:
    """The layers Geotour serves, in display order."""

    def __init__(self, layers: Iterable[Layer], types: Iterable[AttractionType] = ()) -> None:
        self.layers = tuple(layers)
        self.types = tuple(types)
        self._by_id = {layer.id: layer for layer in self.layers}
        self._category_ids = tuple(dict.fromkeys(c for layer in self.layers for c in layer.category_ids))

    def type_of(self, layer_id: str, category_id: str | None) -> AttractionType | None:
        """Return the AttractionType of a site of this layer and category, or None (for businesses)."""
        return next((t for t in self.types if t.matches(layer_id, category_id)), None)

    def get(self, layer_id: str) -> Layer | None:
        """Return the layer with this id, or None."""
        return self._by_id.get(layer_id)

    def ids(self, kind: LayerKind | None = None) -> tuple[str, ...]:
        """Return layer ids, all or of one kind."""
        return tuple(layer.id for layer in self.layers if kind is None or layer.kind == kind)

    def category_ids(self) -> tuple[str, ...]:
        """Return the ids of every layer's categories, each once, in catalogue order."""
        return self._category_ids

    def point_layers(self) -> tuple[str, ...]:
        """Return the ids of the layers that hold places (attractions and MSMEs)."""
        return tuple(layer.id for layer in self.layers if layer.kind in (ATTRACTION, MSME))

    def nearby_targets(self, layer_id: str) -> tuple[str, ...]:
        """Return which layers to search near a feature: MSMEs near attractions, attractions near MSMEs."""
        if self._by_id[layer_id].kind == MSME:
            return self.ids(ATTRACTION)
        return self.ids(MSME)

    @classmethod
    def from_dict(cls, data: object) -> "Catalogue":
        """Build a catalogue from the parsed layers.json, or raise CatalogueInvalid."""
        if not isinstance(data, dict) or not isinstance(data.get("layers"), list) or not data["layers"]:
            raise CatalogueInvalid('"layers" must be a non-empty list')
        layers, seen = [], set()
        for index, entry in enumerate(data["layers"]):
            try:
                layer = _layer_from_dict(entry)
            except (KeyError, TypeError, AttributeError) as exc:
                raise CatalogueInvalid(f"layer #{index + 1}: missing or malformed {exc}") from None
            except CatalogueInvalid as exc:
                raise CatalogueInvalid(f"layer #{index + 1} ({entry.get('id')!r}): {exc}") from None
            if layer.id in seen:
                raise CatalogueInvalid(f"layer id {layer.id!r} appears twice")
            seen.add(layer.id)
            layers.append(layer)
        return cls(
            layers, _types_from_list(data.get("attraction_types", []), {layer.id: layer for layer in layers})
        )


def _titles(value: object) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(value.get(lang), str) and value[lang] for lang in ("id", "en")
    ):
        raise CatalogueInvalid("title needs non-empty 'id' and 'en' texts")
    return {"id": value["id"], "en": value["en"]}


def _style(value: dict | None, fallback: dict | None = None) -> tuple[str, str, str]:
    value = value or fallback or {}  # none: the colour check below says so
    if not _COLOR.match(str(value.get("color", ""))):
        raise CatalogueInvalid(f"style color {value.get('color')!r} is not #rrggbb")
    glyph = value.get("glyph", "")
    if not isinstance(glyph, str) or len(glyph) > 2:
        raise CatalogueInvalid("style glyph must be at most 2 characters")
    icon = value.get("icon", "")
    if icon and not _ICON.match(str(icon)):
        raise CatalogueInvalid(f"style icon {icon!r} must be an icon name such as 'droplets'")
    return value["color"], glyph, icon


def _layer_from_dict(entry: dict) -> Layer:
    if not _LAYER_ID.match(str(entry["id"])):
        raise CatalogueInvalid("id must be lower-case letters, digits and _")
    if entry["kind"] not in KINDS:
        raise CatalogueInvalid(f"kind must be one of {', '.join(KINDS)}")
    if entry["geometry"] not in ("Point", "LineString", "Polygon"):
        raise CatalogueInvalid("geometry must be Point, LineString or Polygon")
    if GEOMETRY_OF_KIND.get(entry["kind"], entry["geometry"]) != entry["geometry"]:
        raise CatalogueInvalid(f"a layer of {entry['kind']} takes {GEOMETRY_OF_KIND[entry['kind']]} geometry")
    color, glyph, _icon = _style(entry["style"])
    categories = tuple(
        Category(c["id"], _titles(c["title"]), *_style(c.get("style"), entry["style"]))
        for c in entry.get("categories", [])
    )
    return Layer(
        id=entry["id"],
        file=entry["file"],
        kind=LayerKind(entry["kind"]),
        geometry=entry["geometry"],
        title=_titles(entry["title"]),
        color=color,
        glyph=glyph,
        categories=categories,
    )


def _types_from_list(entries: object, layers: dict[str, Layer]) -> list[AttractionType]:
    """Return the attraction types; every attraction category must fall in exactly one of them."""
    if not isinstance(entries, list):
        raise CatalogueInvalid('"attraction_types" must be a list')
    types, seen = [], set()
    for index, entry in enumerate(entries):
        try:
            color, glyph, icon = _style(entry["style"])
            kind = AttractionType(
                entry["id"], _titles(entry["title"]), color, glyph, icon, tuple(entry["categories"])
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise CatalogueInvalid(f"attraction type #{index + 1}: missing or malformed {exc}") from None
        for pair in kind.categories:
            layer_id, _sep, category_id = str(pair).partition(":")
            layer = layers.get(layer_id)
            if (
                layer is None
                or layer.kind != ATTRACTION
                or (category_id != "*" and layer.category(category_id) is None)
            ):
                raise CatalogueInvalid(
                    f"attraction type {kind.id!r}: {pair!r} is not an attraction layer:category"
                )
        if kind.id in seen:
            raise CatalogueInvalid(f"attraction type id {kind.id!r} appears twice")
        seen.add(kind.id)
        types.append(kind)
    if types:
        for layer in layers.values():
            for category in layer.categories if layer.kind == ATTRACTION else ():
                found = [t.id for t in types if t.matches(layer.id, category.id)]
                if len(found) != 1:
                    raise CatalogueInvalid(
                        f"{layer.id}:{category.id} must be in exactly one attraction type, "
                        f"not {found or 'none'}"
                    )
    return types
