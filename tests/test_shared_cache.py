"""GEOTOUR_CACHE_URL=redis://: one cache for every worker, invalidated everywhere by a data change."""

import logging
import shutil
import socket
import subprocess
import time

import pytest

from bench.servers import free_port
from geotour.storage.seed import seed
from tests.conftest import rename_feature


@pytest.fixture
def redis_url():
    """Start a throw-away redis-server on loopback (installed by `make test`)."""
    server = shutil.which("redis-server")
    assert server, "redis-server is missing: `make test` installs Debian's redis-server"
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            assert time.time() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def test_two_workers_share_the_cache_and_see_changes_at_once(
    make_app, data_copy, redis_url, tmp_path, monkeypatch
):
    config = {"GEOTOUR_DATABASE_URL": f"sqlite:///{tmp_path}/shared.sqlite3", "GEOTOUR_CACHE_URL": redis_url}
    worker_a = make_app(data_dir=data_copy.path, **config)
    worker_b = make_app(data_dir=data_copy.path, **config)
    assert worker_a.test_client().get("/api/v1/features/curug-sodong").status_code == 200

    # Worker B answers from the entry worker A stored, without touching its own storage.
    storage_b = worker_b.extensions["geotour"].storage
    monkeypatch.setattr(
        storage_b, "get_feature", lambda *a: pytest.fail("worker B did not use the shared cache")
    )
    assert worker_b.test_client().get("/api/v1/features/curug-sodong").status_code == 200
    monkeypatch.undo()

    # A change written by worker B is what worker A serves on its very next request.
    data_copy.edit("geosites.geojson", rename_feature("curug-sodong", "Curug Sodong (diperbarui)"))
    context_b = worker_b.extensions["geotour"]
    assert seed(context_b.storage, data_copy.path, context_b.catalogue) == ["geosites"]
    body = worker_a.test_client().get("/api/v1/features/curug-sodong").get_json(force=True)
    assert body["properties"]["name"] == "Curug Sodong (diperbarui)"


def test_a_new_release_never_serves_an_answer_the_old_code_cached(make_app, data_copy, redis_url, tmp_path):
    """Redis keeps an answer until the data changes, across deploys: a release that changes an answer (a field
    added, snapshots named by new rules) must not send the old release's copy for the same data version."""
    config = {"GEOTOUR_DATABASE_URL": f"sqlite:///{tmp_path}/shared.sqlite3", "GEOTOUR_CACHE_URL": redis_url}
    old = make_app(data_dir=data_copy.path, **config)
    new = make_app(data_dir=data_copy.path, **config)
    old.extensions["geotour_release"] = "0ld0ld0ld0ld"  # as if it ran the code before this deploy
    cached = old.test_client().get("/api/v1/layers").get_json()
    same = make_app(data_dir=data_copy.path, **config)
    same.extensions["geotour_release"] = "0ld0ld0ld0ld"
    storage = same.extensions["geotour"].storage
    asked = []
    storage.layer_stats = lambda *a: asked.append(1) or pytest.fail("the same release shares the cache")
    assert same.test_client().get("/api/v1/layers").get_json() == cached
    # The new release builds its own answer for the same data (its storage is asked)
    counted = []
    real = new.extensions["geotour"].storage.layer_stats
    new.extensions["geotour"].storage.layer_stats = lambda *a: counted.append(1) or real(*a)
    assert new.test_client().get("/api/v1/layers").status_code == 200 and counted


def test_with_redis_down_the_app_works_uncached_and_warns(make_app, caplog):
    app = make_app(GEOTOUR_CACHE_URL=f"redis://127.0.0.1:{free_port()}/0")
    with caplog.at_level(logging.WARNING, logger="geotour.cache"):
        response = app.test_client().get("/api/v1/layers/geosites")
    assert response.status_code == 200 and response.get_json(force=True)["numberMatched"] == 27
    assert "Redis cache unavailable" in caplog.text
    # A cache outage is no site outage: the machine stays in the balancer, reported as degraded.
    health = app.test_client().get("/healthz")
    assert health.status_code == 200 and health.get_json()["status"] == "degraded"
    assert health.get_json()["missing"] == ["cache"]


def test_two_app_processes_see_a_change_on_their_next_request(data_copy, redis_url, tmp_path):
    """Two real server processes share SQLite and Redis; a change seeded by a third is served by both at once."""
    import json
    import os
    import sys
    import urllib.request

    from tests.conftest import DATA_DIR

    root = DATA_DIR.parent.parent
    env = {
        **os.environ,
        "GEOTOUR_DATABASE_URL": f"sqlite:///{tmp_path}/shared.sqlite3",
        "GEOTOUR_CACHE_URL": redis_url,
        "GEOTOUR_DATA_DIR": str(data_copy.path),
    }
    flask = [sys.executable, "-m", "flask", "--app", "geotour"]
    servers, urls = [], []
    try:
        for _ in range(2):
            port = free_port()
            servers.append(
                subprocess.Popen(
                    flask + ["run", "--port", str(port)],
                    cwd=root,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=open(tmp_path / f"server-{port}.log", "w"),
                )
            )
            urls.append(f"http://127.0.0.1:{port}/api/v1/features/curug-sodong")

        def name(url):
            deadline = time.time() + 30
            while True:
                try:
                    with urllib.request.urlopen(url, timeout=5) as response:
                        return json.loads(response.read())["properties"]["name"]
                except OSError:
                    logs = "".join(p.read_text()[-2000:] for p in tmp_path.glob("server-*.log"))
                    assert time.time() < deadline, f"server did not start; its log:\n{logs}"
                    time.sleep(0.2)

        assert [name(url) for url in urls] == ["Curug Sodong", "Curug Sodong"]  # both cached now
        data_copy.edit("geosites.geojson", rename_feature("curug-sodong", "Curug Sodong (baru)"))
        subprocess.run(flask + ["seed"], cwd=root, env=env, check=True, capture_output=True)
        assert [name(url) for url in urls] == ["Curug Sodong (baru)", "Curug Sodong (baru)"]
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)


def test_an_approval_in_one_process_is_served_by_the_other_at_once_and_limits_are_shared(
    make_app, redis_url, tmp_path
):
    """Two gunicorn processes on one database (SQLite, or PostgreSQL in the second pass) and one Redis."""
    import json
    import urllib.error
    import urllib.request

    from bench.servers import Gunicorn
    from tests import backends
    from tests.contributions import homestay, make_users, token_for

    database = backends.new_database() if backends.on_postgres() else None
    url = backends.pg_url(database) if database else f"sqlite:///{tmp_path}/shared.sqlite3"
    setup = make_app(GEOTOUR_DATABASE_URL=url)
    make_users(setup)
    contributor, moderator = token_for(setup, "kim1"), token_for(setup, "mod")
    setup.extensions["geotour"].storage.close()
    env = {
        "GEOTOUR_DATABASE_URL": url,
        "GEOTOUR_CACHE_URL": redis_url,
        "GEOTOUR_RATELIMIT_LOGIN": "3 per minute",
        "GEOTOUR_CACHE_PREFIX": f"approval-{tmp_path.name}:",
    }
    first, second = Gunicorn(tmp_path, env, workers=1), Gunicorn(tmp_path, env, workers=1)

    def call(server, path, token=None, body=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        request = urllib.request.Request(
            server.url + path, data=data, headers=headers, method="POST" if data is not None else "GET"
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    try:
        layer = "/api/v1/layers/msmes?q=pelangi"
        nearby = "/api/v1/nearby?lat=-7.23&lon=106.46&radius_m=500&layers=msmes"
        for server in (first, second):  # both cache the "before" answers
            assert json.loads(call(server, layer)[1])["numberMatched"] == 0
            assert "Homestay Pelangi" not in call(server, nearby)[1].decode()
        status, body = call(first, "/api/v1/submissions", contributor, homestay("Homestay Pelangi"))
        assert status == 201
        submission = json.loads(body)["submissions"][0]["id"]
        assert call(first, f"/api/v1/submissions/{submission}/approve", moderator, {})[0] == 200
        # the other process, whose cache held the old answers, serves the new data on its very next request
        assert json.loads(call(second, layer)[1])["numberMatched"] == 1
        assert "Homestay Pelangi" in call(second, nearby)[1].decode()

        # sign-in attempts are counted in Redis: 3 per minute across both processes, not 3 per process
        import http.cookiejar
        from urllib.parse import urlencode

        from tests.contributions import csrf_from

        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with browser.open(first.url + "/login", timeout=10) as page:  # both processes share the secret key
            form = {
                "username": "kim1",
                "password": "wrong-password",
                "csrf_token": csrf_from(page.read().decode()),
            }
        statuses = []
        for server in (first, second, first, second):
            try:
                with browser.open(
                    server.url + "/login", data=urlencode(form).encode(), timeout=10
                ) as response:
                    statuses.append(response.status)
            except urllib.error.HTTPError as exc:
                statuses.append(exc.code)
        assert statuses == [401, 401, 401, 429], statuses  # wrong password thrice, then refused
    finally:
        first.stop()
        second.stop()
        if database:
            backends.drop_database(database)


def test_a_release_is_its_code_and_catalogue_and_no_stray_file_beside_them(monkeypatch, tmp_path):
    """Two machines running the same code share one cache: a file the app never reads (an editor's backup,
    a hidden file) beside the templates is no part of the release; the layer catalogue, whose titles are in
    the answers, is."""
    from geotour.web import responses

    root = tmp_path / "project"
    for name, text in {
        "geotour/app.py": "x = 1\n",
        "templates/page.html": "<p>{{ x }}</p>\n",
        "templates/sw.js": "// worker\n",
        "geotour/translations/id/messages.po": 'msgid "a"\n',
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    catalogue = tmp_path / "layers.json"
    catalogue.write_text('{"layers": []}')
    monkeypatch.setattr(responses, "PROJECT_ROOT", root)

    def release():
        responses.release_id.cache_clear()
        return responses.release_id(catalogue)

    first = release()
    (root / "templates/page.html~").write_text("an editor's backup")
    (root / "templates/.page.html.swp").write_text("another")
    (root / "templates/notes.txt").write_text("a stray file")
    assert release() == first
    for changed in (root / "templates/page.html", root / "templates/sw.js", catalogue):
        before = changed.read_text()
        changed.write_text(before + " ")
        assert release() != first, changed.name
        changed.write_text(before)
    assert release() == first
