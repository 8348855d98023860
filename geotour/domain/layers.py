"""The layer catalogue, and the query a tourist or script makes of one layer (bbox, category, text)."""
import re
from dataclasses import dataclass, field

KINDS = ("attraction", "msme", "area", "reference")
ATTRACTION = "attraction"
MSME = "msme"
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_LAYER_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class CatalogueInvalid(ValueError):
    """layers.json breaks a rule; the message says which."""


@dataclass(frozen=True)
class Category:
    """One category of a layer, with titles in Indonesian and English and a marker style."""

    id: str
    title: dict
    color: str
    glyph: str

    def to_dict(self):
        """Return the category as JSON for the API."""
        return {"id": self.id, "title": self.title, "style": {"color": self.color, "glyph": self.glyph}}


@dataclass(frozen=True)
class Layer:
    """One layer: an id, titles, its geometry kind, a style and its category vocabulary."""

    id: str
    file: str
    kind: str
    geometry: str
    title: dict
    color: str
    glyph: str
    categories: tuple = field(default_factory=tuple)

    @property
    def category_ids(self):
        """Return the ids of this layer's categories."""
        return tuple(c.id for c in self.categories)

    def category(self, category_id):
        """Return the Category with this id, or None."""
        return next((c for c in self.categories if c.id == category_id), None)

    def to_dict(self):
        """Return the catalogue entry as JSON for the API."""
        return {
            "id": self.id, "title": self.title, "kind": self.kind, "geometry_type": self.geometry,
            "style": {"color": self.color, "glyph": self.glyph},
            "categories": [c.to_dict() for c in self.categories],
        }


@dataclass(frozen=True)
class LayerQuery:
    """What to read from a layer: an optional bbox, category and name search, and a page."""

    bbox: tuple | None = None
    category: str | None = None
    q: str | None = None
    limit: int = 100
    offset: int = 0
    properties: tuple | None = None


class Catalogue:
    """The layers Geotour serves, in display order."""

    def __init__(self, layers):
        self.layers = tuple(layers)
        self._by_id = {layer.id: layer for layer in self.layers}

    def get(self, layer_id):
        """Return the layer with this id, or None."""
        return self._by_id.get(layer_id)

    def ids(self, kind=None):
        """Return layer ids, all or of one kind."""
        return tuple(layer.id for layer in self.layers if kind is None or layer.kind == kind)

    def point_layers(self):
        """Return the ids of the layers that hold places (attractions and MSMEs)."""
        return tuple(layer.id for layer in self.layers if layer.kind in (ATTRACTION, MSME))

    def nearby_targets(self, layer_id):
        """Return which layers to search near a feature: MSMEs near attractions, attractions near MSMEs."""
        if self._by_id[layer_id].kind == MSME:
            return self.ids(ATTRACTION)
        return self.ids(MSME)

    @classmethod
    def from_dict(cls, data):
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
        return cls(layers)


def _titles(value):
    if not isinstance(value, dict) or not all(isinstance(value.get(lang), str) and value[lang] for lang in ("id", "en")):
        raise CatalogueInvalid("title needs non-empty 'id' and 'en' texts")
    return {"id": value["id"], "en": value["en"]}


def _style(value, fallback=None):
    value = value or fallback
    if not _COLOR.match(str(value.get("color", ""))):
        raise CatalogueInvalid(f"style color {value.get('color')!r} is not #rrggbb")
    glyph = value.get("glyph", "")
    if not isinstance(glyph, str) or len(glyph) > 2:
        raise CatalogueInvalid("style glyph must be at most 2 characters")
    return value["color"], glyph


def _layer_from_dict(entry):
    if not _LAYER_ID.match(str(entry["id"])):
        raise CatalogueInvalid("id must be lower-case letters, digits and _")
    if entry["kind"] not in KINDS:
        raise CatalogueInvalid(f"kind must be one of {', '.join(KINDS)}")
    if entry["geometry"] not in ("Point", "Polygon"):
        raise CatalogueInvalid("geometry must be Point or Polygon")
    color, glyph = _style(entry["style"])
    categories = tuple(
        Category(c["id"], _titles(c["title"]), *_style(c.get("style"), entry["style"]))
        for c in entry.get("categories", [])
    )
    return Layer(
        id=entry["id"], file=entry["file"], kind=entry["kind"], geometry=entry["geometry"],
        title=_titles(entry["title"]), color=color, glyph=glyph, categories=categories,
    )
