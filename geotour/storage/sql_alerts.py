"""The office's alerts to visitors, shared by the SQLite and PostgreSQL storages."""

import json
from typing import Any

from geotour.domain.moments import now_utc
from geotour.storage.records import Alert, NewAlert
from geotour.storage.sql_versions import SQLParts

_COLUMNS = (
    "id, level, title_id, title_en, text_id, text_en, place_ids, starts_at, ends_at, created_by, created_at,"
    " withdrawn_at, months, area"
)


def _alert(row: Any) -> Alert:
    # by position: a PostgreSQL row iterates as its column names
    return {
        "id": row[0],
        "level": row[1],
        "title_id": row[2],
        "title_en": row[3],
        "text_id": row[4],
        "text_en": row[5],
        "place_ids": json.loads(row[6]) if row[6] else [],
        "starts_at": row[7],
        "ends_at": row[8],
        "created_by": row[9],
        "created_at": row[10],
        "withdrawn_at": row[11],
        "months": json.loads(row[12]) if row[12] else [],
        "area": json.loads(row[13]) if row[13] else None,
    }


class SQLAlerts(SQLParts):
    """Alerts are never deleted: a withdrawn one keeps its text, so the office's list shows what was said."""

    def add_alert(self, alert: NewAlert, user_id: int) -> int:
        """Keep an alert the office posts; return its id."""
        with self._transaction() as conn:
            row = conn.execute(
                "INSERT INTO alerts (level, title_id, title_en, text_id, text_en, place_ids, starts_at, ends_at,"
                " created_by, created_at, months, area) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    alert["level"],
                    alert["title_id"],
                    alert["title_en"],
                    alert["text_id"],
                    alert["text_en"],
                    json.dumps(alert["place_ids"]) if alert["place_ids"] else "",
                    alert["starts_at"],
                    alert["ends_at"],
                    user_id,
                    now_utc(),
                    json.dumps(alert.get("months") or []) if alert.get("months") else "",
                    json.dumps(alert["area"]) if alert.get("area") else "",
                ),
            ).fetchone()
            return int(row[0])

    def alerts(self, ending_after: str | None = None, limit: int = 200) -> list[Alert]:
        """Return alerts newest first: with ending_after (UTC), only those not withdrawn that end after it."""
        where, args = (
            ("WHERE withdrawn_at IS NULL AND ends_at > ?", (ending_after,)) if ending_after else ("", ())
        )
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM alerts {where} ORDER BY id DESC LIMIT ?", (*args, limit)
            ).fetchall()
        return [_alert(row) for row in rows]

    def get_alert(self, alert_id: int) -> Alert | None:
        """Return one alert (withdrawn or ended too), or None."""
        with self._read() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM alerts WHERE id = ?", (alert_id,)).fetchone()
        return _alert(row) if row is not None else None

    def withdraw_alert(self, alert_id: int) -> bool:
        """Take an alert back now; return False when there is no such alert or it was already withdrawn."""
        with self._transaction() as conn:
            done = conn.execute(
                "UPDATE alerts SET withdrawn_at = ? WHERE id = ? AND withdrawn_at IS NULL RETURNING id",
                (now_utc(), alert_id),
            ).fetchone()
        return done is not None
