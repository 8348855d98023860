"""SQLite storage: the embedded default. An R*Tree index answers bbox and radius pre-filters."""
import json
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from .. import nearby
from ..features import fold
from . import Storage

SCHEMA = """
CREATE TABLE IF NOT EXISTS features (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    layer TEXT NOT NULL,
    category TEXT,
    name TEXT NOT NULL,
    search_text TEXT NOT NULL,
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    geometry TEXT NOT NULL,
    properties TEXT NOT NULL,
    origin TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS features_layer_category ON features(layer, category);
CREATE VIRTUAL TABLE IF NOT EXISTS features_rtree USING rtree(rid, min_lon, max_lon, min_lat, max_lat);
CREATE TABLE IF NOT EXISTS seeds (layer TEXT PRIMARY KEY, seed_hash TEXT NOT NULL, loaded_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES ('data_version', '0');
"""


def _now():
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _like_pattern(text):
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _feature(row, properties=None):
    props = json.loads(row["properties"])
    if properties is not None:
        props = {k: v for k, v in props.items() if k in properties or k == "id"}
    props["layer"] = row["layer"]
    return {"type": "Feature", "id": row["id"], "geometry": json.loads(row["geometry"]), "properties": props}


class SQLiteStorage(Storage):
    """Features in one SQLite file; one connection per thread, WAL so readers never wait for a writer."""

    def __init__(self, path):
        self.path = str(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()

    def _connection(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    @contextmanager
    def _transaction(self):
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def ensure_schema(self):
        """Create tables and indexes if they do not exist."""
        self._connection().executescript(SCHEMA)

    def seed_hash(self, layer_id):
        """Return the hash of the seed file last loaded into this layer, or None."""
        row = self._connection().execute("SELECT seed_hash FROM seeds WHERE layer = ?", (layer_id,)).fetchone()
        return row["seed_hash"] if row else None

    def replace_seed_layer(self, layer_id, records, seed_hash):
        """Replace the seed features of one layer with `records`, in one transaction."""
        now = _now()
        with self._transaction() as conn:
            current = conn.execute("SELECT seed_hash FROM seeds WHERE layer = ?", (layer_id,)).fetchone()
            if current is not None and current[0] == seed_hash:
                return False  # another process loaded the same file first
            old = "SELECT rid FROM features WHERE layer = ? AND origin = 'seed'"
            conn.execute(f"DELETE FROM features_rtree WHERE rid IN ({old})", (layer_id,))
            conn.execute("DELETE FROM features WHERE layer = ? AND origin = 'seed'", (layer_id,))
            for record in records:
                cursor = conn.execute(
                    "INSERT INTO features (id, layer, category, name, search_text, lon, lat, geometry,"
                    " properties, origin, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'seed', ?)",
                    (record.id, layer_id, record.category, record.name, record.search_text, record.lon,
                     record.lat, json.dumps(record.geometry), json.dumps(record.properties, ensure_ascii=False), now),
                )
                min_lon, min_lat, max_lon, max_lat = record.bbox
                conn.execute("INSERT INTO features_rtree VALUES (?, ?, ?, ?, ?)",
                             (cursor.lastrowid, min_lon, max_lon, min_lat, max_lat))
            conn.execute("INSERT OR REPLACE INTO seeds VALUES (?, ?, ?)", (layer_id, seed_hash, now))
            conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'data_version'")
        return True

    def data_version(self):
        """Return a string that changes whenever any feature changes."""
        return self._connection().execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()[0]

    def layer_stats(self):
        """Return {layer_id: {"count", "bbox", "updated_at"}} for every layer that has features."""
        rows = self._connection().execute(
            "SELECT f.layer, count(*) AS n, min(r.min_lon), min(r.min_lat), max(r.max_lon), max(r.max_lat),"
            " max(f.updated_at) FROM features f JOIN features_rtree r ON r.rid = f.rid GROUP BY f.layer"
        ).fetchall()
        return {
            row[0]: {"count": row[1], "bbox": [row[2], row[3], row[4], row[5]], "updated_at": row[6]}
            for row in rows
        }

    def query_layer(self, layer_id, query):
        """Return (features, number_matched) for a LayerQuery."""
        where, args = ["f.layer = ?"], [layer_id]
        source = "features f"
        if query.bbox:
            source = "features_rtree r CROSS JOIN features f ON f.rid = r.rid"
            where.append("r.max_lon >= ? AND r.min_lon <= ? AND r.max_lat >= ? AND r.min_lat <= ?")
            args += [query.bbox[0], query.bbox[2], query.bbox[1], query.bbox[3]]
        if query.category:
            where.append("f.category = ?")
            args.append(query.category)
        if query.q:
            where.append("f.search_text LIKE ? ESCAPE '\\'")
            args.append(_like_pattern(fold(query.q)))
        sql_where = " AND ".join(where)
        conn = self._connection()
        matched = conn.execute(f"SELECT count(*) FROM {source} WHERE {sql_where}", args).fetchone()[0]
        rows = conn.execute(
            f"SELECT f.* FROM {source} WHERE {sql_where} ORDER BY f.name, f.id LIMIT ? OFFSET ?",
            args + [query.limit, query.offset],
        ).fetchall()
        return [_feature(row, query.properties) for row in rows], matched

    def get_feature(self, feature_id):
        """Return one feature as a GeoJSON dict, or None."""
        row = self._connection().execute("SELECT * FROM features WHERE id = ?", (feature_id,)).fetchone()
        return _feature(row) if row else None

    def features_near(self, lon, lat, radius_m, layers, category=None, limit=20, exclude_id=None):
        """Return [(feature, Hit)] within radius_m of lon/lat in `layers`, nearest first."""
        min_lon, min_lat, max_lon, max_lat = nearby.search_bbox(lon, lat, radius_m)
        marks = ",".join("?" * len(layers))
        sql = (
            # CROSS JOIN makes SQLite walk the R*Tree first, instead of every feature of the layer.
            "SELECT f.rid, f.lon, f.lat FROM features_rtree r CROSS JOIN features f ON f.rid = r.rid"
            " WHERE r.max_lon >= ? AND r.min_lon <= ? AND r.max_lat >= ? AND r.min_lat <= ?"
            f" AND f.layer IN ({marks})"
        )
        args = [min_lon, max_lon, min_lat, max_lat, *layers]
        if category:
            sql += " AND f.category = ?"
            args.append(category)
        if exclude_id:
            sql += " AND f.id != ?"
            args.append(exclude_id)
        conn = self._connection()
        candidates = conn.execute(sql, args).fetchall()
        hits = nearby.rank_within(lon, lat, [c[1] for c in candidates], [c[2] for c in candidates], radius_m, limit)
        if not hits:
            return []
        rids = [candidates[hit.index][0] for hit in hits]
        rows = conn.execute(f"SELECT * FROM features WHERE rid IN ({','.join('?' * len(rids))})", rids).fetchall()
        by_rid = {row["rid"]: row for row in rows}
        return [(_feature(by_rid[rid]), hit) for rid, hit in zip(rids, hits)]

    def close(self):
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
