"""Synthetic MSMEs at random points inside the geopark boundary, for benchmarks and backend comparisons."""

import json
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape

from geotour.domain.features import validate_feature

ROOT = Path(__file__).resolve().parent.parent


def boundary():
    """Return the geopark boundary polygon from the seed data."""
    data = json.loads((ROOT / "data" / "geojson" / "boundary.geojson").read_text(encoding="utf-8"))
    return shape(data["features"][0]["geometry"])


def random_points(count, seed, area=None):
    """Return (lons, lats): `count` random points inside the boundary, fixed by `seed`."""
    area = area or boundary()
    rng = np.random.default_rng(seed)
    min_lon, min_lat, max_lon, max_lat = area.bounds
    lons, lats = np.empty(0), np.empty(0)
    while lons.size < count:
        x = rng.uniform(min_lon, max_lon, count)
        y = rng.uniform(min_lat, max_lat, count)
        inside = shapely.contains_xy(area, x, y)
        lons, lats = np.concatenate([lons, x[inside]]), np.concatenate([lats, y[inside]])
    return lons[:count], lats[:count]


def msme_features(count, categories, seed=1, prefix="bench"):
    """Return `count` sample MSME GeoJSON features (rounded to 6 decimals, as the seed data is)."""
    lons, lats = random_points(count, seed)
    return [
        {
            "type": "Feature",
            "id": f"{prefix}-{i}",
            "geometry": {
                "type": "Point",
                "coordinates": [round(float(lons[i]), 6), round(float(lats[i]), 6)],
            },
            "properties": {
                "name": f"Warung {i}",
                "category": categories[i % len(categories)],
                "sample": True,
            },
        }
        for i in range(count)
    ]


def msme_records(count, layer, seed=1):
    """Return `count` validated MSME FeatureRecords for storage.replace_seed_layer."""
    return [validate_feature(feature, layer) for feature in msme_features(count, layer.category_ids, seed)]
