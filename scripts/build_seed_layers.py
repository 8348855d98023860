"""Build the seed layers in data/geojson/ from the CPUGG research data in ../shared/data/cpugg.

Every source property (coord_source, coord_confidence, facts, ...) is kept as it is; the script only
splits sites by type, adds a `category` from the site's tags, and writes one RFC 7946 file per layer.
Run it again after the shared data changes: `make data`.
"""

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "cpugg"
OUT = ROOT / "data" / "geojson"

# The first tag that matches decides the category; order matters (a sea cave is a cave before a coast).
CATEGORY_BY_TAG = {
    "geosite": [
        ("waterfall", "air-terjun"),
        ("hot_spring", "air-panas"),
        ("island", "pulau"),
        ("cave", "gua"),
        ("sea_cave", "gua"),
        ("beach", "pantai"),
        ("viewpoint", "titik-pandang"),
    ],
    "biosite": [("turtle_nesting", "penyu"), ("arboretum", "arboretum")],
    "cultural_site": [
        ("indigenous_community", "kampung-adat"),
        ("megalithic", "situs-megalitik"),
        ("museum", "museum"),
        ("visitor_center", "museum"),
        ("fishing_port", "bahari"),
        ("religious", "religi"),
        ("craft", "kerajinan"),
        ("village", "desa-wisata"),
    ],
}
FALLBACK_CATEGORY = {"geosite": "batuan", "biosite": "kawasan-konservasi", "cultural_site": "religi"}
LAYER_BY_TYPE = {"geosite": "geosites", "biosite": "biosites", "cultural_site": "cultural_sites"}


def site_category(properties):
    """Return the category slug for a site from its type and tags."""
    tags = properties.get("tags") or []
    for tag, category in CATEGORY_BY_TAG[properties["type"]]:
        if tag in tags:
            return category
    return FALLBACK_CATEGORY[properties["type"]]


def collection(name, features, source):
    """Return an RFC 7946 FeatureCollection with a small provenance header."""
    return {
        "type": "FeatureCollection",
        "name": name,
        "metadata": {"source": source, "built_by": "scripts/build_seed_layers.py"},
        "features": features,
    }


def write(name, data):
    """Write one layer file with stable formatting, so diffs stay readable."""
    path = OUT / f"{name}.geojson"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)} ({len(data['features'])} features)")


def main():
    """Split the shared CPUGG files into one seed file per layer."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    args = parser.parse_args()
    sites = json.loads((args.source / "sites.geojson").read_text(encoding="utf-8"))
    by_layer = {layer: [] for layer in LAYER_BY_TYPE.values()}
    for feature in sites["features"]:
        props = feature["properties"]
        props["category"] = site_category(props)
        props["source_dataset"] = "shared/data/cpugg/sites.geojson"
        by_layer[LAYER_BY_TYPE[props["type"]]].append(feature)
    for layer, features in by_layer.items():
        write(layer, collection(layer, features, "shared/data/cpugg/sites.geojson (see SOURCES.md)"))
    for name in ("boundary", "villages"):
        data = json.loads((args.source / f"{name}.geojson").read_text(encoding="utf-8"))
        for feature in data["features"]:
            feature["properties"].setdefault("name", "Ciletuh-Palabuhanratu UNESCO Global Geopark")
            feature["properties"]["source_dataset"] = f"shared/data/cpugg/{name}.geojson"
            if name == "villages":
                feature["properties"]["category"] = feature["properties"]["status"]
        write(name, collection(name, data["features"], f"shared/data/cpugg/{name}.geojson (see SOURCES.md)"))


if __name__ == "__main__":
    main()
