"""Load many synthetic MSMEs fast, for benchmarks only (the app itself always writes through Storage).

Rows are written straight into the same tables the app reads (features, and the R*Tree in SQLite or the
geometry/geography columns in PostGIS), replacing the layer's features, in one transaction.
"""

import json

from geotour.domain.features import fold
from geotour.storage.sql_versions import bump_data_version

from .synthetic import random_points

CATEGORIES = ("kuliner", "penginapan", "oleh-oleh", "kerajinan", "jasa-wisata", "transportasi")
NOW = "2026-11-29T00:00:00Z"


def rows(count, seed=1):
    """Yield (id, category, name, search_text, lon, lat, geometry, properties) for `count` MSMEs."""
    lons, lats = random_points(count, seed)
    for i in range(count):
        lon, lat = round(float(lons[i]), 6), round(float(lats[i]), 6)
        name, category = f"Warung {i}", CATEGORIES[i % len(CATEGORIES)]
        properties = {"id": f"bench-{i}", "name": name, "category": category, "sample": True}
        yield (
            f"bench-{i}",
            category,
            name,
            fold(name),
            lon,
            lat,
            json.dumps({"type": "Point", "coordinates": [lon, lat]}),
            json.dumps(properties),
        )


def load_sqlite(storage, count, seed=1):
    """Replace the msmes layer of a SQLiteStorage with `count` synthetic MSMEs."""
    with storage._transaction() as conn:
        conn.execute(
            "DELETE FROM features_rtree WHERE rid IN (SELECT rid FROM features WHERE layer = 'msmes')"
        )
        conn.execute("DELETE FROM features WHERE layer = 'msmes'")
        start = conn.execute("SELECT coalesce(max(rid), 0) FROM features").fetchone()[0] + 1
        batch = []
        for offset, row in enumerate(rows(count, seed)):
            batch.append((start + offset, *row))
            if len(batch) == 50_000:
                _sqlite_batch(conn, batch)
                batch = []
        _sqlite_batch(conn, batch)
        bump_data_version(conn)


def _sqlite_batch(conn, batch):
    conn.executemany(
        "INSERT INTO features (rid, id, layer, category, name, search_text, lon, lat, geometry,"
        " properties, origin, updated_at) VALUES (?, ?, 'msmes', ?, ?, ?, ?, ?, ?, ?, 'seed', ?)",
        [(*row, NOW) for row in batch],
    )
    conn.executemany(
        "INSERT INTO features_rtree VALUES (?, ?, ?, ?, ?)",
        [(row[0], row[5], row[5], row[6], row[6]) for row in batch],
    )


def load_postgres(url, count, seed=1):
    """Replace the msmes layer of a PostgreSQL database with `count` synthetic MSMEs (COPY, then index)."""
    import psycopg

    from geotour.storage.postgres import conninfo

    with psycopg.connect(conninfo(url)) as conn:
        conn.execute("DELETE FROM features WHERE layer = 'msmes'")
        conn.execute("DROP INDEX IF EXISTS features_geom")
        conn.execute("DROP INDEX IF EXISTS features_position")
        with conn.cursor().copy(
            "COPY features (id, layer, category, name, search_text, lon, lat, geometry, properties, origin,"
            " updated_at, geom, position) FROM STDIN"
        ) as copy:
            for fid, category, name, search, lon, lat, geometry, properties in rows(count, seed):
                point = f"SRID=4326;POINT({lon} {lat})"
                copy.write_row(
                    (
                        fid,
                        "msmes",
                        category,
                        name,
                        search,
                        lon,
                        lat,
                        geometry,
                        properties,
                        "seed",
                        NOW,
                        point,
                        point,
                    )
                )
        conn.execute("CREATE INDEX features_geom ON features USING gist (geom)")
        conn.execute("CREATE INDEX features_position ON features USING gist (position)")
        bump_data_version(conn)
        conn.commit()
        conn.autocommit = True  # VACUUM runs outside a transaction
        conn.execute("VACUUM ANALYZE features")
