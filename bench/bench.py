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
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bulk, load  # noqa: E402
from bench.synthetic import random_points  # noqa: E402
from geotour import accounts, create_app  # noqa: E402
from geotour.context import current  # noqa: E402

CHROMIUM = os.environ.get("GEOTOUR_CHROMIUM", "/usr/bin/chromium")
OUT = ROOT / "bench" / "out"
PYGEOAPI = "pygeoapi==0.21.0"
QUICK = os.environ.get("GEOTOUR_BENCH_QUICK") == "1"  # a smoke run of the whole script, figures meaningless
SIZES = (1_000, 10_000) if QUICK else (1_000, 10_000, 100_000, 1_000_000)
NEARBY_QUERIES = 200 if QUICK else 2_000
WRK_SECONDS = 2 if QUICK else 10
LOAD_SECONDS = 5 if QUICK else 60
RSS_MSMES = 10_000 if QUICK else 100_000
LAYER_PATH = "/api/v1/layers/msmes?limit=1000"
SERVICES = Path(os.environ.get("GEOTOUR_BENCH_SERVICES", "/tmp/geotour-bench-services"))
SERVICE_PORTS = {"GEOTOUR_PG_PORT": "25442", "GEOTOUR_REDIS_PORT": "26389"}  # apart from the tests' services


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read()
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not start")


def run(command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, check=True, **kwargs).stdout


# --- services and databases ------------------------------------------------------------------------
def start_services():
    """Start PostgreSQL+PostGIS and Redis on loopback (scripts/services.sh); return their settings."""
    subprocess.run([str(ROOT / "scripts" / "services.sh"), "start", str(SERVICES)], check=True,
                   env={**os.environ, **SERVICE_PORTS})
    settings = {}
    for line in (SERVICES / "env").read_text().splitlines():
        key, value = line.removeprefix("export ").split("=", 1)
        settings[key] = value
    return settings


def new_pg_database(services, name):
    import psycopg

    with psycopg.connect(services["GEOTOUR_TEST_PG_ADMIN_URL"], autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return services["GEOTOUR_TEST_DATABASE_URL"].rsplit("/", 1)[0] + "/" + name


def prepared_app(url, instance, msmes=None):
    """Create (migrate, seed) the database at url; with msmes, replace the MSMEs by that many synthetic ones."""
    app = create_app({"INSTANCE_PATH": instance, "GEOTOUR_DATABASE_URL": url, "GEOTOUR_CACHE_URL": "simple"})
    storage = app.extensions["geotour"].storage
    if msmes is not None:
        if url.startswith("sqlite"):
            bulk.load_sqlite(storage, msmes)
        else:
            bulk.load_postgres(url, msmes)
    return app


class Gunicorn:
    """Geotour under gunicorn.conf.py with `workers` workers."""

    def __init__(self, env, workers=2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "geotour:create_app()"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "PORT": str(self.port), "GEOTOUR_WORKERS": str(workers), "GEOTOUR_LOG_LEVEL": "warning",
                 "GEOTOUR_RATELIMIT_UPLOADS": "1000000 per hour", **env})
        wait_for(self.url + "/healthz")

    def worker_pids(self):
        return [int(p) for p in run(["pgrep", "-P", str(self.process.pid)]).split()]

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


# --- 1. layer endpoint ------------------------------------------------------------------------------
def wrk(url, connections=32, seconds=WRK_SECONDS, headers=()):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    out = run(command + [url])
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p99 = re.search(r"99%\s+(\S+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p99": p99.group(1) if p99 else "?", "non_2xx": int(non_2xx.group(1)) if non_2xx else 0}


def pygeoapi_server(data_file, workdir):
    """Install pygeoapi into its own venv (once) and start it with 2 gunicorn workers on the same GeoJSON."""
    venv = OUT / "pygeoapi-venv"
    if not (venv / "bin" / "pygeoapi").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", PYGEOAPI,
                        "gunicorn==27.0.1"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port = free_port()
    config = (ROOT / "bench" / "pygeoapi-config.yml").read_text().replace("@PORT@", str(port)) \
        .replace("@DATA@", str(data_file))
    (workdir / "pygeoapi.yml").write_text(config)
    env = {**os.environ, "PYGEOAPI_CONFIG": str(workdir / "pygeoapi.yml"),
           "PYGEOAPI_OPENAPI": str(workdir / "pygeoapi-openapi.yml")}
    subprocess.run([str(venv / "bin" / "pygeoapi"), "openapi", "generate", str(workdir / "pygeoapi.yml"),
                    "--output-file", str(workdir / "pygeoapi-openapi.yml")], check=True, env=env,
                   capture_output=True)
    process = subprocess.Popen([str(venv / "bin" / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
                                "--log-level", "warning", "pygeoapi.flask_app:APP"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/collections/msmes/items?f=json&limit=1000"
    body = wait_for(url)
    version = run([str(venv / "bin" / "python"), "-c", "import pygeoapi; print(pygeoapi.__version__)"]).strip()
    return process, url, body, version


def nginx_server(folder):
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(f"""worker_processes 2; pid {folder}/nginx.pid; error_log {folder}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; sendfile on; types {{ application/geo+json json; }}
  client_body_temp_path {folder}; proxy_temp_path {folder}; fastcgi_temp_path {folder};
  uwsgi_temp_path {folder}; scgi_temp_path {folder};
  server {{ listen 127.0.0.1:{port}; root {folder}; }} }}
""")
    process = subprocess.Popen(["nginx", "-c", str(conf), "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    return process, f"http://127.0.0.1:{port}/layer.json"


def bench_layers(services, workdir):
    """Requests per second of the layer endpoint: Geotour (both backends), pygeoapi, nginx, http.server."""
    results = {}
    sqlite_url = f"sqlite:///{workdir}/layers.sqlite3"
    prepared_app(sqlite_url, workdir / "instance")
    pg_url = new_pg_database(services, "bench_layers")
    prepared_app(pg_url, workdir / "instance").extensions["geotour"].storage.close()
    body = None
    for label, env in (("geotour_sqlite", {"GEOTOUR_DATABASE_URL": sqlite_url, "GEOTOUR_CACHE_URL": "simple"}),
                       ("geotour_postgres_redis", {"GEOTOUR_DATABASE_URL": pg_url,
                                                   "GEOTOUR_CACHE_URL": services["GEOTOUR_TEST_CACHE_URL"]})):
        server = Gunicorn(env)
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
    process = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                                "--directory", str(static)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
    origins = list(zip(map(float, lons), map(float, lats)))
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


def bench_nearby(services, workdir):
    results = {}
    for size in SIZES:
        for backend in ("sqlite", "postgres"):
            url = f"sqlite:///{workdir}/nearby-{size}.sqlite3" if backend == "sqlite" else \
                new_pg_database(services, f"bench_nearby_{size}")
            started = time.perf_counter()
            app = prepared_app(url, workdir / "instance", msmes=size)
            load_s = time.perf_counter() - started
            storage = app.extensions["geotour"].storage
            results[f"{backend}_{size}"] = {**nearby_latency(storage), "load_s": load_s}
            print(f"  nearby {backend} {size:>9,}: {results[f'{backend}_{size}']}", flush=True)
            storage.close()
            if backend == "sqlite":
                Path(url[len("sqlite:///"):]).unlink()
    return results


# --- 3. memory ---------------------------------------------------------------------------------------
def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def bench_memory(services, workdir):
    results = {}
    paths = load.read_paths(100)
    for backend in ("sqlite", "postgres"):
        url = f"sqlite:///{workdir}/rss.sqlite3" if backend == "sqlite" else new_pg_database(services, "bench_rss")
        prepared_app(url, workdir / "instance", msmes=RSS_MSMES).extensions["geotour"].storage.close()
        cache = "simple" if backend == "sqlite" else services["GEOTOUR_TEST_CACHE_URL"]
        server = Gunicorn({"GEOTOUR_DATABASE_URL": url, "GEOTOUR_CACHE_URL": cache})
        try:
            for path in paths + [f"/api/v1/layers/msmes?limit=1000&offset={o}" for o in range(0, 20_000, 1000)]:
                wait_for(server.url + path)
            results[backend] = [rss_kib(pid) / 1024 for pid in server.worker_pids()]
        finally:
            server.stop()
    return results


# --- 4. load test ------------------------------------------------------------------------------------
def bench_load(services, workdir):
    results = {}
    for backend in ("sqlite", "postgres"):
        url = f"sqlite:///{workdir}/load.sqlite3" if backend == "sqlite" else new_pg_database(services, "bench_load")
        app = prepared_app(url, workdir / "instance")
        with app.app_context():
            users = [accounts.create_user(current().storage, f"penulis{n}", "a-long-password", "contributor")
                     for n in range(5)]
            tokens = [accounts.create_token(current().storage, user["id"], "load")[1] for user in users]
        cache = "simple" if backend == "sqlite" else services["GEOTOUR_TEST_CACHE_URL"]
        server = Gunicorn({"GEOTOUR_DATABASE_URL": url, "GEOTOUR_CACHE_URL": cache})
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

    server = Gunicorn({"GEOTOUR_DATABASE_URL": f"sqlite:///{tempfile.mkdtemp()}/weight.sqlite3"}, workers=1)
    origin = server.url
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
        server.stop()
    own = {url: s for url, s in sizes.items() if url.startswith(origin)}
    body = sum(s["responseBodySize"] for s in own.values())
    headers = sum(s["responseHeadersSize"] for s in own.values())
    return {"requests": len(own), "body_bytes": body, "header_bytes": headers, "total_bytes": body + headers,
            "tiles_skipped": len(tiles), "largest": sorted(((s["responseBodySize"], u.replace(origin, ""))
                                                          for u, s in own.items()), reverse=True)[:5]}




# --- the report ----------------------------------------------------------------------------------------
def machine(services):
    def first(command, pattern=r"(.+)"):
        try:
            out = subprocess.run(command, capture_output=True, text=True, timeout=20)
            match = re.search(pattern, out.stdout + out.stderr)
            return match.group(1).strip() if match else "?"
        except OSError:
            return "not installed"

    import psycopg

    with psycopg.connect(services["GEOTOUR_TEST_PG_ADMIN_URL"], autocommit=True) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
        postgis = conn.execute("SELECT default_version FROM pg_available_extensions WHERE name = 'postgis'"
                               ).fetchone()
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) / 1024 / 1024
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{cpu.group(1) if cpu else platform.machine()}, {os.cpu_count()} cores", "memory": f"{mem:.0f} GiB",
        "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
        "postgresql": pg, "postgis": postgis[0] if postgis else "?",
        "redis": first(["redis-server", "--version"], r"v=(\S+)"), "nginx": first(["nginx", "-v"], r"nginx/(\S+)"),
        "wrk": first(["wrk", "--version"], r"wrk (\S+)"), "gunicorn": "27.0.1, sync workers, gunicorn.conf.py",
    }


def _ms(value):
    return f"{value:.2f}"


def report(info, layers, nearby, memory, loads, weight):
    g, py = layers["geotour_sqlite"], layers["pygeoapi"]
    lines = [
        "# Benchmarks", "",
        f"Written by `make bench` ({Path(__file__).relative_to(ROOT)}) in one run on {info['date']}. "
        "Every figure below comes from that run on this machine:", "",
        f"- CPU: {info['cpu']}; memory {info['memory']}; {info['os']}",
        f"- Python {info['python']}; PostgreSQL {info['postgresql']} with PostGIS {info['postgis']}; "
        f"Redis {info['redis']}; nginx {info['nginx']}; wrk {info['wrk']}; gunicorn {info['gunicorn']}",
        "- Everything runs on loopback on the same 2 cores as the load generator, so absolute numbers are "
        "lower than on a dedicated server; the ratios are the point.", "",
        "## 1. Layer endpoint, requests per second", "",
        f"The MSME layer (300 features) as GeoJSON: Geotour `{LAYER_PATH}` "
        f"({layers['response_bytes']:,} bytes) and pygeoapi {layers['pygeoapi_version']} "
        f"`/collections/msmes/items?f=json&limit=1000` ({layers['pygeoapi_features']} features, "
        f"{layers['pygeoapi_bytes']:,} bytes) from the same `data/geojson/msmes.geojson`, each under gunicorn "
        f"with 2 workers; nginx (2 workers) and `python -m http.server` serve Geotour's response bytes as a "
        f"file. wrk, 2 threads, 32 connections, {WRK_SECONDS} s each, no compression asked for unless stated.", "",
        "| server | req/s | p99 latency | non-2xx | vs pygeoapi |", "| --- | ---: | ---: | ---: | ---: |",
    ]
    rows = [("Geotour, SQLite + in-process cache", g), ("Geotour, PostgreSQL/PostGIS + Redis",
                                                       layers["geotour_postgres_redis"]),
            ("Geotour, SQLite, brotli", layers["geotour_sqlite_br"]),
            ("Geotour, PostgreSQL + Redis, brotli", layers["geotour_postgres_redis_br"]),
            (f"pygeoapi {layers['pygeoapi_version']} (GeoJSON provider)", py),
            ("nginx, static file", layers["nginx"]), ("python -m http.server, static file", layers["http_server"])]
    for label, r in rows:
        lines.append(f"| {label} | {r['rps']:,.0f} | {r['p99']} | {r['non_2xx']} | {r['rps'] / py['rps']:.1f}× |")
    pg = layers["geotour_postgres_redis"]
    lines += ["", f"Geotour on SQLite serves the layer at **{g['rps'] / py['rps']:.1f}× pygeoapi** "
              f"(goal: at least 5×; on PostgreSQL + Redis **{pg['rps'] / py['rps']:.1f}×**, each request asking "
              f"PostgreSQL for the data version) and at **{g['rps'] / layers['nginx']['rps']:.2f}× nginx** serving the same bytes "
              f"from a file (the static-file limit; {g['rps'] / layers['http_server']['rps']:.1f}× "
              "`python -m http.server`). Geotour answers from its cache, keyed by the data version, and "
              "compresses each entry once; pygeoapi reads and filters the GeoJSON file on every request.", "",
              "## 2. Nearby latency", "",
              f"`storage.features_near` in-process (what `/api/v1/nearby` calls), radius 3 km, limit 20, "
              f"{NEARBY_QUERIES:,} random origins inside the geopark, after 100 warm-up queries; synthetic "
              "MSMEs spread uniformly over the geopark (bulk-loaded by `bench/bulk.py`).", "",
              "| MSMEs | SQLite p50 ms | SQLite p99 ms | PostGIS p50 ms | PostGIS p99 ms | mean returned |",
              "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    for size in SIZES:
        s, p = nearby[f"sqlite_{size}"], nearby[f"postgres_{size}"]
        lines.append(f"| {size:,} | {_ms(s['p50_ms'])} | {_ms(s['p99_ms'])} | {_ms(p['p50_ms'])} | "
                     f"{_ms(p['p99_ms'])} | {s['mean_returned']:.1f} |")
    lines += ["", "## 3. Memory per worker at 100,000 MSMEs", "",
              "Resident set (VmRSS) of each gunicorn worker after 400 mixed requests (map, layers, nearby) and "
              "20 pages of 1,000 MSMEs:", "",
              f"- SQLite: {', '.join(f'{m:.0f} MiB' for m in memory['sqlite'])}",
              f"- PostgreSQL + Redis: {', '.join(f'{m:.0f} MiB' for m in memory['postgres'])}", "",
              "## 4. Load test: 60 s, 64 connections of mixed reads, 5 writers", "",
              "Reads rotate over the map page, layer endpoints and nearby queries at random points (bench/load.py); "
              "5 contributors post new businesses one after another with API tokens. 2 gunicorn workers.", "",
              "| backend | reads/s | read p50 | read p99 | 5xx | writes accepted | writes stored | write p99 |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for backend, label in (("sqlite", "SQLite, in-process cache"), ("postgres", "PostgreSQL/PostGIS + Redis")):
        r = loads[backend]
        reads = r["reads"]
        lines.append(f"| {label} | {r['reads_per_s']:,.0f} | {reads['p50_us'] / 1000:.0f} ms | "
                     f"{reads['p99_us'] / 1000:.0f} ms | {reads['status_5xx']} | {r['accepted']:,} | {r['stored']:,} | "
                     f"{r['writes']['p99_ms']:.0f} ms |")
    lines += ["", "## 5. Page weight", "",
              f"`/` in headless Chromium (390×760), every same-origin request, tiles excluded: "
              f"**{weight['total_bytes'] / 1024:.1f} KiB** in {weight['requests']} requests "
              f"(bodies {weight['body_bytes'] / 1024:.1f} KiB, headers {weight['header_bytes'] / 1024:.1f} KiB).", ""]
    return "\n".join(lines)


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
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        subprocess.run([str(ROOT / "scripts" / "services.sh"), "stop", str(SERVICES)], check=False)
    text = report(info, layers, nearby, memory, loads, weight)
    (OUT if QUICK else ROOT).joinpath("BENCHMARKS.md").write_text(text, encoding="utf-8")
    (OUT / "results.json").write_text(json.dumps({"machine": info, "layers": layers, "nearby": nearby,
                                                  "memory": memory, "load": loads}, indent=1))
    print(text)


if __name__ == "__main__":
    main()
