"""Idempotency keys in SQL both backends run: claim a key, mark its write committed, keep its answer.

A write request that carries an `Idempotency-Key` claims (user, key) before it runs. The write's own
transaction marks the claim `committed` just before it commits (see `marking_commit`), so "the write
happened" and "the key says so" can never disagree, even if the worker dies a moment later. Then the
answer is stored, and every retry gets it back.
"""

import contextvars
from datetime import UTC, datetime, timedelta

from geotour.domain.moments import now_utc
from geotour.storage.records import KeyRecord
from geotour.storage.sql_versions import Connection, Row, SQLParts

#: (user_id, key) of the write this request is making, set by the web layer around the view
PENDING_KEY: contextvars.ContextVar[tuple[int, str] | None] = contextvars.ContextVar(
    "geotour_pending_idempotency_key", default=None
)
KEEP_KEYS = timedelta(hours=24)


def _record(row: Row | None) -> KeyRecord | None:
    if row is None:
        return None
    body = row["body"]
    return KeyRecord(
        row["fingerprint"],
        row["created_at"],
        bool(row["committed"]),
        row["status"],
        row["mimetype"],
        bytes(body) if body is not None else None,
    )


class SQLIdempotency(SQLParts):
    """Mixed into SQLStorage, which gives the connections."""

    def claim_idempotency_key(self, user_id: int, key: str, fingerprint: str) -> KeyRecord | None:
        """Claim (user, key) for a new request; return None when claimed, else the KeyRecord already there.

        Keys older than a day are forgotten first, so the table stays small.
        """
        cutoff = (datetime.now(UTC) - KEEP_KEYS).strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            with self._transaction() as conn:
                conn.execute("DELETE FROM idempotency_keys WHERE created_at < ?", (cutoff,))
                conn.execute(
                    "INSERT INTO idempotency_keys (user_id, key, fingerprint, created_at) VALUES (?, ?, ?, ?)",
                    (user_id, key, fingerprint, now_utc()),
                )
            return None
        except self.UNIQUE_VIOLATION:
            return self.idempotency_record(user_id, key)

    def idempotency_record(self, user_id: int, key: str) -> KeyRecord | None:
        """Return the KeyRecord of (user, key), or None."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT fingerprint, created_at, committed, status, mimetype, body FROM idempotency_keys"
                " WHERE user_id = ? AND key = ?",
                (user_id, key),
            ).fetchone()
        return _record(row)

    def answer_idempotency_key(
        self, user_id: int, key: str, status: int, mimetype: str | None, body: bytes
    ) -> None:
        """Keep the answer a claimed key's request got."""
        with self._transaction() as conn:
            conn.execute(
                "UPDATE idempotency_keys SET status = ?, mimetype = ?, body = ? WHERE user_id = ? AND key = ?",
                (status, mimetype, body, user_id, key),
            )

    def release_idempotency_key(self, user_id: int, key: str) -> None:
        """Forget a claim whose request failed before writing anything, so a retry runs it again."""
        with self._transaction() as conn:
            conn.execute(
                "DELETE FROM idempotency_keys WHERE user_id = ? AND key = ? AND committed = 0", (user_id, key)
            )

    def _mark_pending_key(self, conn: Connection) -> None:
        """Inside a write transaction, just before COMMIT: record that the keyed request's write is in."""
        pending = PENDING_KEY.get()
        if pending is not None:
            conn.execute("UPDATE idempotency_keys SET committed = 1 WHERE user_id = ? AND key = ?", pending)
