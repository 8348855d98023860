"""The group a contributor belongs to (KIM MyPalabuhanratu and others), which public pages credit.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add users.group_name (none for everyone)."""
    op.execute("ALTER TABLE users ADD COLUMN group_name TEXT")


def downgrade() -> None:
    """Drop it."""
    op.execute("ALTER TABLE users DROP COLUMN group_name")
