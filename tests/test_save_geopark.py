"""Issue 31, part 2: what "save the whole geopark" keeps, listed by the server with each file's size as served
(measured) and a tag that changes exactly when what the file shows changes."""

import time

import pytest

from geotour.context import current
from geotour.domain.features import validate_feature
from geotour.web import offline_set


def listed(client, lang="id"):
    """Ask until the server has measured every page (202 with Retry-After meanwhile)."""
    deadline = time.monotonic() + 120
    while (answer := client.get(f"/api/v1/offline/geopark?lang={lang}")).status_code == 202:
        assert answer.headers["Retry-After"] and answer.get_json()["measuring"] is True
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert answer.status_code == 200
    return answer.get_json()


@pytest.fixture
def small(make_app, data_copy):
    """A geopark with a few businesses: the list is measured in a second, not twenty."""
    data_copy.edit("msmes.geojson", lambda data: data.update(features=data["features"][:6]))
    return make_app(data_dir=data_copy.path)


def test_every_place_and_route_page_is_listed_with_its_size_as_served(small):
    client = small.test_client()
    found = listed(client)
    urls = [f["url"] for f in found["files"]]
    assert "/sites/curug-sodong" in urls and "/msmes/msme-0001" in urls
    assert "/routes/ciletuh-river-three-waterfalls" in urls
    assert len(urls) == len(set(urls)) and found["pages"] == len(urls) - found["photos"]
    for file in found["files"][:5] + found["files"][-3:]:
        page = client.get(file["url"], headers={"Accept-Language": "id"})
        assert file["bytes"] == len(page.get_data())  # measured, not guessed
    assert found["bytes"] == sum(f["bytes"] for f in found["files"])
    assert found["tiles"] == 0  # the OpenStreetMap servers forbid bulk downloads: none by default
    english = listed(client, "en")
    assert {f["url"] for f in english["files"]} == set(urls)
    assert {f["tag"] for f in english["files"]}.isdisjoint(f["tag"] for f in found["files"])  # per language


def test_a_change_retags_only_the_pages_that_show_it(small):
    app = small
    client = app.test_client()
    before = {f["url"]: f["tag"] for f in listed(client)["files"]}
    with app.app_context():
        storage = current().storage
        feature = storage.get_feature("curug-sodong")
        feature["properties"]["description_id"] = "Diperbarui."
        layer = current().catalogue.get(feature["properties"]["layer"])
        storage.publish_version("curug-sodong", layer.id, validate_feature(feature, layer), 1, "update")
    after = {f["url"]: f["tag"] for f in listed(client)["files"]}
    changed = {url for url in before if before[url] != after[url]}
    assert "/sites/curug-sodong" in changed
    assert {u for u in changed if u.startswith("/sites/")} == {"/sites/curug-sodong"}  # other sites: same
    assert all(u in changed for u in before if u.startswith(("/msmes/", "/routes/")))  # they list it


def test_the_list_is_capped_and_says_what_it_left_out(small, monkeypatch):
    client = small.test_client()
    offline_set._MEMO.clear()
    monkeypatch.setattr(offline_set, "MAX_PAGES", 10)
    found = listed(client)
    assert found["pages"] == 10 and found["left_out"] > 0
    assert all(not f["url"].startswith("/msmes/") for f in found["files"])  # attractions and routes first
    offline_set._MEMO.clear()
