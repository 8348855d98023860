"""Files people send, kept in the database so that every machine sees them: import files between the
preview and the confirmation, and photos (when GEOTOUR_PHOTO_STORE=database)."""

import json
import secrets
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from geotour.domain.moments import now_utc
from geotour.storage.records import PhotoSource, PositionReport
from geotour.storage.sql_versions import SQLParts

KEEP_STASH = timedelta(hours=24)
KEEP_REPORTS = timedelta(days=90)  # an "I am here" nobody used in a season is stale evidence
REPORTS_PER_PLACE = 20  # newest unused reports kept per place (a sender keeps one)


class SQLFiles(SQLParts):
    """Mixed into SQLStorage, which gives the connections."""

    def stash_import(self, user_id: int, filename: str, data: bytes) -> str:
        """Keep an import file for a user until they confirm it (a day at most); return its stash id.

        One preview per user is kept: a new one replaces the one before, so a member parks at most one
        file (GEOTOUR_IMPORT_MAX_BYTES) however many previews they send.
        """
        cutoff = (datetime.now(UTC) - KEEP_STASH).strftime("%Y-%m-%dT%H:%M:%SZ")
        stash_id = secrets.token_hex(16)
        with self._transaction() as conn:
            conn.execute("DELETE FROM import_stash WHERE created_at < ? OR user_id = ?", (cutoff, user_id))
            conn.execute(
                "INSERT INTO import_stash (user_id, stash_id, filename, created_at, data) VALUES (?, ?, ?, ?, ?)",
                (user_id, stash_id, filename, now_utc(), data),
            )
        return stash_id

    def claim_stashed_import(self, user_id: int, stash_id: str) -> tuple[str, bytes] | None:
        """Take a user's kept import file: deleted in the same statement that reads it, inside the write
        transaction, so two confirmations sent at once get it once (the other gets None)."""
        cutoff = (datetime.now(UTC) - KEEP_STASH).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self._transaction() as conn:
            row = conn.execute(
                "DELETE FROM import_stash WHERE user_id = ? AND stash_id = ? AND created_at >= ?"
                " RETURNING filename, data",
                (user_id, stash_id, cutoff),
            ).fetchone()
        return (row["filename"], bytes(row["data"])) if row else None

    def return_stashed_import(self, user_id: int, stash_id: str, filename: str, data: bytes) -> None:
        """Keep a claimed import file again, under the same id, for another day."""
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO import_stash (user_id, stash_id, filename, created_at, data) VALUES (?, ?, ?, ?, ?)",
                (user_id, stash_id, filename, now_utc(), data),
            )

    def put_photo_file(self, photo_id: str, size: str, data: bytes) -> None:
        """Store one size of a photo (a no-op when it is there: the id is the content's hash)."""
        with self._transaction() as conn:
            if conn.execute(
                "SELECT 1 FROM photo_files WHERE photo_id = ? AND size = ?", (photo_id, size)
            ).fetchone():
                return
            conn.execute(
                "INSERT INTO photo_files (photo_id, size, data) VALUES (?, ?, ?)", (photo_id, size, data)
            )

    def photo_file(self, photo_id: str, size: str) -> bytes | None:
        """Return the bytes of one size of a photo, or None."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT data FROM photo_files WHERE photo_id = ? AND size = ?", (photo_id, size)
            ).fetchone()
        return bytes(row["data"]) if row else None

    def photo_sizes(self, photo_id: str) -> set[str]:
        """Return the sizes stored of a photo."""
        with self._read() as conn:
            rows = conn.execute("SELECT size FROM photo_files WHERE photo_id = ?", (photo_id,)).fetchall()
        return {row["size"] for row in rows}

    def put_photo_source(self, source_hash: str, photo_id: str, gps: Sequence[float] | None) -> None:
        """Note that uploaded bytes with this SHA-256 became this photo."""
        with self._transaction() as conn:
            if conn.execute("SELECT 1 FROM photo_sources WHERE source_hash = ?", (source_hash,)).fetchone():
                return
            conn.execute(
                "INSERT INTO photo_sources (source_hash, photo_id, gps) VALUES (?, ?, ?)",
                (source_hash, photo_id, json.dumps(list(gps)) if gps else None),
            )

    def photo_source(self, source_hash: str) -> PhotoSource | None:
        """Return {"id", "gps"} for uploaded bytes with this SHA-256, or None."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT photo_id, gps FROM photo_sources WHERE source_hash = ?", (source_hash,)
            ).fetchone()
        if row is None:
            return None
        return PhotoSource(id=row["photo_id"], gps=json.loads(row["gps"]) if row["gps"] else None)

    def add_photo_uploader(self, photo_id: str, user_id: int) -> None:
        """Note that a user sent this photo (then they may attach it, and see it before it is published)."""
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO photo_uploaders (photo_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (photo_id, user_id),
            )

    def photo_uploaded_by(self, photo_id: str, user_id: int) -> bool:
        """Return whether this user sent this photo."""
        with self._read() as conn:
            return (
                conn.execute(
                    "SELECT 1 FROM photo_uploaders WHERE photo_id = ? AND user_id = ?", (photo_id, user_id)
                ).fetchone()
                is not None
            )

    def photo_published(self, photo_id: str) -> bool:
        """Return whether a published feature shows this photo."""
        with self._read() as conn:
            return (
                conn.execute(
                    "SELECT 1 FROM published_photos WHERE photo_id = ? LIMIT 1", (photo_id,)
                ).fetchone()
                is not None
            )

    # --- "I am here" reports ------------------------------------------------------------------------
    def add_position_report(
        self, feature_id: str, lon: float, lat: float, accuracy_m: float, reporter: str
    ) -> None:
        """Keep one visitor's report of standing at a place (evidence for moderators, never public).

        What is kept stays bounded, however many reports arrive: a sender's new report of a place replaces
        their earlier one, a place keeps its REPORTS_PER_PLACE newest unused reports, and unused reports
        expire after KEEP_REPORTS. So the agreement moderators see compares at most REPORTS_PER_PLACE²
        pairs per place, and a flood of old reports can never hide the new ones.
        """
        cutoff = (datetime.now(UTC) - KEEP_REPORTS).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self._transaction() as conn:
            conn.execute("DELETE FROM position_reports WHERE used_at IS NULL AND created_at < ?", (cutoff,))
            conn.execute(
                "DELETE FROM position_reports WHERE used_at IS NULL AND feature_id = ? AND reporter = ?",
                (feature_id, reporter),
            )
            conn.execute(
                "INSERT INTO position_reports (feature_id, lon, lat, accuracy_m, reporter, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (feature_id, lon, lat, accuracy_m, reporter, now_utc()),
            )
            conn.execute(
                "DELETE FROM position_reports WHERE used_at IS NULL AND feature_id = ? AND id NOT IN"
                " (SELECT id FROM position_reports WHERE used_at IS NULL AND feature_id = ?"
                " ORDER BY id DESC LIMIT ?)",
                (feature_id, feature_id, REPORTS_PER_PLACE),
            )

    def position_reports(self, feature_id: str | None = None) -> list[PositionReport]:
        """Return the reports not yet used (newest first, REPORTS_PER_PLACE per place at most): of one place,
        or of every place."""
        where, args = "used_at IS NULL", []
        if feature_id is not None:
            where, args = where + " AND feature_id = ?", [feature_id]
        with self._read() as conn:
            rows = conn.execute(
                "SELECT id, feature_id, lon, lat, accuracy_m, reporter, created_at FROM position_reports"
                f" WHERE {where} ORDER BY id DESC LIMIT 20000",
                args,
            ).fetchall()
        return [
            PositionReport(
                id=row["id"],
                feature_id=row["feature_id"],
                lon=row["lon"],
                lat=row["lat"],
                accuracy_m=row["accuracy_m"],
                reporter=row["reporter"],
                created_at=row["created_at"],
            )
            for row in rows
        ]

    def use_position_reports(self, report_ids: Iterable[int]) -> None:
        """Mark reports as used (a moderator moved the point with them)."""
        with self._transaction() as conn:
            for report_id in report_ids:
                conn.execute("UPDATE position_reports SET used_at = ? WHERE id = ?", (now_utc(), report_id))
