"""Visitors' reports of problems ("Laporkan masalah"), shared by the SQLite and PostgreSQL storages."""

from typing import Any

from geotour.domain.moments import now_utc
from geotour.storage.records import NewVisitorReport, VisitorReport
from geotour.storage.sql_versions import Connection, SQLParts

_COLUMNS = (
    "id, feature_id, category, text, lon, lat, accuracy_m, photo_id, lang, reporter, status, reply, created_at,"
    " updated_at, handled_by"
)
OPEN = ("new", "seen")
SETTING_PUBLIC = "report_public_categories"


class ReportRefused(Exception):
    """A bound on what is kept was reached: `which` is "sender" or "place"."""

    def __init__(self, which: str) -> None:
        super().__init__(which)
        self.which = which


def _report(row: Any) -> VisitorReport:
    # by position: a PostgreSQL row iterates as its column names
    return {
        "id": row[0],
        "feature_id": row[1],
        "category": row[2],
        "text": row[3],
        "lon": row[4],
        "lat": row[5],
        "accuracy_m": row[6],
        "photo_id": row[7],
        "lang": row[8],
        "reporter": row[9],
        "status": row[10],
        "reply": row[11],
        "created_at": row[12],
        "updated_at": row[13],
        "handled_by": row[14],
    }


def _bound(conn: Connection, reporter: str, feature_id: str, limits: tuple[int, int]) -> str | None:
    for which, column, value, most in (
        ("sender", "reporter", reporter, limits[0]),
        ("place", "feature_id", feature_id, limits[1]),
    ):
        count = conn.execute(
            f"SELECT COUNT(*) FROM visitor_reports WHERE {column} = ? AND status IN ('new', 'seen')", (value,)
        ).fetchone()[0]
        if count >= most:
            return which
    return None


class SQLReports(SQLParts):
    """What is kept stays bounded: open reports per sender and per place, and every report expires."""

    def add_visitor_report(
        self,
        report: NewVisitorReport,
        token_hash: str,
        client_key: str | None,
        fingerprint: str,
        limits: tuple[int, int],
    ) -> tuple[VisitorReport, str | None]:
        """Keep a report in one transaction; return (it, None), or (the report first stored with this
        client_key, its fingerprint) for a retry. Raise ReportRefused when the sender or the place already has
        limits = (per sender, per place) open reports."""
        with self._transaction() as conn:
            if client_key is not None:
                row = conn.execute(
                    f"SELECT {_COLUMNS}, fingerprint FROM visitor_reports WHERE client_key = ?", (client_key,)
                ).fetchone()
                if row is not None:
                    return _report(row), row[15]
            which = _bound(conn, report["reporter"], report["feature_id"], limits)
            if which is not None:
                raise ReportRefused(which)
            now = now_utc()
            row = conn.execute(
                "INSERT INTO visitor_reports (token_hash, client_key, fingerprint, feature_id, category, text, lon,"
                " lat, accuracy_m, photo_id, lang, reporter, status, reply, created_at, updated_at)"
                f" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new', '', ?, ?) RETURNING {_COLUMNS}",
                (
                    token_hash,
                    client_key,
                    fingerprint,
                    report["feature_id"],
                    report["category"],
                    report["text"],
                    report["lon"],
                    report["lat"],
                    report["accuracy_m"],
                    report["photo_id"],
                    report["lang"],
                    report["reporter"],
                    now,
                    now,
                ),
            ).fetchone()
            return _report(row), None

    def expire_visitor_reports(self, closed_before: str, untouched_since: str) -> list[str]:
        """Delete reports closed before `closed_before` and any not changed since `untouched_since` (UTC); return
        the ids of their photos that nothing else shows now (no other report, not published, sent by no member),
        whose stored files go too, in the same transaction when they are in the database."""
        with self._transaction() as conn:
            gone = conn.execute(
                "DELETE FROM visitor_reports WHERE (status NOT IN ('new', 'seen') AND updated_at < ?)"
                " OR updated_at < ? RETURNING photo_id",
                (closed_before, untouched_since),
            ).fetchall()
            orphans = []
            for photo_id in sorted({row[0] for row in gone if row[0]}):
                used = conn.execute(
                    "SELECT 1 FROM visitor_reports WHERE photo_id = ? UNION ALL"
                    " SELECT 1 FROM published_photos WHERE photo_id = ? UNION ALL"
                    " SELECT 1 FROM photo_uploaders WHERE photo_id = ? LIMIT 1",
                    (photo_id, photo_id, photo_id),
                ).fetchone()
                if used is None:
                    conn.execute("DELETE FROM photo_files WHERE photo_id = ?", (photo_id,))
                    orphans.append(photo_id)
            return orphans

    def visitor_report_by_key(self, client_key: str) -> tuple[VisitorReport, str] | None:
        """Return (the report stored with this Idempotency-Key, the fingerprint of its request), or None."""
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS}, fingerprint FROM visitor_reports WHERE client_key = ?", (client_key,)
            ).fetchone()
        return (_report(row), row[15]) if row is not None else None

    def report_bound_reached(self, reporter: str, feature_id: str, limits: tuple[int, int]) -> str | None:
        """Return "sender" or "place" when that one already has limits[0] or limits[1] open reports, else None."""
        with self._read() as conn:
            return _bound(conn, reporter, feature_id, limits)

    def visitor_report(
        self, report_id: int | None = None, token_hash: str | None = None
    ) -> VisitorReport | None:
        """Return one report by its id or by its sender's token hash, or None."""
        column, value = ("id", report_id) if token_hash is None else ("token_hash", token_hash)
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {_COLUMNS} FROM visitor_reports WHERE {column} = ?", (value,)
            ).fetchone()
        return _report(row) if row is not None else None

    def visitor_reports(
        self, statuses: tuple[str, ...], limit: int = 50, offset: int = 0
    ) -> tuple[list[VisitorReport], int]:
        """Return (the reports with these statuses, oldest first for open ones, newest first else; how many)."""
        marks = ", ".join("?" for _ in statuses)
        order = "id" if set(statuses) <= set(OPEN) else "updated_at DESC, id DESC"
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM visitor_reports WHERE status IN ({marks}) ORDER BY {order} LIMIT ? OFFSET ?",
                (*statuses, limit, offset),
            ).fetchall()
            total = conn.execute(
                f"SELECT COUNT(*) FROM visitor_reports WHERE status IN ({marks})", statuses
            ).fetchone()[0]
        return [_report(row) for row in rows], int(total)

    def visitor_reports_of(
        self, feature_id: str, statuses: tuple[str, ...], limit: int = 20
    ) -> list[VisitorReport]:
        """Return one place's reports with these statuses, newest first."""
        marks = ", ".join("?" for _ in statuses)
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM visitor_reports WHERE feature_id = ? AND status IN ({marks})"
                " ORDER BY id DESC LIMIT ?",
                (feature_id, *statuses, limit),
            ).fetchall()
        return [_report(row) for row in rows]

    def answer_visitor_report(self, report_id: int, status: str, reply: str, user_id: int) -> bool:
        """Set a report's status and reply; return False when there is no such report."""
        with self._transaction() as conn:
            done = conn.execute(
                "UPDATE visitor_reports SET status = ?, reply = ?, handled_by = ?, updated_at = ? WHERE id = ?"
                " RETURNING id",
                (status, reply, user_id, now_utc(), report_id),
            ).fetchone()
        return done is not None

    def public_report_categories(self) -> list[str] | None:
        """Return the categories the office shows on places' pages, or None when it never chose."""
        found = self.setting(SETTING_PUBLIC)
        return [str(c) for c in found] if isinstance(found, list) else None

    def set_public_report_categories(self, categories: list[str]) -> None:
        """Keep the office's choice of categories shown on places' pages."""
        self.put_setting(SETTING_PUBLIC, categories)
