"""Idempotency-Key on writes: a retry after a lost answer gets the first answer and stores nothing twice."""

import threading

import pytest

from geotour.context import current
from geotour.storage.sql_idempotency import PENDING_KEY
from tests.contributions import bearer, make_users, token_for, upload, waterfall
from tests.test_photos import jpeg_with_gps


@pytest.fixture
def site(make_app):
    """Return (app, client, {username: token})."""
    app = make_app()
    make_users(app)
    return app, app.test_client(), {name: token_for(app, name) for name in ("kim1", "kim2", "mod")}


def _keyed(token, key):
    return {**bearer(token), "Idempotency-Key": key}


def _pending(app, username="kim1"):
    with app.app_context():
        found, _ = current().storage.list_submissions(status="pending")
    return [s for s in found if s["username"] == username]


def test_a_retried_submission_gets_the_first_answer_and_is_stored_once(site):
    app, client, tokens = site
    first = client.post("/api/v1/submissions", json=waterfall(), headers=_keyed(tokens["kim1"], "outbox-1"))
    again = client.post("/api/v1/submissions", json=waterfall(), headers=_keyed(tokens["kim1"], "outbox-1"))
    assert first.status_code == again.status_code == 201
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert len(_pending(app)) == 1


def test_without_a_key_each_send_is_a_new_submission(site):
    app, client, tokens = site
    for _ in range(2):
        assert (
            client.post("/api/v1/submissions", json=waterfall(), headers=bearer(tokens["kim1"])).status_code
            == 201
        )
    assert len(_pending(app)) == 2


def test_the_same_key_with_another_request_is_422_naming_the_header(site):
    app, client, tokens = site
    client.post("/api/v1/submissions", json=waterfall(), headers=_keyed(tokens["kim1"], "k"))
    other = client.post(
        "/api/v1/submissions", json=waterfall(name="Curug Lain"), headers=_keyed(tokens["kim1"], "k")
    )
    assert other.status_code == 422
    assert other.get_json()["error"]["field"] == "Idempotency-Key"
    assert len(_pending(app)) == 1


def test_the_fingerprint_covers_the_query_and_the_file_name(site):
    """What changes a request's meaning changes its fingerprint (issue 32, break 7)."""
    app, client, tokens = site
    body = waterfall()
    body["properties"].pop("layer")
    first = client.post("/api/v1/submissions?layer=geosites", json=body, headers=_keyed(tokens["kim1"], "q"))
    other = client.post("/api/v1/submissions?layer=biosites", json=body, headers=_keyed(tokens["kim1"], "q"))
    assert first.status_code == 201 and other.status_code == 422
    photo = jpeg_with_gps()
    sent = [
        client.post(
            "/api/v1/photos",
            data={"photo": upload(photo, name)},
            content_type="multipart/form-data",
            headers=_keyed(tokens["kim1"], "named"),
        ).status_code
        for name in ("a.jpg", "b.jpg")
    ]
    assert sent == [201, 422]


def test_keys_belong_to_one_user(site):
    app, client, tokens = site
    client.post("/api/v1/submissions", json=waterfall(), headers=_keyed(tokens["kim1"], "shared-key"))
    theirs = client.post(
        "/api/v1/submissions", json=waterfall(), headers=_keyed(tokens["kim2"], "shared-key")
    )
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers
    assert len(_pending(app, "kim2")) == 1


def test_a_refused_proposal_is_replayed_as_the_same_error(site):
    app, client, tokens = site
    outside = waterfall(lon=106.95, lat=-7.05)
    first = client.post("/api/v1/submissions", json=outside, headers=_keyed(tokens["kim1"], "bad"))
    again = client.post("/api/v1/submissions", json=outside, headers=_keyed(tokens["kim1"], "bad"))
    assert first.status_code == again.status_code == 400
    assert again.get_json() == first.get_json()


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "tab\there", "é"])
def test_a_malformed_key_is_refused_naming_the_header(site, key):
    app, client, tokens = site
    answer = client.post(
        "/api/v1/submissions",
        json=waterfall(),
        headers={**bearer(tokens["kim1"]), "Idempotency-Key": key.encode("utf-8").decode("latin-1")},
    )
    assert answer.status_code == 400 and answer.get_json()["error"]["field"] == "Idempotency-Key"
    assert _pending(app) == []


def test_a_multipart_retry_with_a_new_boundary_is_the_same_request(site):
    app, client, tokens = site
    photo = jpeg_with_gps()
    answers = [
        client.post(
            "/api/v1/photos",
            data={"photo": upload(photo, "a.jpg")},
            content_type="multipart/form-data",
            headers=_keyed(tokens["kim1"], "photo-1"),
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[1].headers.get("Idempotent-Replayed") == "true"
    assert answers[0].get_json() == answers[1].get_json()


def test_a_retry_while_the_first_runs_is_409_with_retry_after(site):
    app, client, tokens = site
    # The first request is held inside its write: a retry must wait, not run again.
    started, release = threading.Event(), threading.Event()

    def slow_view():
        app.test_client().post(
            "/api/v1/submissions", json=waterfall(), headers=_keyed(tokens["kim1"], "slow")
        )

    with app.app_context():
        storage = current().storage
        original = storage.add_submissions

        def held(entries):
            started.set()
            release.wait(10)
            return original(entries)

        storage.add_submissions = held
        worker = threading.Thread(target=slow_view)
        worker.start()
        assert started.wait(10)
        storage.add_submissions = original
        during = client.post("/api/v1/submissions", json=waterfall(), headers=_keyed(tokens["kim1"], "slow"))
        release.set()
        worker.join(10)
    assert during.status_code == 409 and during.headers["Retry-After"] == "2"
    assert during.get_json()["error"]["code"] == "idempotency_key_in_progress"
    assert len(_pending(app)) == 1
    after = client.post("/api/v1/submissions", json=waterfall(), headers=_keyed(tokens["kim1"], "slow"))
    assert after.status_code == 201 and after.headers["Idempotent-Replayed"] == "true"


def test_a_write_that_committed_marks_its_key_in_the_same_transaction(site):
    """If the worker dies between the write and keeping the answer, the key still says the write is in."""
    app, client, tokens = site
    with app.app_context():
        storage = current().storage
        user, _ = storage.get_user_login("kim1")
        storage.claim_idempotency_key(user["id"], "died", "print")
        token = PENDING_KEY.set((user["id"], "died"))
        try:
            storage.add_submissions(
                [
                    {
                        "batch": None,
                        "user_id": user["id"],
                        "action": "create",
                        "layer": "geosites",
                        "feature_id": "x-1",
                        "base_version": None,
                        "feature": waterfall(),
                        "flags": [],
                    }
                ]
            )
        finally:
            PENDING_KEY.reset(token)
        record = storage.idempotency_record(user["id"], "died")
    assert record.committed and not record.answered


def test_a_claim_whose_write_failed_is_released_for_the_retry(site):
    app, client, tokens = site
    with app.app_context():
        storage = current().storage
        original = storage.add_submissions
        storage.add_submissions = lambda entries: (_ for _ in ()).throw(RuntimeError("disk full"))
        failed = client.post("/api/v1/submissions", json=waterfall(), headers=_keyed(tokens["kim1"], "flaky"))
        storage.add_submissions = original
    assert failed.status_code == 500
    retried = client.post("/api/v1/submissions", json=waterfall(), headers=_keyed(tokens["kim1"], "flaky"))
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried.headers
    assert len(_pending(app)) == 1


def test_moderation_retries_get_the_first_answer(site):
    app, client, tokens = site
    [submission] = client.post(
        "/api/v1/submissions", json=waterfall(), headers=bearer(tokens["kim1"])
    ).get_json()["submissions"]
    url = f"/api/v1/submissions/{submission['id']}/approve"
    first = client.post(url, headers=_keyed(tokens["mod"], "approve-1"))
    again = client.post(url, headers=_keyed(tokens["mod"], "approve-1"))
    assert first.status_code == again.status_code == 200 and again.get_data() == first.get_data()
    assert (
        client.post(url, headers=bearer(tokens["mod"])).status_code == 409
    )  # without the key: already decided


def test_every_write_documents_the_header(app):
    from geotour.web.api.openapi import build_document

    with app.test_request_context():
        document = build_document(app)
    writes = [
        (path, method, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in ("post", "patch", "delete")
    ]
    assert writes
    for path, method, op in writes:
        names = [p["name"] for p in op.get("parameters", [])]
        if op.get("security") == [] and "Idempotency-Key" not in names:
            # "I am here", the one write without an account or a key: a repeat is harmless
            assert "counts once" in op["summary"], f"{method.upper()} {path}"
            continue
        assert "Idempotency-Key" in names, f"{method.upper()} {path}"
        assert "422" in op["responses"], f"{method.upper()} {path}"
