"""The seed layers: real CPUGG data with provenance, the labelled sample MSMEs, and checks at start-up."""

import json
import subprocess
import sys

import pytest

from geotour.errors import SeedDataError
from tests.backends import empty_database_url
from tests.conftest import DATA_DIR

ROOT = DATA_DIR.parent.parent


def _layer(name):
    return json.loads((DATA_DIR / f"{name}.geojson").read_text(encoding="utf-8"))


@pytest.mark.parametrize("layer, count", [("geosites", 27), ("biosites", 6), ("cultural_sites", 12)])
def test_site_layers_hold_the_cpugg_sites_with_provenance(layer, count):
    features = _layer(layer)["features"]
    assert len(features) == count
    for feature in features:
        props = feature["properties"]
        assert props["coord_confidence"] in ("published", "estimated")
        assert props["coord_source"]
        lon, lat = feature["geometry"]["coordinates"]
        assert 106.3 < lon < 106.7 and -7.5 < lat < -6.7  # lon/lat order, inside West Java's south coast


def test_sample_msmes_are_labelled_and_use_fake_numbers():
    features = _layer("msmes")["features"]
    assert 280 <= len(features) <= 320
    categories = {f["properties"]["category"] for f in features}
    assert categories == {"kuliner", "penginapan", "oleh-oleh", "kerajinan", "jasa-wisata", "transportasi"}
    for feature in features:
        assert feature["properties"]["sample"] is True
        assert feature["properties"]["phone"].startswith("+6200000")


def test_sample_generator_is_deterministic(tmp_path):
    out = tmp_path / "msmes.geojson"
    script = ROOT / "scripts" / "generate_sample_msmes.py"
    subprocess.run(
        [sys.executable, str(script), "--out", str(out)], check=True, capture_output=True, cwd=ROOT
    )
    assert out.read_bytes() == (DATA_DIR / "msmes.geojson").read_bytes()


def test_app_loads_every_seed_feature(client):
    layers = {entry["id"]: entry for entry in client.get("/api/v1/layers").get_json()["layers"]}
    assert layers["geosites"]["count"] == 27
    assert layers["msmes"]["count"] == len(_layer("msmes")["features"])
    assert layers["boundary"]["count"] == 1


def _break(data_copy, layer_file, change):
    data_copy.edit(layer_file, change)
    return data_copy.path


@pytest.mark.parametrize(
    "layer_file, change, expected",
    [
        (
            "geosites.geojson",
            lambda d: d["features"][2]["geometry"].update(coordinates=[106.5, -97.0]),
            ["geosites.geojson", "#3 (puncak-habibie)", "latitude -97.0 is outside"],
        ),
        (
            "msmes.geojson",
            lambda d: d["features"][0]["properties"].update(category="casino"),
            ["msmes.geojson", "#1 (msme-0001)", "category 'casino'"],
        ),
        (
            "biosites.geojson",
            lambda d: d["features"][0]["properties"].update(name=""),
            ["biosites.geojson", "#1", '"name" must be a non-empty string'],
        ),
        (
            "cultural_sites.geojson",
            lambda d: d["features"][1].update(geometry={"type": "LineString", "coordinates": []}),
            ["cultural_sites.geojson", "#2", "takes Point geometry"],
        ),
        (
            "geosites.geojson",
            lambda d: d["features"][1].update(id=d["features"][0]["id"]),
            ["geosites.geojson", "#2", "already used"],
        ),
        (
            "geosites.geojson",
            lambda d: d["features"][0]["geometry"].update(coordinates=[float("nan"), 1]),
            ["geosites.geojson", "#1", "not a finite number"],
        ),
    ],
)
def test_a_bad_seed_file_stops_start_up_naming_file_feature_and_fault(
    make_app, data_copy, layer_file, change, expected
):
    with pytest.raises(SeedDataError) as caught:
        make_app(data_dir=_break(data_copy, layer_file, change))
    for part in expected:
        assert part in str(caught.value)


def test_a_file_that_is_not_json_stops_start_up(make_app, data_copy):
    (data_copy.path / "biosites.geojson").write_text(
        '{"type": "FeatureCollection", "features": [', encoding="utf-8"
    )
    with pytest.raises(SeedDataError, match="biosites.geojson.*not valid JSON"):
        make_app(data_dir=data_copy.path)


def test_seeding_again_is_harmless_and_picks_up_changed_files(make_app, data_copy, tmp_path):
    from tests.conftest import rename_feature

    config = {"GEOTOUR_DATABASE_URL": f"sqlite:///{tmp_path}/shared.sqlite3"}
    first = make_app(data_dir=data_copy.path, **config)
    version = first.extensions["geotour"].storage.data_version()
    again = make_app(data_dir=data_copy.path, **config)
    assert again.extensions["geotour"].storage.data_version() == version
    assert again.test_client().get("/api/v1/layers").get_json()["layers"][0]["count"] == 27

    data_copy.edit("geosites.geojson", rename_feature("curug-sodong", "Curug Sodong Kembar"))
    changed = make_app(data_dir=data_copy.path, **config)
    assert changed.extensions["geotour"].storage.data_version() != version
    name = changed.test_client().get("/api/v1/features/curug-sodong").get_json()["properties"]["name"]
    assert name == "Curug Sodong Kembar"


def test_seed_command_reports_loaded_then_up_to_date(make_app, tmp_path):
    app = make_app(GEOTOUR_DATABASE_URL=empty_database_url(tmp_path), GEOTOUR_AUTO_SEED="0")
    first = app.test_cli_runner().invoke(args=["seed"])
    assert first.exit_code == 0 and "msmes" in first.output and "loaded" in first.output
    again = (
        make_app(GEOTOUR_DATABASE_URL=app.config["GEOTOUR_DATABASE_URL"])
        .test_cli_runner()
        .invoke(args=["seed"])
    )
    assert "loaded" not in again.output and again.output.count("up to date") == 8


def test_check_data_command(app):
    result = app.test_cli_runner().invoke(args=["check-data"])
    assert result.exit_code == 0 and "ok: 424 features in 8 layers" in result.output


@pytest.mark.parametrize(
    "layer", ["geosites", "biosites", "cultural_sites", "msmes", "routes", "boundary", "villages"]
)
def test_gdal_reads_every_layer_file_as_wgs84(layer):
    """QGIS and GDAL users open these files directly: GDAL must read them as lon/lat WGS84."""
    import geopandas

    frame = geopandas.read_file(DATA_DIR / f"{layer}.geojson", engine="pyogrio")
    assert len(frame) == len(_layer(layer)["features"])
    assert frame.crs.to_epsg() == 4326
    assert frame.geometry.is_valid.all()


def test_every_place_lies_inside_the_geopark_boundary():
    import geopandas

    utm = "EPSG:32748"  # UTM 48S, metres, for a buffer in metres
    boundary = geopandas.read_file(DATA_DIR / "boundary.geojson", engine="pyogrio").to_crs(utm)
    area = boundary.geometry.iloc[0].buffer(2_000)
    for layer in ("geosites", "biosites", "cultural_sites", "msmes", "villages"):
        points = geopandas.read_file(DATA_DIR / f"{layer}.geojson", engine="pyogrio").to_crs(utm)
        outside = points[~points.geometry.within(area)]
        assert outside.empty, f"{layer}: {list(outside['id'])} outside the boundary + 2 km"
