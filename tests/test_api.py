"""/api/v1: layers, features, nearby, errors, caching headers and compression."""

import gzip

import brotli
import pytest

from tests.conftest import rename_feature

READS_ONLY = True  # one app for the module's tests (see conftest.app); a test that writes makes its own


def get_json(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.data[:300]
    return response.get_json(force=True)


def test_catalogue_lists_layers_with_count_bbox_and_update(client):
    body = get_json(client, "/api/v1/layers")
    layers = {layer["id"]: layer for layer in body["layers"]}
    assert list(layers) == [
        "geosites",
        "biosites",
        "cultural_sites",
        "msmes",
        "routes",
        "events",
        "boundary",
        "villages",
    ]
    assert layers["routes"]["geometry_type"] == "LineString" and layers["routes"]["count"] == 4
    assert layers["events"]["kind"] == "event" and layers["events"]["count"] == 0
    geosites = layers["geosites"]
    assert geosites["title"] == {"id": "Situs geologi", "en": "Geosites"}
    assert geosites["geometry_type"] == "Point" and geosites["count"] == 27
    min_lon, min_lat, max_lon, max_lat = geosites["bbox"]
    assert 106.3 < min_lon < max_lon < 106.7 and -7.5 < min_lat < max_lat < -6.8
    assert geosites["updated_at"].endswith("Z")
    assert layers["msmes"]["categories"][0]["style"]["color"].startswith("#")
    assert geosites["links"][0]["href"].endswith("/api/v1/layers/geosites")


def test_layer_is_geojson_feature_collection(client):
    response = client.get("/api/v1/layers/geosites?limit=500")
    assert response.mimetype == "application/geo+json"
    body = response.get_json(force=True)
    assert body["type"] == "FeatureCollection" and body["numberMatched"] == 27 == len(body["features"])
    feature = body["features"][0]
    assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Point"
    assert feature["properties"]["layer"] == "geosites"
    assert "coord_confidence" in feature["properties"]


def test_bbox_filter_keeps_only_features_inside(client):
    bbox = (106.40, -7.25, 106.52, -7.10)  # Ciletuh amphitheatre
    body = get_json(client, "/api/v1/layers/geosites?limit=500&bbox=" + ",".join(map(str, bbox)))
    assert 0 < body["numberMatched"] < 27
    for feature in body["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]
    ids = {f["id"] for f in body["features"]}
    assert {"curug-sodong", "curug-cimarinjung"} <= ids


def test_category_filter(client):
    body = get_json(client, "/api/v1/layers/geosites?category=air-terjun&limit=500")
    assert body["numberMatched"] == 8
    assert {f["properties"]["category"] for f in body["features"]} == {"air-terjun"}


@pytest.mark.parametrize("q", ["CURUG sodong", "curug sódong", "Sodong", "cipanas cisolok"])
def test_name_search_ignores_case_and_accents(client, q):
    body = get_json(client, f"/api/v1/layers/geosites?q={q}")
    assert body["numberMatched"] >= 1
    assert body["features"][0]["id"] in ("curug-sodong", "geyser-cisolok")


def test_search_treats_wildcards_literally(client):
    assert get_json(client, "/api/v1/layers/geosites?q=%25")["numberMatched"] == 0
    assert get_json(client, "/api/v1/layers/geosites?q=_")["numberMatched"] == 0


def test_paging_follows_next_links_through_every_feature(client):
    url, seen = "/api/v1/layers/msmes?limit=70&category=kuliner", []
    while url:
        body = get_json(client, url)
        seen += [f["id"] for f in body["features"]]
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        url = nxt[0].replace("http://localhost", "") if nxt else None
    assert len(seen) == len(set(seen)) == body["numberMatched"]
    assert "category=kuliner" in body["links"][0]["href"]


def test_properties_parameter_trims_payload(client):
    body = get_json(client, "/api/v1/layers/geosites?properties=name,category")
    assert set(body["features"][0]["properties"]) == {"id", "name", "category", "layer"}


def test_feature_by_id(client):
    response = client.get("/api/v1/features/curug-sodong")
    assert response.mimetype == "application/geo+json"
    feature = response.get_json(force=True)
    assert feature["id"] == "curug-sodong" and feature["properties"]["layer"] == "geosites"
    assert feature["properties"]["coord_source"]


def test_nearby_msmes_of_a_site_are_sorted_with_distance_and_bearing(client):
    body = get_json(client, "/api/v1/features/curug-sodong/nearby?radius_m=5000&limit=50")
    assert body["radius_m"] == 5000 and body["origin"]["id"] == "curug-sodong"
    distances = [f["properties"]["distance_m"] for f in body["features"]]
    assert distances and distances == sorted(distances) and max(distances) <= 5000
    for feature in body["features"]:
        assert feature["properties"]["layer"] == "msmes"
        assert 0 <= feature["properties"]["bearing_deg"] < 360


def test_nearby_defaults_to_3km(client):
    body = get_json(client, "/api/v1/features/curug-sodong/nearby")
    assert body["radius_m"] == 3000
    assert all(f["properties"]["distance_m"] <= 3000 for f in body["features"])


def test_nearby_category_filter(client):
    body = get_json(client, "/api/v1/features/pantai-citepus/nearby?category=penginapan&radius_m=10000")
    assert body["features"] and {f["properties"]["category"] for f in body["features"]} == {"penginapan"}


def test_nearby_of_an_msme_returns_attractions(client):
    body = get_json(client, "/api/v1/features/msme-0001/nearby?radius_m=50000&limit=5")
    assert len(body["features"]) == 5
    assert {f["properties"]["layer"] for f in body["features"]} <= {"geosites", "biosites", "cultural_sites"}


def test_nearby_point_for_near_me(client):
    body = get_json(client, "/api/v1/nearby?lat=-7.18527&lon=106.49785&radius_m=2000&limit=200")
    layers = {f["properties"]["layer"] for f in body["features"]}
    assert "geosites" in layers
    assert body["features"][0]["id"] == "curug-sodong"  # it stands exactly there
    only = get_json(client, "/api/v1/nearby?lat=-7.18527&lon=106.49785&radius_m=2000&layers=msmes")
    assert {f["properties"]["layer"] for f in only["features"]} == {"msmes"}


@pytest.mark.parametrize(
    "url, status, field",
    [
        ("/api/v1/layers/nope", 404, "layer"),
        ("/api/v1/features/nope", 404, "id"),
        ("/api/v1/features/nope/nearby", 404, "id"),
        ("/api/v1/layers/geosites?bbox=1,2,3", 400, "bbox"),
        ("/api/v1/layers/geosites?bbox=a,b,c,d", 400, "bbox"),
        ("/api/v1/layers/geosites?bbox=106.6,-7.1,106.4,-7.2", 400, "bbox"),
        ("/api/v1/layers/geosites?bbox=-7.2,106.4,-7.1,106.6", 400, "bbox"),
        ("/api/v1/layers/geosites?bbox=nan,1,2,3", 400, "bbox"),
        ("/api/v1/layers/geosites?limit=ten", 400, "limit"),
        ("/api/v1/layers/geosites?limit=0", 400, "limit"),
        ("/api/v1/layers/geosites?limit=1e9", 400, "limit"),
        ("/api/v1/layers/geosites?offset=-1", 400, "offset"),
        ("/api/v1/layers/geosites?category=casino", 400, "category"),
        ("/api/v1/layers/geosites?q=" + "x" * 101, 400, "q"),
        ("/api/v1/features/curug-sodong/nearby?radius_m=-5", 400, "radius_m"),
        ("/api/v1/features/curug-sodong/nearby?radius_m=50001", 400, "radius_m"),
        ("/api/v1/features/curug-sodong/nearby?radius_m=inf", 400, "radius_m"),
        ("/api/v1/features/curug-sodong/nearby?radius_m=far", 400, "radius_m"),
        ("/api/v1/features/curug-sodong/nearby?limit=many", 400, "limit"),
        ("/api/v1/features/curug-sodong/nearby?category=casino", 400, "category"),
        ("/api/v1/features/cpugg-boundary-approx/nearby", 400, "id"),
        ("/api/v1/nearby?lat=91&lon=106.5", 400, "lat"),
        ("/api/v1/nearby?lat=-91&lon=106.5", 400, "lat"),
        ("/api/v1/nearby?lat=-7&lon=181", 400, "lon"),
        ("/api/v1/nearby?lon=106.5", 400, "lat"),
        ("/api/v1/nearby?lat=-7", 400, "lon"),
        ("/api/v1/nearby?lat=-7&lon=106.5&radius_m=100000", 400, "radius_m"),
        ("/api/v1/nearby?lat=-7&lon=106.5&layers=boundary", 400, "layers"),
        ("/api/v1/nearby?lat=-7&lon=106.5&limit=-3", 400, "limit"),
    ],
)
def test_bad_requests_get_json_errors_naming_the_parameter(client, url, status, field):
    response = client.get(url)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["field"] == field and error["message"] and error["code"]


@pytest.mark.parametrize(
    "url",
    ["/api/v1/layers/geosites?category=kuliner", "/api/v1/features/curug-sodong/nearby?category=air-terjun"],
)
def test_another_layers_category_matches_nothing(client, url):
    """The document lists every category the geopark has; one of another layer is no typo, and finds nothing."""
    response = client.get(url)
    assert response.status_code == 200 and response.get_json(force=True)["features"] == []


def test_unknown_api_route_and_method_are_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    response = client.post("/api/v1/layers")
    assert response.status_code == 405 and "error" in response.get_json()


@pytest.mark.parametrize("path", ["/api/v1/layers", "/ogc/collections"])
def test_http_errors_tell_an_api_client_what_it_needs(client, path):
    """The JSON of a 405 names the method and what the address takes, not a person's "go back" (issue 32)."""
    refused = client.delete(path, headers={"Accept-Language": "en"})
    message = refused.get_json()["error"]["message"]
    assert refused.status_code == 405 and refused.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert message.startswith("DELETE is not allowed") and "GET, HEAD, OPTIONS" in message
    assert "button" not in message and "page" not in message
    missing = client.get("/api/v1/nothing-here", headers={"Accept-Language": "en"}).get_json()["error"]
    assert missing["code"] == "not_found" and "/api/openapi.json" in missing["message"]
    assert (
        "Kembali" not in client.delete(path, headers={"Accept-Language": "id"}).get_json()["error"]["message"]
    )


def test_strong_etag_and_304(client):
    first = client.get("/api/v1/layers/geosites")
    etag = first.headers["ETag"]
    assert not etag.startswith("W/") and "public" in first.headers["Cache-Control"]
    again = client.get("/api/v1/layers/geosites", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data


def test_304_also_for_the_compressed_representation(client):
    first = client.get("/api/v1/layers/msmes", headers={"Accept-Encoding": "br"})
    assert first.headers["Content-Encoding"] == "br"
    etag = first.headers["ETag"]
    again = client.get("/api/v1/layers/msmes", headers={"Accept-Encoding": "br", "If-None-Match": etag})
    assert again.status_code == 304


@pytest.mark.parametrize("encoding, decode", [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_responses_are_compressed(client, encoding, decode):
    plain = client.get("/api/v1/layers/msmes?limit=500").data
    response = client.get("/api/v1/layers/msmes?limit=500", headers={"Accept-Encoding": encoding})
    assert response.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    assert len(response.data) < len(plain) / 4
    assert decode(response.data) == plain


def test_a_cached_answer_is_compressed_once_per_process_and_encoding(make_app, monkeypatch):
    import flask_compress.flask_compress as flask_compress

    compressed = []
    real = flask_compress._compress_data
    monkeypatch.setattr(
        flask_compress,
        "_compress_data",
        lambda app, data, algorithm: compressed.append(algorithm) or real(app, data, algorithm),
    )
    client = make_app().test_client()
    bodies = {
        client.get("/api/v1/layers/msmes", headers={"Accept-Encoding": encoding}).data
        for encoding in ("br", "br", "gzip", "br", "gzip")
    }
    assert sorted(compressed) == ["br", "gzip"] and len(bodies) == 2


def test_behind_a_compressing_front_server_the_app_sends_plain_answers(make_app):
    client = make_app(GEOTOUR_COMPRESS="0").test_client()
    answer = client.get("/api/v1/layers/msmes", headers={"Accept-Encoding": "br, gzip"})
    assert "Content-Encoding" not in answer.headers and answer.get_json()["features"]
    assert "Accept-Encoding" in answer.headers["Vary"]  # the front server's answer varies by it
    page = client.get("/", headers={"Accept-Encoding": "br, gzip"})
    assert "Content-Encoding" not in page.headers


def test_changed_data_gets_a_new_etag_and_fresh_body(make_app, data_copy, tmp_path):
    config = {"GEOTOUR_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    app = make_app(data_dir=data_copy.path, **config)
    client = app.test_client()
    before = client.get("/api/v1/features/curug-sodong")
    data_copy.edit("geosites.geojson", rename_feature("curug-sodong", "Curug Sodong Baru"))
    from geotour.storage.seed import seed

    context = app.extensions["geotour"]
    assert seed(context.storage, data_copy.path, context.catalogue) == ["geosites"]
    after = client.get("/api/v1/features/curug-sodong", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.get_json(force=True)["properties"]["name"] == "Curug Sodong Baru"
    assert after.headers["ETag"] != before.headers["ETag"]


def test_cached_response_is_served_from_cache(app, client, monkeypatch):
    client.get("/api/v1/layers/geosites")
    storage = app.extensions["geotour"].storage
    monkeypatch.setattr(storage, "query_layer", lambda *a, **k: pytest.fail("cache was not used"))
    assert client.get("/api/v1/layers/geosites").status_code == 200


def test_read_api_allows_any_origin(client):
    response = client.get("/api/v1/layers", headers={"Origin": "null"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_an_unexpected_fault_is_a_json_500_without_internals(make_app, monkeypatch):
    app = make_app()  # its own: the shared app may have the answer cached
    client = app.test_client()

    def broken(*args, **kwargs):
        raise RuntimeError("database file is on fire at /secret/path")

    monkeypatch.setattr(app.extensions["geotour"].storage, "get_feature", broken)
    response = client.get("/api/v1/features/curug-sodong")
    assert response.status_code == 500 and response.mimetype == "application/json"
    assert response.get_json()["error"]["code"] == "internal_error"
    assert "secret" not in response.get_data(as_text=True)
    page = client.get("/sites/curug-sodong")
    assert (
        page.status_code == 500
        and page.mimetype == "text/html"
        and "secret" not in page.get_data(as_text=True)
    )


def test_security_headers(client):
    response = client.get("/api/v1/layers")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_encoding_follows_the_clients_preferences(client):
    refused_br = client.get("/api/v1/layers/msmes", headers={"Accept-Encoding": "gzip;q=0.5, br;q=0"})
    assert refused_br.headers["Content-Encoding"] == "gzip"
    identity = client.get("/api/v1/layers/msmes", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in identity.headers
    etags = {
        refused_br.headers["ETag"],
        identity.headers["ETag"],
        client.get("/api/v1/layers/msmes", headers={"Accept-Encoding": "br"}).headers["ETag"],
    }
    assert len(etags) == 3  # each representation has its own strong validator


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/layers/msmes?offset=2773931844272123744358498304",
        "/ogc/collections/msmes/items?offset=2773931844272123744358498304",
        "/api/v1/submissions?offset=2773931844272123744358498304",
    ],
)
def test_an_offset_past_any_database_integer_is_refused_naming_it(make_app, path):
    """Schemathesis found a 500: SQLite cannot take an offset of 28 digits."""
    from tests.contributions import bearer, make_users, token_for

    app = make_app()
    make_users(app)
    answer = app.test_client().get(path, headers=bearer(token_for(app, "mod")))
    assert answer.status_code == 400 and answer.get_json()["error"]["field"] == "offset"
