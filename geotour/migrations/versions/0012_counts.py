"""Counts of what visitors did, per day and place (issue 30): page views, popups, contact taps, route
downloads and searches that found nothing. One row per (day in WIB, place, event, source, detail) holding a
number; never who, never an address, a cookie or a fingerprint (geotour.domain.counting). Every machine adds
its own tallies to the same rows, so several machines count one site.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS counts (
    day TEXT NOT NULL,
    place TEXT NOT NULL,
    event TEXT NOT NULL,
    source TEXT NOT NULL,
    detail TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (day, place, event, source, detail)
)""",
    "CREATE INDEX IF NOT EXISTS counts_place ON counts(place, day)",
    "CREATE INDEX IF NOT EXISTS counts_event ON counts(event, day)",
]


def upgrade() -> None:
    """Add the counts table."""
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    """Drop it."""
    op.execute("DROP TABLE IF EXISTS counts")
