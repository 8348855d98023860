"""Geotour benchmarks (`make bench`): three figures, measured on this machine in one run.

1. Requests per second on a cached layer endpoint, over HTTP: gunicorn (2 workers) on loopback,
   load from wrk (Debian's package) for 10 s at 16 connections, brotli accepted.
2. p50/p99 latency of the nearby query, in-process, over 100,000 synthetic MSMEs in SQLite.
3. The compressed transfer size of `/` in headless Chromium, with everything it loads except tiles.
"""
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geotour import create_app  # noqa: E402
from geotour.features import validate_feature  # noqa: E402
from geotour.storage.sqlite import SQLiteStorage  # noqa: E402

CHROMIUM = os.environ.get("GEOTOUR_CHROMIUM", "/usr/bin/chromium")
SYNTHETIC_MSMES = 100_000
NEARBY_QUERIES = 2_000


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def synthetic_msmes(count, seed=1):
    """Return `count` MSME records at random points inside the geopark boundary."""
    boundary_file = ROOT / "data" / "geojson" / "boundary.geojson"
    boundary = shape(json.loads(boundary_file.read_text())["features"][0]["geometry"])
    catalogue_app = create_app({"INSTANCE_PATH": tempfile.mkdtemp(), "GEOTOUR_AUTO_SEED": "0"})
    layer = catalogue_app.extensions["geotour"].catalogue.get("msmes")
    rng = np.random.default_rng(seed)
    min_lon, min_lat, max_lon, max_lat = boundary.bounds
    lons, lats = np.empty(0), np.empty(0)
    while lons.size < count:
        x = rng.uniform(min_lon, max_lon, count)
        y = rng.uniform(min_lat, max_lat, count)
        inside = shapely.contains_xy(boundary, x, y)
        lons, lats = np.concatenate([lons, x[inside]]), np.concatenate([lats, y[inside]])
    categories = layer.category_ids
    records = []
    for i in range(count):
        feature = {"type": "Feature", "id": f"bench-{i}",
                   "geometry": {"type": "Point", "coordinates": [round(lons[i], 6), round(lats[i], 6)]},
                   "properties": {"name": f"Warung {i}", "category": categories[i % len(categories)], "sample": True}}
        records.append(validate_feature(feature, layer))
    return records, (min_lon, min_lat, max_lon, max_lat), boundary


def bench_nearby():
    """Return (p50_ms, p99_ms, mean candidates) of features_near over 100k synthetic MSMEs."""
    records, bounds, boundary = synthetic_msmes(SYNTHETIC_MSMES)
    workdir = Path(tempfile.mkdtemp())
    storage = SQLiteStorage(workdir / "bench.sqlite3")
    storage.ensure_schema()
    started = time.perf_counter()
    storage.replace_seed_layer("msmes", records, "bench")
    load_s = time.perf_counter() - started
    rng = np.random.default_rng(2)
    timings, returned = [], []
    origins = []
    while len(origins) < NEARBY_QUERIES:
        lon, lat = rng.uniform(bounds[0], bounds[2]), rng.uniform(bounds[1], bounds[3])
        if shapely.contains_xy(boundary, lon, lat):
            origins.append((lon, lat))
    for lon, lat in origins[:50]:  # warm the page cache
        storage.features_near(lon, lat, 3000, ("msmes",), limit=20)
    for lon, lat in origins:
        t0 = time.perf_counter()
        hits = storage.features_near(lon, lat, 3000, ("msmes",), limit=20)
        timings.append((time.perf_counter() - t0) * 1000)
        returned.append(len(hits))
    shutil.rmtree(workdir, ignore_errors=True)
    q = statistics.quantiles(timings, n=100)
    return {"p50_ms": q[49], "p99_ms": q[98], "mean_returned": statistics.mean(returned), "load_s": load_s}


def wait_for(url, timeout=30):
    import urllib.request

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read()
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not start")


def start_server(instance, port, workers=2):
    env = {**os.environ, "GEOTOUR_DATABASE_URL": f"sqlite:///{instance}/bench.sqlite3"}
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "geotour:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def bench_layer_rps():
    """Return requests per second of a cached layer endpoint over HTTP (gunicorn, 2 workers, wrk)."""
    wrk = shutil.which("wrk")
    if not wrk:
        return {"error": "wrk not installed (make bench installs Debian's wrk)"}
    instance, port = tempfile.mkdtemp(), free_port()
    server = start_server(instance, port)
    url = f"http://127.0.0.1:{port}/api/v1/layers/geosites"
    try:
        body = wait_for(url)
        for _ in range(20):
            wait_for(url)  # fill each worker's cache
        out = subprocess.run([wrk, "-t", "1", "-c", "16", "-d", "10s", "-H", "Accept-Encoding: br", url],
                             capture_output=True, text=True, check=True).stdout
    finally:
        server.terminate()
        server.wait(timeout=10)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = re.search(r"Latency\s+(\S+)", out).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "mean_latency": latency, "non_2xx": int(errors.group(1)) if errors else 0,
            "uncompressed_bytes": len(body)}


def bench_page_weight():
    """Return the bytes Chromium transfers for `/` and everything it loads, tiles excepted."""
    from playwright.sync_api import sync_playwright

    instance, port = tempfile.mkdtemp(), free_port()
    server = start_server(instance, port, workers=1)
    origin = f"http://127.0.0.1:{port}"
    try:
        wait_for(origin + "/api/v1/layers")
        sizes, tiles = {}, []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"])
            page = browser.new_context(viewport={"width": 390, "height": 760}).new_page()

            def route(r):
                if r.request.url.startswith(origin):
                    r.continue_()
                else:
                    tiles.append(r.request.url)
                    r.fulfill(status=204)

            page.route("**/*", route)
            page.on("requestfinished", lambda request: sizes.__setitem__(request.url, request.sizes()))
            page.goto(origin + "/")
            page.wait_for_selector(".gt-map[data-geotour-ready]", timeout=30000)
            page.wait_for_load_state("networkidle")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    own = {url: s for url, s in sizes.items() if url.startswith(origin)}
    body = sum(s["responseBodySize"] for s in own.values())
    headers = sum(s["responseHeadersSize"] for s in own.values())
    return {"requests": len(own), "body_bytes": body, "header_bytes": headers, "total_bytes": body + headers,
            "tiles_skipped": len(tiles), "largest": sorted(((s["responseBodySize"], u.replace(origin, ""))
                                                          for u, s in own.items()), reverse=True)[:5]}


def main():
    """Run the three benchmarks and print the figures."""
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    layer = bench_layer_rps()
    if "error" in layer:
        print(f"1. cached layer endpoint: {layer['error']}")
    else:
        print(f"1. cached layer endpoint /api/v1/layers/geosites (gunicorn 2 workers, wrk 16 conns, br): "
              f"{layer['rps']:.0f} req/s, mean latency {layer['mean_latency']}, non-2xx {layer['non_2xx']}")
    nearby = bench_nearby()
    print(f"2. nearby query, {SYNTHETIC_MSMES:,} synthetic MSMEs, radius 3 km, limit 20, {NEARBY_QUERIES} queries: "
          f"p50 {nearby['p50_ms']:.2f} ms, p99 {nearby['p99_ms']:.2f} ms "
          f"(mean {nearby['mean_returned']:.1f} returned; bulk load {nearby['load_s']:.1f} s)")
    weight = bench_page_weight()
    print(f"3. transfer size of / (all same-origin requests, tiles excluded): {weight['total_bytes'] / 1024:.1f} KiB "
          f"in {weight['requests']} requests (bodies {weight['body_bytes'] / 1024:.1f} KiB, "
          f"headers {weight['header_bytes'] / 1024:.1f} KiB)")
    for size, url in weight["largest"]:
        print(f"     {size / 1024:7.1f} KiB  {url[:90]}")


if __name__ == "__main__":
    main()
