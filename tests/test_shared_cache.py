"""GEOTOUR_CACHE_URL=redis://: one cache for every worker, invalidated everywhere by a data change."""
import logging
import shutil
import socket
import subprocess
import time

import pytest

from geotour.storage.seed import seed
from tests.conftest import rename_feature


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url():
    """Start a throw-away redis-server on loopback (installed by `make test`)."""
    server = shutil.which("redis-server")
    assert server, "redis-server is missing: `make test` installs Debian's redis-server"
    port = free_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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


def test_two_workers_share_the_cache_and_see_changes_at_once(make_app, data_copy, redis_url, tmp_path, monkeypatch):
    config = {"GEOTOUR_DATABASE_URL": f"sqlite:///{tmp_path}/shared.sqlite3", "GEOTOUR_CACHE_URL": redis_url}
    worker_a = make_app(data_dir=data_copy.path, **config)
    worker_b = make_app(data_dir=data_copy.path, **config)
    assert worker_a.test_client().get("/api/v1/features/curug-sodong").status_code == 200

    # Worker B answers from the entry worker A stored, without touching its own storage.
    storage_b = worker_b.extensions["geotour"].storage
    monkeypatch.setattr(storage_b, "get_feature", lambda *a: pytest.fail("worker B did not use the shared cache"))
    assert worker_b.test_client().get("/api/v1/features/curug-sodong").status_code == 200
    monkeypatch.undo()

    # A change written by worker B is what worker A serves on its very next request.
    data_copy.edit("geosites.geojson", rename_feature("curug-sodong", "Curug Sodong (diperbarui)"))
    context_b = worker_b.extensions["geotour"]
    assert seed(context_b.storage, data_copy.path, context_b.catalogue) == ["geosites"]
    body = worker_a.test_client().get("/api/v1/features/curug-sodong").get_json(force=True)
    assert body["properties"]["name"] == "Curug Sodong (diperbarui)"


def test_with_redis_down_the_app_works_uncached_and_warns(make_app, caplog):
    app = make_app(GEOTOUR_CACHE_URL=f"redis://127.0.0.1:{free_port()}/0")
    with caplog.at_level(logging.WARNING, logger="geotour.cache"):
        response = app.test_client().get("/api/v1/layers/geosites")
    assert response.status_code == 200 and response.get_json(force=True)["numberMatched"] == 27
    assert "Redis cache unavailable" in caplog.text
    assert app.test_client().get("/healthz").status_code == 503


def test_two_app_processes_see_a_change_on_their_next_request(data_copy, redis_url, tmp_path):
    """Two real server processes share SQLite and Redis; a change seeded by a third is served by both at once."""
    import json
    import os
    import sys
    import urllib.request

    from tests.conftest import DATA_DIR

    root = DATA_DIR.parent.parent
    env = {**os.environ, "GEOTOUR_DATABASE_URL": f"sqlite:///{tmp_path}/shared.sqlite3",
           "GEOTOUR_CACHE_URL": redis_url, "GEOTOUR_DATA_DIR": str(data_copy.path)}
    flask = [sys.executable, "-m", "flask", "--app", "geotour"]
    servers, urls = [], []
    try:
        for _ in range(2):
            port = free_port()
            servers.append(subprocess.Popen(flask + ["run", "--port", str(port)], cwd=root, env=env,
                                            stdout=subprocess.DEVNULL,
                                            stderr=open(tmp_path / f"server-{port}.log", "w")))
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
