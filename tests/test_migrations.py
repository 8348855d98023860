"""Alembic migrations: up, down and up again on SQLite (and PostgreSQL in its pass), concurrent start-ups."""

import multiprocessing

import pytest

from geotour.storage import migrate, open_storage

from . import backends
from .backends import empty_database_url

TABLES = {
    "features",
    "seeds",
    "meta",
    "feature_versions",
    "users",
    "api_tokens",
    "submissions",
    "idempotency_keys",
    "import_stash",
    "photo_files",
    "photo_sources",
    "photo_uploaders",
    "published_photos",
    "position_reports",
}


def _tables(url):
    storage = open_storage(url)
    try:
        if url.startswith("sqlite"):
            rows = (
                storage._connection()
                .execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                .fetchall()
            )
        else:
            with storage._read() as conn:
                rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
        return {row[0] for row in rows} & (TABLES | {"alembic_version"})
    finally:
        storage.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "postgresql" and not backends.on_postgres():
        pytest.skip("needs PostgreSQL (GEOTOUR_TEST_DATABASE_URL; the second pass of .ci/run)")
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/empty.sqlite3"
    return empty_database_url(tmp_path)


def test_upgrade_downgrade_and_upgrade_again(empty_url):
    storage = open_storage(empty_url)
    try:
        assert migrate.revision_of(storage) is None
        assert migrate.upgrade(storage) is True
        assert (
            migrate.revision_of(storage)
            == migrate.head_revision()
            == migrate.HEAD
            == storage.schema_revision()
        )
        assert _tables(empty_url) == TABLES | {"alembic_version"}
        assert migrate.upgrade(storage) is False  # at the newest revision: nothing runs
        migrate.downgrade(storage, "base")
        assert migrate.revision_of(storage) is None and _tables(empty_url) <= {"alembic_version"}
        migrate.upgrade(storage)
        assert storage.data_version() == "0" and storage.list_users() == []
    finally:
        storage.close()


def _start(url):
    storage = open_storage(url)
    storage.ensure_schema()
    version = storage.data_version()
    storage.close()
    return version


def test_workers_starting_together_on_an_empty_database_migrate_it_once(empty_url):
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        assert pool.map(_start, [empty_url] * 4) == ["0"] * 4
    storage = open_storage(empty_url)
    try:
        assert migrate.revision_of(storage) == migrate.HEAD
    finally:
        storage.close()


def test_db_commands(make_app, tmp_path):
    app = make_app()
    runner = app.test_cli_runner()
    assert f"database: {migrate.HEAD}  newest: {migrate.HEAD}" in runner.invoke(args=["db", "current"]).output
    assert "already at the newest revision" in runner.invoke(args=["db", "upgrade"]).output


def test_a_database_made_before_migrations_is_adopted_with_its_data(tmp_path):
    """Databases from before Alembic (same tables, no alembic_version) upgrade in place, keeping their rows."""
    import importlib
    import sqlite3

    initial = importlib.import_module("geotour.migrations.versions.0001_initial")
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        for statement in initial.statements("sqlite"):
            conn.execute(statement)
        conn.execute(
            "INSERT INTO users (username, password_hash, role, created_at) VALUES ('lama', 'x', 'admin', 'y')"
        )
    conn.close()
    storage = open_storage(f"sqlite:///{path}")
    try:
        storage.ensure_schema()
        assert migrate.revision_of(storage) == migrate.HEAD
        assert [user["username"] for user in storage.list_users()] == ["lama"]
    finally:
        storage.close()


def test_photo_access_is_filled_from_what_is_stored(empty_url):
    """0005: the senders of photos already in submissions may still attach them; published photos stay public."""
    import json

    from geotour.domain.features import FeatureRecord

    storage = open_storage(empty_url)
    photo = {"id": "ab" * 16, "url": "/photos/x-display.webp", "thumb": "/photos/x-thumb.webp"}
    point = {"type": "Point", "coordinates": [106.47, -7.21]}
    feature = {"type": "Feature", "properties": {"name": "Curug", "photos": [photo]}, "geometry": point}
    record = FeatureRecord(
        "curug",
        "geosites",
        None,
        "Curug",
        106.47,
        -7.21,
        (106.47, -7.21, 106.47, -7.21),
        point,
        {"name": "Curug", "photos": [photo]},
    )
    try:
        migrate.upgrade(storage)
        storage.replace_seed_layer("geosites", [record], "hash")
        with storage._transaction() as conn:
            conn.execute(
                "INSERT INTO users (username, password_hash, role, created_at) VALUES ('kim', 'x', 'contributor', 'y')"
            )
            user_id = conn.execute("SELECT id FROM users").fetchone()[0]
            conn.execute(
                "INSERT INTO submissions (user_id, action, layer, feature_id, feature, flags, status, created_at)"
                " VALUES (?, 'create', 'geosites', 'curug', ?, '[]', 'pending', 'y')",
                (user_id, json.dumps(feature)),
            )
        migrate.downgrade(storage, "0004")  # as a database made before 0005 holds them
        migrate.upgrade(storage)
        assert storage.photo_uploaded_by(photo["id"], user_id) and storage.photo_published(photo["id"])
        assert not storage.photo_uploaded_by("cd" * 16, user_id) and not storage.photo_published("cd" * 16)
    finally:
        storage.close()


def test_0008_folds_stored_search_text_as_the_phone_folds_a_query(make_app):
    """Search text written with the old fold (casefold, combining classes) is written again, and caches miss."""
    from geotour.context import current
    from geotour.domain.features import fold

    app = make_app()
    with app.app_context():
        storage = current().storage
        migrate.downgrade(storage, "0007")
        with storage._transaction() as conn:
            conn.execute("UPDATE features SET search_text = 'curug sodong (old)' WHERE id = 'curug-sodong'")
        before = storage.data_version()
        migrate.upgrade(storage)
        assert migrate.revision_of(storage) == migrate.HEAD
        feature = storage.get_feature("curug-sodong")
        with storage._read() as conn:
            stored = conn.execute("SELECT search_text FROM features WHERE id = 'curug-sodong'").fetchone()[0]
        assert stored == fold(feature["properties"]["name"]) or stored.startswith(
            fold("Curug Sodong") + " | "
        )
        assert int(storage.data_version()) == int(before) + 1
