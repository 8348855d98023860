"""OGC API - Features under /ogc, checked with our own client and with the real ones: GDAL and OWSLib."""

import json
import re

import pyogrio
import pytest
from openapi_spec_validator import validate

from geotour.web.api.openapi import build_document

READS_ONLY = True  # one app for the module's tests (see conftest.app); a test that writes makes its own


def test_landing_page_links(client):
    body = client.get("/ogc").get_json(force=True)
    links = {link["rel"]: link for link in body["links"]}
    assert links["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert links["service-desc"]["href"].endswith("/api/openapi.json")
    assert {"service-doc", "conformance", "data", "self", "alternate"} <= set(links)
    assert client.get(links["service-doc"]["href"]).status_code == 200


def test_conformance_classes(client):
    conforms = client.get("/ogc/conformance").get_json()["conformsTo"]
    for part in ("core", "oas30", "html", "geojson"):
        assert f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{part}" in conforms


def test_collections_have_crs84_extent_and_item_type(client):
    collections = client.get("/ogc/collections").get_json()["collections"]
    geosites = next(c for c in collections if c["id"] == "geosites")
    assert geosites["itemType"] == "feature"
    bbox = geosites["extent"]["spatial"]["bbox"]
    assert isinstance(bbox[0], list) and len(bbox[0]) == 4 and 106 < bbox[0][0] < 107
    assert geosites["extent"]["spatial"]["crs"].endswith("CRS84")
    assert client.get("/ogc/collections/geosites").get_json()["id"] == "geosites"


def test_items_page_with_counts_and_typed_next_link(client):
    body = client.get("/ogc/collections/msmes/items?limit=50").get_json(force=True)
    assert body["numberReturned"] == 50 and body["numberMatched"] == 300
    nxt = [link for link in body["links"] if link["rel"] == "next"][0]
    assert nxt["type"] == "application/geo+json" and "offset=50" in nxt["href"]


def test_large_limits_are_capped(client):
    body = client.get("/ogc/collections/msmes/items?limit=100000").get_json(force=True)
    assert body["numberReturned"] == 300 or body["numberReturned"] == 1000
    assert body["numberReturned"] <= 1000


def test_items_bbox_and_datetime(client):
    inside = client.get("/ogc/collections/geosites/items?bbox=106.40,-7.25,106.52,-7.10").get_json(force=True)
    assert 0 < inside["numberMatched"] < 27
    three_d = client.get("/ogc/collections/geosites/items?bbox=106.40,-7.25,0,106.52,-7.10,100").get_json(
        force=True
    )
    assert three_d["numberMatched"] == inside["numberMatched"]
    assert client.get("/ogc/collections/geosites/items?datetime=2024-01-01T00:00:00Z/..").status_code == 200


def test_one_item_has_a_top_level_id(client):
    item = client.get("/ogc/collections/geosites/items/curug-sodong").get_json(force=True)
    assert item["id"] == "curug-sodong" and item["type"] == "Feature"


@pytest.mark.parametrize(
    "url, status",
    [
        ("/ogc/collections/nope", 404),
        ("/ogc/collections/nope/items", 404),
        ("/ogc/collections/geosites/items/nope", 404),
        ("/ogc/collections/biosites/items/curug-sodong", 404),
        ("/ogc/collections/geosites/items?limit=0", 400),
        ("/ogc/collections/geosites/items?limit=x", 400),
        ("/ogc/collections/geosites/items?bbox=1,2,3", 400),
        ("/ogc/collections/geosites/items?datetime=yesterday", 400),
        ("/ogc/collections/geosites/items?datetime=2025-01-01/2024-01-01", 400),
        ("/ogc/collections/geosites/items?colour=red", 400),
        ("/ogc?f=xml", 400),
    ],
)
def test_ogc_errors(client, url, status):
    response = client.get(url)
    assert response.status_code == status and response.get_json()["error"]["message"]


def test_json_without_accept_html_for_browsers_and_f(client):
    assert client.get("/ogc/collections").mimetype == "application/json"
    browser = client.get("/ogc/collections", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.mimetype == "text/html" and "Accept" in browser.headers["Vary"]
    assert client.get("/ogc/collections?f=html").mimetype == "text/html"
    assert (
        client.get("/ogc/collections?f=json", headers={"Accept": "text/html"}).mimetype == "application/json"
    )


@pytest.mark.parametrize(
    "path, indonesian, english",
    [
        ("/ogc", "Di QGIS:", "In QGIS:"),
        ("/ogc/collections", "Koleksi", "Collections"),
        ("/ogc/collections/geosites", "Cakupan", "Extent"),
        ("/ogc/collections/msmes/items?limit=5", "Fitur (5 dari 300)", "Items (5 of 300)"),
        ("/ogc/conformance", "Kesesuaian", "Conformance"),
    ],
)
def test_the_ogc_pages_speak_the_visitors_language(client, path, indonesian, english):
    """The HTML pages for people are in Indonesian first, like every other page; the JSON for QGIS keeps its
    English titles."""
    sep = "&" if "?" in path else "?"
    in_id = client.get(f"{path}{sep}f=html&lang=id").get_data(as_text=True)
    in_en = client.get(f"{path}{sep}f=html&lang=en").get_data(as_text=True)
    assert indonesian in in_id and english not in in_id
    assert english in in_en
    assert "<h2>Tautan</h2>" in in_id


def test_the_ogc_links_are_named_in_the_visitors_language_and_in_english_for_qgis(client):
    page = client.get("/ogc?f=html&lang=id").get_data(as_text=True)
    assert "Dokumen ini sebagai HTML" in page and "Definisi OpenAPI" in page and "Koleksi" in page
    titles = {
        link["rel"]: link.get("title") for link in client.get("/ogc?f=json&lang=id").get_json()["links"]
    }
    assert titles["service-desc"] == "OpenAPI definition" and titles["data"] == "Collections"


def test_etags_on_ogc(client):
    first = client.get("/ogc/collections/geosites/items")
    assert (
        client.get(
            "/ogc/collections/geosites/items", headers={"If-None-Match": first.headers["ETag"]}
        ).status_code
        == 304
    )


def test_openapi_document_is_valid_and_covers_every_route(app, client):
    response = client.get("/api/openapi.json")
    assert response.mimetype == "application/vnd.oai.openapi+json"
    doc = response.get_json(force=True)
    validate(doc)
    rules = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith(("/api", "/ogc"))}
    import re

    expected = {re.sub(r"<(?:[^:>]+:)?([^>]+)>", "{x}", r) for r in rules}
    documented = {re.sub(r"\{[^}]+\}", "{x}", p) for p in doc["paths"]}
    assert expected == documented


def _undocumented(app, document):
    """Return the routes under /api and /ogc, with their methods, that the document does not list."""
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api", "/ogc")):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                if method.lower() not in document["paths"].get(path, {}):
                    missing.append(f"{method} {rule.rule}")
    return missing


def test_every_route_under_api_and_ogc_is_documented(make_app):
    app = make_app()  # its own: a route is added to it
    with app.test_request_context():
        assert _undocumented(app, build_document(app)) == []
    app.add_url_rule("/api/v1/secret", "secret", lambda: "")  # a route on no documented blueprint
    with app.test_request_context():
        assert _undocumented(app, build_document(app)) == ["GET /api/v1/secret"]


@pytest.fixture
def ogc_server(server_process):
    return server_process + "/ogc"


def test_gdal_oapif_driver_reads_our_layers(ogc_server, client):
    layers = {name for name, _ in pyogrio.list_layers(f"OAPIF:{ogc_server}")}
    assert {"geosites", "biosites", "cultural_sites", "msmes", "boundary"} <= layers
    frame = pyogrio.read_dataframe(f"OAPIF:{ogc_server}", layer="msmes")
    assert len(frame) == 300  # GDAL followed our next links through every page
    ours = client.get("/api/v1/layers/geosites").get_json(force=True)["features"]
    geosites = pyogrio.read_dataframe(f"OAPIF:{ogc_server}", layer="geosites")
    assert sorted(geosites["name"]) == sorted(f["properties"]["name"] for f in ours)
    assert geosites.crs.to_epsg() == 4326


def test_owslib_reads_our_layers(ogc_server, client):
    from owslib.ogcapi.features import Features

    api = Features(ogc_server)
    assert "geosites" in [c["id"] for c in api.collections()["collections"]]
    items = api.collection_items("geosites", limit=100)
    ours = client.get("/api/v1/layers/geosites").get_json(force=True)
    assert sorted(f["id"] for f in items["features"]) == sorted(f["id"] for f in ours["features"])
    assert api.collection_item("geosites", "curug-sodong")["id"] == "curug-sodong"


JSON_TYPES = {"string": str, "integer": int, "number": float, "boolean": bool}


def _all_items(client, collection_id):
    page = client.get(f"/ogc/collections/{collection_id}/items?limit=1000").get_json()
    assert page["numberReturned"] == page["numberMatched"]
    return page["features"]


def test_every_property_keeps_one_type_across_a_collection_for_qgis(client):
    """Issue 14, part 2: lists joined, objects as JSON text, numbers one type, every field in every feature, and
    the queryables say which; /api/v1 keeps the data as stored."""
    for collection in client.get("/ogc/collections").get_json()["collections"]:
        cid = collection["id"]
        link = next(ln["href"] for ln in collection["links"] if ln["rel"].endswith("/queryables"))
        schema = client.get(link).get_json()
        assert schema["type"] == "object" and client.get(link).mimetype == "application/schema+json"
        fields = {k: v for k, v in schema["properties"].items() if k != "geometry"}
        ogc_items = _all_items(client, cid)
        api = {f["id"]: f for f in client.get(f"/api/v1/layers/{cid}?limit=1000").get_json()["features"]}
        for feature in ogc_items:
            props = feature["properties"]
            assert list(props) == list(fields), (
                cid,
                feature["id"],
            )  # same fields, same order, in every feature
            for name, value in props.items():
                if value is not None:
                    expected = JSON_TYPES[fields[name]["type"]]
                    assert type(value) is expected, (cid, feature["id"], name, value)
            for name, value in api[feature["id"]]["properties"].items():
                if value not in (None, [], {}):
                    assert props.get(name) is not None, (cid, feature["id"], name)  # nothing QGIS would lose
                if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                    assert props[name] == "; ".join(value)
                elif isinstance(value, (list, dict)) and value:
                    assert json.loads(props[name]) == value


def test_the_fields_qgis_lost_now_arrive(client):
    """What QGIS 3.22 showed as NULL: facts (a list of objects), name_alt after an empty first one, and
    coord_previous after nulls."""
    biosites = _all_items(client, "biosites")
    assert biosites[0]["properties"]["name_alt"] is None or isinstance(
        biosites[0]["properties"]["name_alt"], str
    )
    assert all(isinstance(f["properties"]["facts"], str) for f in biosites)
    geosites = {f["id"]: f["properties"] for f in _all_items(client, "geosites")}
    moved = [p for p in geosites.values() if p["coord_previous"]]
    assert len(moved) == 1 and json.loads(moved[0]["coord_previous"])["coordinates"]
    assert geosites["curug-sodong"]["name_alt"] == "Curug Kembar; Curug Panganten"
    api = client.get("/api/v1/features/curug-sodong").get_json()["properties"]
    assert api["name_alt"] == ["Curug Kembar", "Curug Panganten"], "/api/v1 is unchanged"
