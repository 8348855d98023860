"""What a tourist or script asks of the data: layers, one place, and what is near a place or a point.

Plain functions over a Storage and the Catalogue; views call them and tests can call them directly.
"""

import hashlib
from abc import abstractmethod
from collections.abc import Sequence
from typing import Any, Protocol

from geotour.domain import exports
from geotour.domain.features import Feature
from geotour.domain.geodesy import DEFAULT_RADIUS_M, Hit
from geotour.domain.layers import Catalogue, Layer, LayerKind, LayerQuery
from geotour.errors import BadParameter, NotFound

NEARBY_DEFAULT_LIMIT = 20
NEARBY_MAX_LIMIT = 200
# What the map needs of each place for its markers and popups (the "map" snapshot of a layer).
MAP_PROPERTIES = (
    "name",
    "name_en",
    "name_alt",
    "category",
    "description_id",
    "description_en",
    "photo",
    "sample",
    "phone",
    "whatsapp",
    "opening_hours",
    "ticket_price",
    "status",
    "status_until",
    "status_reason",
    "coord_confidence",
    "coord_uncertainty_m",
    "osm_id",
    "coord_osm_id",
    "track",
    "partner",
    "starts",
    "ends",
)  # coord_osm_id, osm_id: the map credits OpenStreetMap (ODbL); name_en, track: a route's line; partner: the
# geopark partner label, whose badge the popup shows while it holds; starts, ends: an event's time (the map
# drops it once it is over)
# A sample business's number is made up, and no page or card may offer it (UX.md: "a sample business never
# offers a number to call"), so the map's view leaves it out: 1.3 kB of the map page's 100 kB with 300 samples.
SAMPLE_ONLY_OFF_THE_MAP = ("phone", "whatsapp")
# A description on the map is a place's card's (static/js/map/popups.js), which shows this many characters at
# most, cut here, once; the place's page has the whole text. A route's and an event's popups show none.
CARD_DESCRIPTION_CHARS = 180
DESCRIPTIONS = ("description_id", "description_en")
NO_DESCRIPTION_ON_THE_MAP = (LayerKind.ROUTE, LayerKind.EVENT)
# A snapshot's name is immutable (browsers keep it a year; every machine keeps its file), so it names the
# rules that made it as well as the data: bump this whenever MAP_PROPERTIES or the trimming above changes
# what a snapshot holds (tests/test_snapshots.py pins them together).
SNAPSHOT_RULES = 4

# The geopark's three geoareas and their districts (kecamatan), as the site dossier groups them.
AREAS = (
    ("Ciletuh", ("Ciemas", "Ciracap")),
    ("Jampang", ("Simpenan", "Waluran", "Surade")),
    ("Cisolok", ("Cisolok", "Cikakak", "Palabuhanratu")),
)
AREA_TITLES = {"Ciletuh": "Ciletuh", "Jampang": "Jampang", "Cisolok": "Cisolok – Palabuhanratu"}


class Places(Protocol):
    """What these functions read of the storage: geotour.storage.Storage implements it (the domain does not
    import the storage)."""

    @abstractmethod
    def snapshot_token(self) -> str:
        """Return "<data version>-<data tag>": the name of the data as it is now."""

    @abstractmethod
    def layer_stats(self) -> dict[str, dict[str, Any]]:
        """Return {layer_id: {"count", "bbox", "updated_at"}} for every layer that has features."""

    @abstractmethod
    def time_extent(self, layer_id: str) -> tuple[str | None, str | None]:
        """Return the earliest `starts` and the latest `ends` of a layer's events, as stored, or (None, None)."""

    @abstractmethod
    def query_layer(self, layer_id: str, query: LayerQuery) -> tuple[list[Feature], int]:
        """Return (features, number_matched) for a LayerQuery, features as GeoJSON dicts."""

    @abstractmethod
    def get_feature(self, feature_id: str) -> Feature | None:
        """Return one feature as a GeoJSON dict (with properties.layer), or None."""

    @abstractmethod
    def features_near(
        self,
        lon: float,
        lat: float,
        radius_m: float,
        layers: Sequence[str],
        category: str | None = None,
        limit: int = 20,
        exclude_id: str | None = None,
    ) -> list[tuple[Feature, Hit]]:
        """Return [(feature, Hit)] within radius_m of lon/lat in `layers`, nearest first."""

    @abstractmethod
    def features_near_line(
        self,
        line: Sequence[Sequence[float]],
        radius_m: float,
        layers: Sequence[str],
        limit: int = 50,
        category: str | None = None,
    ) -> list[tuple[Feature, float, float]]:
        """Return [(feature, metres from the line, metres along it)] of the `limit` features in `layers` (of
        `category`, when given) nearest to a lon/lat line within radius_m, in the order they come along it."""


def area_of(properties: dict[str, Any]) -> str:
    """Return the geoarea of a place ("Ciletuh", "Jampang" or "Cisolok"), from geoarea or its district; or ""."""
    if properties.get("geoarea") in AREA_TITLES:
        return properties["geoarea"]
    district = str(properties.get("kecamatan") or "")
    return next((area for area, districts in AREAS if any(district.startswith(d) for d in districts)), "")


def require_layer(catalogue: Catalogue, layer_id: str) -> Layer:
    """Return the layer, or raise NotFound naming it."""
    layer = catalogue.get(layer_id)
    if layer is None:
        raise NotFound("no layer called %(name)s; see /api/v1/layers", "layer", name=repr(layer_id[:60]))
    return layer


def require_feature(storage: Places, feature_id: str) -> Feature:
    """Return the feature, or raise NotFound naming it."""
    feature = storage.get_feature(feature_id)
    if feature is None:
        raise NotFound("No place with id %(id)s.", "id", id=repr(feature_id[:60]))
    return feature


def catalogue_entries(storage: Places, catalogue: Catalogue) -> list[dict[str, Any]]:
    """Return the catalogue with each layer's feature count, bbox and last update."""
    stats = storage.layer_stats()
    entries = []
    for layer in catalogue.layers:
        layer_stats = stats.get(layer.id, {"count": 0, "bbox": None, "updated_at": None})
        entries.append({**layer.to_dict(), **layer_stats})
    return entries


def _check_category(catalogue: Catalogue, category: str | None) -> None:
    """Refuse a category no layer has (a typo); one of another layer's is fine, and matches nothing."""
    if category is not None and category not in catalogue.category_ids():
        raise BadParameter(
            "category %(got)s is not one of: %(allowed)s",
            "category",
            got=repr(category[:40]),
            allowed=", ".join(catalogue.category_ids()),
        )


def layer_page(
    storage: Places, catalogue: Catalogue, layer_id: str, query: LayerQuery
) -> tuple[list[Feature], int]:
    """Return (features, number_matched) of one layer for a LayerQuery."""
    layer = require_layer(catalogue, layer_id)
    _check_category(catalogue, query.category)
    if query.category is not None and query.category not in layer.category_ids:
        return [], 0
    return storage.query_layer(layer_id, query)


def _with_distance(feature: Feature, hit: Hit) -> Feature:
    feature["properties"]["distance_m"] = round(hit.distance_m, 1)
    feature["properties"]["bearing_deg"] = round(hit.bearing_deg, 1)
    return feature


def _along_line(feature: Feature, distance_m: float, along_m: float) -> Feature:
    """Near a route: metres from its line and from its start along it (a bearing from one point means nothing)."""
    feature["properties"]["distance_m"] = round(distance_m, 1)
    feature["properties"]["along_m"] = round(along_m, 1)
    return feature


def _categories_of(catalogue: Catalogue, layer_ids: Sequence[str]) -> list[str]:
    seen: list[str] = []
    for layer_id in layer_ids:
        seen += [c for c in require_layer(catalogue, layer_id).category_ids if c not in seen]
    return seen


def near_feature(
    storage: Places,
    catalogue: Catalogue,
    feature_id: str,
    radius_m: float = DEFAULT_RADIUS_M,
    category: str | None = None,
    limit: int = NEARBY_DEFAULT_LIMIT,
) -> tuple[Feature, list[Feature]]:
    """Return (origin, nearby features): MSMEs near an attraction, or attractions near an MSME."""
    origin = require_feature(storage, feature_id)
    return origin, near_place(storage, catalogue, origin, radius_m, category, limit)


def near_place(
    storage: Places,
    catalogue: Catalogue,
    origin: Feature,
    radius_m: float = DEFAULT_RADIUS_M,
    category: str | None = None,
    limit: int = NEARBY_DEFAULT_LIMIT,
) -> list[Feature]:
    """Return what is near an already-loaded feature, nearest first (see near_feature)."""
    geometry = origin["geometry"]
    if geometry["type"] not in ("Point", "LineString"):
        raise BadParameter("nearby works for places (points) and routes (lines), not areas", "id")
    targets = catalogue.nearby_targets(origin["properties"]["layer"])
    _check_category(catalogue, category)
    if category is not None and category not in _categories_of(catalogue, targets):
        return []
    if geometry["type"] == "LineString":  # a route: what lies along its line, nearest to it first
        along = storage.features_near_line(geometry["coordinates"], radius_m, targets, limit, category)
        return [
            _along_line(feature, away, along_m)
            for feature, away, along_m in sorted(along, key=lambda found: (found[1], found[0]["id"]))
        ]
    lon, lat = geometry["coordinates"][:2]
    hits = storage.features_near(lon, lat, radius_m, targets, category, limit, exclude_id=origin["id"])
    return [_with_distance(feature, hit) for feature, hit in hits]


def near_point(
    storage: Places,
    catalogue: Catalogue,
    lon: float,
    lat: float,
    radius_m: float = DEFAULT_RADIUS_M,
    layers: Sequence[str] | None = None,
    limit: int = NEARBY_DEFAULT_LIMIT,
) -> list[Feature]:
    """Return the places in `layers` (attractions and MSMEs by default) near a point, nearest first."""
    layers = layers or catalogue.point_layers()
    hits = storage.features_near(lon, lat, radius_m, layers, None, limit)
    return [_with_distance(feature, hit) for feature, hit in hits]


def whole_layer(storage: Places, layer_id: str, properties: tuple[str, ...] | None = None) -> list[Feature]:
    """Return every feature of a layer, unpaged (for files, lists and sitemaps, not for the API)."""
    features, _ = storage.query_layer(layer_id, LayerQuery(limit=10**9, properties=properties))
    return features


def snapshot_token(storage: Places) -> str:
    """Return the name of the layers' snapshots now: the storage's "<data version>-<data tag>" with its tag
    mixed with SNAPSHOT_RULES, in the same pattern (storage/snapshots.py), so a snapshot made by older rules
    has another name, and its old name redirects to the new one like any older version's."""
    version, _, tag = storage.snapshot_token().partition("-")
    return f"{version}-{hashlib.sha256(f'{tag}/{SNAPSHOT_RULES}'.encode()).hexdigest()[:8]}"


def card_text(text: str, limit: int = CARD_DESCRIPTION_CHARS) -> str:
    """Return `text` cut to at most `limit` characters for a card: at the last space in its final 20, with
    "…"; text that fits is returned whole."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return cut[: max(cut.rfind(" "), limit - 20)] + "…"


def _as_the_map_shows(feature: Feature, kind: LayerKind, lang: str | None) -> None:
    """Trim a feature's map properties (MAP_PROPERTIES) to what the map shows of it, in place; in one
    language's view (`lang`), the one description its card shows (that language's, else the other's).
    What the collection says once is not said again in each place: its id is the feature's, and the layer
    the collection's (the map puts both back as a snapshot comes: geotour-map.js, loadSnapshot)."""
    props = feature["properties"]
    props.pop("layer", None)
    if props.get("id") == feature.get("id"):
        props.pop("id", None)
    if lang and any(props.get(name) for name in DESCRIPTIONS):
        shown = f"description_{lang}" if props.get(f"description_{lang}") else None
        shown = shown or next(name for name in DESCRIPTIONS if props.get(name))
        for name in DESCRIPTIONS:
            if name != shown:
                props.pop(name, None)
    for name in DESCRIPTIONS:
        if name in props:
            if kind in NO_DESCRIPTION_ON_THE_MAP:
                del props[name]
            elif isinstance(props[name], str):
                props[name] = card_text(props[name])
    if props.get("sample"):
        for name in SAMPLE_ONLY_OFF_THE_MAP:
            props.pop(name, None)


def features_of_kind(
    storage: Places, catalogue: Catalogue, kind: LayerKind, properties: tuple[str, ...] | None = None
) -> list[Feature]:
    """Return every feature of every layer of one kind (every route, say), layer by layer, unpaged."""
    return [f for layer_id in catalogue.ids(kind) for f in whole_layer(storage, layer_id, properties)]


def layer_file(storage: Places, catalogue: Catalogue, layer_id: str, fmt: str) -> bytes:
    """Return a whole layer as a file in format `fmt` (GeoJSON, CSV, GeoPackage or KML)."""
    layer = require_layer(catalogue, layer_id)
    features = whole_layer(storage, layer_id)
    return exports.export_layer(layer_id, features, fmt, layer.geometry == "Point")


def layer_snapshot(storage: Places, catalogue: Catalogue, layer_id: str, view: str) -> dict[str, Any]:
    """Return the whole layer as a FeatureCollection dict; the map's views ("map", or "map.id" for one
    language: storage/snapshots.py VIEWS) keep only MAP_PROPERTIES, as the map shows them."""
    layer = require_layer(catalogue, layer_id)
    base, _, lang = view.partition(".")  # "map.id": the map's view in Indonesian
    features = whole_layer(storage, layer_id, MAP_PROPERTIES if base == "map" else None)
    if base == "map":
        for feature in features:
            _as_the_map_shows(feature, layer.kind, lang or None)
    return {
        "type": "FeatureCollection",
        "layer": layer_id,
        "numberMatched": len(features),
        "numberReturned": len(features),
        "features": features,
    }
