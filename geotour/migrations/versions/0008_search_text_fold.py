"""Fold search text as the phone folds a query: nonspacing marks dropped, lower case (was casefold).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

import json
import secrets

from alembic import op
from sqlalchemy import text

from geotour.domain.features import fold

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _search_text(name: str, properties: object) -> str:
    if isinstance(properties, str):
        properties = json.loads(properties)
    alt = properties.get("name_alt") if isinstance(properties, dict) else None
    names = [name] + [a for a in alt or [] if isinstance(a, str)]
    return " | ".join(fold(n) for n in names)


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
    op.execute("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'data_version'")
    op.execute(f"UPDATE meta SET value = '{secrets.token_hex(4)}' WHERE key = 'data_tag'")


def downgrade() -> None:
    """Nothing to undo: the old fold differed only for rare letters (ß, some marks)."""
