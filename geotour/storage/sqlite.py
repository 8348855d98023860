"""SQLite storage: the embedded default. An R*Tree index answers bbox and radius pre-filters."""
import json
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

from .. import nearby
from ..features import fold
from . import Storage
from .sqlite_contributions import SQLiteContributions
from .sqlite_versions import append_version, bump_data_version, drop_projection, feature_json, now_utc, put_projection

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
CREATE TABLE IF NOT EXISTS feature_versions (
    feature_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    layer TEXT NOT NULL,
    feature TEXT,
    action TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by INTEGER,
    submission_id INTEGER,
    note TEXT,
    PRIMARY KEY (feature_id, version)
);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    batch TEXT,
    user_id INTEGER NOT NULL REFERENCES users(id),
    action TEXT NOT NULL,
    layer TEXT NOT NULL,
    feature_id TEXT NOT NULL,
    base_version INTEGER,
    feature TEXT,
    flags TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    created_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by INTEGER REFERENCES users(id)
);
CREATE INDEX IF NOT EXISTS submissions_status ON submissions(status, id);
CREATE INDEX IF NOT EXISTS submissions_user ON submissions(user_id, id);
"""


def _like_pattern(text):
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _feature(row, properties=None):
    props = json.loads(row["properties"])
    if properties is not None:
        props = {k: v for k, v in props.items() if k in properties or k == "id"}
    props["layer"] = row["layer"]
    return {"type": "Feature", "id": row["id"], "geometry": json.loads(row["geometry"]), "properties": props}


def _same_content(row, record):
    return (json.loads(row["geometry"]) == record.geometry
            and json.loads(row["properties"]) == record.properties)


class SQLiteStorage(SQLiteContributions, Storage):
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
            stored = {row["id"]: row for row in conn.execute(
                "SELECT id, origin, geometry, properties FROM features WHERE layer = ?", (layer_id,))}
            for record in records:
                row = stored.pop(record.id, None)
                if row is not None and (row["origin"] != "seed" or _same_content(row, record)):
                    continue
                put_projection(conn, record, "seed", now)
                append_version(conn, record.id, layer_id, feature_json(record), "seed", now)
                changed = True
            for gone in (fid for fid, row in stored.items() if row["origin"] == "seed"):
                drop_projection(conn, gone)
                append_version(conn, gone, layer_id, None, "seed", now, note="no longer in the seed file")
                changed = True
            conn.execute("INSERT OR REPLACE INTO seeds VALUES (?, ?, ?)", (layer_id, seed_hash, now))
            if changed:
                bump_data_version(conn)
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
