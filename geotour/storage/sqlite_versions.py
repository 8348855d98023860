"""Rows shared by the SQLite storage parts: the published projection, versions and the data version.

The features table is only a projection of each feature's newest version, kept for fast reads; the
versions are the record. Nothing is overwritten there or deleted.
"""
import json
from datetime import datetime, timezone


def now_utc():
    """Return the current UTC time as an ISO 8601 string to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def feature_json(record):
    """Return the GeoJSON text a version keeps for a FeatureRecord."""
    return json.dumps({"type": "Feature", "id": record.id, "geometry": record.geometry,
                       "properties": record.properties}, ensure_ascii=False)


def put_projection(conn, record, origin, now):
    """Make `record` the published state of its feature (the features table is what the public reads)."""
    drop_projection(conn, record.id)
    cursor = conn.execute(
        "INSERT INTO features (id, layer, category, name, search_text, lon, lat, geometry,"
        " properties, origin, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (record.id, record.layer, record.category, record.name, record.search_text, record.lon, record.lat,
         json.dumps(record.geometry), json.dumps(record.properties, ensure_ascii=False), origin, now),
    )
    min_lon, min_lat, max_lon, max_lat = record.bbox
    conn.execute("INSERT INTO features_rtree VALUES (?, ?, ?, ?, ?)", (cursor.lastrowid, min_lon, max_lon, min_lat, max_lat))


def drop_projection(conn, feature_id):
    """Take a feature off the public layers (its versions stay)."""
    conn.execute("DELETE FROM features_rtree WHERE rid IN (SELECT rid FROM features WHERE id = ?)", (feature_id,))
    conn.execute("DELETE FROM features WHERE id = ?", (feature_id,))


def append_version(conn, feature_id, layer_id, feature, action, now, user_id=None, submission_id=None, note=None):
    """Add the next version of a feature (feature=None records a deletion); return its number."""
    latest = conn.execute("SELECT max(version) FROM feature_versions WHERE feature_id = ?", (feature_id,)).fetchone()[0]
    version = (latest or 0) + 1
    conn.execute("INSERT INTO feature_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (feature_id, version, layer_id, feature, action, now, user_id, submission_id, note))
    return version


def bump_data_version(conn):
    """Change the data version, so every cache keyed on it misses."""
    conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'data_version'")
