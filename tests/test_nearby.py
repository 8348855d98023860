"""Distances are geodesic metres on WGS84: checked against pyproj.Geod and known values."""

import math
import random

import pytest
from pyproj import Geod

from geotour.domain import geodesy

READS_ONLY = True  # one app for the module's tests (see conftest.app); a test that writes makes its own

GEOD = Geod(ellps="WGS84")


def test_known_distance_palabuhanratu_to_ujung_genteng():
    # Two seed sites; value from Karney's geodesic on WGS84 (GeographicLib), ~43.6 km
    expected = GEOD.inv(106.5575, -6.99872, 106.40229, -7.37226)[2]
    assert geodesy.distance_m(106.5575, -6.99872, 106.40229, -7.37226) == pytest.approx(expected, rel=1e-9)
    assert 43_000 < expected < 45_000


def test_equator_degree_is_111_km():
    # One degree of longitude on the equator is a * pi / 180 = 111,319.49 m on WGS84
    assert geodesy.distance_m(0, 0, 1, 0) == pytest.approx(111_319.49, abs=0.05)


def test_rank_within_sorts_and_cuts_by_radius():
    lons = [106.50, 106.51, 106.49, 106.60]
    lats = [-7.10, -7.10, -7.10, -7.10]
    hits = geodesy.rank_within(106.50, -7.10, lons, lats, 2_000, 10)
    assert [h.index for h in hits] == [0, 1, 2] or [h.index for h in hits] == [0, 2, 1]
    assert hits[0].distance_m == 0
    assert all(h.distance_m <= 2_000 for h in hits)
    assert geodesy.rank_within(106.50, -7.10, lons, lats, 2_000, 1)[0].index == 0


def test_bearing_points_the_right_way():
    east = geodesy.rank_within(106.5, -7.1, [106.51], [-7.1], 5_000, 1)[0]
    north = geodesy.rank_within(106.5, -7.1, [106.5], [-7.09], 5_000, 1)[0]
    assert east.bearing_deg == pytest.approx(90, abs=0.1)
    assert north.bearing_deg == pytest.approx(0, abs=0.1) or north.bearing_deg == pytest.approx(360, abs=0.1)
    assert geodesy.compass_point(east.bearing_deg) == "E"
    assert geodesy.compass_point(225) == "SW"


@pytest.mark.parametrize("lat", [-7.2, 0.0, 45.0, 70.0, -85.0])
def test_search_box_contains_the_whole_circle(lat):
    radius = 50_000
    min_lon, min_lat, max_lon, max_lat = geodesy.search_bbox(106.5, lat, radius)
    for azimuth in range(0, 360, 5):
        lon2, lat2, _ = GEOD.fwd(106.5, lat, azimuth, radius)
        assert min_lon <= lon2 <= max_lon and min_lat <= lat2 <= max_lat, azimuth


def _brute_force_nearest_earlier(lons, lats, radius, limit):
    found = {}
    for j in range(len(lons)):
        metres = [(GEOD.inv(lons[j], lats[j], lons[i], lats[i])[2], i) for i in range(j)]
        inside = sorted(m for m in metres if m[0] <= radius)[:limit]
        if inside:
            found[j] = inside
    return found


@pytest.mark.parametrize(
    "lon, lat, spread",
    [
        (106.45, -7.2, 0.01),
        (179.9995, 0.0, 0.002),
        (-180.0, 10.0, 0.002),
        (12.0, 89.999, 0.002),
        (0.0, 0.0, 0.003),
    ],
)
@pytest.mark.parametrize("limit", [3, 1000])
def test_nearest_earlier_finds_what_measuring_every_pair_finds(lon, lat, spread, limit):
    # Clustered points (many pairs near 100 m, cubes cut through the cluster), across the antimeridian and
    # next to a pole, where degrees are no guide to metres.
    rng = random.Random(f"{lon}{lat}")
    lons = [((lon + rng.uniform(-spread, spread) + 180) % 360) - 180 for _ in range(300)]
    lats = [max(-90.0, min(90.0, lat + rng.uniform(-spread, spread))) for _ in range(300)]
    found = geodesy.nearest_earlier(lons, lats, 100, limit)
    expected = _brute_force_nearest_earlier(lons, lats, 100, limit)
    assert sum(map(len, expected.values())) > 50
    assert {j: [i for _, i in near] for j, near in found.items()} == {
        j: [i for _, i in near] for j, near in expected.items()
    }
    for j, near in found.items():
        assert [m for m, _ in near] == pytest.approx([m for m, _ in expected[j]], abs=1e-6)


def test_nearest_earlier_counts_the_radius_itself_and_nothing_beyond():
    lon2, lat2, _ = GEOD.fwd(106.45, -7.2, 37, 99.999)
    lon3, lat3, _ = GEOD.fwd(106.45, -7.2, 217, 100.01)
    found = geodesy.nearest_earlier([106.45, lon2, lon3, 106.45], [-7.2, lat2, lat3, -7.2], 100, 5)
    assert {j: [i for _, i in near] for j, near in found.items()} == {1: [0], 3: [0, 1]}
    assert found[3][0] == (0.0, 0)
    assert (
        geodesy.nearest_earlier([106.45], [-7.2], 100, 5) == {}
        and geodesy.nearest_earlier([], [], 100, 5) == {}
    )


def test_api_distances_agree_with_pyproj(client):
    random.seed(7)
    checked = 0
    for site in ("curug-sodong", "pantai-citepus", "geyser-cisolok", "pantai-ujung-genteng"):
        body = client.get(f"/api/v1/features/{site}/nearby?radius_m=50000&limit=200").get_json(force=True)
        lon, lat = body["origin"]["geometry"]["coordinates"]
        for feature in body["features"]:
            lon2, lat2 = feature["geometry"]["coordinates"]
            azimuth, _, expected = GEOD.inv(lon, lat, lon2, lat2)
            assert feature["properties"]["distance_m"] == pytest.approx(expected, rel=0.005, abs=0.1)
            assert feature["properties"]["bearing_deg"] == pytest.approx(azimuth % 360, abs=0.1)
            checked += 1
    assert checked > 100


def test_radius_is_complete_compared_with_brute_force(client):
    """Every MSME pyproj puts inside the radius is returned, and none outside it."""
    body = client.get("/api/v1/layers/msmes?limit=5000").get_json(force=True)
    lon, lat = 106.5575, -6.99872
    expected = sorted(
        f["id"] for f in body["features"] if GEOD.inv(lon, lat, *f["geometry"]["coordinates"])[2] <= 7_000
    )
    near = client.get(f"/api/v1/nearby?lat={lat}&lon={lon}&radius_m=7000&layers=msmes&limit=200").get_json(
        force=True
    )
    assert expected and sorted(f["id"] for f in near["features"]) == expected
    assert not math.isnan(near["features"][0]["properties"]["distance_m"])


def test_the_nearest_k_match_brute_force_at_every_density(make_app, data_copy):
    """The widening-ring search returns exactly the k nearest (ties by id), from sparse to dense areas."""
    import random

    from bench.synthetic import msme_features, random_points
    from geotour.domain.layers import LayerQuery

    categories = ("kuliner", "penginapan", "oleh-oleh", "kerajinan", "jasa-wisata", "transportasi")
    dense = msme_features(2_000, categories, seed=8, prefix="dense")
    for feature in dense:  # squeeze them into a 1.5 km square around Palabuhanratu: about 1 per 1,000 m²
        lon, lat = feature["geometry"]["coordinates"]
        feature["geometry"]["coordinates"] = [
            round(106.54 + (lon % 0.01) * 1.35, 6),
            round(-7.0 + (lat % 0.01) * 1.35, 6),
        ]
    data_copy.edit("msmes.geojson", lambda data: data["features"].extend(dense))
    storage = make_app(data_copy.path).extensions["geotour"].storage
    everything = [
        (f["id"], *f["geometry"]["coordinates"])
        for f in storage.query_layer("msmes", LayerQuery(limit=10_000, offset=0))[0]
    ]
    rng = random.Random(4)
    lons, lats = random_points(60, seed=6)
    origins = list(zip(map(float, lons), map(float, lats), strict=True)) + [
        (106.5467, -6.9933),
        (106.55, -6.99),
    ]
    for lon, lat in origins:
        radius, limit = rng.choice([500, 3_000, 20_000, 50_000]), rng.choice([1, 5, 20, 60])
        ranked = sorted((GEOD.inv(lon, lat, x, y)[2], fid) for fid, x, y in everything)
        expected = [fid for distance, fid in ranked if distance <= radius][:limit]
        got = [
            feature["id"] for feature, _ in storage.features_near(lon, lat, radius, ("msmes",), limit=limit)
        ]
        assert got == expected, (lon, lat, radius, limit)
