"""Issue 15, break 1: two different parameter sets never share a cached answer, and a parameter the API
does not know is refused rather than ignored (a typo would otherwise answer, and cache, everything)."""

import pytest

from geotour.web.responses import _cache_key

READS_ONLY = True  # one app for the module's tests (see conftest.app); a test that writes makes its own


@pytest.mark.parametrize(
    "plain, encoded",
    [
        ("limit=100&offset=100", "limit%3D100%26offset=100"),
        ("properties=name&q=curug", "properties=name%26q%3Dcurug"),
    ],
)
def test_an_encoded_separator_never_makes_the_same_key(app, plain, encoded):
    with app.test_request_context("/api/v1/layers/geosites?" + plain):
        one = _cache_key(1)
    with app.test_request_context("/api/v1/layers/geosites?" + encoded):
        other = _cache_key(1)
    assert one != other


def test_a_query_hidden_in_a_value_does_not_poison_the_filtered_answer(make_app):
    expected = make_app().test_client().get("/api/v1/layers/geosites?properties=name&q=curug").get_json()
    client = make_app().test_client()
    first = client.get(
        "/api/v1/layers/geosites?properties=name%26q%3Dcurug"
    )  # cached first, under its own key
    assert first.status_code == 200
    assert first.get_json()["numberMatched"] != expected["numberMatched"]  # it asked for something else
    assert client.get("/api/v1/layers/geosites?properties=name&q=curug").get_json() == expected


def test_page_one_is_never_served_as_page_two(make_app):
    expected = make_app().test_client().get("/api/v1/layers/msmes?limit=10&offset=10").get_json()
    client = make_app().test_client()
    odd = client.get("/api/v1/layers/msmes?limit%3D10%26offset=10")
    assert odd.status_code == 400 and odd.get_json()["error"]["field"] == "limit=10&offset"
    assert client.get("/api/v1/layers/msmes?limit=10&offset=10").get_json() == expected


@pytest.mark.parametrize(
    "path, typo",
    [
        ("/api/v1/layers/msmes?catgory=kuliner", "catgory"),
        ("/api/v1/layers?limit=5", "limit"),
        ("/api/v1/features/curug-sodong?radius=500", "radius"),
        ("/api/v1/features/curug-sodong/nearby?radius=500", "radius"),
        ("/api/v1/nearby?lat=-7.18&lon=106.49&radius=500", "radius"),
    ],
)
def test_a_parameter_the_api_does_not_know_is_refused_by_name(client, path, typo):
    answer = client.get(path)
    assert answer.status_code == 400
    assert answer.get_json()["error"]["field"] == typo and typo in answer.get_json()["error"]["message"]


def test_the_language_is_accepted_everywhere(client):
    assert client.get("/api/v1/layers?lang=id").status_code == 200
    assert client.get("/api/v1/layers/msmes?lang=en&limit=1").status_code == 200


def test_the_per_process_store_keeps_nothing_longer_than_the_shared_cache_would(app):
    """Issue 15, break 1: entries sat in the per-process store until the next approval, with no expiry."""
    from geotour.web.responses import LocalStore

    now = [0.0]
    store = LocalStore(max_bytes=1000, max_age_s=600, clock=lambda: now[0])
    store.put("a", "answer", 10)
    now[0] = 599
    assert store.get("a") == "answer"
    now[0] = 600
    assert store.get("a") is None and store.size == 0
    store.put("a", "again", 10)
    assert store.get("a") == "again"  # stored afresh after it expired
    kept = app.extensions["geotour_local_responses"]
    assert kept.max_age_s == app.config["CACHE_DEFAULT_TIMEOUT"] == 600
