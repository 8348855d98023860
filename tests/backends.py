"""Which database and cache the suite runs on.

By default every test app gets its own SQLite file and an in-process cache (the embedded default).
With GEOTOUR_TEST_DATABASE_URL (postgresql+psycopg://...) and GEOTOUR_TEST_CACHE_URL (redis://...) set,
as `.ci/run`'s second pass does, every test app gets its own PostgreSQL database, copied from a
template that is migrated and seeded once, and its own key prefix in the shared Redis.
"""

import os
import uuid

PG_URL = os.environ.get("GEOTOUR_TEST_DATABASE_URL", "")
PG_ADMIN_URL = os.environ.get("GEOTOUR_TEST_PG_ADMIN_URL", "")
REDIS_URL = os.environ.get("GEOTOUR_TEST_CACHE_URL", "")
# One template per pytest-xdist worker (gw0, gw1, …), so that workers never drop each other's
TEMPLATE = f"geotour_template_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def on_postgres():
    """Tell whether this run puts test apps on PostgreSQL."""
    return bool(PG_URL)


def _admin(sql):
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def pg_url(database):
    """Return the URL of another database on the test server."""
    return PG_URL.rsplit("/", 1)[0] + "/" + database


def make_template(data_dir, instance):
    """Create the template database: migrated and seeded from data_dir, with no connection left open."""
    from geotour import create_app

    _admin(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
    _admin(f"CREATE DATABASE {TEMPLATE}")
    app = create_app(
        {
            "INSTANCE_PATH": instance,
            "GEOTOUR_DATA_DIR": str(data_dir),
            "TESTING": True,
            "GEOTOUR_DATABASE_URL": pg_url(TEMPLATE),
            "GEOTOUR_CACHE_URL": "simple",
        }
    )
    app.extensions["geotour"].storage.close()


def new_database():
    """Create a fresh database from the template; return its name."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    _admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    return name


def drop_database(name):
    """Drop a test database, closing any connection still open to it."""
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def backend_config(name):
    """Return config overrides putting one test app on the database `name` and its own Redis prefix."""
    config = {"GEOTOUR_DATABASE_URL": pg_url(name)}
    if REDIS_URL:
        config.update(GEOTOUR_CACHE_URL=REDIS_URL, GEOTOUR_CACHE_PREFIX=f"{name}:")
    return config


def run_sql(app, *statements):
    """Run SQL statements on a test app's own database (SQLite or PostgreSQL); return the last one's rows."""
    url = app.config["GEOTOUR_DATABASE_URL"]
    if url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(url[len("sqlite:///") :]) as conn:
            rows = [conn.execute(statement).fetchall() for statement in statements]
        conn.close()
        return rows[-1]
    import psycopg

    from geotour.storage.postgres import conninfo

    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        rows = []
        for statement in statements:
            cursor = conn.execute(statement)
            rows = cursor.fetchall() if cursor.description else []
        return rows


def fail_fifth_submission(app):
    """Make the 5th row of any submissions insert fail inside its transaction, as a full disk would."""
    if app.config["GEOTOUR_DATABASE_URL"].startswith("sqlite:///"):
        run_sql(
            app,
            "CREATE TRIGGER fail_fifth BEFORE INSERT ON submissions WHEN "
            "(SELECT count(*) FROM submissions) >= 4 BEGIN SELECT RAISE(ABORT, 'disk full'); END",
        )
    else:
        run_sql(
            app,
            "CREATE FUNCTION fail_fifth() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            " IF (SELECT count(*) FROM submissions) >= 4 THEN RAISE EXCEPTION 'disk full'; END IF;"
            " RETURN NEW; END $$",
            "CREATE TRIGGER fail_fifth BEFORE INSERT ON submissions FOR EACH ROW EXECUTE FUNCTION fail_fifth()",
        )


def stop_failing(app):
    """Undo fail_fifth_submission."""
    if app.config["GEOTOUR_DATABASE_URL"].startswith("sqlite:///"):
        run_sql(app, "DROP TRIGGER fail_fifth")
    else:
        run_sql(app, "DROP TRIGGER fail_fifth ON submissions", "DROP FUNCTION fail_fifth()")


def empty_database_url(tmp_path):
    """Return the URL of a database with nothing in it (not even the schema)."""
    if not on_postgres():
        return f"sqlite:///{tmp_path}/empty.sqlite3"
    name = f"t_{uuid.uuid4().hex[:16]}"
    _admin(f"CREATE DATABASE {name}")
    return pg_url(name)
