"""Layer downloads: GeoJSON, CSV, GeoPackage and KML that GDAL reads back with the same features."""

import pyogrio
import pytest

READS_ONLY = True  # one app for the module's tests (see conftest.app); a test that writes makes its own


@pytest.mark.parametrize(
    "fmt, mimetype",
    [
        ("geojson", "application/geo+json"),
        ("csv", "text/csv"),
        ("gpkg", "application/geopackage+sqlite3"),
        ("kml", "application/vnd.google-earth.kml+xml"),
    ],
)
@pytest.mark.parametrize("layer", ["geosites", "msmes", "routes", "boundary"])
def test_exports_read_back_in_gdal(client, tmp_path, fmt, mimetype, layer):
    response = client.get(f"/api/v1/layers/{layer}/export?format={fmt}")
    assert response.status_code == 200 and response.mimetype == mimetype
    assert f'filename="geotour-{layer}.' in response.headers["Content-Disposition"]
    path = tmp_path / f"download.{fmt}"
    path.write_bytes(response.data)
    options = (
        {"X_POSSIBLE_NAMES": "X", "Y_POSSIBLE_NAMES": "Y", "KEEP_GEOM_COLUMNS": "NO"}
        if fmt == "csv" and layer not in ("boundary", "routes")
        else {}
    )
    if fmt == "csv" and layer in ("boundary", "routes"):
        options = {"GEOM_POSSIBLE_NAMES": "WKT", "KEEP_GEOM_COLUMNS": "NO"}
    frame = pyogrio.read_dataframe(path, **options)  # GDAL open options, e.g. where CSV keeps geometry
    ours = client.get(f"/api/v1/layers/{layer}?limit=5000").get_json(force=True)["features"]
    assert len(frame) == len(ours)
    names = frame["Name"] if fmt == "kml" else frame["name"]
    assert sorted(names) == sorted(f["properties"]["name"] for f in ours)
    assert frame.geometry.notna().all()


def test_geojson_export_keeps_provenance(client):
    features = client.get("/api/v1/layers/geosites/export").get_json(force=True)["features"]
    sodong = next(f for f in features if f["properties"]["id"] == "curug-sodong")
    assert sodong["properties"]["coord_confidence"] == "published"
    assert sodong["geometry"]["coordinates"] == [106.49785, -7.18527]


@pytest.mark.parametrize(
    "url, status, field",
    [
        ("/api/v1/layers/geosites/export?format=shp", 400, "format"),
        ("/api/v1/layers/nope/export", 404, "layer"),
    ],
)
def test_export_errors(client, url, status, field):
    response = client.get(url)
    assert response.status_code == status and response.get_json()["error"]["field"] == field


def test_hostile_names_stay_data_in_kml(make_app, hostile_data):
    client = make_app(data_dir=hostile_data.path).test_client()
    kml = client.get("/api/v1/layers/geosites/export?format=kml").get_data(as_text=True)
    assert "<img src=x" not in kml and "&lt;img src=x onerror=alert(1)&gt;" in kml


def test_map_page_offers_downloads(client):
    html = client.get("/").get_data(as_text=True)
    for fmt in ("geojson", "csv", "gpkg", "kml"):
        assert f"/api/v1/layers/msmes/export?format={fmt}" in html


def test_exports_revalidate_with_etag(client):
    first = client.get("/api/v1/layers/geosites/export?format=gpkg")
    again = client.get(
        "/api/v1/layers/geosites/export?format=gpkg", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and first.headers["Access-Control-Allow-Origin"] == "*"


def test_csv_cells_that_a_spreadsheet_would_run_are_made_inert(make_app, data_copy):
    hostile = {
        "pulau-kunti": '=HYPERLINK("http://evil.example","x")',
        "pulau-mandra": "@SUM(1+1)",
        "pulau-manuk": "+62 000 cmd",
        "curug-awang": "-1+1",
    }

    def rename(data):
        for feature in data["features"]:
            if feature["id"] in hostile:
                feature["properties"]["name"] = hostile[feature["id"]]

    data_copy.edit("geosites.geojson", rename)
    client = make_app(data_dir=data_copy.path).test_client()
    text = client.get("/api/v1/layers/geosites/export?format=csv").get_data(as_text=True)
    for name in hostile.values():
        quoted = '"' + ("'" + name).replace('"', '""') + '"'
        assert ("'" + name) in text or quoted in text, name
        assert f",{name}," not in text and f',"{name}",' not in text
    geojson = client.get("/api/v1/layers/geosites/export?format=geojson").get_json(force=True)
    assert {f["properties"]["name"] for f in geojson["features"]} >= set(
        hostile.values()
    )  # the data is unchanged
