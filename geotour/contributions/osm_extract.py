"""Read an OpenStreetMap extract (.osm.pbf, .osm, .o5m) with pyosmium: the named places Geotour can use.

Nodes and ways (a way stands for the point inside its outline, or on its line) whose tags say what they are,
within the geopark boundary plus its margin. Each is mapped to one of our layers and categories, or kept only
to match our own sites by name. Relations (large multipolygons) are not read. No I/O besides the file.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import osmium
import shapely
from shapely.geometry import LineString, Polygon

from geotour.domain.features import fold
from geotour.domain.openstreetmap import object_url

# (key, values) → (layer, category). The first rule an object's tags meet is taken.
BUSINESS_RULES = (
    ("tourism", {"guest_house", "homestay", "hotel"}, "msmes", "penginapan"),
    ("amenity", {"restaurant", "cafe", "fast_food"}, "msmes", "kuliner"),
    ("shop", {"souvenir", "gift"}, "msmes", "oleh-oleh"),
    ("shop", {"craft"}, "msmes", "kerajinan"),
)
SITE_RULES = (
    ("natural", {"waterfall"}, "geosites", "air-terjun"),
    ("waterway", {"waterfall"}, "geosites", "air-terjun"),
    ("natural", {"beach"}, "geosites", "pantai"),
    ("natural", {"cave_entrance"}, "geosites", "gua"),
    ("tourism", {"viewpoint"}, "geosites", "titik-pandang"),
)
HERITAGE_KEYS = ("heritage", "historic", "heritage:operator")
# Read so that our own sites can be matched by name, even when the tags map to no layer of ours.
MATCH_ONLY_KEYS = ("tourism", "natural", "historic", "leisure", "place")
NAME_KEYS = (
    "name",
    "name:id",
    "name:en",
    "name:su",
    "alt_name",
    "official_name",
    "old_name",
    "loc_name",
    "short_name",
    "int_name",
)
OSM_TYPES = {"n": "node", "w": "way"}


@dataclass
class OsmPlace:
    """One named OSM object: where it is, what it is for us (layer and category, or none), and its tags."""

    osm_type: str  # node or way
    osm_id: int
    lon: float
    lat: float
    tags: dict[str, str]
    layer: str | None = None
    category: str | None = None
    names: set[str] = field(default_factory=set)  # folded, for matching

    @property
    def key(self) -> str:
        """Return "node/123": how OSM itself names the object."""
        return f"{self.osm_type}/{self.osm_id}"

    @property
    def url(self) -> str | None:
        """Return the object's page on openstreetmap.org."""
        return object_url(self.key)

    @property
    def name(self) -> str:
        """Return the name to show: the Indonesian one when tagged, else the main one."""
        return self.tags.get("name:id") or self.tags.get("name") or self.tags.get("name:en") or ""


@dataclass
class Extract:
    """What an extract held: the places read, how many objects were left out and why, and the area it covers."""

    places: list[OsmPlace]
    # (west, south, east, north) from the file's header, when it says
    bounds: tuple[float, float, float, float] | None
    outside: int = 0
    unnamed: int = 0
    # objects skipped because their tags are not valid UTF-8 ("n123", "w45"), reported by the command
    unreadable: list[str] = field(default_factory=list)


def target(tags: dict[str, str]) -> tuple[str | None, str | None]:
    """Return (layer, category) for an object's tags, or (None, None) when no layer of ours takes it."""
    for key, values, layer, category in BUSINESS_RULES + SITE_RULES:
        if tags.get(key) in values:
            return layer, category
    if tags.get("amenity") == "place_of_worship" and any(tags.get(k) for k in HERITAGE_KEYS):
        return "cultural_sites", "religi"
    return None, None


def name_variants(*names: object) -> set[str]:
    """Return the folded forms a name can be matched by: whole, without what is in brackets, and what is in
    brackets; "A; B" (OSM's list of alternatives) gives both."""
    found: set[str] = set()
    for name in names:
        for part in str(name or "").split(";"):
            bracketed = re.findall(r"\(([^)]*)\)", part)
            for variant in [part, re.sub(r"\([^)]*\)", " ", part), *bracketed]:
                folded = " ".join(re.sub(r"[^\w&]+", " ", fold(variant)).split())
                if len(folded) >= 3:
                    found.add(folded)
    return found


def _point_of_way(way: osmium.osm.Way) -> tuple[float, float] | None:
    """Return (lon, lat) inside a closed way's outline, or on an open way's line; None when it has no points."""
    coords = [(node.lon, node.lat) for node in way.nodes if node.location.valid()]
    if len(coords) == 1:
        return coords[0]
    if len(coords) < 2:
        return None
    if len(coords) >= 4 and coords[0] == coords[-1]:
        outline = Polygon(coords)
        if outline.is_valid and not outline.is_empty:
            point = outline.representative_point()
            return point.x, point.y
    point = shapely.line_interpolate_point(LineString(coords), 0.5, normalized=True)
    return point.x, point.y


def read_extract(path: str | Path, inside: Callable[[float, float], bool]) -> Extract:
    """Return the Extract of an OSM file: its named places for which `inside(lon, lat)` is true."""
    keys = sorted({rule[0] for rule in BUSINESS_RULES + SITE_RULES} | {"amenity"} | set(MATCH_ONLY_KEYS))
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.KeyFilter(*keys))
    )
    box = processor.header.box()
    bounds = (
        (box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat)
        if box.valid()
        else None
    )
    extract = Extract([], bounds)
    for obj in processor:
        try:
            tags = {tag.k: tag.v for tag in obj.tags}
        except UnicodeDecodeError:  # a damaged or hostile .osm.pbf: skip the object, and say so
            extract.unreadable.append(f"{obj.type_str()}{obj.id}")
            continue
        layer, category = target(tags)
        if layer is None and not any(k in tags for k in MATCH_ONLY_KEYS):
            continue  # e.g. an amenity=bank: neither ours nor a site to match
        if not any(tags.get(k) for k in NAME_KEYS):
            extract.unnamed += layer is not None
            continue
        if isinstance(obj, osmium.osm.Node):
            at: tuple[float, float] | None = (obj.location.lon, obj.location.lat)
        elif isinstance(obj, osmium.osm.Way):
            at = _point_of_way(obj)
        else:  # the processor reads nodes and ways only
            continue
        if at is None:
            continue
        if not inside(*at):
            extract.outside += layer is not None
            continue
        place = OsmPlace(
            OSM_TYPES[obj.type_str()], obj.id, round(at[0], 7), round(at[1], 7), tags, layer, category
        )
        place.names = name_variants(*(tags.get(k) for k in NAME_KEYS))
        extract.places.append(place)
    return extract
