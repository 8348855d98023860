"""People and their work, in SQL both backends run: users, API tokens, submissions and feature versions."""

import json
from collections.abc import Sequence

from geotour.domain.features import FeatureRecord
from geotour.domain.moments import now_utc
from geotour.storage import AlreadyExists, StaleSubmission
from geotour.storage.records import NewSubmission, Submission, Token, User, Version
from geotour.storage.sql_versions import (
    Connection,
    Row,
    SQLParts,
    append_version,
    bump_data_version,
    feature_json,
)

USER_COLUMNS = "id, username, role, active, created_at, session_version, group_name"
SUBMISSION_SELECT = (
    "SELECT s.*, u.username AS username, m.username AS decided_by_name FROM submissions s"
    " JOIN users u ON u.id = s.user_id LEFT JOIN users m ON m.id = s.decided_by"
)


def _user(row: Row) -> User:
    return {
        "id": row["id"],
        "username": row["username"],
        "role": row["role"],
        "active": bool(row["active"]),
        "created_at": row["created_at"],
        "session_version": row["session_version"],
        "group": row["group_name"],
    }


def _submission(row: Row) -> Submission:
    return {
        "id": row["id"],
        "batch": row["batch"],
        "user_id": row["user_id"],
        "username": row["username"],
        "action": row["action"],
        "layer": row["layer"],
        "feature_id": row["feature_id"],
        "base_version": row["base_version"],
        "feature": json.loads(row["feature"]) if row["feature"] else None,
        "flags": json.loads(row["flags"]),
        "status": row["status"],
        "reason": row["reason"],
        "created_at": row["created_at"],
        "decided_at": row["decided_at"],
        "decided_by": row["decided_by_name"],
    }


def _version(row: Row) -> Version:
    return {
        "feature_id": row["feature_id"],
        "version": row["version"],
        "layer": row["layer"],
        "feature": json.loads(row["feature"]) if row["feature"] else None,
        "action": row["action"],
        "created_at": row["created_at"],
        "created_by": row["username"],
        "submission_id": row["submission_id"],
        "author": row["author"],
        "note": row["note"],
    }


class SQLContributions(SQLParts):
    """Users, tokens, submissions and versions; mixed into SQLStorage, which gives the connections."""

    # --- users -------------------------------------------------------------------------------------
    def create_user(self, username: str, password_hash: str, role: str) -> User:
        """Add a user and return it; raise AlreadyExists when the name is taken (in any case)."""
        try:
            with self._transaction() as conn:
                user_id = conn.execute(
                    "INSERT INTO users (username, password_hash, role, active, created_at) VALUES (?, ?, ?, 1, ?)"
                    " RETURNING id",
                    (username, password_hash, role, now_utc()),
                ).fetchone()[0]
        except self.UNIQUE_VIOLATION:
            raise AlreadyExists(f"the username {username!r} is taken") from None
        created = self.get_user(user_id)
        assert created is not None  # written in the transaction above
        return created

    def get_user(self, user_id: int) -> User | None:
        """Return a user by id, or None."""
        with self._read() as conn:
            row = conn.execute(f"SELECT {USER_COLUMNS} FROM users WHERE id = ?", (user_id,)).fetchone()
        return _user(row) if row else None

    def get_user_login(self, username: str) -> tuple[User, str] | tuple[None, None]:
        """Return (user, password_hash) for a username (any case), or (None, None)."""
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = ?", (username,)
            ).fetchone()
        return (_user(row), row["password_hash"]) if row else (None, None)

    def list_users(self) -> list[User]:
        """Return every user, by name."""
        with self._read() as conn:
            rows = conn.execute(f"SELECT {USER_COLUMNS} FROM users ORDER BY username, id").fetchall()
        return [_user(row) for row in rows]

    def set_user_group(self, user_id: int, group: str | None) -> User | None:
        """Set the group a user belongs to (None for none); it changes no right, so sessions go on."""
        with self._transaction() as conn:
            conn.execute("UPDATE users SET group_name = ? WHERE id = ?", (group, user_id))
        return self.get_user(user_id)

    def update_user(
        self,
        user_id: int,
        role: str | None = None,
        active: bool | None = None,
        password_hash: str | None = None,
    ) -> User | None:
        """Change a user's role, active flag or password; return the user, or None if unknown.

        Any change ends the user's sessions (their session version moves on)."""
        changes = {
            "role": role,
            "active": None if active is None else int(bool(active)),
            "password_hash": password_hash,
        }
        changes = {k: v for k, v in changes.items() if v is not None}
        if changes:
            with self._transaction() as conn:
                sets = ", ".join(f"{column} = ?" for column in changes)
                conn.execute(
                    f"UPDATE users SET {sets}, session_version = session_version + 1 WHERE id = ?",
                    (*changes.values(), user_id),
                )
        return self.get_user(user_id)

    def end_sessions(self, user_id: int) -> None:
        """End every session of a user (signing out): cookies saved before no longer sign anyone in."""
        with self._transaction() as conn:
            conn.execute("UPDATE users SET session_version = session_version + 1 WHERE id = ?", (user_id,))

    # --- API tokens ----------------------------------------------------------------------------------
    def add_token(self, user_id: int, name: str, token_hash: str) -> int:
        """Store a new token's hash; return its id."""
        with self._transaction() as conn:
            return conn.execute(
                "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)"
                " RETURNING id",
                (user_id, name, token_hash, now_utc()),
            ).fetchone()[0]

    def list_tokens(self, user_id: int) -> list[Token]:
        """Return a user's tokens (never their hashes), newest first."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens"
                " WHERE user_id = ? ORDER BY id DESC",
                (user_id,),
            ).fetchall()
        return [
            Token(
                id=row["id"],
                name=row["name"],
                created_at=row["created_at"],
                last_used_at=row["last_used_at"],
                revoked_at=row["revoked_at"],
            )
            for row in rows
        ]

    def revoke_token(self, user_id: int, token_id: int) -> bool:
        """Revoke one of a user's tokens; return False when it is not theirs or already revoked."""
        with self._transaction() as conn:
            cursor = conn.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
                (now_utc(), token_id, user_id),
            )
        return cursor.rowcount == 1

    def user_for_token(self, token_hash: str) -> User | None:
        """Return the active user holding an unrevoked token with this hash, or None."""
        with self._read() as conn:
            row = conn.execute(
                f"SELECT t.id AS token_id, t.last_used_at, u.{USER_COLUMNS.replace(', ', ', u.')} FROM api_tokens t"
                " JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.active = 1",
                (token_hash,),
            ).fetchone()
        if row is None:
            return None
        today = now_utc()[:10]
        if (row["last_used_at"] or "")[:10] != today:  # a write per day, not per request
            with self._transaction() as conn:
                conn.execute(
                    "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (now_utc(), row["token_id"])
                )
        return _user(row)

    # --- submissions ---------------------------------------------------------------------------------
    def add_submissions(self, entries: Sequence[NewSubmission]) -> list[int]:
        """Store pending submissions, all or none, in one transaction; return their ids in order.

        Each entry: batch, user_id, action, layer, feature_id, base_version, feature (dict or None), flags.
        """
        now, ids = now_utc(), []
        with self._transaction() as conn:
            for entry in entries:
                feature = json.dumps(entry["feature"], ensure_ascii=False) if entry["feature"] else None
                cursor = conn.execute(
                    "INSERT INTO submissions (batch, user_id, action, layer, feature_id, base_version, feature,"
                    " flags, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?) RETURNING id",
                    (
                        entry.get("batch"),
                        entry["user_id"],
                        entry["action"],
                        entry["layer"],
                        entry["feature_id"],
                        entry.get("base_version"),
                        feature,
                        json.dumps(entry.get("flags") or [], ensure_ascii=False),
                        now,
                    ),
                )
                ids.append(cursor.fetchone()[0])
        return ids

    def get_submission(self, submission_id: int) -> Submission | None:
        """Return one submission, or None."""
        with self._read() as conn:
            row = conn.execute(f"{SUBMISSION_SELECT} WHERE s.id = ?", (submission_id,)).fetchone()
        return _submission(row) if row else None

    def list_submissions(
        self,
        status: str | None = None,
        user_id: int | None = None,
        limit: int = 100,
        offset: int = 0,
        batch: str | None = None,
    ) -> tuple[list[Submission], int]:
        """Return (submissions, total), newest first, optionally one status, one contributor's, one import's."""
        where: list[str] = []
        args: list[object] = []
        if batch is not None:
            where.append("s.batch = ?")
            args.append(batch)
        if status:
            where.append("s.status = ?")
            args.append(status)
        if user_id is not None:
            where.append("s.user_id = ?")
            args.append(user_id)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        order = " ORDER BY s.id" if status == "pending" else " ORDER BY s.id DESC"  # the queue: oldest first
        with self._read() as conn:
            total = conn.execute(f"SELECT count(*) FROM submissions s{clause}", args).fetchone()[0]
            rows = conn.execute(
                f"{SUBMISSION_SELECT}{clause}{order} LIMIT ? OFFSET ?", (*args, limit, offset)
            ).fetchall()
        return [_submission(row) for row in rows], total

    def decide_submission(
        self,
        submission_id: int,
        status: str,
        moderator_id: int,
        reason: str | None = None,
        record: FeatureRecord | None = None,
        note: str | None = None,
    ) -> int | None:
        """Approve (publishing `record`, or deleting when it is None) or reject a pending submission.

        One transaction: the new version, the public projection and the submission's status change
        together. Raise StaleSubmission when it was decided meanwhile. Return the new version, or None.
        """
        now = now_utc()
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT status, action, layer, feature_id FROM submissions WHERE id = ?", (submission_id,)
            ).fetchone()
            if row is None or row["status"] != "pending":
                raise StaleSubmission(f"submission {submission_id} is no longer pending")
            version = None
            if status == "approved":
                version = self._publish(
                    conn,
                    row["feature_id"],
                    row["layer"],
                    record,
                    row["action"],
                    now,
                    moderator_id,
                    submission_id,
                    note,
                )
            conn.execute(
                "UPDATE submissions SET status = ?, reason = ?, decided_at = ?, decided_by = ? WHERE id = ?",
                (status, reason, now, moderator_id, submission_id),
            )
        return version

    def publish_version(
        self,
        feature_id: str,
        layer_id: str,
        record: FeatureRecord | None,
        user_id: int | None,
        action: str,
        note: str | None = None,
    ) -> int:
        """Publish a new version of a feature directly (a moderator's revert); return its number."""
        with self._transaction() as conn:
            return self._publish(conn, feature_id, layer_id, record, action, now_utc(), user_id, None, note)

    def _publish(
        self,
        conn: Connection,
        feature_id: str,
        layer_id: str,
        record: FeatureRecord | None,
        action: str,
        now: str,
        user_id: int | None,
        submission_id: int | None,
        note: str | None = None,
    ) -> int:
        if record is None:
            self._unproject(conn, feature_id)
            feature = None
        else:
            self._project(conn, record, "contribution", now)
            feature = feature_json(record)
        version = append_version(
            conn, feature_id, layer_id, feature, action, now, user_id, submission_id, note
        )
        bump_data_version(conn)
        return version

    # --- versions ------------------------------------------------------------------------------------
    def feature_versions(self, feature_id: str) -> list[Version]:
        """Return every version of a feature, oldest first (empty for an unknown id)."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT v.*, u.username AS username, a.username AS author FROM feature_versions v"
                " LEFT JOIN users u ON u.id = v.created_by LEFT JOIN submissions s ON s.id = v.submission_id"
                " LEFT JOIN users a ON a.id = s.user_id WHERE v.feature_id = ? ORDER BY v.version",
                (feature_id,),
            ).fetchall()
        return [_version(row) for row in rows]
