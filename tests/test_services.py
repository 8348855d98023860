"""Trying several machines on one, as the README says: `make services` gives a ready application database,
a missing extension stops start-up with one clear line, and `db current` says which database it read."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from geotour.storage import migrate
from tests import backends

FLASK = str(Path(sys.executable).parent / "flask")
ROOT = Path(__file__).resolve().parent.parent
needs_postgres = pytest.mark.skipif(
    not backends.on_postgres(), reason="needs make services (the second pass of .ci/run)"
)


def flask(*args, env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GEOTOUR_")}
    return subprocess.run(
        [FLASK, "--app", "geotour", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_db_current_says_which_database_it_looked_at(tmp_path):
    done = flask("db", "current", env={"GEOTOUR_INSTANCE_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert f"looked at: sqlite:///{tmp_path}/geotour.sqlite3  (the embedded default" in done.stdout
    url = f"sqlite:///{tmp_path}/other.sqlite3"
    done = flask("db", "current", env={"GEOTOUR_INSTANCE_DIR": str(tmp_path), "GEOTOUR_DATABASE_URL": url})
    assert done.stdout.startswith(f"looked at: {url}\n")


@needs_postgres
def test_make_services_writes_a_ready_application_database_for_a_role_that_is_no_superuser(tmp_path):
    app_env = Path(os.environ["GEOTOUR_TEST_APP_ENV"]).read_text(encoding="utf-8")
    settings = dict(
        line.removeprefix("export ").split("=", 1) for line in app_env.splitlines() if line.strip()
    )
    assert set(settings) == {"GEOTOUR_DATABASE_URL", "GEOTOUR_CACHE_URL"}
    done = flask("db", "current", env={**settings, "GEOTOUR_INSTANCE_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert (
        "looked at: postgresql+psycopg://geotour_app@" in done.stdout
        and f"newest: {migrate.HEAD}" in done.stdout
    )
    import psycopg

    with psycopg.connect(backends.PG_ADMIN_URL) as conn:
        assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = 'geotour_app'").fetchone() == (
            False,
        )


@needs_postgres
def test_a_missing_extension_stops_start_up_with_one_line_saying_what_to_run_and_as_whom(tmp_path):
    name = f"noext_{uuid.uuid4().hex[:8]}"
    backends._admin(f"CREATE ROLE {name} LOGIN")
    backends._admin(f"CREATE DATABASE {name} OWNER {name}")
    try:
        url = backends.pg_url(name).replace("//geotour@", f"//{name}@", 1)
        done = flask(
            "db", "current", env={"GEOTOUR_DATABASE_URL": url, "GEOTOUR_INSTANCE_DIR": str(tmp_path)}
        )
        assert done.returncode == 3
        assert done.stderr.splitlines() == [
            f"geotour: cannot start: database {name!r} lacks the postgis, citext extension(s), and role {name!r} may not "
            f"create them: as a PostgreSQL superuser run  psql -d {name} -c 'CREATE EXTENSION postgis; CREATE EXTENSION "
            "citext'"
        ]
    finally:
        backends.drop_database(name)
        backends._admin(f"DROP ROLE IF EXISTS {name}")
