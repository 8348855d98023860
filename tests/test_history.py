"""History and operations: concurrent submissions, the moderation pages, export/import, CLI users and tokens."""

import json
import threading
import urllib.request

from pyproj import Geod

from geotour.context import current
from geotour.contributions import accounts
from tests.contributions import PASSWORD, bearer, login, make_users, token_for, waterfall


def test_twenty_concurrent_submissions_from_different_users_are_all_stored(make_app, live_server):
    app = make_app()
    tokens = []
    with app.app_context():
        for n in range(20):
            user = accounts.create_user(current().storage, f"kim{n:02d}", PASSWORD, "contributor")
            tokens.append(accounts.create_token(current().storage, user["id"], "t")[1])
    server = live_server(app)
    barrier, statuses = threading.Barrier(20), []

    def send(n):
        body = json.dumps(waterfall(f"Curug Serentak {n}", 106.40 + n * 0.005, -7.21)).encode()
        request = urllib.request.Request(
            server.url + "/api/v1/submissions",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", **bearer(tokens[n])},
        )
        barrier.wait()
        with urllib.request.urlopen(request, timeout=30) as response:
            statuses.append(response.status)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 20
    with app.app_context():
        stored, total = current().storage.list_submissions(status="pending", limit=100)
    assert total == 20
    assert {s["feature"]["properties"]["name"] for s in stored} == {f"Curug Serentak {n}" for n in range(20)}
    assert len({s["username"] for s in stored}) == 20


def test_moderation_queue_shows_the_diff_and_approves_in_one_click(make_app):
    app = make_app()
    make_users(app)
    api = app.test_client()
    api.patch(
        "/api/v1/features/curug-sodong",
        json={
            "properties": {"name": "Curug Sodong <script>x</script>"},
            "geometry": {"type": "Point", "coordinates": [106.4981, -7.1855]},
        },
        headers=bearer(token_for(app, "kim1")),
    )
    client = app.test_client()
    csrf = login(client, "mod")
    page = client.get("/moderation?lang=en").get_data(as_text=True)
    assert "Curug Sodong &lt;script&gt;x&lt;/script&gt;" in page and "<script>x</script>" not in page
    assert "gt-diff__old" in page and "data-old=" in page and "data-new=" in page
    # Issue 13: positions labelled, how far the point moved, no internals.
    assert "Latitude -7.18527, longitude 106.49785" in page and "Latitude -7.1855, longitude 106.4981" in page
    moved = round(Geod(ellps="WGS84").inv(106.49785, -7.18527, 106.4981, -7.1855)[2])
    assert f"moved {moved} m" in page
    assert 'data-field="id"' not in page and 'data-field="photo_thumb"' not in page
    sid = json.loads(
        api.get("/api/v1/submissions?status=pending", headers=bearer(token_for(app, "mod"))).data
    )["submissions"][0]["id"]
    done = client.post(f"/moderation/{sid}/approve", data={"csrf_token": csrf})
    assert done.status_code == 302
    assert (
        api.get("/api/v1/features/curug-sodong").get_json()["properties"]["name"].startswith("Curug Sodong <")
    )
    history = client.get("/moderation/features/curug-sodong?lang=en").get_data(as_text=True)
    assert "Revert to version 1" in history
    assert "by kim1, approved by mod" in history  # the member wrote version 2; the moderator approved it
    unconfirmed = client.post(
        "/moderation/features/curug-sodong/revert", data={"version": "1", "csrf_token": csrf}
    )
    assert unconfirmed.status_code == 302  # one stray tap reverts nothing
    assert (
        api.get("/api/v1/features/curug-sodong").get_json()["properties"]["name"].startswith("Curug Sodong <")
    )
    client.post(
        "/moderation/features/curug-sodong/revert", data={"version": "1", "confirm": "on", "csrf_token": csrf}
    )
    assert api.get("/api/v1/features/curug-sodong").get_json()["properties"]["name"] == "Curug Sodong"
    reverted = client.get("/moderation/features/curug-sodong?lang=id").get_data(as_text=True)
    assert "Versi 1 dipulihkan" in reverted  # its note in the page's language


def test_contributors_see_their_status_and_the_reason(make_app):
    app = make_app()
    make_users(app)
    api = app.test_client()
    sid = api.post(
        "/api/v1/submissions", json=waterfall(), headers=bearer(token_for(app, "kim1"))
    ).get_json()["submissions"][0]["id"]
    api.post(
        f"/api/v1/submissions/{sid}/reject",
        json={"reason": "Foto kurang jelas"},
        headers=bearer(token_for(app, "mod")),
    )
    client = app.test_client()
    login(client, "kim1")
    page = client.get("/contribute/mine").get_data(as_text=True)
    assert "Foto kurang jelas" in page and "Curug Cikaso Leutik" in page


def test_export_writes_the_approved_layers_and_importing_them_is_idempotent(make_app, tmp_path):
    app = make_app()
    make_users(app)
    api = app.test_client()
    tokens = {n: token_for(app, n) for n in ("kim1", "mod")}
    sid = api.post("/api/v1/submissions", json=waterfall(), headers=bearer(tokens["kim1"])).get_json()[
        "submissions"
    ][0]["id"]
    pending = api.post("/api/v1/submissions", json=waterfall("Curug Belum"), headers=bearer(tokens["kim1"]))
    assert pending.status_code == 201
    api.post(f"/api/v1/submissions/{sid}/approve", headers=bearer(tokens["mod"]))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["export", str(tmp_path / "out1")])
    assert first.exit_code == 0, first.output
    geosites = json.loads((tmp_path / "out1" / "geosites.geojson").read_text(encoding="utf-8"))
    names = {f["properties"]["name"] for f in geosites["features"]}
    assert "Curug Cikaso Leutik" in names and "Curug Belum" not in names
    assert all("layer" not in f["properties"] for f in geosites["features"])
    with app.app_context():
        version_before = current().storage.data_version()
    assert runner.invoke(args=["import", str(tmp_path / "out1")]).exit_code == 0
    assert runner.invoke(args=["import", str(tmp_path / "out1")]).exit_code == 0
    with app.app_context():
        counts = {v["version"] for v in current().storage.feature_versions("curug-sodong")}
        assert counts == {1}  # nothing changed, so no new versions
        assert current().storage.data_version() == version_before  # caches stay valid too
    runner.invoke(args=["export", str(tmp_path / "out2")])
    for name in ("geosites.geojson", "msmes.geojson", "boundary.geojson"):
        assert (tmp_path / "out1" / name).read_bytes() == (tmp_path / "out2" / name).read_bytes()


def test_cli_creates_users_from_stdin_and_tokens_that_work(make_app):
    app = make_app()
    runner = app.test_cli_runner()
    made = runner.invoke(
        args=["users", "create", "--role", "moderator", "--username", "dinas"], input=PASSWORD + "\n"
    )
    assert made.exit_code == 0 and "moderator dinas" in made.output
    short = runner.invoke(args=["users", "create", "--username", "x2x"], input="short\n")
    assert short.exit_code != 0 and "10" in short.output
    taken = runner.invoke(args=["users", "create", "--username", "DINAS"], input=PASSWORD + "\n")
    assert taken.exit_code != 0 and "taken" in taken.output
    token = runner.invoke(args=["tokens", "create", "--username", "dinas"]).output.strip()
    assert token.startswith("gtk_")
    response = app.test_client().get("/api/v1/submissions?status=pending", headers=bearer(token))
    assert response.status_code == 200
    assert runner.invoke(args=["tokens", "create", "--username", "nobody"]).exit_code != 0


def _import_ten(app, username="kim1"):
    """Send ten clean homestays as one import; return (batch, [submission ids])."""
    from tests.contributions import kml, ten_homestays, upload

    client = app.test_client()
    sent = client.post(
        "/api/v1/submissions",
        headers=bearer(token_for(app, username)),
        content_type="multipart/form-data",
        data={
            "file": upload(kml(ten_homestays(False, False)), "homestays.kml"),
            "layer": "msmes",
            "dry_run": "false",
            "category": "penginapan",
            "owner_consent": "true",
        },
    )
    stored = sent.get_json()["submissions"]
    return stored[0]["batch"], [s["id"] for s in stored]


def _statuses(app, ids):
    with app.app_context():
        return [current().storage.get_submission(i)["status"] for i in ids]


def _moderator_with_an_import(make_app):
    """Return (app, moderator's client, CSRF token, batch, ids): ten homestays from kim1 wait for review."""
    app = make_app()
    make_users(app)
    batch, ids = _import_ten(app)
    client = app.test_client()
    return app, client, login(client, "mod"), batch, ids


def test_the_office_decides_an_import_in_one_action_with_exceptions(make_app):
    """Issue 13: moderating an import of 10 took 10 taps, one per row."""
    import re

    app, client, csrf, batch, ids = _moderator_with_an_import(make_app)
    page = client.get("/moderation?lang=en").get_data(as_text=True)
    assert "Import of 10 places" in page and "Approve the ticked places" in page
    assert len(re.findall(rf'name="approve" value="\d+" form="batch-{batch}" checked', page)) == 10
    shown = re.findall(r'name="shown" value="(\d+)"', page)
    action = re.search(rf'action="(/moderation/batches/{batch}[^"]*)"', page).group(1)
    assert action.endswith("?lang=en")  # the form keeps the language the moderator chose
    # Untick two, with a reason: eight are published, two rejected with it, in one tap.
    done = client.post(
        action,
        data={
            "csrf_token": csrf,
            "decision": "approve",
            "approve": [str(i) for i in ids[:8]],
            "shown": shown,
            "reason": "Foto belum ada",
        },
    )
    assert done.status_code == 302
    assert _statuses(app, ids) == ["approved"] * 8 + ["rejected"] * 2
    flashed = client.get("/moderation?lang=en").get_data(as_text=True)
    assert "8 approved, 2 rejected, 0 left in the queue" in flashed
    with app.app_context():
        assert current().storage.get_submission(ids[9])["reason"] == "Foto belum ada"


def test_unticked_rows_without_a_reason_stay_and_unseen_rows_are_never_decided(make_app):
    app, client, csrf, batch, ids = _moderator_with_an_import(make_app)
    client.post(
        f"/moderation/batches/{batch}",
        data={
            "csrf_token": csrf,
            "decision": "approve",
            "approve": [str(i) for i in ids[:5]],
            "shown": [str(i) for i in ids[:7]],
            "reason": "Belum lengkap",
        },
    )
    # Rows 6-7 were shown and unticked: rejected. Rows 8-10 were never shown: still waiting.
    assert _statuses(app, ids) == ["approved"] * 5 + ["rejected"] * 2 + ["pending"] * 3
    client.post(
        f"/moderation/batches/{batch}",
        data={"csrf_token": csrf, "decision": "approve", "approve": [], "shown": [str(i) for i in ids]},
    )
    assert _statuses(app, ids)[7:] == ["pending"] * 3  # nothing ticked, no reason: nothing decided
    refused = client.post(
        f"/moderation/batches/{batch}",
        data={"csrf_token": csrf, "decision": "reject_all", "shown": [str(i) for i in ids]},
    )
    assert refused.status_code == 302 and _statuses(app, ids)[7:] == ["pending"] * 3  # a reason is needed
    client.post(
        f"/moderation/batches/{batch}",
        data={
            "csrf_token": csrf,
            "decision": "reject_all",
            "shown": [str(i) for i in ids],
            "reason": "Duplikat",
        },
    )
    assert _statuses(app, ids)[7:] == ["rejected"] * 3


def test_the_api_decides_an_import_and_nobody_approves_their_own(make_app):
    app = make_app()
    make_users(app)
    api = app.test_client()
    batch, ids = _import_ten(app)
    contributor = api.post(f"/api/v1/batches/{batch}/decide", json={}, headers=bearer(token_for(app, "kim1")))
    assert contributor.status_code == 403
    done = api.post(
        f"/api/v1/batches/{batch}/decide",
        json={"except": ids[-1:], "reason": "Tutup"},
        headers=bearer(token_for(app, "mod")),
    ).get_json()
    assert done["approved"] == ids[:9] and done["rejected"] == ids[9:] and done["failed"] == []
    own_batch, own_ids = _import_ten(app, "mod")
    own = api.post(
        f"/api/v1/batches/{own_batch}/decide", json={}, headers=bearer(token_for(app, "mod"))
    ).get_json()
    assert (
        own["approved"] == [] and [f["id"] for f in own["failed"]] == own_ids
    )  # another moderator approves them
    bad = api.post(
        f"/api/v1/batches/{own_batch}/decide", json={"except": ["x"]}, headers=bearer(token_for(app, "mod"))
    )
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "except"
    unknown = api.post("/api/v1/batches/nope/decide", json={}, headers=bearer(token_for(app, "mod")))
    assert unknown.status_code == 404 and unknown.get_json()["error"]["field"] == "batch"


def test_public_pages_credit_the_contributors_group(make_app):
    """Issue 13: "Ditambahkan oleh KIM MyPalabuhanratu" (the CLI and the admin page set the group)."""
    app = make_app()
    make_users(app)
    runner = app.test_cli_runner()
    done = runner.invoke(
        args=["users", "set-group", "--username", "kim1", "--group", "  KIM   MyPalabuhanratu "]
    )
    assert done.exit_code == 0 and "kim1: KIM MyPalabuhanratu" in done.output
    admin = app.test_client()
    csrf = login(admin, "admin")
    with app.app_context():
        kim2 = current().storage.get_user_login("kim2")[0]
    admin.post(f"/admin/users/{kim2['id']}", data={"csrf_token": csrf, "group": "Pokdarwis Ciwaru"})
    api = app.test_client()
    mod = bearer(token_for(app, "mod"))
    for user, name in (
        ("kim1", "Curug Kredit Satu"),
        ("kim2", "Curug Kredit Dua"),
        ("mod", "Curug Tanpa Grup"),
    ):
        sent = api.post(
            "/api/v1/submissions",
            json=waterfall(name, contributed_by="Palsu"),
            headers=bearer(token_for(app, user)),
        ).get_json()["submissions"][0]
        approver = bearer(token_for(app, "admin")) if user == "mod" else mod
        assert api.post(f"/api/v1/submissions/{sent['id']}/approve", headers=approver).status_code == 200
        page = api.get(f"/sites/{sent['feature_id']}").get_data(as_text=True)
        credit = {
            "kim1": "Ditambahkan oleh KIM MyPalabuhanratu",
            "kim2": "Ditambahkan oleh Pokdarwis Ciwaru",
        }.get(user)
        assert (credit in page) if credit else ("Ditambahkan oleh" not in page)
        assert "Palsu" not in page  # a contributor cannot credit themselves
    users = admin.get("/admin/users").get_data(as_text=True)
    assert 'value="Pokdarwis Ciwaru"' in users and 'value="KIM MyPalabuhanratu"' in users
    too_long = admin.post(f"/admin/users/{kim2['id']}", data={"csrf_token": csrf, "group": "x" * 81})
    assert too_long.status_code == 400
