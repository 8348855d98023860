"""Fixtures: a fresh app with its own temporary database for every test (one per module for modules that
only read), and data-dir factories."""

import json
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from geotour import create_app

from . import backends

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "geojson"
HOSTILE_SITE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_MSME_NAME = "\"';</script><script>alert(1)</script>"


@pytest.fixture(scope="session")
def pg_template(tmp_path_factory):
    """On a PostgreSQL run, make the migrated and seeded template database every test copies."""
    if backends.on_postgres():
        backends.make_template(DATA_DIR, tmp_path_factory.mktemp("template"))
    return backends.on_postgres()


@contextmanager
def _app_maker(folder, pg_template):
    """Yield a factory: factory(data_dir=..., **config) builds an app on a fresh database, dropped at the end.

    The database is a SQLite file in `folder`, or on a PostgreSQL run (see tests/backends.py) a new
    PostgreSQL database. A test that passes GEOTOUR_DATABASE_URL keeps its own.
    """
    counter = iter(range(1000))
    made = []

    def factory(data_dir=DATA_DIR, **config):
        instance = folder / f"instance{next(counter)}"
        database = None
        if pg_template and "GEOTOUR_DATABASE_URL" not in config:
            database = backends.new_database()
            made.append([database, None])
            config = {**backends.backend_config(database), **config}
        app = create_app(
            {"INSTANCE_PATH": instance, "GEOTOUR_DATA_DIR": str(data_dir), "TESTING": True, **config}
        )
        if database:
            made[-1][1] = app
        return app

    yield factory
    for database, app in made:
        if app is not None:
            app.extensions["geotour"].storage.close()
        backends.drop_database(database)


@pytest.fixture
def make_app(tmp_path, pg_template):
    """Return a factory: make_app(data_dir=..., **config) builds an app on a fresh database (see _app_maker)."""
    with _app_maker(tmp_path, pg_template) as factory:
        yield factory


@pytest.fixture(scope="module")
def module_app(tmp_path_factory, pg_template):
    """Return one app on the seed data for a whole test module (see `app`)."""
    with _app_maker(tmp_path_factory.mktemp("module"), pg_template) as factory:
        yield factory()


@pytest.fixture
def app(request, make_app):
    """Return an app on the real seed data and a fresh database.

    A module whose tests only read (it sets READS_ONLY = True) shares one app between its tests, which saves
    building and seeding a database per test; a test there that writes asks make_app() for its own.
    """
    if not getattr(request.module, "READS_ONLY", False):
        yield make_app()
        return
    shared = request.getfixturevalue("module_app")
    before = _written(shared)
    yield shared
    assert _written(shared) == before, "this test wrote to its module's shared app: give it make_app()"


def _written(app):
    """Return what a write would change: the data version, the users and the submissions."""
    storage = app.extensions["geotour"].storage
    return storage.data_version(), len(storage.list_users()), storage.list_submissions(limit=1)[1]


@pytest.fixture
def client(app):
    """Return a test client for the app."""
    return app.test_client()


@pytest.fixture
def data_copy(tmp_path):
    """Return a writable copy of data/geojson, with an edit(layer, fn) helper to change one layer file."""
    target = tmp_path / "geojson"
    shutil.copytree(DATA_DIR, target)

    class DataCopy:
        path = target

        def edit(self, layer_file, change):
            file = target / layer_file
            data = json.loads(file.read_text(encoding="utf-8"))
            change(data)
            file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    return DataCopy()


def rename_feature(feature_id, new_name):
    """Return an edit function that renames one feature."""

    def change(data):
        for feature in data["features"]:
            if feature["id"] == feature_id:
                feature["properties"]["name"] = new_name

    return change


@pytest.fixture
def hostile_data(data_copy):
    """Return a data copy where a geosite and a nearby MSME carry script-injection names."""
    data_copy.edit("geosites.geojson", rename_feature("curug-sodong", HOSTILE_SITE_NAME))
    msmes = json.loads((data_copy.path / "msmes.geojson").read_text(encoding="utf-8"))
    sodong = [106.49785, -7.18527]
    hostile = json.loads(json.dumps(msmes["features"][0]))
    hostile.update(id="msme-hostile")
    hostile["geometry"]["coordinates"] = [sodong[0] + 0.002, sodong[1]]
    hostile["properties"].update(
        id="msme-hostile",
        name=HOSTILE_MSME_NAME,
        opening_hours=HOSTILE_SITE_NAME,
        description_id=HOSTILE_MSME_NAME,
        category="kuliner",
    )
    data_copy.edit("msmes.geojson", lambda data: data["features"].append(hostile))
    return data_copy


class LiveServer:
    """A real HTTP server for one app, in a thread, on a free loopback port."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(make_app):
    """Return a factory: live_server(app=None) starts a server; all are stopped after the test."""
    servers = []

    def start(app=None):
        servers.append(LiveServer(app or make_app()))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def server_process(tmp_path):
    """Start the app in its own process (for clients such as GDAL that hold the GIL while they read)."""
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    from bench.servers import free_port

    port = free_port()
    env = {**os.environ, "GEOTOUR_DATABASE_URL": f"sqlite:///{tmp_path}/server.sqlite3"}
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "geotour", "run", "--port", str(port)],
        cwd=DATA_DIR.parent.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/api/v1/layers", timeout=2).close()
            break
        except OSError:
            if time.time() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("the app did not start in its own process") from None
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)
