"""Section 7 of `make bench`: would SQLAlchemy Core cost the storage's reads more than 10 %?

The storage writes its SQL once, with `?` placeholders, and runs it on each backend's driver: sqlite3 (one
connection per thread) and psycopg (a pool; `postgres._Connection` turns `?` into `%s`). Issue 33 asks to
run it through SQLAlchemy Core instead, if that costs no more than 10 %. This measures exactly that: the
storage's own read calls (what `/api/v1/nearby`, a layer page, a feature and every cached answer's data
version check run), first on the drivers, then with the storage's `_read()` giving an SQLAlchemy Core
connection from an Engine (its pool, `text()` statements with named binds compiled once and cached, rows
read by name and position as the storage reads them).
"""

import statistics
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import sqlalchemy

from bench.servers import new_pg_database, prepared_app
from bench.synthetic import random_points
from geotour.domain.layers import LayerQuery
from geotour.storage.postgres import _Row

ROUNDS = 2_000
MSMES = 10_000


@lru_cache(maxsize=512)
def _core_text(sql: str) -> tuple[sqlalchemy.TextClause, tuple[str, ...]]:
    """The storage's `?` SQL as one cached text() with named binds :p0, :p1, ..."""
    parts = sql.split("?")
    names = tuple(f"p{i}" for i in range(len(parts) - 1))
    return sqlalchemy.text(
        parts[0] + "".join(f":{n}{p}" for n, p in zip(names, parts[1:], strict=True))
    ), names


class _CoreResult:
    def __init__(self, result: sqlalchemy.CursorResult[Any]) -> None:
        self._result = result
        self._names = list(result.keys()) if result.returns_rows else []

    def fetchone(self) -> _Row | None:
        row = self._result.fetchone()
        return None if row is None else _Row(self._names, tuple(row))

    def fetchall(self) -> list[_Row]:
        return [_Row(self._names, tuple(row)) for row in self._result.fetchall()]


class CoreConnection:
    """Runs the storage's SQL through an SQLAlchemy Core connection."""

    def __init__(self, conn: sqlalchemy.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, args: Sequence[Any] = (), /) -> _CoreResult:
        statement, names = _core_text(sql)
        return _CoreResult(self._conn.execute(statement, dict(zip(names, args, strict=True))))


def _core_engine(url: str) -> sqlalchemy.Engine:
    return (
        sqlalchemy.create_engine(url, pool_size=4)
        if url.startswith("postgresql")
        else sqlalchemy.create_engine(url)
    )


def _timed(call: Any, arguments: Sequence[Any]) -> float:
    """Median milliseconds of call(*a) over the arguments, after a warm-up."""
    for a in arguments[:100]:
        call(*a)
    timings = []
    for a in arguments:
        started = time.perf_counter()
        call(*a)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _reads(storage: Any) -> dict[str, float]:
    lons, lats = random_points(ROUNDS, seed=7)
    origins = list(zip(map(float, lons), map(float, lats), strict=True))
    page = LayerQuery(limit=100, offset=0)
    some_id = storage.query_layer("msmes", LayerQuery(limit=1, offset=0))[0][0]["id"]
    return {
        "data_version": _timed(storage.data_version, [()] * ROUNDS),
        "nearby": _timed(
            lambda lon, lat: storage.features_near(lon, lat, 3000, ("msmes",), limit=20), origins
        ),
        "layer_page": _timed(lambda: storage.query_layer("msmes", page), [()] * (ROUNDS // 4)),
        "feature": _timed(lambda: storage.get_feature(some_id), [()] * ROUNDS),
    }


def bench_sql_core(storage: Any, url: str) -> dict[str, dict[str, float]]:
    """Median ms of the storage's reads on its driver and through SQLAlchemy Core, on one database."""
    driver = _reads(storage)
    engine = _core_engine(url)
    original = storage._read

    @contextmanager
    def core_read() -> Iterator[CoreConnection]:
        with engine.connect() as conn:
            yield CoreConnection(conn)

    storage._read = core_read
    try:
        core = _reads(storage)
    finally:
        storage._read = original
        engine.dispose()
    return {name: {"driver_ms": driver[name], "core_ms": core[name]} for name in driver}


def bench_sql_core_backends(services: dict[str, str], workdir: Any) -> dict[str, dict[str, dict[str, float]]]:
    """bench_sql_core on SQLite and on PostgreSQL/PostGIS, each with MSMES synthetic businesses."""
    results = {}
    for backend in ("sqlite", "postgres"):
        url = (
            f"sqlite:///{workdir}/core.sqlite3"
            if backend == "sqlite"
            else new_pg_database(services, "bench_core")
        )
        storage = prepared_app(url, workdir / "instance", msmes=MSMES).extensions["geotour"].storage
        try:
            results[backend] = bench_sql_core(storage, url)
        finally:
            storage.close()
    return results
