"""Issue 14, part 3: the office's GIS staff read every collection with the real QGIS (Debian's python3-qgis 3.22,
its own OAPIF provider, offscreen), and every attribute that /api/v1 fills arrives filled.

`make test` installs python3-qgis (`make qgis`); QGIS runs in its own process with Debian's python3.
"""

import json
import os
import subprocess
import urllib.request
from pathlib import Path

import pytest

QGIS_PYTHON = "/usr/bin/python3"
CLIENT = Path(__file__).with_name("qgis_client.py")
COLLECTIONS = ("geosites", "biosites", "cultural_sites", "msmes", "routes", "villages", "boundary")
BBOX = (106.40, -7.30, 106.55, -7.10)  # around Ciletuh


def _has_qgis():
    return subprocess.run([QGIS_PYTHON, "-c", "import qgis.core"], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def qgis_read(tmp_path_factory):
    assert _has_qgis(), "python3-qgis is missing: `make test` installs it (make qgis)"
    return tmp_path_factory.mktemp("qgis")


def _run_qgis(url, workdir):
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(workdir),
        "XDG_RUNTIME_DIR": str(workdir),
    }
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [QGIS_PYTHON, str(CLIENT), url, str(workdir), ",".join(map(str, BBOX)), ",".join(COLLECTIONS)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _in_box(feature):
    geometry = feature["geometry"]
    if geometry["type"] != "Point":
        return None
    lon, lat = geometry["coordinates"][:2]
    return BBOX[0] <= lon <= BBOX[2] and BBOX[1] <= lat <= BBOX[3]


def test_qgis_reads_every_collection_whole(live_server, qgis_read):
    server = live_server()
    read = _run_qgis(server.url, qgis_read)
    for collection in COLLECTIONS:
        with urllib.request.urlopen(f"{server.url}/api/v1/layers/{collection}?limit=1000") as answer:
            api = {f["id"]: f for f in json.load(answer)["features"]}
        got = read[collection]
        assert got["valid"], collection
        assert got["count"] == len(api) and set(got["features"]) == set(api), collection
        for fid, feature in api.items():
            filled = {k for k, v in feature["properties"].items() if v not in (None, [], {}, "")}
            missing = filled - set(got["features"][fid])
            assert not missing, (collection, fid, sorted(missing))  # QGIS shows NULL where we have a value
        points = [fid for fid, f in api.items() if _in_box(f)]
        if points:
            assert sorted(got["bbox_ids"]) == sorted(points), collection
    assert read["_render"]["painted_samples"] > 20, read["_render"]  # the layers drew something
    assert Path(read["_render"]["png"]).stat().st_size > 1000
