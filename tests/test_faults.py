"""Faults: the database going away and coming back, and a worker killed in the middle of a bulk import.

The database-down test needs PostgreSQL (the second pass of `.ci/run`): a proxy between the app and
the server is cut, as a crashed or unreachable database server would be, then restored.
"""
import time
from urllib.parse import urlsplit

import pytest

from . import backends
from .tcp_proxy import TcpProxy

needs_postgres = pytest.mark.skipif(not backends.on_postgres(),
                                    reason="needs PostgreSQL (GEOTOUR_TEST_DATABASE_URL; the second pass of .ci/run)")


@pytest.fixture
def app_behind_proxy(make_app):
    """Return (app, proxy): an app whose PostgreSQL connections all go through a TcpProxy."""
    database = backends.new_database()
    server = urlsplit(backends.PG_URL)
    proxy = TcpProxy(server.hostname, server.port)
    url = f"postgresql+psycopg://{server.username}@127.0.0.1:{proxy.port}/{database}"
    app = make_app(GEOTOUR_DATABASE_URL=url, **({"GEOTOUR_CACHE_URL": backends.REDIS_URL,
                                                 "GEOTOUR_CACHE_PREFIX": f"{database}:"} if backends.REDIS_URL else {}))
    yield app, proxy
    proxy.cut()
    app.extensions["geotour"].storage.close()
    backends.drop_database(database)


def _wait_for(check, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.25)
    return False


@needs_postgres
def test_database_down_503_json_cached_layers_and_map_still_served_then_recovers(app_behind_proxy, caplog):
    app, proxy = app_behind_proxy
    client = app.test_client()
    layer = client.get("/api/v1/layers/geosites")
    assert layer.status_code == 200 and client.get("/").status_code == 200

    proxy.cut()
    started = time.monotonic()
    down = client.get("/api/v1/features/curug-sodong/nearby?radius_m=1234")
    assert down.status_code == 503 and down.headers["Retry-After"] == "10"
    assert down.get_json()["error"]["code"] == "database_unavailable"
    assert time.monotonic() - started < 10  # a prompt answer, not a hung request
    cached = client.get("/api/v1/layers/geosites")
    assert cached.status_code == 200 and cached.headers["ETag"] == layer.headers["ETag"]
    assert cached.get_data() == layer.get_data()
    assert client.get("/").status_code == 200  # the map shell needs no database
    page = client.get("/sites/curug-sodong?lang=en")
    assert page.status_code == 503 and "not reachable" in page.get_data(as_text=True)
    assert page.headers["Retry-After"] == "10"
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["checks"]["database"]["ok"] is False
    assert client.get("/api/v1/features/curug-sodong").status_code == 503
    assert "database unavailable" in caplog.text

    proxy.restore()  # nobody restarts the app: it must find the database again by itself
    restored = time.monotonic()
    assert _wait_for(lambda: client.get("/api/v1/features/curug-sodong/nearby?radius_m=1234").status_code == 200, 30)
    print(f"recovered {time.monotonic() - restored:.1f} s after the database came back")
    assert client.get("/healthz").status_code == 200
    assert client.get("/sites/curug-sodong").status_code == 200
