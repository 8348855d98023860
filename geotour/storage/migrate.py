"""Schema migrations with Alembic, on SQLite and PostgreSQL alike.

`upgrade(storage)` runs at start-up (and from `flask --app geotour db upgrade`). Several workers may
start at once on a fresh database, so the migration holds a lock: a file lock beside the SQLite file,
an advisory lock in PostgreSQL. When the schema is already at the newest revision, nothing runs.
"""

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # imported lazily below: most workers never load Alembic or SQLAlchemy
    from alembic.config import Config
    from sqlalchemy.engine import Connection


class Migratable(Protocol):
    """A storage Alembic can migrate: its SQLAlchemy URL, and the revision it reads itself (SQLStorage)."""

    @property
    def url(self) -> str: ...

    def schema_revision(self) -> str | None: ...


MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
HEAD = "0012"  # the newest revision in MIGRATIONS (a test checks it): lets start-up skip Alembic when current
PG_MIGRATION_LOCK = 0x6765_6F74  # "geot": one advisory lock id for migrations


def alembic_config(url: str, connection: "Connection | None" = None) -> "Config":
    """Return an Alembic Config for our migrations folder and database URL."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """Return the newest revision in the migrations folder."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(connection: "Connection") -> str | None:
    """Return the revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def _locked_connection(url: str, sqlite_path: str | None = None) -> "Iterator[Connection]":
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    lock_file = None
    try:
        if sqlite_path:
            lock_file = open(f"{sqlite_path}.migrate-lock", "w")  # noqa: SIM115 - held for the whole block
            fcntl.flock(lock_file, fcntl.LOCK_EX)
        with engine.connect() as connection:
            if sqlite_path:
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")
            else:
                connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": PG_MIGRATION_LOCK})
                connection.commit()
            try:
                yield connection
            finally:
                if not sqlite_path:
                    connection.rollback()
                    connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": PG_MIGRATION_LOCK})
                    connection.commit()
    finally:
        if lock_file:
            lock_file.close()
        engine.dispose()


def _run(storage: Migratable, command_name: str, revision: str) -> bool:
    from alembic import command

    with _locked_connection(storage.url, getattr(storage, "path", None)) as connection:
        if (
            command_name == "upgrade"
            and revision == "head"
            and current_revision(connection) == head_revision()
        ):
            return False
        getattr(command, command_name)(alembic_config(storage.url, connection), revision)
        connection.commit()
    return True


def upgrade(storage: Migratable, revision: str = "head") -> bool:
    """Bring the schema up to `revision`; return whether anything ran.

    A worker starting on a database already at HEAD reads one row and never loads Alembic or SQLAlchemy
    (they would stay in every worker's memory).
    """
    if revision == "head" and storage.schema_revision() == HEAD:
        return False
    return _run(storage, "upgrade", revision)


def downgrade(storage: Migratable, revision: str) -> bool:
    """Take the schema down to `revision` ("base" removes every table)."""
    return _run(storage, "downgrade", revision)


def revision_of(storage: Migratable) -> str | None:
    """Return the revision the database is at (None when empty)."""
    with _locked_connection(storage.url, getattr(storage, "path", None)) as connection:
        return current_revision(connection)
