"""Fixtures: a fresh app with its own temporary database for every test, and data-dir factories."""
import json
import shutil
from pathlib import Path

import pytest

from geotour import create_app

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "geojson"
HOSTILE_SITE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_MSME_NAME = "\"';</script><script>alert(1)</script>"


@pytest.fixture
def make_app(tmp_path):
    """Return a factory: make_app(data_dir=..., **config) builds an app on a fresh database in tmp_path."""
    counter = iter(range(1000))

    def factory(data_dir=DATA_DIR, **config):
        instance = tmp_path / f"instance{next(counter)}"
        return create_app({"INSTANCE_PATH": instance, "GEOTOUR_DATA_DIR": str(data_dir), "TESTING": True, **config})

    return factory


@pytest.fixture
def app(make_app):
    """Return an app on the real seed data and a fresh database."""
    return make_app()


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
    hostile["properties"].update(id="msme-hostile", name=HOSTILE_MSME_NAME, opening_hours=HOSTILE_SITE_NAME,
                                 description_id=HOSTILE_MSME_NAME, category="kuliner")
    data_copy.edit("msmes.geojson", lambda data: data["features"].append(hostile))
    return data_copy
