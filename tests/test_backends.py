"""SQLite and PostgreSQL/PostGIS give the same answers to the same questions.

Runs in the PostgreSQL pass of `.ci/run` (GEOTOUR_TEST_DATABASE_URL set); the embedded pass skips it.
Both backends are seeded from the same files: the real layers plus 3,000 synthetic MSMEs, some of them
sharing a point, so ties in distance are compared too.
"""

import random

import pytest

from bench.synthetic import msme_features, random_points

from . import backends

pytestmark = pytest.mark.skipif(
    not backends.on_postgres(),
    reason="needs PostgreSQL (GEOTOUR_TEST_DATABASE_URL; the second pass of .ci/run)",
)

ATTRACTIONS = ("geosites", "biosites", "cultural_sites")
RADII = (50, 300, 1_000, 3_000, 10_000, 50_000)


@pytest.fixture
def pair(make_app, data_copy, tmp_path):
    """Return (sqlite_app, postgres_app) seeded from the same data with 3,000 extra MSMEs."""
    categories = ("kuliner", "penginapan", "oleh-oleh", "kerajinan", "jasa-wisata", "transportasi")
    extra = msme_features(3_000, categories, seed=5, prefix="syn")
    for twin in extra[:40]:  # 40 businesses sharing a point with another: equal distances
        copy = {**twin, "id": twin["id"] + "-twin", "properties": {**twin["properties"], "name": "Kembar"}}
        extra.append(copy)
    data_copy.edit("msmes.geojson", lambda data: data["features"].extend(extra))
    sqlite_app = make_app(data_copy.path, GEOTOUR_DATABASE_URL=f"sqlite:///{tmp_path}/twin.sqlite3")
    postgres_app = make_app(data_copy.path)
    assert postgres_app.config["GEOTOUR_DATABASE_URL"].startswith("postgresql")
    return sqlite_app, postgres_app


def _storages(pair):
    return [app.extensions["geotour"].storage for app in pair]


def _near(storage, *args, **kwargs):
    return [
        (feature["id"], round(hit.distance_m, 6), round(hit.bearing_deg, 6), feature)
        for feature, hit in storage.features_near(*args, **kwargs)
    ]


def test_nearby_queries_give_the_same_answers(pair):
    sqlite, postgres = _storages(pair)
    rng = random.Random(11)
    lons, lats = random_points(300, seed=12)
    nonempty = 0
    for lon, lat in zip(lons, lats, strict=True):
        layers = rng.choice([("msmes",), ATTRACTIONS, ("msmes", *ATTRACTIONS)])
        kwargs = {
            "category": rng.choice([None, None, "kuliner", "penginapan"]) if layers == ("msmes",) else None,
            "limit": rng.choice([1, 5, 20, 200]),
            "exclude_id": rng.choice([None, "syn-0", "curug-sodong"]),
        }
        radius = rng.choice(RADII)
        expected = _near(sqlite, float(lon), float(lat), radius, layers, **kwargs)
        assert _near(postgres, float(lon), float(lat), radius, layers, **kwargs) == expected, (
            lon,
            lat,
            radius,
        )
        nonempty += bool(expected)
    assert nonempty > 150  # the comparison is not of empty lists


def test_ties_are_ordered_the_same_way(pair):
    sqlite, postgres = _storages(pair)
    lon, lat = msme_features(3_000, ("kuliner",), seed=5)[0]["geometry"]["coordinates"]
    expected = _near(sqlite, lon, lat, 500, ("msmes",), limit=5)
    assert [row[0] for row in expected[:2]] == ["syn-0", "syn-0-twin"]
    assert _near(postgres, lon, lat, 500, ("msmes",), limit=5) == expected


def test_layer_queries_give_the_same_answers(pair):
    from geotour.domain.layers import LayerQuery

    sqlite, postgres = _storages(pair)
    queries = [
        LayerQuery(limit=100, offset=0),
        LayerQuery(limit=50, offset=3_000),
        LayerQuery(bbox=(106.40, -7.30, 106.55, -7.15), limit=1_000, offset=0),
        LayerQuery(category="penginapan", q="warung 1", limit=30, offset=10),
        LayerQuery(q="100%_\\", limit=10, offset=0),
        LayerQuery(properties=("name",), limit=20, offset=0),
    ]
    for query in queries:
        assert postgres.query_layer("msmes", query) == sqlite.query_layer("msmes", query), query
    assert postgres.query_layer("geosites", LayerQuery(limit=100, offset=0)) == sqlite.query_layer(
        "geosites", LayerQuery(limit=100, offset=0)
    )
    for feature_id in ("curug-sodong", "syn-17", "msme-0001", "no-such-id"):
        assert postgres.get_feature(feature_id) == sqlite.get_feature(feature_id)


def test_layer_stats_agree(pair):
    sqlite, postgres = _storages(pair)
    expected, got = sqlite.layer_stats(), postgres.layer_stats()
    assert {k: v["count"] for k, v in got.items()} == {k: v["count"] for k, v in expected.items()}
    for (
        layer_id,
        stats,
    ) in got.items():  # SQLite's R*Tree keeps extents as 32-bit floats, rounded outwards (< 3 m)
        assert stats["bbox"] == pytest.approx(expected[layer_id]["bbox"], abs=3e-5)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/nearby?lat=-7.2&lon=106.45&radius_m=5000",
        "/api/v1/nearby?lat=-7.0&lon=106.55&radius_m=20000&layers=geosites,biosites&limit=50",
        "/api/v1/features/curug-sodong/nearby?radius_m=3000",
        "/api/v1/features/syn-42/nearby?radius_m=10000",
        "/api/v1/layers/msmes?bbox=106.4,-7.3,106.6,-7.1&category=kuliner&limit=100",
        "/ogc/collections/msmes/items?bbox=106.4,-7.3,106.6,-7.1&limit=100&offset=50",
    ],
)
def test_the_api_answers_the_same(pair, url):
    sqlite_app, postgres_app = pair
    expected = sqlite_app.test_client().get(url)
    got = postgres_app.test_client().get(url)
    assert got.status_code == expected.status_code == 200
    assert got.get_json(force=True)["features"] == expected.get_json(force=True)["features"]
