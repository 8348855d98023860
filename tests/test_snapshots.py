"""Immutable layer snapshots: named by the data version, written once with gzip and brotli forms, a cache."""

import gzip
import hashlib
import shutil
from pathlib import Path

import brotli
import pytest

from geotour.domain.places import MAP_PROPERTIES
from tests.contributions import approved, bearer, homestay, make_users, token_for, upload, waterfall
from tests.test_photos import jpeg_with_gps


def _catalogue(client):
    return {entry["id"]: entry for entry in client.get("/api/v1/layers").get_json()["layers"]}


def _path(url):
    """Return the path of an absolute URL (the test client asks by path)."""
    return "/" + url.split("/", 3)[3]


def test_every_layer_names_its_snapshots_and_they_hold_the_whole_layer(client):
    for layer_id, entry in _catalogue(client).items():
        full = client.get(_path(entry["snapshot_url"]))
        assert full.status_code == 200 and full.mimetype == "application/geo+json"
        paged = client.get(f"/api/v1/layers/{layer_id}?limit=5000").get_json()
        assert full.get_json()["features"] == paged["features"]
        assert full.get_json()["numberMatched"] == entry["count"]
        assert (
            "immutable" in full.headers["Cache-Control"]
            and "max-age=31536000" in full.headers["Cache-Control"]
        )
        assert full.headers["Access-Control-Allow-Origin"] == "*"


def test_the_map_view_keeps_only_what_the_map_shows(client):
    entry = _catalogue(client)["geosites"]
    assert entry["map_snapshot_url"].endswith(".map.geojson")
    features = client.get(_path(entry["map_snapshot_url"])).get_json()["features"]
    assert features and all(set(f["properties"]) <= set(MAP_PROPERTIES) | {"id"} for f in features)
    assert any(
        "coord_source" in f["properties"]
        for f in client.get(_path(entry["snapshot_url"])).get_json()["features"]
    )


def test_the_map_view_never_carries_a_sample_businesss_made_up_number(app, client):
    make_users(app)
    real = approved(app, homestay("Homestay Ciletuh Asri", phone="0266 123456"))
    url = _path(_catalogue(client)["msmes"]["map_snapshot_url"])
    features = {f["id"]: f["properties"] for f in client.get(url).get_json()["features"]}
    samples = [props for props in features.values() if props.get("sample")]
    assert samples and all("phone" not in p and "whatsapp" not in p for p in samples)
    assert features[real]["whatsapp"] and features[real]["phone"]  # a real business keeps its numbers
    # the whole layer, for QGIS and downloads, is the data as it is stored
    whole = client.get(_path(_catalogue(client)["msmes"]["snapshot_url"])).get_json()["features"]
    assert all(f["properties"].get("phone") for f in whole if f["properties"].get("sample"))


def test_the_map_view_carries_a_cards_description_and_none_for_a_route(client):
    from geotour.domain.places import CARD_DESCRIPTION_CHARS, card_text

    catalogue = _catalogue(client)
    whole = {
        f["id"]: f["properties"]
        for f in client.get(_path(catalogue["geosites"]["snapshot_url"])).get_json()["features"]
    }
    shown = client.get(_path(catalogue["geosites"]["map_snapshot_url"])).get_json()["features"]
    long = [f for f in shown if len(whole[f["id"]]["description_en"]) > CARD_DESCRIPTION_CHARS]
    assert long, "the seed has descriptions longer than a card's"
    for feature in shown:
        for name in ("description_id", "description_en"):
            text, full = feature["properties"].get(name), whole[feature["id"]].get(name)
            assert text == (card_text(full) if full else None)
            if full and len(full) > CARD_DESCRIPTION_CHARS:
                assert (
                    text.endswith("…")
                    and full.startswith(text[:-1])
                    and len(text) <= CARD_DESCRIPTION_CHARS + 1
                )
    # a route's popup shows its name, whether its path is mapped and a link: its text stays on its page
    routes = client.get(_path(catalogue["routes"]["map_snapshot_url"])).get_json()["features"]
    assert routes and not any("description_id" in f["properties"] for f in routes)
    assert any(
        "description_id" in f["properties"]
        for f in client.get(_path(catalogue["routes"]["snapshot_url"])).get_json()["features"]
    )


def test_a_map_view_in_one_language_carries_the_one_description_its_card_shows(client):
    """The map page in Indonesian reads no English text: each language's view keeps that language's
    description, or the other's where a place has none in it (what the card shows, geotour-map.js
    localized()), and is otherwise the two languages' view. The page names the one in its language."""
    catalogue = _catalogue(client)
    for layer_id in ("geosites", "biosites", "cultural_sites", "msmes"):
        entry = catalogue[layer_id]
        both = client.get(_path(entry["map_snapshot_url"])).get_json()["features"]
        assert set(entry["map_snapshot_urls"]) == {"id", "en"}
        for lang, other in (("id", "en"), ("en", "id")):
            one = client.get(_path(entry["map_snapshot_urls"][lang])).get_json()["features"]
            assert [f["id"] for f in one] == [f["id"] for f in both]
            for mine, full in zip(one, both, strict=True):
                shown = full["properties"].get(f"description_{lang}") or full["properties"].get(
                    f"description_{other}"
                )
                kept = {k: v for k, v in mine["properties"].items() if k.startswith("description_")}
                assert list(kept.values()) == ([shown] if shown else [])
                rest = {k: v for k, v in full["properties"].items() if not k.startswith("description_")}
                assert {k: v for k, v in mine["properties"].items() if k not in kept} == rest
    page = client.get("/?lang=en").get_data(as_text=True)
    assert catalogue["geosites"]["map_snapshot_urls"]["en"].split("/api/")[1] in page


def _shown(props, lang, kind=None, fid="curug"):
    """The properties a map view keeps of one place with these properties."""
    from geotour.domain.layers import LayerKind
    from geotour.domain.places import _as_the_map_shows

    feature = {"type": "Feature", "id": fid, "geometry": None, "properties": dict(props)}
    _as_the_map_shows(feature, kind or LayerKind.ATTRACTION, lang)
    return feature["properties"]


def test_a_place_with_a_description_in_one_language_keeps_it_in_both_views():
    for lang in ("id", "en"):
        assert _shown({"name": "Curug", "description_id": "Air terjun."}, lang) == {
            "name": "Curug",
            "description_id": "Air terjun.",
        }
    assert _shown({"description_id": "Air terjun.", "description_en": "A waterfall."}, "en") == {
        "description_en": "A waterfall."
    }
    assert _shown({"description_id": "", "description_en": "A waterfall."}, "id") == {
        "description_en": "A waterfall."
    }


def test_a_map_view_says_a_places_id_and_layer_once(client):
    """Issue 34: 300 businesses each repeating their layer's name and their own id were 0.7 kB of the map
    page's 100 kB; the collection names its layer, each feature its id, and the map puts both back."""
    assert _shown({"id": "curug", "layer": "geosites", "name": "Curug"}, "id") == {"name": "Curug"}
    # a property that happens to be called id but is not the feature's stays
    assert _shown({"id": "other", "name": "Curug"}, "id") == {"id": "other", "name": "Curug"}
    entry = _catalogue(client)["msmes"]
    view = client.get(_path(entry["map_snapshot_urls"]["id"])).get_json()
    assert view["layer"] == "msmes" and len(view["features"]) > 100
    assert all(f["id"] and not {"id", "layer"} & set(f["properties"]) for f in view["features"])
    whole = client.get(_path(entry["snapshot_url"])).get_json()  # the layer as it is keeps both
    assert all(f["properties"]["layer"] == "msmes" for f in whole["features"])


def _map_rules():
    """What decides a map snapshot's content besides the data: the properties kept and how they are trimmed."""
    import inspect

    from geotour.domain import places

    said = [
        places.MAP_PROPERTIES,
        places.CARD_DESCRIPTION_CHARS,
        places.DESCRIPTIONS,
        places.NO_DESCRIPTION_ON_THE_MAP,
        places.SAMPLE_ONLY_OFF_THE_MAP,
        inspect.getsource(places._as_the_map_shows),
        inspect.getsource(places.card_text),
    ]
    return hashlib.sha256(repr(said).encode()).hexdigest()[:12]


def test_a_change_to_what_a_map_snapshot_holds_renames_it():
    """A snapshot's name is cached for a year and its file kept on disk: new rules with the old name would be
    served stale until the next approval. If this fails, bump places.SNAPSHOT_RULES and pin the new digest."""
    from geotour.domain.places import SNAPSHOT_RULES

    assert (SNAPSHOT_RULES, _map_rules()) == (4, "e1fbd7a105df")


def test_a_snapshot_named_by_older_rules_redirects_to_the_current_name(client, monkeypatch):
    from geotour.domain import places

    entry = _catalogue(client)["geosites"]
    old = _path(entry["map_snapshot_url"])
    # a release with new rules (its cached answers are its own: responses.release_id)
    monkeypatch.setattr(places, "SNAPSHOT_RULES", places.SNAPSHOT_RULES + 1)
    monkeypatch.setitem(client.application.extensions, "geotour_release", "n3wrul3sn3w0")
    new = _path(_catalogue(client)["geosites"]["map_snapshot_url"])
    assert new != old and new.split("/v/")[1].split("-")[0] == old.split("/v/")[1].split("-")[0]  # same data
    moved = client.get(old)
    assert moved.status_code == 307 and _path(moved.headers["Location"]) == new
    assert client.get(new).get_json()["features"]


@pytest.mark.parametrize(
    "text, cut",
    [
        ("a" * 180, "a" * 180),  # fits: whole
        ("word " * 40, ("word " * 36).rstrip() + "…"),  # at the last space
        ("x" * 200, "x" * 160 + "…"),  # no space in the last 20: at 160
        ("", ""),
    ],
)
def test_a_cards_text_is_cut_at_a_word(text, cut):
    from geotour.domain.places import card_text

    assert card_text(text) == cut


def test_snapshots_are_written_with_their_compressed_forms(app, client):
    url = _path(_catalogue(client)["msmes"]["snapshot_url"])
    plain = client.get(url).get_data()
    folder = Path(app.config["GEOTOUR_SNAPSHOT_DIR"]) / "msmes"
    [written] = [p for p in folder.iterdir() if p.suffix == ".geojson"]
    assert written.read_bytes() == plain
    assert gzip.decompress(written.with_name(written.name + ".gz").read_bytes()) == plain
    assert brotli.decompress(written.with_name(written.name + ".br").read_bytes()) == plain
    for encoding, decode in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        answer = client.get(url, headers={"Accept-Encoding": encoding})
        assert answer.headers["Content-Encoding"] == encoding and decode(answer.get_data()) == plain
    assert oct(written.stat().st_mode & 0o777) == "0o644"  # the front server's workers read it


def test_an_approval_names_new_snapshots_and_old_names_redirect(make_app):
    app = make_app()
    make_users(app)
    client = app.test_client()
    before = _catalogue(client)["geosites"]["snapshot_url"]
    kim, mod = token_for(app, "kim1"), token_for(app, "mod")
    [submission] = client.post("/api/v1/submissions", json=waterfall(), headers=bearer(kim)).get_json()[
        "submissions"
    ]
    client.post(f"/api/v1/submissions/{submission['id']}/approve", headers=bearer(mod))
    after = _catalogue(client)["geosites"]["snapshot_url"]
    assert after != before
    names = [f["properties"]["name"] for f in client.get(_path(after)).get_json()["features"]]
    assert "Curug Cikaso Leutik" in names
    old = client.get(_path(before))
    assert old.status_code == 307 and old.headers["Location"] == after
    assert "no-store" in old.headers["Cache-Control"]


def test_losing_the_snapshot_files_loses_nothing(app, client):
    url = _path(_catalogue(client)["biosites"]["snapshot_url"])
    first = client.get(url).get_data()
    shutil.rmtree(app.config["GEOTOUR_SNAPSHOT_DIR"])
    assert client.get(url).get_data() == first


def _approve(app, feature):
    make_users(app)
    client = app.test_client()
    [submission] = client.post(
        "/api/v1/submissions", json=feature, headers=bearer(token_for(app, "kim1"))
    ).get_json()["submissions"]
    client.post(f"/api/v1/submissions/{submission['id']}/approve", headers=bearer(token_for(app, "mod")))
    return _catalogue(client)["geosites"]["snapshot_url"].rsplit("/", 1)[1]


def test_two_databases_that_each_change_never_share_a_snapshot_name(make_app):
    """Both reach data version 7 with other data: a random tag, drawn with every version, keeps them apart."""
    first = _approve(make_app(), waterfall(name="Curug Satu"))
    second = _approve(make_app(), waterfall(name="Curug Dua"))
    assert first.split("-")[0] == second.split("-")[0]  # the same data version...
    assert first != second  # ...but never the same name


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/layers/geosites/v/latest.geojson",
        "/api/v1/layers/geosites/v/1-zzzzzzzz.geojson",
        "/api/v1/layers/geosites/v/1-abcdef12.other.geojson",
        "/api/v1/layers/nope/v/1-abcdef12.geojson",
        "/api/v1/layers/geosites/v/..%2F..%2Fsecret_key",
    ],
)
def test_names_that_are_not_snapshots_are_404_json(client, path):
    answer = client.get(path)
    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"


def test_a_phone_can_ask_whether_a_photo_is_already_stored(make_app):
    app = make_app()
    make_users(app)
    client, token = app.test_client(), token_for(app, "kim1")
    photo = jpeg_with_gps(106.4712, -7.2105)
    digest = hashlib.sha256(photo).hexdigest()
    assert client.get(f"/api/v1/photos/sources/{digest}", headers=bearer(token)).get_json() == {
        "stored": False
    }
    sent = client.post(
        "/api/v1/photos",
        data={"photo": upload(photo, "a.jpg")},
        content_type="multipart/form-data",
        headers=bearer(token),
    ).get_json()
    known = client.get(f"/api/v1/photos/sources/{digest}", headers=bearer(token))
    assert known.status_code == 200 and known.get_json() == {"stored": True, **sent}
    assert client.get(f"/api/v1/photos/sources/{digest}").status_code == 401
    bad = client.get("/api/v1/photos/sources/not-a-hash", headers=bearer(token))
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "source_hash"


def test_answers_that_share_an_etag_keep_their_own_compressed_bodies(make_app):
    client = make_app().test_client()
    entries = _catalogue(client)
    for encoding, decode in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        for layer in ("msmes", "geosites", "msmes", "villages"):
            url = _path(entries[layer]["map_snapshot_url"])
            plain = client.get(url, headers={"Accept-Encoding": "identity"}).data
            answer = client.get(url, headers={"Accept-Encoding": encoding})
            assert answer.headers["Content-Encoding"] == encoding and decode(answer.data) == plain


def test_the_front_servers_question_is_answered_only_when_make_serve_asks_it(make_app):
    """nginx asks before it sends a snapshot from disk (issue 32, break 8): 204 current, 403 ask the app."""
    check = {"X-Geotour-Snapshot-Check": "1"}
    plain = make_app().test_client()
    url = _path(_catalogue(plain)["msmes"]["snapshot_url"])
    assert plain.get(url, headers=check).status_code == 200  # make run: the header means nothing

    app = make_app(GEOTOUR_NGINX_SNAPSHOTS="1")
    client = app.test_client()
    url = _path(_catalogue(client)["msmes"]["map_snapshot_url"])
    folder = Path(app.config["GEOTOUR_SNAPSHOT_DIR"]) / "msmes"
    answer = client.get(url, headers=check)
    assert answer.status_code == 204 and not answer.get_data()
    assert [p.name for p in folder.iterdir() if p.suffix == ".geojson"] == [url.rsplit("/", 1)[1]]
    older = url.replace("/v/", "/v/1")  # another data version
    for name in (older, url.replace("msmes", "nope"), url.replace(".map.", ".x.")):
        assert client.get(name, headers=check).status_code == 403, name
    assert client.get(older).status_code == 307  # what nginx then gets from the app
    assert client.get(url.replace("msmes", "nope")).status_code == 404
