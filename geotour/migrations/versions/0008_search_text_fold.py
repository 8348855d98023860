"""Fold search text as the phone folds a query: nonspacing marks dropped, lower case (was casefold).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

import json

from alembic import op
from sqlalchemy import text

from geotour.domain.features import search_text_of
from geotour.storage.sql_versions import data_version_bump

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _search_text(name: str, properties: object) -> str:
    if isinstance(properties, str):  # SQLite keeps JSON as text; PostgreSQL hands a dict
        properties = json.loads(properties)
    return search_text_of(name, properties if isinstance(properties, dict) else {})


def upgrade() -> None:
    """Recompute features.search_text wherever the new fold differs, and change the data version if any did."""
    bind = op.get_bind()
    rows = bind.execute(text("SELECT id, name, properties, search_text FROM features")).fetchall()
    changed = [
        {"text": new, "id": feature_id}
        for feature_id, name, properties, old in rows
        if (new := _search_text(name, properties)) != old
    ]
    if not changed:
        return
    bind.execute(text("UPDATE features SET search_text = :text WHERE id = :id"), changed)
    for statement in data_version_bump():
        op.execute(statement)


def downgrade() -> None:
    """Nothing to undo: the old fold differed only for rare letters (ß, some marks)."""
