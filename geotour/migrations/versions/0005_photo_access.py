"""Who may see and attach a photo before it is published.

`photo_uploaders` notes every user who sent a photo (its id is the hash of the cleaned image, so two people
sending the same picture share one id). Only they may attach it to a submission, and only they and
moderators may fetch it while nothing published shows it.

`published_photos` lists the photos that the published state of each feature shows, written in the same
transaction as the feature: a photo is public once a row names it.

Both are filled from what is already stored: the uploaders from the submissions that carry a photo, the
published photos from the published features.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
import json

import sqlalchemy as sa
from alembic import op

from geotour.domain.features import stored_photo_ids

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TYPES = {"sqlite": {"ref": "INTEGER"}, "postgresql": {"ref": "BIGINT"}}

STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS photo_uploaders (
    photo_id TEXT NOT NULL,
    user_id {ref} NOT NULL REFERENCES users(id),
    PRIMARY KEY (photo_id, user_id)
)""",
    """CREATE TABLE IF NOT EXISTS published_photos (
    photo_id TEXT NOT NULL,
    feature_id TEXT NOT NULL,
    PRIMARY KEY (photo_id, feature_id)
)""",
    "CREATE INDEX IF NOT EXISTS published_photos_feature ON published_photos(feature_id)",
]


def _json(text: str | None) -> dict:
    try:
        found = json.loads(text or "null")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def upgrade() -> None:
    """Add the tables and fill them from the submissions and the published features."""
    bind = op.get_bind()
    for statement in STATEMENTS:
        op.execute(statement.format(**TYPES[bind.dialect.name]))
    uploaders = {(pid, row.user_id) for row in bind.execute(sa.text("SELECT user_id, feature FROM submissions"))
                 for pid in stored_photo_ids(_json(row.feature).get("properties"))}
    published = {(pid, row.id) for row in bind.execute(sa.text("SELECT id, properties FROM features"))
                 for pid in stored_photo_ids(_json(row.properties))}
    for pid, user_id in sorted(uploaders):
        bind.execute(sa.text("INSERT INTO photo_uploaders (photo_id, user_id) VALUES (:p, :u)"), {"p": pid, "u": user_id})
    for pid, feature_id in sorted(published):
        bind.execute(sa.text("INSERT INTO published_photos (photo_id, feature_id) VALUES (:p, :f)"),
                     {"p": pid, "f": feature_id})


def downgrade() -> None:
    """Drop them."""
    for table in ("published_photos", "photo_uploaders"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
