"""A session version per user, so sessions can be ended: signing out, a new password, a new role or a
disabled account bumps it, and every session cookie saved with the old version stops working.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add users.session_version (0 for everyone)."""
    op.execute("ALTER TABLE users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0")


def downgrade() -> None:
    """Drop it."""
    op.execute("ALTER TABLE users DROP COLUMN session_version")
