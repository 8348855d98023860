"""Alembic environment: run on the connection geotour.storage.migrate passes in (or the configured URL)."""

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

config = context.config


def run_migrations_online() -> None:
    """Run the migrations in one transaction on the given connection."""
    connection = config.attributes.get("connection")
    if connection is None:  # the `alembic` command line
        engine = create_engine(config.get_main_option("sqlalchemy.url", ""), poolclass=NullPool)
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
        return
    _run(connection)


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=None, transactional_ddl=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run them against a database")
run_migrations_online()
