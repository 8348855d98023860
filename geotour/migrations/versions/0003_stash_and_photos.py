"""Import files between preview and confirmation, and (optionally) photos, in the database.

So nothing a person sends lives on one machine's disk: a KIM member's import previewed on one machine is
confirmed on another, and with GEOTOUR_PHOTO_STORE=database a photo uploaded on one machine is shown and
attached on every other (each machine's photo folder is then only a cache its front server reads).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TYPES = {"sqlite": {"ref": "INTEGER", "blob": "BLOB"}, "postgresql": {"ref": "BIGINT", "blob": "BYTEA"}}

STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS import_stash (
    user_id {ref} NOT NULL REFERENCES users(id),
    stash_id TEXT NOT NULL,
    filename TEXT NOT NULL,
    created_at TEXT NOT NULL,
    data {blob} NOT NULL,
    PRIMARY KEY (user_id, stash_id)
)""",
    "CREATE INDEX IF NOT EXISTS import_stash_created ON import_stash(created_at)",
    """CREATE TABLE IF NOT EXISTS photo_files (
    photo_id TEXT NOT NULL,
    size TEXT NOT NULL,
    data {blob} NOT NULL,
    PRIMARY KEY (photo_id, size)
)""",
    """CREATE TABLE IF NOT EXISTS photo_sources (
    source_hash TEXT PRIMARY KEY,
    photo_id TEXT NOT NULL,
    gps TEXT
)""",
]


def upgrade() -> None:
    """Add the import stash and the photo tables."""
    dialect = op.get_bind().dialect.name
    for statement in STATEMENTS:
        op.execute(statement.format(**TYPES[dialect]))


def downgrade() -> None:
    """Drop them."""
    for table in ("photo_sources", "photo_files", "import_stash"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
