"""Alerts over an area the office draws on a map: `area` holds a GeoJSON Polygon (lon/lat, RFC 7946), or ''
when the alert names places or the whole geopark. The places inside it are found when the alert is read, so a
place added later inside the area is covered too.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add alerts.area."""
    op.execute("ALTER TABLE alerts ADD COLUMN area TEXT NOT NULL DEFAULT ''")


def downgrade() -> None:
    """Drop it."""
    op.execute("ALTER TABLE alerts DROP COLUMN area")
