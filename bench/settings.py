"""What `make bench` measures: sizes, durations and the layer URL (GEOTOUR_BENCH_QUICK=1 for a smoke run)."""

import os

QUICK = os.environ.get("GEOTOUR_BENCH_QUICK") == "1"  # a smoke run of the whole script, figures meaningless
SIZES = (1_000, 10_000) if QUICK else (1_000, 10_000, 100_000, 1_000_000)
NEARBY_QUERIES = 200 if QUICK else 2_000
LINE_QUERIES = 40 if QUICK else 400
LINE_RADIUS_M, LINE_LIMIT = 500, 30  # the route page's "businesses along the route"
WRK_SECONDS = 2 if QUICK else 10
LOAD_SECONDS = 5 if QUICK else 60
RSS_MSMES = 10_000 if QUICK else 100_000
LAYER_PATH = "/api/v1/layers/msmes?limit=1000"
SLOW_CLIENTS = 64  # connections that send their request headers one line every 2 s
OSM_NODES = 200_000 if QUICK else 2_000_000  # the synthetic extract of bench/osm.py
# How the benchmarks start Debian's Chromium (as tests/browser/conftest.py does): headless, no background traffic.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
