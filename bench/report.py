"""BENCHMARKS.md: the machine, then every figure of one `make bench` run, as tables."""

import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bench.settings import (
    LAYER_PATH,
    LINE_LIMIT,
    LINE_QUERIES,
    LINE_RADIUS_M,
    NEARBY_QUERIES,
    SIZES,
    SLOW_CLIENTS,
    WRK_SECONDS,
)
from geotour.web.nginx_config import BROTLI_LEVEL

ROOT = Path(__file__).resolve().parent.parent


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
        postgis = conn.execute(
            "SELECT default_version FROM pg_available_extensions WHERE name = 'postgis'"
        ).fetchone()
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) / 1024 / 1024
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{cpu.group(1) if cpu else platform.machine()}, {os.cpu_count()} cores",
        "memory": f"{mem:.0f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "postgresql": pg,
        "postgis": postgis[0] if postgis else "?",
        "redis": first(["redis-server", "--version"], r"v=(\S+)"),
        "nginx": first(["nginx", "-v"], r"nginx/(\S+)"),
        "wrk": first(["wrk", "--version"], r"wrk (\S+)"),
        "gunicorn": "27.0.1, sync workers, gunicorn.conf.py",
    }


def _ms(value):
    return f"{value:.2f}"


def _latency_table(nearby, prefix):
    """Return the rows of a p50/p99 table per number of MSMEs, SQLite against PostGIS (`prefix`: which query)."""
    rows = [
        "| MSMEs | SQLite p50 ms | SQLite p99 ms | PostGIS p50 ms | PostGIS p99 ms | mean returned |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size in SIZES:
        s, p = nearby[f"sqlite_{size}"], nearby[f"postgres_{size}"]
        rows.append(
            f"| {size:,} | {_ms(s[prefix + 'p50_ms'])} | {_ms(s[prefix + 'p99_ms'])} | "
            f"{_ms(p[prefix + 'p50_ms'])} | {_ms(p[prefix + 'p99_ms'])} | {s[prefix + 'mean_returned']:.1f} |"
        )
    return rows


def report(info, layers, nearby, memory, loads, weight, front, osm, sql_core):
    g, py = layers["geotour_sqlite"], layers["pygeoapi"]
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (bench/bench.py) in one run on {info['date']}. "
        "Every figure below comes from that run on this machine:",
        "",
        f"- CPU: {info['cpu']}; memory {info['memory']}; {info['os']}",
        f"- Python {info['python']}; PostgreSQL {info['postgresql']} with PostGIS {info['postgis']}; "
        f"Redis {info['redis']}; nginx {info['nginx']}; wrk {info['wrk']}; gunicorn {info['gunicorn']}",
        "- Everything runs on loopback on the same 2 cores as the load generator, so absolute numbers are "
        "lower than on a dedicated server; the ratios are the point.",
        "",
        "## 1. Layer endpoint, requests per second",
        "",
        f"The MSME layer (300 features) as GeoJSON: Geotour `{LAYER_PATH}` "
        f"({layers['response_bytes']:,} bytes) and pygeoapi {layers['pygeoapi_version']} "
        f"`/collections/msmes/items?f=json&limit=1000` ({layers['pygeoapi_features']} features, "
        f"{layers['pygeoapi_bytes']:,} bytes) from the same `data/geojson/msmes.geojson`, each under gunicorn "
        f"with 2 workers; nginx (2 workers) and `python -m http.server` serve Geotour's response bytes as a "
        f"file. wrk, 2 threads, 32 connections, {WRK_SECONDS} s each, no compression asked for unless stated.",
        "",
        "| server | req/s | p99 latency | non-2xx | vs pygeoapi |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    rows = [
        ("Geotour, SQLite + in-process cache", g),
        ("Geotour, PostgreSQL/PostGIS + Redis", layers["geotour_postgres_redis"]),
        ("Geotour, SQLite, brotli", layers["geotour_sqlite_br"]),
        ("Geotour, PostgreSQL + Redis, brotli", layers["geotour_postgres_redis_br"]),
        (f"pygeoapi {layers['pygeoapi_version']} (GeoJSON provider)", py),
        ("nginx, static file", layers["nginx"]),
        ("python -m http.server, static file", layers["http_server"]),
    ]
    for label, r in rows:
        lines.append(
            f"| {label} | {r['rps']:,.0f} | {r['p99']} | {r['non_2xx']} | {r['rps'] / py['rps']:.1f}× |"
        )
    pg = layers["geotour_postgres_redis"]
    lines += [
        "",
        f"Geotour on SQLite serves the layer at **{g['rps'] / py['rps']:.1f}× pygeoapi** "
        f"(goal: at least 5×; on PostgreSQL + Redis **{pg['rps'] / py['rps']:.1f}×**, each request asking "
        f"PostgreSQL for the data version) and at **{g['rps'] / layers['nginx']['rps']:.2f}× nginx** serving the same bytes "
        f"from a file (the static-file limit; {g['rps'] / layers['http_server']['rps']:.1f}× "
        "`python -m http.server`). Geotour answers from its cache, keyed by the data version, and "
        "compresses each entry once; pygeoapi reads and filters the GeoJSON file on every request.",
        "",
        "## 2. Nearby latency",
        "",
        f"`storage.features_near` in-process (what `/api/v1/nearby` calls), radius 3 km, limit 20, "
        f"{NEARBY_QUERIES:,} random origins inside the geopark, after 100 warm-up queries; synthetic "
        "MSMEs spread uniformly over the geopark (bulk-loaded by `bench/bulk.py`).",
        "",
        *_latency_table(nearby, ""),
        "",
        "Businesses along a route: `storage.features_near_line` in-process (what `/routes/<id>` calls), "
        f"within {LINE_RADIUS_M} m of the line, the {LINE_LIMIT} nearest, over {LINE_QUERIES:,} random lines of "
        "20 legs (3 to 10 km) inside the geopark. SQLite reads its R*Tree in up to 16 boxes along the line; "
        "PostGIS uses ST_DWithin on the geography column; both measure the metres on the ellipsoid in Python.",
        "",
        *_latency_table(nearby, "line_"),
    ]
    lines += [
        "",
        "## 3. Memory per worker at 100,000 MSMEs",
        "",
        "Resident set (VmRSS) of each gunicorn worker after 400 mixed requests (map, layers, nearby) and "
        "20 pages of 1,000 MSMEs:",
        "",
        f"- SQLite: {', '.join(f'{m:.0f} MiB' for m in memory['sqlite'])}",
        f"- PostgreSQL + Redis: {', '.join(f'{m:.0f} MiB' for m in memory['postgres'])}",
        "",
        "## 4. Load test: 60 s, 64 connections of mixed reads, 5 writers",
        "",
        "Reads rotate over the map page, layer endpoints and nearby queries at random points (bench/load.py); "
        "5 contributors post new businesses one after another with API tokens. 2 gunicorn workers.",
        "",
        "| backend | reads/s | read p50 | read p99 | 5xx | writes accepted | writes stored | write p99 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for backend, label in (
        ("sqlite", "SQLite, in-process cache"),
        ("postgres", "PostgreSQL/PostGIS + Redis"),
    ):
        r = loads[backend]
        reads = r["reads"]
        lines.append(
            f"| {label} | {r['reads_per_s']:,.0f} | {reads['p50_us'] / 1000:.0f} ms | "
            f"{reads['p99_us'] / 1000:.0f} ms | {reads['status_5xx']} | {r['accepted']:,} | {r['stored']:,} | "
            f"{r['writes']['p99_ms']:.0f} ms |"
        )
    lines += [
        "",
        "## 5. Page weight",
        "",
        f"`/` in headless Chromium (390×760), every same-origin request, tiles excluded: "
        f"**{weight['total_bytes'] / 1024:.1f} KiB** in {weight['requests']} requests "
        f"(bodies {weight['body_bytes'] / 1024:.1f} KiB, headers {weight['header_bytes'] / 1024:.1f} KiB).",
        "",
    ]
    return "\n".join(lines + _front_lines(front, py) + _osm_lines(osm) + _sql_core_lines(sql_core)) + "\n"


def _sql_core_lines(sql_core):
    lines = [
        "## 8. SQL on the drivers, and through SQLAlchemy Core",
        "",
        "The storage's own reads (bench/sql_core.py), median of 2,000 calls (500 for a layer page) with 10,000 "
        "synthetic MSMEs: first on the drivers the storage uses (sqlite3; psycopg's pool with the `?` to `%s` "
        "shim), then with the same SQL through an SQLAlchemy Core Engine (`text()` compiled once, named binds, "
        "its pool). Issue 33 asked to move the SQL to Core if it costs at most 10 %.",
        "",
        "| read | SQLite driver | SQLite Core | ratio | PostgreSQL driver | PostgreSQL Core | ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, label in (
        ("data_version", "data version (every cached answer)"),
        ("nearby", "nearby, 3 km, 20"),
        ("feature", "one feature"),
        ("layer_page", "a layer page of 100"),
    ):
        lite, pg = sql_core["sqlite"][name], sql_core["postgres"][name]
        lines.append(
            f"| {label} | {lite['driver_ms']:.3f} ms | {lite['core_ms']:.3f} ms | "
            f"{lite['core_ms'] / lite['driver_ms']:.2f}× | {pg['driver_ms']:.3f} ms | {pg['core_ms']:.3f} ms | "
            f"{pg['core_ms'] / pg['driver_ms']:.2f}× |"
        )
    lines += [
        "",
        "Core's statement execution and result objects add a fixed cost to every call (tens of microseconds, "
        "and a rollback on each return to its pool), which is most of what the hot reads cost: the data "
        "version that every cached answer checks, a feature, and the nearby search. So the SQL stays written "
        "once with `?` placeholders on the drivers (storage/postgres.py's `_placeholders`), and SQLAlchemy "
        "stays where it pays: Alembic's migrations. (A whole layer page came out faster through Core; most "
        "of its time is decoding 100 rows' JSON, and we did not find why the two differ there.)",
    ]
    return lines


def _osm_lines(osm):
    return [
        "## 7. OpenStreetMap extract (`flask import-osm`)",
        "",
        f"A synthetic `.osm.pbf` ({osm['file_bytes'] / 1024 / 1024:.1f} MiB): {osm['nodes']:,} nodes and "
        f"{osm['ways']:,} ways over a box around the geopark, {osm['tagged']:,} of them named businesses or "
        f"attractions (bench/osm.py). Reading it with pyosmium and keeping the {osm['inside']:,} inside the "
        f"geopark (+2 km) took **{osm['read_s']:.2f} s**; planning the {osm['proposed']:,} proposals against "
        f"the database took **{osm['plan_s']:.2f} s**; the process peaked at **{osm['peak_rss_mib']} MiB** "
        "(node locations for ways are kept in memory).",
        "",
    ]


def _front_lines(front, py):
    snap, static = front["snapshot"], front["nginx_gzip_static"]
    slow, first = front["slow"], front["first_marker"]
    lines = [
        "## 6. `make serve`: nginx in front of gunicorn",
        "",
        f"The whole MSME layer ({front['snapshot_bytes']:,} bytes of GeoJSON) as its immutable snapshot "
        "(`/api/v1/layers/msmes/v/<data version>-<data tag>.geojson`, the catalogue's `snapshot_url`), through "
        "`make serve` (deploy/nginx.conf.in: nginx sends the file the app wrote once, with `gzip_static` "
        "and `brotli_static`), against nginx alone sending the same precompressed file. The mutable "
        f"endpoint `{LAYER_PATH}` goes through nginx to gunicorn (2 workers). wrk, 2 threads, 32 "
        f"connections, {WRK_SECONDS} s each.",
        "",
        "| what | req/s | p99 latency | non-2xx | vs nginx alone | vs pygeoapi |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, r in (
        ("snapshot through make serve, gzip", snap),
        ("snapshot through make serve, brotli", front["snapshot_br"]),
        ("mutable endpoint through make serve, gzip", front["mutable"]),
        ("mutable endpoint through make serve, brotli", front["mutable_br"]),
        ("nginx alone, the same file, gzip_static", static),
    ):
        lines.append(
            f"| {label} | {r['rps']:,.0f} | {r['p99']} | {r['non_2xx']} | {r['rps'] / static['rps']:.2f}× | "
            f"{r['rps'] / py['rps']:.1f}× |"
        )
    lines += [
        "",
        f"The snapshot through `make serve` reaches **{snap['rps'] / static['rps']:.2f}× nginx** serving the "
        "same precompressed file (goal: at least 0.5×): nginx answers it from disk without asking the app. "
        f"The mutable endpoint is compressed by nginx on every request (gzip at level 4, brotli at {BROTLI_LEVEL}; the app "
        "sends it plain under make serve, so compression happens in one place): that costs throughput on "
        "a 200 KB answer, which the map never asks for (it reads the snapshots).",
        "",
        "### Slow phones",
        "",
        f"{SLOW_CLIENTS} connections send their request headers one line every 2 s and never finish, as a phone "
        "on one bar of signal does, while wrk (4 connections, 5 s timeout) asks for `/api/v1/layers`:",
        "",
        "| server | requests answered in the run | req/s | p99 latency | non-2xx |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for label, r in (
        ("gunicorn alone (2 sync workers)", slow["gunicorn_alone"]),
        ("make serve (nginx in front)", slow["make_serve"]),
    ):
        p99 = r["p99"] if r["requests"] else "–"
        lines.append(f"| {label} | {r['requests']:,} | {r['rps']:,.1f} | {p99} | {r['non_2xx']} |")
    lines += [
        "",
        "### Time to the first marker on a phone network",
        "",
        "`/` in headless Chromium (360×740) under Chromium's network emulation (400 kbps down, 100 kbps up, "
        "400 ms round trip), through `make serve`, tiles answered empty: from navigation to the first "
        f"marker on the map, the median of {len(first['first_visits_s'])} runs. First visit: "
        f"**{first['first_visit_s']:.1f} s** (runs: {_seconds(first['first_visits_s'])}); second visit (the "
        f"service worker's copy of the shell, the snapshots from its cache): **{first['second_visit_s']:.1f} s**.",
        "",
        "The same over HTTPS and HTTP/2, as `make serve` answers with `GEOTOUR_TLS_CERT` (a phone asks for "
        "brotli only over HTTPS; the libraries are sent at brotli's highest level, precompressed by `make "
        f"assets`): first visit **{first['https']['first_visit_s']:.1f} s** (runs: "
        f"{_seconds(first['https']['first_visits_s'])}), second visit **{first['https']['second_visit_s']:.1f} s**.",
        "",
    ]
    return lines + _counting_lines(front["counting"])


def _seconds(values):
    return ", ".join(f"{value:.1f} s" for value in values)


def _counting_lines(c):
    end, on, off = c["endpoint"], c["page_on"], c["page_off"]
    return [
        "### Counting (issue 30)",
        "",
        "`POST /api/v1/counts` (a page view's beacon, as static/js/count.js sends it) through `make serve`, wrk "
        f"2 threads, 32 connections, {WRK_SECONDS} s: **{end['rps']:,.0f} req/s, p99 {end['p99']}**, "
        f"{end['non_2xx']} non-2xx; {c['kept']:,} counts were in the database after the server stopped, for "
        f"{end['requests']:,} requests answered (each worker adds up in memory and writes every 10 s and as it "
        "stops).",
        "",
        "What counting adds to a page view: `/sites/curug-sodong` fetched 300 times from each of two `make "
        "serve`, one counting and one not, asked in turn, one request after another: median "
        f"{on['p50_ms']:.2f} ms with counting on against {off['p50_ms']:.2f} ms off "
        f"(p90 {on['p90_ms']:.2f} against {off['p90_ms']:.2f} ms): a difference of "
        f"**{on['p50_ms'] - off['p50_ms']:+.2f} ms** (goal: at most 1 ms). The page itself counts nothing as "
        "it is served; its view is counted by the beacon, sent once the phone is idle. Counting one hit in a "
        f"process (what `/go/` and the beacon's view do) takes **{c['tally_add_us']:.1f} µs**.",
        "",
    ]
