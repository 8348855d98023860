"""Submissions end to end through the API: propose, validate, moderate, publish, version, revert."""

import pytest

from tests.contributions import CURUG_SODONG, bearer, homestay, make_users, token_for, waterfall


@pytest.fixture
def site(make_app):
    """Return (app, client, {username: token}) with one user per role."""
    app = make_app()
    make_users(app)
    tokens = {name: token_for(app, name) for name in ("kim1", "kim2", "mod", "admin")}
    return app, app.test_client(), tokens


def propose(client, token, feature):
    return client.post("/api/v1/submissions", json=feature, headers=bearer(token))


def test_a_proposal_waits_for_review_then_shows_everywhere_once_approved(site):
    app, client, tokens = site
    before = client.get("/api/v1/layers/geosites?q=cikaso leutik").get_json()
    created = propose(client, tokens["kim1"], waterfall())
    assert created.status_code == 201
    [submission] = created.get_json()["submissions"]
    assert submission["status"] == "pending" and submission["username"] == "kim1"
    fid = submission["feature_id"]
    # Pending: nowhere public.
    assert client.get(f"/api/v1/features/{fid}").status_code == 404
    assert (
        client.get("/api/v1/layers/geosites?q=cikaso leutik").get_json()["numberMatched"]
        == before["numberMatched"]
    )
    assert client.get(f"/sites/{fid}").status_code == 404
    approved = client.post(f"/api/v1/submissions/{submission['id']}/approve", headers=bearer(tokens["mod"]))
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    # The cached layer answer is replaced at once.
    after = client.get("/api/v1/layers/geosites?q=cikaso leutik").get_json()
    assert after["numberMatched"] == before["numberMatched"] + 1
    assert client.get(f"/api/v1/features/{fid}").get_json()["properties"]["name"] == "Curug Cikaso Leutik"
    assert client.get(f"/sites/{fid}").status_code == 200
    versions = client.get(f"/api/v1/features/{fid}/versions", headers=bearer(tokens["mod"])).get_json()[
        "versions"
    ]
    assert [v["version"] for v in versions] == [1] and versions[0]["action"] == "create"


def test_reject_needs_a_reason_and_the_contributor_sees_it(site):
    app, client, tokens = site
    sid = propose(client, tokens["kim1"], waterfall()).get_json()["submissions"][0]["id"]
    refused = client.post(f"/api/v1/submissions/{sid}/reject", json={}, headers=bearer(tokens["mod"]))
    assert refused.status_code == 400 and refused.get_json()["error"]["field"] == "reason"
    client.post(
        f"/api/v1/submissions/{sid}/reject",
        json={"reason": "Sudah ada di peta"},
        headers=bearer(tokens["mod"]),
    )
    mine = client.get("/api/v1/submissions", headers=bearer(tokens["kim1"])).get_json()["submissions"]
    assert mine[0]["status"] == "rejected" and mine[0]["reason"] == "Sudah ada di peta"
    again = client.post(f"/api/v1/submissions/{sid}/approve", headers=bearer(tokens["mod"]))
    assert again.status_code == 409


def test_contributors_list_only_their_own_and_moderators_everyone(site):
    app, client, tokens = site
    propose(client, tokens["kim1"], waterfall())
    propose(client, tokens["kim2"], waterfall("Curug Lain", 106.45, -7.25))
    mine = client.get("/api/v1/submissions", headers=bearer(tokens["kim1"])).get_json()
    assert {s["username"] for s in mine["submissions"]} == {"kim1"}
    every = client.get("/api/v1/submissions?status=pending", headers=bearer(tokens["mod"])).get_json()
    assert every["numberMatched"] == 2
    other = (
        every["submissions"][0]["id"]
        if every["submissions"][0]["username"] == "kim2"
        else every["submissions"][1]["id"]
    )
    assert client.get(f"/api/v1/submissions/{other}", headers=bearer(tokens["kim1"])).status_code == 404
    assert client.get("/api/v1/submissions?status=maybe", headers=bearer(tokens["kim1"])).status_code == 400


@pytest.mark.parametrize(
    "change, field, words",
    [
        (lambda f: f["properties"].pop("name"), "name", "required"),
        (lambda f: f["properties"].update(name="x" * 121), "name", "120"),
        (lambda f: f["properties"].update(category="volcano"), "category", "not a category"),
        (lambda f: f.update(geometry=None), "geometry", "location is missing"),
        (
            lambda f: f.update(
                geometry={"type": "LineString", "coordinates": [[106.4, -7.2], [106.5, -7.3]]}
            ),
            "geometry",
            "points",
        ),
        (lambda f: f["geometry"].update(coordinates=["106.4", -7.2]), "geometry", "two numbers"),
        (lambda f: f["geometry"].update(coordinates=[106.95, -7.05]), "geometry", "km outside the geopark"),
        (lambda f: f["geometry"].update(coordinates=[-7.21, 106.47]), "geometry", "swapped"),
        (lambda f: f["geometry"].update(coordinates=[106.47, 7.21]), "geometry", "north of the equator"),
        (
            lambda f: f["properties"].update(description_en=123.5 if False else {"a": 1}),
            "description_en",
            "text",
        ),
    ],
)
def test_bad_proposals_are_refused_naming_the_field(site, change, field, words):
    app, client, tokens = site
    feature = waterfall()
    change(feature)
    response = propose(client, tokens["kim1"], feature)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["field"] == field
    assert any(words in p["message"] for p in error["problems"] if p["field"] == field), error["problems"]
    assert client.get("/api/v1/submissions", headers=bearer(tokens["kim1"])).get_json()["numberMatched"] == 0


def test_outside_says_how_far_and_swapped_suggests_the_swap(site):
    app, client, tokens = site
    far = propose(client, tokens["kim1"], waterfall(lon=106.95, lat=-7.05)).get_json()["error"]["problems"][0]
    assert far["outside_m"] > 20_000 and "2 km" in far["message"]
    swapped = propose(client, tokens["kim1"], waterfall(lon=-7.21, lat=106.47)).get_json()["error"][
        "problems"
    ][0]
    assert swapped["suggestion"] == [106.47, -7.21]


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda p: p.pop("owner_consent"), "owner_consent"),
        (lambda p: p.update(owner_consent=False), "owner_consent"),
        (lambda p: p.update(whatsapp="call me"), "whatsapp"),
        (lambda p: p.update(category="hotel-bintang-lima"), "category"),
    ],
)
def test_msme_rules(site, change, field):
    app, client, tokens = site
    feature = homestay()
    change(feature["properties"])
    response = propose(client, tokens["kim1"], feature)
    assert response.status_code == 400 and response.get_json()["error"]["field"] == field


def test_msme_phone_numbers_are_normalised(site):
    app, client, tokens = site
    created = propose(client, tokens["kim1"], homestay(phone="(0266) 43-1234")).get_json()["submissions"][0]
    assert created["feature"]["properties"]["whatsapp"] == "+6281234567890"
    assert created["feature"]["properties"]["phone"] == "+62266431234"


def test_a_similar_name_within_100_m_is_flagged_not_refused(site):
    app, client, tokens = site
    lon, lat = CURUG_SODONG
    response = propose(client, tokens["kim1"], waterfall("Curug Sodong", lon + 0.0003, lat))
    assert response.status_code == 201
    flags = response.get_json()["submissions"][0]["flags"]
    assert any(f["kind"] == "possible_duplicate" and f["feature_id"] == "curug-sodong" for f in flags)
    far_enough = propose(client, tokens["kim1"], waterfall("Curug Sodong", lon + 0.003, lat)).get_json()
    assert not any(f["kind"] == "possible_duplicate" for f in far_enough["submissions"][0]["flags"])


def test_unknown_fields_are_reported_not_silently_dropped(site):
    app, client, tokens = site
    created = propose(client, tokens["kim1"], waterfall(rating=5)).get_json()["submissions"][0]
    assert any(f.get("field") == "rating" for f in created["flags"])
    assert "rating" not in created["feature"]["properties"]


def test_edit_then_revert_restores_the_earlier_version(site):
    app, client, tokens = site
    edited = client.patch(
        "/api/v1/features/curug-sodong",
        json={"properties": {"name": "Curug Sodong Baru"}},
        headers=bearer(tokens["kim1"]),
    )
    assert edited.status_code == 201
    submission = edited.get_json()["submissions"][0]
    assert submission["action"] == "edit" and submission["base_version"] == 1
    kept = submission["feature"]["properties"]
    assert kept["coord_confidence"] and kept["description_en"]  # fields not sent are kept
    client.post(f"/api/v1/submissions/{submission['id']}/approve", headers=bearer(tokens["mod"]))
    assert client.get("/api/v1/features/curug-sodong").get_json()["properties"]["name"] == "Curug Sodong Baru"
    reverted = client.post(
        "/api/v1/features/curug-sodong/revert", json={"version": 1}, headers=bearer(tokens["mod"])
    )
    assert reverted.status_code == 200 and reverted.get_json()["version"] == 3
    assert client.get("/api/v1/features/curug-sodong").get_json()["properties"]["name"] == "Curug Sodong"
    history = client.get("/api/v1/features/curug-sodong/versions", headers=bearer(tokens["mod"])).get_json()
    assert [(v["version"], v["action"]) for v in history["versions"]] == [
        (1, "seed"),
        (2, "edit"),
        (3, "revert"),
    ]
    assert (
        history["versions"][1]["feature"]["properties"]["name"] == "Curug Sodong Baru"
    )  # nothing overwritten
    same = client.post(
        "/api/v1/features/curug-sodong/revert", json={"version": 3}, headers=bearer(tokens["mod"])
    )
    assert same.status_code == 409
    missing = client.post(
        "/api/v1/features/curug-sodong/revert", json={"version": 9}, headers=bearer(tokens["mod"])
    )
    assert missing.status_code == 400 and missing.get_json()["error"]["field"] == "version"


def test_delete_is_a_submission_and_can_be_undone(site):
    app, client, tokens = site
    asked = client.delete(
        "/api/v1/features/curug-sodong", json={"reason": "tutup"}, headers=bearer(tokens["kim1"])
    )
    assert asked.status_code == 201 and client.get("/api/v1/features/curug-sodong").status_code == 200
    client.post(
        f"/api/v1/submissions/{asked.get_json()['submissions'][0]['id']}/approve",
        headers=bearer(tokens["mod"]),
    )
    assert client.get("/api/v1/features/curug-sodong").status_code == 404
    history = client.get("/api/v1/features/curug-sodong/versions", headers=bearer(tokens["mod"])).get_json()[
        "versions"
    ]
    assert history[-1]["feature"] is None and history[0]["feature"]["properties"]["name"] == "Curug Sodong"
    client.post("/api/v1/features/curug-sodong/revert", json={"version": 1}, headers=bearer(tokens["mod"]))
    assert client.get("/api/v1/features/curug-sodong").status_code == 200


def test_approving_an_edit_of_a_feature_deleted_meanwhile_is_a_conflict(site):
    app, client, tokens = site
    edit = client.patch(
        "/api/v1/features/curug-sodong",
        json={"properties": {"name": "X Sodong"}},
        headers=bearer(tokens["kim1"]),
    ).get_json()["submissions"][0]
    delete = client.delete("/api/v1/features/curug-sodong", headers=bearer(tokens["kim2"])).get_json()[
        "submissions"
    ][0]
    client.post(f"/api/v1/submissions/{delete['id']}/approve", headers=bearer(tokens["mod"]))
    response = client.post(f"/api/v1/submissions/{edit['id']}/approve", headers=bearer(tokens["mod"]))
    assert response.status_code == 409
    assert (
        client.get(f"/api/v1/submissions/{edit['id']}", headers=bearer(tokens["mod"])).get_json()["status"]
        == "pending"
    )


def test_a_revoked_or_unknown_token_is_refused(site):
    app, client, tokens = site
    assert propose(client, "gtk_not-a-real-token", waterfall()).status_code == 401
    response = client.get("/api/v1/submissions", headers=bearer("nonsense"))
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "name", ["\u200b\u200b", "\u2060", "\u3164\u3164", " \u200b \u2800 ", "\u202e\u200b"]
)
def test_a_name_that_shows_nothing_is_refused(make_app, name):
    """Issue 15, break 11: zero-width, word-joiner and filler characters are no name."""
    app = make_app()
    make_users(app)
    answer = app.test_client().post(
        "/api/v1/submissions", json=waterfall(name=name), headers=bearer(token_for(app, "kim1"))
    )
    assert answer.status_code == 400 and answer.get_json()["error"]["field"] == "name"


def test_a_name_is_stored_in_nfc_without_direction_overrides(make_app):
    app = make_app()
    make_users(app)
    answer = app.test_client().post(
        "/api/v1/submissions",
        json=waterfall(name="Curug Cimarinju\u0301ng \u202egnudoS"),
        headers=bearer(token_for(app, "kim1")),
    )
    assert answer.status_code == 201
    assert (
        answer.get_json()["submissions"][0]["feature"]["properties"]["name"]
        == "Curug Cimarinj\u00fang gnudoS"
    )
