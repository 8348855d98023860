"""What both SQL backends share: seeding, the data version, layer queries and feature rows.

A backend gives a connection for reads (`_read`) and one for a write transaction (`_transaction`),
whose `execute(sql, args)` takes `?` placeholders, and writes the published projection its own way
(an R*Tree in SQLite, geometry columns in PostGIS). Everything else is the same SQL on both.
"""

import json
from abc import abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

from geotour.domain import geodesy, routes
from geotour.domain.features import Feature, FeatureRecord, fold, stored_photo_ids
from geotour.domain.geodesy import Hit
from geotour.domain.layers import LayerQuery
from geotour.domain.moments import now_utc
from geotour.storage import Storage, StorageUnavailable
from geotour.storage.sql_alerts import SQLAlerts
from geotour.storage.sql_contributions import SQLContributions
from geotour.storage.sql_counts import SQLCounts
from geotour.storage.sql_files import SQLFiles
from geotour.storage.sql_idempotency import SQLIdempotency
from geotour.storage.sql_reports import SQLReports
from geotour.storage.sql_versions import Connection, Row, append_version, bump_data_version, feature_json


def like_pattern(text: str) -> str:
    """Return a LIKE pattern matching `text` anywhere, with LIKE's wildcards escaped (ESCAPE '\\')."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def feature_from_row(row: Row, properties: Sequence[str] | None = None) -> Feature:
    """Return a features-table row as a GeoJSON Feature (only `properties` when given, plus id and layer)."""
    props = json.loads(row["properties"])
    if properties is not None:
        props = {k: v for k, v in props.items() if k in properties or k == "id"}
    props["layer"] = row["layer"]
    return {"type": "Feature", "id": row["id"], "geometry": json.loads(row["geometry"]), "properties": props}


def _same_content(row: Row, record: FeatureRecord) -> bool:
    return (
        json.loads(row["geometry"]) == record.geometry and json.loads(row["properties"]) == record.properties
    )


FIRST_RING_M = 250
RING_GROWTH = 4


class SQLStorage(SQLContributions, SQLIdempotency, SQLFiles, SQLAlerts, SQLReports, SQLCounts, Storage):
    """The shared part of the SQLite and PostgreSQL storages."""

    #: appended to text columns in ORDER BY, so both backends sort names byte by byte
    TEXT_ORDER = ""
    #: the driver's exception for a unique constraint
    UNIQUE_VIOLATION: type[Exception] = Exception
    _last_data_version = None

    @abstractmethod
    def _read(self) -> AbstractContextManager[Connection]:
        """Return a context manager giving a connection for reads."""

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[Connection]:
        """Return a context manager giving a connection inside one write transaction."""

    @abstractmethod
    def _put_projection(self, conn: Connection, record: FeatureRecord, origin: str, now: str) -> None:
        """Make `record` the published state of its feature."""

    @abstractmethod
    def _drop_projection(self, conn: Connection, feature_id: str) -> None:
        """Take a feature off the public layers (its versions stay)."""

    def _project(self, conn: Connection, record: FeatureRecord, origin: str, now: str) -> None:
        """Publish `record`: its projection, and the photos it shows (public from now on)."""
        self._put_projection(conn, record, origin, now)
        conn.execute("DELETE FROM published_photos WHERE feature_id = ?", (record.id,))
        for photo_id in sorted(stored_photo_ids(record.properties)):
            conn.execute(
                "INSERT INTO published_photos (photo_id, feature_id) VALUES (?, ?)", (photo_id, record.id)
            )

    def _unproject(self, conn: Connection, feature_id: str) -> None:
        """Take a feature off the public layers, and its photos with it (unless another feature shows them)."""
        self._drop_projection(conn, feature_id)
        conn.execute("DELETE FROM published_photos WHERE feature_id = ?", (feature_id,))

    @abstractmethod
    def _json_text(self, column: str, path: Sequence[str]) -> str:
        """Return SQL reading the text at a path of a JSON text column (NULL when it is missing)."""

    @abstractmethod
    def _bbox_filter(self, bbox: tuple[float, float, float, float]) -> tuple[str, str, list[Any]]:
        """Return (from clause, where clause, args) selecting features whose extent meets a bbox."""

    @abstractmethod
    def _has_table(self, conn: Connection, name: str) -> bool:
        """Tell whether a table exists."""

    @abstractmethod
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
        """Return rows (with id, lon, lat) that may lie within ring_m of lon/lat, ties in id order."""

    @abstractmethod
    def _line_candidates(
        self,
        conn: Connection,
        line: Sequence[Sequence[float]],
        radius_m: float,
        layers: Sequence[str],
        category: str | None,
    ) -> list[Row]:
        """Return rows (with id, lon, lat) of `category` (any, when None) that may lie within radius_m of the
        line, each once."""

    def _complete_rows(self, conn: Connection, rows: Sequence[Row]) -> list[Row]:
        """Return full feature rows for candidate rows (a backend whose candidates are full returns them)."""
        full = self._rows_by_id(conn, [row["id"] for row in rows])
        return [full[row["id"]] for row in rows]

    def features_near(
        self,
        lon: float,
        lat: float,
        radius_m: float,
        layers: Sequence[str],
        category: str | None = None,
        limit: int = 20,
        exclude_id: str | None = None,
    ) -> list[tuple[Feature, Hit]]:
        """Return [(feature, Hit)] within radius_m of lon/lat in `layers`, nearest first (ties by id).

        The search starts with a small ring and widens it 4× at a time until the ring holds `limit`
        features or reaches radius_m. Whatever lies outside a ring is farther than everything inside,
        so once a ring holds `limit` features they are the nearest ones: the work stays near `limit`
        candidates however dense the data (1M businesses) or large the radius.
        """
        ring = min(radius_m, FIRST_RING_M)
        with self._read() as conn:
            while True:
                rows = self._near_candidates(conn, lon, lat, ring, layers, category, exclude_id, limit)
                hits = geodesy.rank_within(
                    lon, lat, [row["lon"] for row in rows], [row["lat"] for row in rows], ring, limit
                )
                if len(hits) >= limit or ring >= radius_m:
                    break
                ring = min(radius_m, ring * RING_GROWTH)
            found = self._complete_rows(conn, [rows[hit.index] for hit in hits])
        return [(feature_from_row(row), hit) for row, hit in zip(found, hits, strict=True)]

    def features_near_line(
        self,
        line: Sequence[Sequence[float]],
        radius_m: float,
        layers: Sequence[str],
        limit: int = 50,
        category: str | None = None,
    ) -> list[tuple[Feature, float, float]]:
        """Return [(feature, metres from the line, metres along it)] of the `limit` features nearest to the
        line within radius_m, in the order they come along it. The backend finds candidates with its index;
        the metres are measured here on the ellipsoid (routes.distances_to_line), the same on both."""
        with self._read() as conn:
            rows = self._line_candidates(conn, line, radius_m, layers, category)
            away, along = routes.distances_to_line(line, [r["lon"] for r in rows], [r["lat"] for r in rows])
            inside = [i for i in range(len(rows)) if away[i] <= radius_m]
            nearest = sorted(inside, key=lambda i: (away[i], rows[i]["id"]))[:limit]
            chosen = sorted(nearest, key=lambda i: (along[i], rows[i]["id"]))
            found = self._complete_rows(conn, [rows[i] for i in chosen])
        return [
            (feature_from_row(row), float(away[i]), float(along[i]))
            for row, i in zip(found, chosen, strict=True)
        ]

    def schema_revision(self) -> str | None:
        """Return the Alembic revision the schema is at, or None when there is none yet."""
        with self._read() as conn:
            if not self._has_table(conn, "alembic_version"):
                return None
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None

    def seed_hash(self, layer_id: str) -> str | None:
        """Return the hash of the seed file last loaded into this layer, or None."""
        with self._read() as conn:
            row = conn.execute("SELECT seed_hash FROM seeds WHERE layer = ?", (layer_id,)).fetchone()
        return row["seed_hash"] if row else None

    def replace_seed_layer(self, layer_id: str, records: Sequence[FeatureRecord], seed_hash: str) -> bool:
        """Bring one layer's seed features in line with `records`, in one transaction.

        Only what changed is written, and each change is a new version: a feature gone from the file gets a
        "deleted" version. Features a moderator has published since are the community's now and are kept.
        """
        now = now_utc()
        with self._transaction() as conn:
            current = conn.execute("SELECT seed_hash FROM seeds WHERE layer = ?", (layer_id,)).fetchone()
            if current is not None and current[0] == seed_hash:
                return False  # another process loaded the same file first
            changed = False
            stored = {
                row["id"]: row
                for row in conn.execute(
                    "SELECT id, origin, geometry, properties FROM features WHERE layer = ?", (layer_id,)
                )
            }
            for record in records:
                row = stored.pop(record.id, None)
                if row is not None and (row["origin"] != "seed" or _same_content(row, record)):
                    continue
                self._project(conn, record, "seed", now)
                append_version(conn, record.id, layer_id, feature_json(record), "seed", now)
                changed = True
            for gone in (fid for fid, row in stored.items() if row["origin"] == "seed"):
                self._unproject(conn, gone)
                append_version(conn, gone, layer_id, None, "seed", now, note="no longer in the seed file")
                changed = True
            conn.execute(
                "INSERT INTO seeds (layer, seed_hash, loaded_at) VALUES (?, ?, ?) ON CONFLICT (layer)"
                " DO UPDATE SET seed_hash = excluded.seed_hash, loaded_at = excluded.loaded_at",
                (layer_id, seed_hash, now),
            )
            if changed:
                bump_data_version(conn)
        return True

    def data_version(self, allow_stale: bool = False) -> str:
        """Return a string that changes whenever any feature changes.

        With allow_stale, a database that cannot be reached gives the last version this process read,
        so responses already cached for it can still be served; without one, StorageUnavailable.
        """
        try:
            with self._read() as conn:
                version = conn.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()[0]
        except StorageUnavailable:
            if allow_stale and self._last_data_version is not None:
                return self._last_data_version
            raise
        self._last_data_version = version
        return version

    def snapshot_token(self) -> str:
        """Return "<data version>-<data tag>", both read at once (the tag is drawn anew with each version)."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT key, value FROM meta WHERE key IN ('data_version', 'data_tag')"
            ).fetchall()
        values = {row[0]: row[1] for row in rows}
        return f"{values['data_version']}-{values['data_tag']}"

    def time_extent(self, layer_id: str) -> tuple[str | None, str | None]:
        """The earliest start and latest end of a layer's events (geotour.domain.events: every moment is stored
        in WIB the same way, so texts compare as times)."""
        starts, ends = (self._json_text("properties", (key,)) + self.TEXT_ORDER for key in ("starts", "ends"))
        with self._read() as conn:
            row = conn.execute(
                f"SELECT min({starts}), max({ends}) FROM features WHERE layer = ?", [layer_id]
            ).fetchone()
        return row[0], row[1]

    def query_layer(self, layer_id: str, query: LayerQuery) -> tuple[list[Feature], int]:
        """Return (features, number_matched) for a LayerQuery."""
        source, where, args = "features f", ["f.layer = ?"], [layer_id]
        if query.bbox:
            source, bbox_where, bbox_args = self._bbox_filter(query.bbox)
            where.append(bbox_where)
            args += bbox_args
        if query.category:
            where.append("f.category = ?")
            args.append(query.category)
        if query.q:
            where.append("f.search_text LIKE ? ESCAPE '\\'")
            args.append(like_pattern(fold(query.q)))
        if query.partner_on:  # geotour.domain.partners: granted on or before the day, expiring on or after it
            granted, expires = (
                self._json_text("f.properties", ("partner", key)) for key in ("granted", "expires")
            )
            where.append(f"{granted} <= ? AND {expires} >= ?")
            args += [query.partner_on, query.partner_on]
        if (
            query.during
        ):  # geotour.domain.events: every moment is stored in WIB the same way, so texts compare
            low, high = query.during
            if high is not None:
                where.append(f"{self._json_text('f.properties', ('starts',))}{self.TEXT_ORDER} <= ?")
                args.append(high)
            if low is not None:
                where.append(f"{self._json_text('f.properties', ('ends',))}{self.TEXT_ORDER} >= ?")
                args.append(low)
        sql_where = " AND ".join(where)
        order = f"f.name{self.TEXT_ORDER}, f.id{self.TEXT_ORDER}"
        with self._read() as conn:
            matched = conn.execute(f"SELECT count(*) FROM {source} WHERE {sql_where}", args).fetchone()[0]
            rows = conn.execute(
                f"SELECT f.id, f.layer, f.geometry, f.properties FROM {source} WHERE {sql_where}"
                f" ORDER BY {order} LIMIT ? OFFSET ?",
                args + [query.limit, query.offset],
            ).fetchall()
        return [feature_from_row(row, query.properties) for row in rows], matched

    def get_feature(self, feature_id: str) -> Feature | None:
        """Return one feature as a GeoJSON dict, or None."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT id, layer, geometry, properties FROM features WHERE id = ?", (feature_id,)
            ).fetchone()
        return feature_from_row(row) if row else None

    def _rows_by_id(self, conn: Connection, ids: Sequence[str]) -> dict[str, Row]:
        """Return {id: row} for features with these ids."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = conn.execute(
            f"SELECT id, layer, geometry, properties FROM features WHERE id IN ({marks})", list(ids)
        ).fetchall()
        return {row["id"]: row for row in rows}
