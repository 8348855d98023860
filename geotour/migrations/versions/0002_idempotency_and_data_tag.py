"""Idempotency keys for writes, and a random tag of the data beside its version, for immutable snapshot URLs.

`idempotency_keys` remembers each (user, Idempotency-Key) a client sent with a write, the request's
fingerprint, whether the write committed (set inside the write's own transaction) and the answer, so a
retry after a lost response gets the first answer and never stores a second copy.

`meta.data_tag` is drawn anew at random with every new data version (see bump_data_version), so snapshot
URLs of two databases never meet: data version 7 of one database is not data version 7 of another (a
fresh one, or a copy that has since changed), and an immutable URL must never be reused for other bytes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""
import secrets

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TYPES = {"sqlite": {"ref": "INTEGER", "blob": "BLOB"}, "postgresql": {"ref": "BIGINT", "blob": "BYTEA"}}

STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS idempotency_keys (
    user_id {ref} NOT NULL REFERENCES users(id),
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    created_at TEXT NOT NULL,
    committed INTEGER NOT NULL DEFAULT 0,
    status INTEGER,
    mimetype TEXT,
    body {blob},
    PRIMARY KEY (user_id, key)
)""",
    "CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys(created_at)",
]


def upgrade() -> None:
    """Add the idempotency_keys table and the data tag."""
    dialect = op.get_bind().dialect.name
    for statement in STATEMENTS:
        op.execute(statement.format(**TYPES[dialect]))
    op.execute(f"INSERT INTO meta(key, value) VALUES ('data_tag', '{secrets.token_hex(4)}') ON CONFLICT DO NOTHING")


def downgrade() -> None:
    """Drop the idempotency keys and the data tag."""
    op.execute("DROP TABLE IF EXISTS idempotency_keys")
    op.execute("DELETE FROM meta WHERE key = 'data_tag'")
