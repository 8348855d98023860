"""SQLite storage: the embedded default. An R*Tree index answers bbox and radius pre-filters."""

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from geotour.domain import geodesy, routes
from geotour.domain.features import FeatureRecord
from geotour.storage import migrate
from geotour.storage.sql import SQLStorage
from geotour.storage.sql_versions import PROJECTION_COLUMNS, Connection, Row, projection_values


class SQLiteStorage(SQLStorage):
    """Features in one SQLite file; one connection per thread, WAL so readers never wait for a writer."""

    UNIQUE_VIOLATION = sqlite3.IntegrityError

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of this database (for Alembic)."""
        return f"sqlite:///{self.path}"

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        yield self._connection()

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            self._mark_pending_key(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def ensure_schema(self) -> None:
        """Bring the schema to the newest Alembic revision (WAL mode is set by the first migration)."""
        migrate.upgrade(self)

    def _has_table(self, conn: Connection, name: str) -> bool:
        return (
            conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
            is not None
        )

    def _put_projection(self, conn: Connection, record: FeatureRecord, origin: str, now: str) -> None:
        self._drop_projection(conn, record.id)
        rid = conn.execute(
            f"INSERT INTO features ({PROJECTION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING rid",
            projection_values(record, origin, now),
        ).fetchone()[0]
        min_lon, min_lat, max_lon, max_lat = record.bbox
        conn.execute(
            "INSERT INTO features_rtree VALUES (?, ?, ?, ?, ?)", (rid, min_lon, max_lon, min_lat, max_lat)
        )

    def _drop_projection(self, conn: Connection, feature_id: str) -> None:
        conn.execute(
            "DELETE FROM features_rtree WHERE rid IN (SELECT rid FROM features WHERE id = ?)", (feature_id,)
        )
        conn.execute("DELETE FROM features WHERE id = ?", (feature_id,))

    def _json_text(self, column: str, path: Sequence[str]) -> str:
        return f"json_extract({column}, '$.{'.'.join(path)}')"

    def _bbox_filter(self, bbox: tuple[float, float, float, float]) -> tuple[str, str, list[Any]]:
        return (
            "features_rtree r CROSS JOIN features f ON f.rid = r.rid",
            "r.max_lon >= ? AND r.min_lon <= ? AND r.max_lat >= ? AND r.min_lat <= ?",
            [bbox[0], bbox[2], bbox[1], bbox[3]],
        )

    def layer_stats(self) -> dict[str, dict[str, Any]]:
        """Return {layer_id: {"count", "bbox", "updated_at"}} for every layer that has features."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT f.layer, count(*) AS n, min(r.min_lon), min(r.min_lat), max(r.max_lon), max(r.max_lat),"
                " max(f.updated_at) FROM features f JOIN features_rtree r ON r.rid = f.rid GROUP BY f.layer"
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
        """Every feature whose point lies in the box around the ring (the R*Tree answers it)."""
        min_lon, min_lat, max_lon, max_lat = geodesy.search_bbox(lon, lat, ring_m)
        sql = (
            # CROSS JOIN makes SQLite walk the R*Tree first, instead of every feature of the layer.
            "SELECT f.id, f.lon, f.lat FROM features_rtree r CROSS JOIN features f ON f.rid = r.rid"
            " WHERE r.max_lon >= ? AND r.min_lon <= ? AND r.max_lat >= ? AND r.min_lat <= ?"
            f" AND f.layer IN ({','.join('?' * len(layers))})"
        )
        args = [min_lon, max_lon, min_lat, max_lat, *layers]
        if category:
            sql += " AND f.category = ?"
            args.append(category)
        if exclude_id:
            sql += " AND f.id != ?"
            args.append(exclude_id)
        return conn.execute(sql + " ORDER BY f.id", args).fetchall()

    def _line_candidates(
        self,
        conn: Connection,
        line: Sequence[Sequence[float]],
        radius_m: float,
        layers: Sequence[str],
        category: str | None,
    ) -> list[Row]:
        """Every feature whose point lies in one of the boxes along the line (the R*Tree answers each)."""
        found: dict[str, Row] = {}
        sql = (
            "SELECT f.id, f.lon, f.lat FROM features_rtree r CROSS JOIN features f ON f.rid = r.rid"
            " WHERE r.max_lon >= ? AND r.min_lon <= ? AND r.max_lat >= ? AND r.min_lat <= ?"
            f" AND f.layer IN ({','.join('?' * len(layers))})" + (" AND f.category = ?" if category else "")
        )
        for west, south, east, north in routes.line_boxes(line, radius_m):
            for row in conn.execute(
                sql, [west, east, south, north, *layers, *([category] if category else [])]
            ):
                found.setdefault(row["id"], row)
        return [found[key] for key in sorted(found)]

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
