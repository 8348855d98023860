"""The load test: mixed reads from wrk at 64 connections while 5 writers send submissions.

Used by tests/test_load.py (in CI, against PostgreSQL+PostGIS and Redis) and by `make bench`.
Reads: the map page, layer endpoints and nearby queries at random points. Writers: each its own
contributor with an API token, posting one new homestay after another. The caller checks that no
response was a 5xx and that the database holds exactly the submissions the writers were told were
accepted.
"""

import json
import random
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.synthetic import random_points

HERE = Path(__file__).resolve().parent
SITES = ("curug-sodong", "pantai-citepus", "geyser-cisolok", "pantai-ujung-genteng", "puncak-darma")


def read_paths(count=400, seed=3):
    """Return the rotation of GET paths: the map, layers and nearby at random points (a quarter each)."""
    rng = random.Random(seed)
    lons, lats = random_points(count, seed)
    paths = []
    for i, (lon, lat) in enumerate(zip(lons, lats, strict=True)):
        paths += [
            "/" if i % 2 else "/?lang=en",
            rng.choice(
                [
                    "/api/v1/layers/geosites",
                    "/api/v1/layers/msmes?properties=name,category",
                    "/api/v1/layers",
                    "/api/v1/layers/biosites",
                ]
            ),
            f"/api/v1/nearby?lat={lat:.5f}&lon={lon:.5f}&radius_m={rng.choice([1000, 3000, 5000])}",
            f"/api/v1/features/{rng.choice(SITES)}/nearby?radius_m={rng.choice([1000, 2000, 3000])}",
        ]
    return paths


class Writer(threading.Thread):
    """Post submissions until told to stop; remember every id the server accepted and every status."""

    def __init__(self, url, token, number, stop):
        super().__init__(daemon=True)
        self.url, self.token, self.number, self.stop = url, token, number, stop
        self.accepted, self.statuses, self.latencies = [], {}, []

    def run(self):
        rng = random.Random(self.number)
        lons, lats = random_points(2_000, seed=100 + self.number)
        sent = 0
        while not self.stop.is_set():
            lon, lat = float(lons[sent % len(lons)]), float(lats[sent % len(lats)])
            feature = {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                "properties": {
                    "layer": "msmes",
                    "name": f"Homestay Beban {self.number}-{sent}",
                    "category": "penginapan",
                    "owner_consent": True,
                    "whatsapp": f"0812{rng.randrange(10**7, 10**8)}",
                },
            }
            sent += 1
            request = urllib.request.Request(
                self.url + "/api/v1/submissions",
                data=json.dumps(feature).encode(),
                method="POST",
                headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
            )
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    status, body = response.status, json.loads(response.read())
            except urllib.error.HTTPError as exc:
                status, body = exc.code, None
            except OSError:
                status, body = "connection error", None
            self.latencies.append(time.perf_counter() - started)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status == 201:
                self.accepted += (
                    [s["id"] for s in body["submissions"]] if "submissions" in body else [body["id"]]
                )


def run(url, tokens, seconds=60, connections=64, threads=2):
    """Run wrk and one Writer per token for `seconds`; return the figures as a dict."""
    workdir = Path(tempfile.mkdtemp(prefix="geotour-load-"))
    try:
        (workdir / "paths.lua").write_text(
            "return {" + ",".join(json.dumps(p) for p in read_paths()) + "}\n", encoding="utf-8"
        )
        shutil.copy(HERE / "load.lua", workdir / "load.lua")
        stop = threading.Event()
        writers = [Writer(url, token, n, stop) for n, token in enumerate(tokens)]
        wrk = subprocess.Popen(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                str(workdir / "load.lua"),
                url,
                "--",
                str(workdir / "paths.lua"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for writer in writers:
            writer.start()
        output = wrk.communicate(timeout=seconds + 60)[0]
        stop.set()
        for writer in writers:
            writer.join(timeout=60)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    line = next((line for line in output.splitlines() if line.startswith("WRK_RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result:\n{output}")
    reads = json.loads(line[len("WRK_RESULT ") :])
    statuses = {}
    for writer in writers:
        for status, count in writer.statuses.items():
            statuses[str(status)] = statuses.get(str(status), 0) + count
    latencies = sorted(t for writer in writers for t in writer.latencies)
    return {
        "seconds": seconds,
        "connections": connections,
        "reads": reads,
        "reads_per_s": reads["requests"] / (reads["duration_us"] / 1e6),
        "writes": {
            "statuses": statuses,
            "accepted_ids": sorted(i for w in writers for i in w.accepted),
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else None,
            "count": len(latencies),
        },
    }
