"""Faults: the database going away and coming back, and a worker killed in the middle of a bulk import.

The database-down test needs PostgreSQL (the second pass of `.ci/run`): a proxy between the app and
the server is cut, as a crashed or unreachable database server would be, then restored. The SIGKILL
test runs on SQLite in every pass and on PostgreSQL in the second. Redis going down is in
test_shared_cache.py.
"""

import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

from bench.servers import Gunicorn
from bench.synthetic import random_points

from . import backends
from .contributions import make_users, token_for
from .tcp_proxy import TcpProxy

needs_postgres = pytest.mark.skipif(
    not backends.on_postgres(),
    reason="needs PostgreSQL (GEOTOUR_TEST_DATABASE_URL; the second pass of .ci/run)",
)


@pytest.fixture
def app_behind_proxy(make_app):
    """Return (app, proxy): an app whose PostgreSQL connections all go through a TcpProxy."""
    database = backends.new_database()
    server = urlsplit(backends.PG_URL)
    proxy = TcpProxy(server.hostname, server.port)
    url = f"postgresql+psycopg://{server.username}@127.0.0.1:{proxy.port}/{database}"
    app = make_app(
        GEOTOUR_DATABASE_URL=url,
        **(
            {"GEOTOUR_CACHE_URL": backends.REDIS_URL, "GEOTOUR_CACHE_PREFIX": f"{database}:"}
            if backends.REDIS_URL
            else {}
        ),
    )
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
    assert page.status_code == 503 and "server is having trouble" in page.get_data(as_text=True)
    assert "Server sedang bermasalah" in client.get("/sites/curug-sodong?lang=id").get_data(as_text=True)
    assert page.headers["Retry-After"] == "10"
    # It still answers from the cache, so it stays in the balancer, reported as degraded.
    health = client.get("/healthz/ready")
    assert health.status_code == 200 and health.get_json()["status"] == "degraded"
    assert (
        health.get_json()["missing"] == ["database"]
        and health.get_json()["checks"]["database"]["ok"] is False
    )
    assert client.get("/api/v1/features/curug-sodong").status_code == 503
    assert "database unavailable" in caplog.text

    proxy.restore()  # nobody restarts the app: it must find the database again by itself
    restored = time.monotonic()
    assert _wait_for(
        lambda: client.get("/api/v1/features/curug-sodong/nearby?radius_m=1234").status_code == 200, 30
    )
    print(f"recovered {time.monotonic() - restored:.1f} s after the database came back")
    assert client.get("/healthz").status_code == 200
    assert client.get("/sites/curug-sodong").status_code == 200


def _database_url(kind, tmp_path):
    if kind == "sqlite":
        return f"sqlite:///{tmp_path}/killed.sqlite3"
    if not backends.on_postgres():
        pytest.skip("needs PostgreSQL (GEOTOUR_TEST_DATABASE_URL; the second pass of .ci/run)")
    return backends.pg_url(backends.new_database())


def _import_file(rows):
    lons, lats = random_points(rows, seed=21)
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [round(float(x), 6), round(float(y), 6)]},
                    "properties": {"name": f"Homestay Uji {i}", "whatsapp": f"0812 0000 {i:04d}"},
                }
                for i, (x, y) in enumerate(zip(lons, lats, strict=True))
            ],
        }
    ).encode()


def _post_import(server, token, data):
    boundary = "geotourboundary"
    fields = {"layer": "msmes", "dry_run": "false", "category": "penginapan", "owner_consent": "true"}
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    )
    body += (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="homestays.geojson"\r\n'
            f"Content-Type: application/geo+json\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        server.url + "/api/v1/submissions",
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None  # the worker died under the request


def _write_in_progress(url):
    """Return a function telling whether a write transaction is open on the database right now."""
    if url.startswith("sqlite:///"):
        import sqlite3

        conn = sqlite3.connect(url[len("sqlite:///") :], timeout=0, isolation_level=None)

        def sqlite_locked():
            try:
                conn.execute("BEGIN IMMEDIATE")  # fails at once while another process holds the write lock
            except sqlite3.OperationalError:
                return True
            conn.execute("ROLLBACK")
            return False

        return sqlite_locked
    import psycopg

    from geotour.storage.postgres import conninfo

    conn = psycopg.connect(conninfo(url), autocommit=True)
    database = url.rsplit("/", 1)[1]
    return lambda: (
        conn.execute(  # a backend that has written rows it has not committed
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = 'geotour'"
            " AND backend_xid IS NOT NULL",
            (database,),
        ).fetchone()[0]
        > 0
    )


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_sigkill_in_the_middle_of_a_bulk_import_leaves_nothing_and_the_retry_succeeds(
    kind, make_app, tmp_path
):
    url = _database_url(kind, tmp_path)
    setup = make_app(GEOTOUR_DATABASE_URL=url)
    make_users(setup)
    token = token_for(setup, "kim1")
    setup.extensions["geotour"].storage.close()
    rows = 3_000
    server = Gunicorn(
        tmp_path,
        {
            "GEOTOUR_DATABASE_URL": url,
            "GEOTOUR_IMPORT_MAX_FEATURES": str(rows),
            "GEOTOUR_RATELIMIT_UPLOADS": "1000 per hour",
            "GEOTOUR_CACHE_URL": "simple",
        },
        workers=1,
    )
    try:
        data = _import_file(rows)
        pending = lambda: backends.run_sql(setup, "SELECT count(*) FROM submissions")[0][0]  # noqa: E731
        writing = _write_in_progress(url)
        [worker] = server.worker_pids()
        result = {}
        sender = threading.Thread(target=lambda: result.update(status=_post_import(server, token, data)))
        sender.start()
        deadline = time.monotonic() + 60
        while not writing():  # validation first (a few seconds), then one transaction for every row
            assert time.monotonic() < deadline and sender.is_alive(), (
                f"no write seen: {result}\n{server.log()}"
            )
        os.kill(worker, signal.SIGKILL)
        sender.join(timeout=30)
        assert result["status"] in (None, 502), result  # the request died with its worker
        assert _wait_for(lambda: not writing(), 30)  # the database saw the client go and rolled back
        assert pending() == 0  # nothing partial

        server.wait_healthy()  # gunicorn started a new worker by itself
        assert server.worker_pids() != [worker]
        retried = _post_import(server, token, data)
        assert retried == 201, f"{retried}\n{server.log()}"  # what the server said, should it ever fail
        assert pending() == rows
    finally:
        server.stop()
        if kind == "postgresql":
            backends.drop_database(url.rsplit("/", 1)[1])
