"""Rows shared by both SQL backends: versions, the data version and the text kept for each version.

The features table is only a projection of each feature's newest version, kept for fast reads; the
versions are the record. Nothing is overwritten there or deleted. The SQL here runs unchanged on
SQLite and PostgreSQL (the PostgreSQL connection turns `?` into its own placeholder).
"""

import json
import secrets
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from geotour.domain.features import FeatureRecord


class Row(Protocol):
    """A result row, read by column name or position: sqlite3.Row, or postgres._Row."""

    def __getitem__(self, key: str | int, /) -> Any: ...


class Connection(Protocol):
    """A connection as the SQL here uses it: sqlite3's, or postgres._Connection (psycopg's, taking `?`)."""

    def execute(self, sql: str, args: Sequence[Any] = (), /) -> Any: ...


def feature_json(record: FeatureRecord) -> str:
    """Return the GeoJSON text a version keeps for a FeatureRecord."""
    return json.dumps(
        {"type": "Feature", "id": record.id, "geometry": record.geometry, "properties": record.properties},
        ensure_ascii=False,
    )


def projection_values(record: FeatureRecord, origin: str, now: str) -> tuple[Any, ...]:
    """Return the features-table values for a record, in the column order both schemas share."""
    return (
        record.id,
        record.layer,
        record.category,
        record.name,
        record.search_text,
        record.lon,
        record.lat,
        json.dumps(record.geometry),
        json.dumps(record.properties, ensure_ascii=False),
        origin,
        now,
    )


PROJECTION_COLUMNS = (
    "id, layer, category, name, search_text, lon, lat, geometry, properties, origin, updated_at"
)


def append_version(
    conn: Connection,
    feature_id: str,
    layer_id: str,
    feature: str | None,
    action: str,
    now: str,
    user_id: int | None = None,
    submission_id: int | None = None,
    note: str | None = None,
) -> int:
    """Add the next version of a feature (feature=None records a deletion); return its number."""
    latest = conn.execute(
        "SELECT max(version) FROM feature_versions WHERE feature_id = ?", (feature_id,)
    ).fetchone()[0]
    version = (latest or 0) + 1
    conn.execute(
        "INSERT INTO feature_versions (feature_id, version, layer, feature, action, created_at, created_by,"
        " submission_id, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (feature_id, version, layer_id, feature, action, now, user_id, submission_id, note),
    )
    return version


def data_version_bump() -> list[str]:
    """Return the statements that change the data version and draw a new data tag with it.

    The tag is a literal (hex digits we drew), not a placeholder: bench/bulk.py runs these on a raw psycopg
    connection, and a migration with Alembic's op.execute.
    """
    return [
        "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'data_version'",
        f"UPDATE meta SET value = '{secrets.token_hex(4)}' WHERE key = 'data_tag'",
    ]


def bump_data_version(conn: Connection) -> None:
    """Change the data version, so every cache keyed on it misses, and draw a new data tag with it."""
    for statement in data_version_bump():
        conn.execute(statement)


class SQLParts:
    """What the SQL mixins (contributions, idempotency, files) use of the storage they are part of; SQLStorage
    and its backends provide each one. Declared here so that the mixins type-check on their own."""

    UNIQUE_VIOLATION: type[Exception] = Exception
    TEXT_ORDER = ""

    def _read(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def setting(self, key: str) -> Any:
        """Return an office setting kept in the database (JSON), or None when never set."""
        with self._read() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row is not None else None

    def put_setting(self, key: str, value: Any) -> None:
        """Keep an office setting (JSON) in the database, shared by every machine."""
        text = json.dumps(value, ensure_ascii=False)
        with self._transaction() as conn:
            if (
                conn.execute("UPDATE meta SET value = ? WHERE key = ? RETURNING key", (text, key)).fetchone()
                is None
            ):
                conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, text))

    def _transaction(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def _project(self, conn: Connection, record: FeatureRecord, origin: str, now: str) -> None:
        raise NotImplementedError

    def _unproject(self, conn: Connection, feature_id: str) -> None:
        raise NotImplementedError
