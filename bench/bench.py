"""Geotour benchmarks (`make bench`): measured on this machine in one run, written to BENCHMARKS.md.

1. Layer endpoint requests per second over HTTP, 2 gunicorn workers each, wrk on loopback: Geotour on
   SQLite (in-process cache) and on PostgreSQL+Redis, against pygeoapi 0.21 serving the same layer from
   the same GeoJSON (its own venv, 2 gunicorn workers), nginx and `python -m http.server` serving the
   bytes of Geotour's response as a file (the static-file limit).
2. Nearby latency (p50/p99, in-process storage call, radius 3 km, limit 20) at 1k, 10k, 100k and 1M
   MSMEs, on SQLite (R*Tree) and PostgreSQL/PostGIS (geography, ST_DWithin, GiST).
3. Resident memory per gunicorn worker with 100k MSMEs, after a warm-up of mixed requests.
4. The 60 s load test (64 connections of mixed reads, 5 writers) on both backends.
5. The compressed transfer size of `/` in headless Chromium, everything it loads except tiles.
6. `make serve` (nginx in front of gunicorn): an immutable layer snapshot against nginx sending the same
   precompressed file; normal requests while 64 phones send their headers slowly (gunicorn alone, then
   make serve); the time to the first marker on `/` under an emulated phone network.
7. Reading an OpenStreetMap extract (`flask import-osm`).
8. The storage's reads on the database drivers against the same reads through SQLAlchemy Core.
"""

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402
from bench.front import (  # noqa: E402
    bench_counting,
    bench_first_marker,
    bench_front_server,
    bench_slow_clients,
)
from bench.report import machine, report  # noqa: E402
from bench.servers import (  # noqa: E402
    OUT,
    SERVICES,
    Gunicorn,
    free_port,
    new_pg_database,
    nginx_server,
    prepared_app,
    pygeoapi_server,
    rss_kib,
    run,
    start_services,
    wait_for,
)
from bench.settings import (  # noqa: E402
    CHROMIUM_ARGS,
    LAYER_PATH,
    LINE_LIMIT,
    LINE_QUERIES,
    LINE_RADIUS_M,
    LOAD_SECONDS,
    NEARBY_QUERIES,
    OSM_NODES,
    QUICK,
    RSS_MSMES,
    SIZES,
    WRK_SECONDS,
)
from bench.sql_core import bench_sql_core_backends  # noqa: E402
from bench.synthetic import random_points  # noqa: E402
from geotour.context import current  # noqa: E402
from geotour.contributions import accounts  # noqa: E402

CHROMIUM = os.environ.get("GEOTOUR_CHROMIUM", "/usr/bin/chromium")


# --- 1. layer endpoint ------------------------------------------------------------------------------
def serve(env, workers=2):
    """Start Geotour under gunicorn for a benchmark (warnings only; uploads not rate-limited)."""
    OUT.mkdir(parents=True, exist_ok=True)
    return Gunicorn(
        OUT, {"GEOTOUR_LOG_LEVEL": "warning", "GEOTOUR_RATELIMIT_UPLOADS": "1000000 per hour", **env}, workers
    )


def wrk(url, connections=32, seconds=WRK_SECONDS, headers=(), timeout_s=2, script=None):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout_s}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", script]
    out = run(command + [url])
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)  # the latency distribution's line, not a "…99%" stdev
    timeouts = re.search(r"timeout (\d+)", out)
    done = re.search(r"(\d+) requests in", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(done.group(1)) if done else 0,
        "p99": p99.group(1) if p99 else "?",
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "timeouts": int(timeouts.group(1)) if timeouts else 0,
    }


def bench_layers(services, workdir):
    """Requests per second of the layer endpoint: Geotour (both backends), pygeoapi, nginx, http.server."""
    results = {}
    sqlite_url = f"sqlite:///{workdir}/layers.sqlite3"
    prepared_app(sqlite_url, workdir / "instance")
    pg_url = new_pg_database(services, "bench_layers")
    prepared_app(pg_url, workdir / "instance").extensions["geotour"].storage.close()
    body = None
    for label, env in (
        ("geotour_sqlite", {"GEOTOUR_DATABASE_URL": sqlite_url, "GEOTOUR_CACHE_URL": "simple"}),
        (
            "geotour_postgres_redis",
            {"GEOTOUR_DATABASE_URL": pg_url, "GEOTOUR_CACHE_URL": services["GEOTOUR_TEST_CACHE_URL"]},
        ),
    ):
        server = serve(env)
        try:
            for _ in range(20):
                body = wait_for(server.url + LAYER_PATH)  # fill each worker's cache
            results[label] = wrk(server.url + LAYER_PATH)
            results[label + "_br"] = wrk(server.url + LAYER_PATH, headers=["Accept-Encoding: br"])
        finally:
            server.stop()
    results["response_bytes"] = len(body)
    static = workdir / "static"
    static.mkdir()
    for folder in (workdir, static):  # nginx's workers run as nobody
        folder.chmod(0o755)
    (static / "layer.json").write_bytes(body)
    process, url, py_body, version = pygeoapi_server(ROOT / "data" / "geojson" / "msmes.geojson", workdir)
    try:
        results["pygeoapi"] = wrk(url)
        results["pygeoapi_bytes"] = len(py_body)
        results["pygeoapi_features"] = len(json.loads(py_body)["features"])
        results["pygeoapi_version"] = version
    finally:
        process.terminate()
        process.wait(timeout=30)
    process, url = nginx_server(static)
    try:
        wait_for(url)
        results["nginx"] = wrk(url)
    finally:
        process.terminate()
        process.wait(timeout=30)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(static)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/layer.json")
        results["http_server"] = wrk(f"http://127.0.0.1:{port}/layer.json")
    finally:
        process.terminate()
        process.wait(timeout=30)
    return results


# --- 2. nearby latency ------------------------------------------------------------------------------
def nearby_latency(storage):
    lons, lats = random_points(NEARBY_QUERIES, seed=2)
    origins = list(zip(map(float, lons), map(float, lats), strict=True))
    for lon, lat in origins[:100]:  # warm caches
        storage.features_near(lon, lat, 3000, ("msmes",), limit=20)
    timings, returned = [], []
    for lon, lat in origins:
        started = time.perf_counter()
        hits = storage.features_near(lon, lat, 3000, ("msmes",), limit=20)
        timings.append((time.perf_counter() - started) * 1000)
        returned.append(len(hits))
    q = statistics.quantiles(timings, n=100)
    return {"p50_ms": q[49], "p99_ms": q[98], "mean_returned": statistics.mean(returned)}


def random_lines(count, seed=4):
    """Return `count` walks of 20 legs from random starts in the geopark, each leg up to about 500 m, so lines
    of 3 to 10 km like the geopark's routes (the seeded routes are stops-only and shorter)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    lons, lats = random_points(count, seed=seed)
    lines = []
    for lon, lat in zip(lons, lats, strict=True):
        steps = rng.uniform(-0.0045, 0.0045, size=(20, 2))
        line = np.cumsum(np.vstack([[lon, lat], steps]), axis=0)
        lines.append([[float(x), float(y)] for x, y in line])
    return lines


def line_latency(storage):
    """p50/p99 of storage.features_near_line (what /routes/<id> calls) over random lines."""
    lines = random_lines(LINE_QUERIES)
    for line in lines[:20]:  # warm caches
        storage.features_near_line(line, LINE_RADIUS_M, ("msmes",), LINE_LIMIT)
    timings, returned = [], []
    for line in lines:
        started = time.perf_counter()
        found = storage.features_near_line(line, LINE_RADIUS_M, ("msmes",), LINE_LIMIT)
        timings.append((time.perf_counter() - started) * 1000)
        returned.append(len(found))
    q = statistics.quantiles(timings, n=100)
    return {"line_p50_ms": q[49], "line_p99_ms": q[98], "line_mean_returned": statistics.mean(returned)}


def bench_nearby(services, workdir):
    results = {}
    for size in SIZES:
        for backend in ("sqlite", "postgres"):
            url = (
                f"sqlite:///{workdir}/nearby-{size}.sqlite3"
                if backend == "sqlite"
                else new_pg_database(services, f"bench_nearby_{size}")
            )
            started = time.perf_counter()
            app = prepared_app(url, workdir / "instance", msmes=size)
            load_s = time.perf_counter() - started
            storage = app.extensions["geotour"].storage
            results[f"{backend}_{size}"] = {
                **nearby_latency(storage),
                **line_latency(storage),
                "load_s": load_s,
            }
            print(f"  nearby {backend} {size:>9,}: {results[f'{backend}_{size}']}", flush=True)
            storage.close()
            if backend == "sqlite":
                Path(url[len("sqlite:///") :]).unlink()
    return results


# --- 3. memory ---------------------------------------------------------------------------------------
def bench_memory(services, workdir):
    results = {}
    paths = load.read_paths(100)
    for backend in ("sqlite", "postgres"):
        url = (
            f"sqlite:///{workdir}/rss.sqlite3"
            if backend == "sqlite"
            else new_pg_database(services, "bench_rss")
        )
        prepared_app(url, workdir / "instance", msmes=RSS_MSMES).extensions["geotour"].storage.close()
        cache = "simple" if backend == "sqlite" else services["GEOTOUR_TEST_CACHE_URL"]
        server = serve({"GEOTOUR_DATABASE_URL": url, "GEOTOUR_CACHE_URL": cache})
        try:
            for path in paths + [
                f"/api/v1/layers/msmes?limit=1000&offset={o}" for o in range(0, 20_000, 1000)
            ]:
                wait_for(server.url + path)
            results[backend] = [rss_kib(pid) / 1024 for pid in server.worker_pids()]
        finally:
            server.stop()
    return results


# --- 4. load test ------------------------------------------------------------------------------------
def bench_load(services, workdir):
    results = {}
    for backend in ("sqlite", "postgres"):
        url = (
            f"sqlite:///{workdir}/load.sqlite3"
            if backend == "sqlite"
            else new_pg_database(services, "bench_load")
        )
        app = prepared_app(url, workdir / "instance")
        with app.app_context():
            users = [
                accounts.create_user(current().storage, f"penulis{n}", "a-long-password", "contributor")
                for n in range(5)
            ]
            tokens = [accounts.create_token(current().storage, user["id"], "load")[1] for user in users]
        cache = "simple" if backend == "sqlite" else services["GEOTOUR_TEST_CACHE_URL"]
        server = serve({"GEOTOUR_DATABASE_URL": url, "GEOTOUR_CACHE_URL": cache})
        try:
            result = load.run(server.url, tokens, seconds=LOAD_SECONDS)
        finally:
            server.stop()
        storage = app.extensions["geotour"].storage
        stored = storage.list_submissions(limit=1_000_000)[1]
        accepted = result["writes"].pop("accepted_ids")
        result["accepted"], result["stored"] = len(accepted), stored
        results[backend] = result
        storage.close()
    return results


def bench_page_weight():
    """Return the bytes Chromium transfers for `/` and everything it loads, tiles excepted."""
    from playwright.sync_api import sync_playwright

    server = serve({"GEOTOUR_DATABASE_URL": f"sqlite:///{tempfile.mkdtemp()}/weight.sqlite3"}, workers=1)
    origin = server.url
    try:
        wait_for(origin + "/api/v1/layers")
        sizes, tiles = {}, []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
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
        server.stop()
    own = {url: s for url, s in sizes.items() if url.startswith(origin)}
    body = sum(s["responseBodySize"] for s in own.values())
    headers = sum(s["responseHeadersSize"] for s in own.values())
    return {
        "requests": len(own),
        "body_bytes": body,
        "header_bytes": headers,
        "total_bytes": body + headers,
        "tiles_skipped": len(tiles),
        "largest": sorted(
            ((s["responseBodySize"], u.replace(origin, "")) for u, s in own.items()), reverse=True
        )[:5],
    }


def bench_osm(workdir):
    """Time `import-osm`'s reading and planning of a synthetic extract, in its own process (its own peak RSS)."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.osm", str(workdir), str(OSM_NODES)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    """Run every benchmark and write BENCHMARKS.md."""
    OUT.mkdir(parents=True, exist_ok=True)
    services = start_services()
    info = machine(services)
    print("machine:", info, flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="geotour-bench-"))
    try:
        layers = bench_layers(services, workdir)
        print("layers:", json.dumps(layers), flush=True)
        nearby = bench_nearby(services, workdir)
        memory = bench_memory(services, workdir)
        print("memory:", memory, flush=True)
        loads = bench_load(services, workdir)
        print("load:", json.dumps(loads), flush=True)
        weight = bench_page_weight()
        print("weight:", weight["total_bytes"], flush=True)
        sqlite_url = f"sqlite:///{workdir}/front.sqlite3"
        prepared_app(sqlite_url, workdir / "instance")
        front = {
            **bench_front_server(wrk, sqlite_url, workdir),
            "slow": bench_slow_clients(wrk, serve, sqlite_url),
            "first_marker": bench_first_marker(CHROMIUM, sqlite_url),
            "counting": bench_counting(wrk, sqlite_url),
        }
        print("front:", json.dumps(front), flush=True)
        osm = bench_osm(workdir)
        print("osm:", json.dumps(osm), flush=True)
        sql_core = bench_sql_core_backends(services, workdir)
        print("sql core:", json.dumps(sql_core), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        subprocess.run([str(ROOT / "scripts" / "services.sh"), "stop", str(SERVICES)], check=False)
    text = report(info, layers, nearby, memory, loads, weight, front, osm, sql_core)
    (OUT if QUICK else ROOT).joinpath("BENCHMARKS.md").write_text(text, encoding="utf-8")
    (OUT / "results.json").write_text(
        json.dumps(
            {
                "machine": info,
                "layers": layers,
                "nearby": nearby,
                "memory": memory,
                "load": loads,
                "front": front,
                "osm": osm,
                "sql_core": sql_core,
            },
            indent=1,
        )
    )
    print(text)


# One figure alone, printed (BENCHMARKS.md is only written by a whole run): `python bench/bench.py counting`
# (section 6) or `python bench/bench.py first-marker RUNS` (the time to the first marker: the median of RUNS
# runs, and each run's first visit).
ONLY = {
    "counting": lambda url, runs: [bench_counting(wrk, url)],
    "first-marker": lambda url, runs: [bench_first_marker(CHROMIUM, url, runs)],
}


def only(name, runs=3):
    """Measure the one figure `name` (see ONLY) on the seeded app, and print it."""
    OUT.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="geotour-bench-"))
    try:
        sqlite_url = f"sqlite:///{workdir}/front.sqlite3"
        prepared_app(sqlite_url, workdir / "instance")
        for result in ONLY[name](sqlite_url, runs):
            print(json.dumps(result, indent=1), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:2] and sys.argv[1] in ONLY:
        only(sys.argv[1], int(sys.argv[2]) if sys.argv[2:] else 3)
    else:
        main()
