"""PostgreSQL + PostGIS storage: the same tables as SQLite, with spatial work done in the database.

Bbox queries use the GiST index on the geometry column; nearby queries use ST_DWithin on a geography
point (metres on the WGS84 ellipsoid) with its own GiST index, ordered by distance in the database.
Distances and bearings returned are then computed with pyproj, exactly as on SQLite, so both backends
give the same answers. Writes take one transaction-level advisory lock: one writer at a time, as in
SQLite, so version numbers and the data version never race across workers or machines.
"""

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from geotour.domain.features import FeatureRecord
from geotour.storage import DatabaseNotReady, StorageUnavailable
from geotour.storage.sql import SQLStorage
from geotour.storage.sql_versions import PROJECTION_COLUMNS, Connection, Row, projection_values

WRITE_LOCK = 0x6765_6F77  # "geow": the advisory lock every write transaction holds
CONNECT_TIMEOUT_S = 3  # libpq's limit for one connection attempt
POOL_WAIT_S = 2  # longest a request waits for a pooled connection before the answer is 503
FAIL_FAST_S = 2.0  # after the database was found unreachable, answer 503 at once for this long
SERVER_GOING_AWAY = {"57P01", "57P02", "57P03"}  # admin shutdown, crash shutdown, cannot connect now


REQUIRED_EXTENSIONS = ("postgis", "citext")


class _Row(dict):
    """A row readable by column name (like a dict) and by position, as sqlite3.Row is."""

    __slots__ = ("_values",)

    def __init__(self, names: Sequence[str], values: Sequence[Any]) -> None:
        super().__init__(zip(names, values, strict=True))
        self._values = values

    def __getitem__(self, key: str | int) -> Any:
        return self._values[key] if isinstance(key, int) else dict.__getitem__(self, key)


def _row_factory(cursor: "psycopg.Cursor[Any]") -> Callable[[Sequence[Any]], _Row]:
    names = [column.name for column in cursor.description or ()]
    return lambda values: _Row(names, values)


@lru_cache(maxsize=512)
def _placeholders(sql: str) -> str:
    """Turn the `?` placeholders both backends' SQL uses into psycopg's `%s`.

    SQL is written once for both databases and run on the drivers, not through SQLAlchemy Core: `make bench`
    (section 8, bench/sql_core.py) measured Core at 1.6-11× the driver's time on the hot reads (the data
    version every cached answer checks, a feature, the nearby search), far over the 10 % issue 33 allowed.
    """
    return sql.replace("%", "%%").replace("?", "%s")


class _Connection:
    """A psycopg connection whose execute() takes `?` placeholders."""

    def __init__(self, conn: "psycopg.Connection[Any]") -> None:
        self._conn = conn

    def execute(self, sql: str, args: Sequence[Any] = (), /) -> "psycopg.Cursor[Any]":
        return self._conn.execute(_placeholders(sql), args)


def conninfo(url: str) -> str:
    """Return the libpq URL for a postgresql+psycopg:// URL."""
    return "postgresql://" + url.split("://", 1)[1]


class PostgresStorage(SQLStorage):
    """Features in PostgreSQL/PostGIS, through a small connection pool per process."""

    TEXT_ORDER = ' COLLATE "C"'
    UNIQUE_VIOLATION = psycopg.errors.UniqueViolation

    _down_until = 0.0

    def __init__(self, url: str, pool_size: int = 4) -> None:
        self._url = url if "+psycopg" in url else url.replace("postgresql://", "postgresql+psycopg://", 1)
        self._pool_size = max(1, pool_size)
        self._pool_lock = threading.Lock()
        self._pool: ConnectionPool | None = self._new_pool()  # None after the database went away

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of this database (for Alembic)."""
        return self._url

    def _new_pool(self) -> ConnectionPool:
        pool = ConnectionPool(
            conninfo(self.url),
            min_size=1,
            max_size=self._pool_size,
            timeout=POOL_WAIT_S,
            kwargs={
                "autocommit": True,
                "row_factory": _row_factory,
                "connect_timeout": CONNECT_TIMEOUT_S,
                "application_name": "geotour",
            },
            check=ConnectionPool.check_connection,
            open=False,
            name="geotour",
        )
        pool.open(wait=False)
        return pool

    @contextmanager
    def _connection(self) -> "Iterator[psycopg.Connection[Any]]":
        # While the database is known to be unreachable, fail at once instead of making every request
        # wait for a connection. After FAIL_FAST_S the next request starts a fresh pool, which connects
        # at once (an old pool would be waiting out its growing reconnect back-off): recovery is prompt
        # and automatic.
        if time.monotonic() < self._down_until:
            raise StorageUnavailable("the database was unreachable a moment ago")
        with self._pool_lock:
            pool = self._pool = self._pool or self._new_pool()
        try:
            with pool.connection() as conn:
                yield conn
        except psycopg.OperationalError as exc:  # down, restarting, unreachable, or the pool is exhausted
            # A pool timeout (no sqlstate) or a connection-class error means the server is out of reach.
            # With gunicorn's sync workers a process serves one request at a time, so its pool is never
            # exhausted by load alone.
            if exc.sqlstate is None or exc.sqlstate[:2] == "08" or exc.sqlstate in SERVER_GOING_AWAY:
                self._mark_down(pool)
            raise StorageUnavailable(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc

    def _mark_down(self, pool: ConnectionPool) -> None:
        self._down_until = time.monotonic() + FAIL_FAST_S
        with self._pool_lock:
            if self._pool is pool:
                self._pool = None
        pool.close(timeout=0)

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._connection() as conn:
            yield _Connection(conn)

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with self._connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            wrapped = _Connection(conn)
            yield wrapped
            self._mark_pending_key(wrapped)

    def ensure_schema(self) -> None:
        """Bring the schema to the newest Alembic revision (creating the PostGIS extension if needed)."""
        from geotour.storage import migrate

        try:
            self._require_extensions()
            migrate.upgrade(self)
        except Exception as exc:  # sqlalchemy wraps the driver's error
            orig = getattr(exc, "orig", None)
            if isinstance(orig, psycopg.OperationalError):
                raise StorageUnavailable(str(orig).splitlines()[0]) from exc
            raise

    def _require_extensions(self) -> None:
        """Create PostGIS and citext when this role may; else stop with what to run, and as whom."""
        with self._read() as conn:
            have = {row["extname"] for row in conn.execute("SELECT extname FROM pg_extension").fetchall()}
            missing = [name for name in REQUIRED_EXTENSIONS if name not in have]
            if not missing:
                return
            found = conn.execute(
                "SELECT current_database() AS db, current_user AS who, rolsuper FROM pg_roles"
                " WHERE rolname = current_user"
            ).fetchone()
        if found["rolsuper"]:
            return  # the first migration creates them
        creates = "; ".join(f"CREATE EXTENSION {name}" for name in missing)
        raise DatabaseNotReady(
            f"database {found['db']!r} lacks the {', '.join(missing)} extension(s), and role {found['who']!r} may "
            f"not create them: as a PostgreSQL superuser run  psql -d {found['db']} -c '{creates}'"
        )

    def _has_table(self, conn: Connection, name: str) -> bool:
        return conn.execute("SELECT to_regclass(?) IS NOT NULL", (name,)).fetchone()[0]

    def _put_projection(self, conn: Connection, record: FeatureRecord, origin: str, now: str) -> None:
        conn.execute("DELETE FROM features WHERE id = ?", (record.id,))
        values = projection_values(record, origin, now)
        conn.execute(
            f"INSERT INTO features ({PROJECTION_COLUMNS}, geom, position)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON(?)), 4326),"
            " ST_SetSRID(ST_MakePoint(?, ?), 4326)::geography)",
            (*values, values[7], record.lon, record.lat),
        )  # values[7]: the GeoJSON geometry text

    def _drop_projection(self, conn: Connection, feature_id: str) -> None:
        conn.execute("DELETE FROM features WHERE id = ?", (feature_id,))

    def _json_text(self, column: str, path: Sequence[str]) -> str:
        return f"({column}::jsonb #>> '{{{','.join(path)}}}')"

    def _bbox_filter(self, bbox: tuple[float, float, float, float]) -> tuple[str, str, list[Any]]:
        return "features f", "f.geom && ST_MakeEnvelope(?, ?, ?, ?, 4326)", list(bbox)

    def layer_stats(self) -> dict[str, dict[str, Any]]:
        """Return {layer_id: {"count", "bbox", "updated_at"}} for every layer that has features."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT layer, count(*), min(ST_XMin(geom)), min(ST_YMin(geom)), max(ST_XMax(geom)),"
                " max(ST_YMax(geom)), max(updated_at) FROM features GROUP BY layer"
            ).fetchall()
        return {
            row[0]: {"count": row[1], "bbox": [row[2], row[3], row[4], row[5]], "updated_at": row[6]}
            for row in rows
        }

    def _near_candidates(
        self,
        conn: Connection,
        lon: float,
        lat: float,
        ring_m: float,
        layers: Sequence[str],
        category: str | None,
        exclude_id: str | None,
        limit: int,
    ) -> list[Row]:
        """The `limit` features nearest to lon/lat within ring_m: ST_DWithin on the geography column
        (its GiST index), ordered by ST_Distance in the database, ties by id as on SQLite."""
        where, args = ["f.layer = ANY(?)", "ST_DWithin(f.position, o.g, ?)"], [list(layers), ring_m]
        if category:
            where.append("f.category = ?")
            args.append(category)
        if exclude_id:
            where.append("f.id <> ?")
            args.append(exclude_id)
        sql = (
            "WITH o AS (SELECT ST_SetSRID(ST_MakePoint(?, ?), 4326)::geography AS g)"
            " SELECT f.id, f.layer, f.geometry, f.properties, f.lon, f.lat FROM features f, o"
            f" WHERE {' AND '.join(where)} ORDER BY ST_Distance(f.position, o.g), f.id{self.TEXT_ORDER} LIMIT ?"
        )
        return conn.execute(sql, [lon, lat, *args, limit]).fetchall()

    def _line_candidates(
        self,
        conn: Connection,
        line: Sequence[Sequence[float]],
        radius_m: float,
        layers: Sequence[str],
        category: str | None,
    ) -> list[Row]:
        """Every feature within radius_m (and a metre, for rounding) of the line: ST_DWithin on the geography
        column, which uses its GiST index and measures on the spheroid."""
        sql = (
            "WITH o AS (SELECT ST_GeomFromGeoJSON(?)::geography AS g)"
            " SELECT f.id, f.layer, f.geometry, f.properties, f.lon, f.lat FROM features f, o"
            " WHERE f.layer = ANY(?) AND ST_DWithin(f.position, o.g, ?)"
            + (" AND f.category = ?" if category else "")
            + f" ORDER BY f.id{self.TEXT_ORDER}"
        )
        shape = json.dumps({"type": "LineString", "coordinates": [list(p[:2]) for p in line]})
        args = [shape, list(layers), radius_m + 1.0, *([category] if category else [])]
        return conn.execute(sql, args).fetchall()

    def _complete_rows(self, conn: Connection, rows: Sequence[Row]) -> list[Row]:
        return list(rows)  # the candidates are whole rows already

    def close(self) -> None:
        """Close every pooled connection."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
