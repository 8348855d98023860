"""The storage interface: the only way the app reads or writes features.

Views and domain code call these methods and never see SQL. Two backends implement it: SQLite (the
embedded default, storage/sqlite.py) and PostgreSQL/PostGIS (storage/postgres.py); what they share is in
storage/sql.py, and tests/test_backends.py checks that they give the same answers.

May import: geotour.domain (pure helpers), geotour.errors. Never geotour.web or geotour.contributions.
"""

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from geotour.domain.features import FeatureRecord
from geotour.domain.places import Places
from geotour.storage.records import (
    Alert,
    KeyRecord,
    NewAlert,
    NewSubmission,
    NewVisitorReport,
    PhotoSource,
    PositionReport,
    Submission,
    Token,
    User,
    Version,
    VisitorReport,
)


class AlreadyExists(Exception):
    """A unique value (a username) is taken."""


class StaleSubmission(Exception):
    """A submission was decided by someone else first."""


class StorageUnavailable(Exception):
    """The database cannot be reached now (down, restarting, out of connections); try again soon."""


class DatabaseNotReady(Exception):
    """The database lacks something only its administrator can add (an extension); the message says what."""


class Storage(Places, ABC):
    """Where features live. Every write is one transaction and bumps the data version. What tourists and
    scripts read (layer_stats, query_layer, get_feature, features_near) is declared in domain.places.Places."""

    @property
    @abstractmethod
    def url(self) -> str:
        """The SQLAlchemy URL of the database (migrations run through it)."""

    @abstractmethod
    def ensure_schema(self) -> None:
        """Create tables and indexes if they do not exist."""

    @abstractmethod
    def schema_revision(self) -> str | None:
        """Return the migration revision the schema is at, or None for an empty database."""

    @abstractmethod
    def seed_hash(self, layer_id: str) -> str | None:
        """Return the hash of the seed file last loaded into this layer, or None."""

    @abstractmethod
    def replace_seed_layer(self, layer_id: str, records: Sequence[FeatureRecord], seed_hash: str) -> bool:
        """Replace the seed features of one layer with `records`, in one transaction; return False when another
        process had loaded the same file first."""

    @abstractmethod
    def data_version(self, allow_stale: bool = False) -> str:
        """Return a string that changes whenever any feature changes (for caches and ETags).

        allow_stale: when the database cannot be reached, return the last version read instead of failing.
        """

    # People and their work. Every write below is one transaction; approving publishes a new version.
    @abstractmethod
    def create_user(self, username: str, password_hash: str, role: str) -> User:
        """Add a user and return it; raise AlreadyExists when the name is taken."""

    @abstractmethod
    def get_user(self, user_id: int) -> User | None:
        """Return a user by id, or None."""

    @abstractmethod
    def get_user_login(self, username: str) -> tuple[User, str] | tuple[None, None]:
        """Return (user, password_hash) for a username, or (None, None)."""

    @abstractmethod
    def list_users(self) -> list[User]:
        """Return every user."""

    @abstractmethod
    def set_user_group(self, user_id: int, group: str | None) -> User | None:
        """Set the group a user belongs to (None for none); return the user."""

    @abstractmethod
    def update_user(
        self,
        user_id: int,
        role: str | None = None,
        active: bool | None = None,
        password_hash: str | None = None,
    ) -> User | None:
        """Change a user (which ends their sessions); return it, or None if unknown."""

    @abstractmethod
    def end_sessions(self, user_id: int) -> None:
        """Move the user's session version on, so every saved session cookie stops signing them in."""

    @abstractmethod
    def add_token(self, user_id: int, name: str, token_hash: str) -> int:
        """Store a new API token's hash; return its id."""

    @abstractmethod
    def list_tokens(self, user_id: int) -> list[Token]:
        """Return a user's tokens, without hashes."""

    @abstractmethod
    def revoke_token(self, user_id: int, token_id: int) -> bool:
        """Revoke one of a user's tokens; return whether one was revoked."""

    @abstractmethod
    def user_for_token(self, token_hash: str) -> User | None:
        """Return the active user holding this unrevoked token, or None."""

    @abstractmethod
    def add_submissions(self, entries: Sequence[NewSubmission]) -> list[int]:
        """Store pending submissions, all or none; return their ids."""

    @abstractmethod
    def get_submission(self, submission_id: int) -> Submission | None:
        """Return one submission, or None."""

    @abstractmethod
    def list_submissions(
        self,
        status: str | None = None,
        user_id: int | None = None,
        limit: int = 100,
        offset: int = 0,
        batch: str | None = None,
    ) -> tuple[list[Submission], int]:
        """Return (submissions, total): of one status, one contributor, one import batch, when given."""

    @abstractmethod
    def decide_submission(
        self,
        submission_id: int,
        status: str,
        moderator_id: int,
        reason: str | None = None,
        record: FeatureRecord | None = None,
        note: str | None = None,
    ) -> int | None:
        """Approve or reject a pending submission in one transaction (the version keeps `note`); return the new
        version or None."""

    @abstractmethod
    def publish_version(
        self,
        feature_id: str,
        layer_id: str,
        record: FeatureRecord | None,
        user_id: int | None,
        action: str,
        note: str | None = None,
    ) -> int:
        """Publish a new version of a feature directly; return its number."""

    @abstractmethod
    def feature_versions(self, feature_id: str) -> list[Version]:
        """Return every version of a feature, oldest first."""

    @abstractmethod
    def snapshot_token(self) -> str:
        """Return "<data version>-<data tag>": the name of the data as it is now, never reused for other data."""

    # Idempotency keys: a write retried with the same key gets the first answer and writes nothing twice.
    @abstractmethod
    def claim_idempotency_key(self, user_id: int, key: str, fingerprint: str) -> KeyRecord | None:
        """Claim (user, key); return None when claimed now, else the KeyRecord already there."""

    @abstractmethod
    def idempotency_record(self, user_id: int, key: str) -> KeyRecord | None:
        """Return the KeyRecord of (user, key), or None."""

    @abstractmethod
    def answer_idempotency_key(
        self, user_id: int, key: str, status: int, mimetype: str | None, body: bytes
    ) -> None:
        """Keep the answer a claimed key's request got."""

    @abstractmethod
    def release_idempotency_key(self, user_id: int, key: str) -> None:
        """Forget a claim whose request wrote nothing, so that a retry runs again."""

    # Files people send, kept where every machine sees them.
    @abstractmethod
    def stash_import(self, user_id: int, filename: str, data: bytes) -> str:
        """Keep an import file between its preview and its confirmation; return its stash id."""

    @abstractmethod
    def claim_stashed_import(self, user_id: int, stash_id: str) -> tuple[str, bytes] | None:
        """Take a user's kept import file, atomically: (filename, data) for one caller only; None for any
        other, and when unknown or expired."""

    @abstractmethod
    def return_stashed_import(self, user_id: int, stash_id: str, filename: str, data: bytes) -> None:
        """Keep a claimed import file again under its id (its import failed: the member may confirm again)."""

    @abstractmethod
    def put_photo_file(self, photo_id: str, size: str, data: bytes) -> None:
        """Store one size of a photo."""

    @abstractmethod
    def photo_file(self, photo_id: str, size: str) -> bytes | None:
        """Return one size of a photo as bytes, or None."""

    @abstractmethod
    def photo_sizes(self, photo_id: str) -> set[str]:
        """Return the set of sizes stored of a photo."""

    @abstractmethod
    def put_photo_source(self, source_hash: str, photo_id: str, gps: Sequence[float] | None) -> None:
        """Note which photo uploaded bytes (by SHA-256) became."""

    @abstractmethod
    def photo_source(self, source_hash: str) -> PhotoSource | None:
        """Return {"id", "gps"} for uploaded bytes with this SHA-256, or None."""

    @abstractmethod
    def add_photo_uploader(self, photo_id: str, user_id: int) -> None:
        """Note that a user sent this photo."""

    @abstractmethod
    def photo_uploaded_by(self, photo_id: str, user_id: int) -> bool:
        """Return whether this user sent this photo (only they may attach it)."""

    @abstractmethod
    def add_position_report(
        self, feature_id: str, lon: float, lat: float, accuracy_m: float, reporter: str
    ) -> None:
        """Keep a visitor's "I am here" report."""

    @abstractmethod
    def position_reports(self, feature_id: str | None = None) -> list[PositionReport]:
        """Return the unused reports (of one place, or all), oldest first."""

    @abstractmethod
    def use_position_reports(self, report_ids: Iterable[int]) -> None:
        """Mark reports as used."""

    @abstractmethod
    def photo_published(self, photo_id: str) -> bool:
        """Return whether a published feature shows this photo (then anyone may fetch it)."""

    @abstractmethod
    def add_alert(self, alert: NewAlert, user_id: int) -> int:
        """Keep an alert the office posts; return its id."""

    @abstractmethod
    def alerts(self, ending_after: str | None = None, limit: int = 200) -> list[Alert]:
        """Return alerts newest first: with ending_after (UTC), only those not withdrawn that end after it."""

    @abstractmethod
    def get_alert(self, alert_id: int) -> Alert | None:
        """Return one alert (withdrawn or ended too), or None."""

    @abstractmethod
    def withdraw_alert(self, alert_id: int) -> bool:
        """Take an alert back now; return False when there is no such alert or it was already withdrawn."""

    @abstractmethod
    def add_visitor_report(
        self,
        report: NewVisitorReport,
        token_hash: str,
        client_key: str | None,
        fingerprint: str,
        limits: tuple[int, int],
    ) -> tuple[VisitorReport, str | None]:
        """Keep a visitor's report in one transaction; return (it, None), or (the report first stored with
        this client_key, its fingerprint). Raise ReportRefused at limits = (per sender, per place) open
        reports."""

    @abstractmethod
    def expire_visitor_reports(self, closed_before: str, untouched_since: str) -> list[str]:
        """Delete reports closed before `closed_before` or untouched since `untouched_since` (UTC); return the
        ids of their photos nothing else shows now (their database files deleted too)."""

    @abstractmethod
    def visitor_report_by_key(self, client_key: str) -> tuple[VisitorReport, str] | None:
        """Return (the report stored with this Idempotency-Key, the fingerprint of its request), or None."""

    @abstractmethod
    def report_bound_reached(self, reporter: str, feature_id: str, limits: tuple[int, int]) -> str | None:
        """Return "sender" or "place" when that one already has limits[0] or limits[1] open reports, else None."""

    @abstractmethod
    def visitor_report(
        self, report_id: int | None = None, token_hash: str | None = None
    ) -> VisitorReport | None:
        """Return one report by its id or by its sender's token hash, or None."""

    @abstractmethod
    def visitor_reports(
        self, statuses: tuple[str, ...], limit: int = 50, offset: int = 0
    ) -> tuple[list[VisitorReport], int]:
        """Return (the reports with these statuses, a page of them; how many there are)."""

    @abstractmethod
    def visitor_reports_of(
        self, feature_id: str, statuses: tuple[str, ...], limit: int = 20
    ) -> list[VisitorReport]:
        """Return one place's reports with these statuses, newest first."""

    @abstractmethod
    def answer_visitor_report(self, report_id: int, status: str, reply: str, user_id: int) -> bool:
        """Set a report's status and reply; return False when there is no such report."""

    @abstractmethod
    def public_report_categories(self) -> list[str] | None:
        """Return the report categories the office shows on places' pages, or None when it never chose."""

    @abstractmethod
    def set_public_report_categories(self, categories: list[str]) -> None:
        """Keep the office's choice of report categories shown on places' pages."""

    @abstractmethod
    def setting(self, key: str) -> Any:
        """Return an office setting kept in the database (JSON: the partner checklist, say), or None."""

    @abstractmethod
    def put_setting(self, key: str, value: Any) -> None:
        """Keep an office setting (JSON) in the database, shared by every machine."""

    # What visitors did, counted per day and place (geotour.domain.counting): never who.
    @abstractmethod
    def add_counts(self, tallies: Mapping[tuple[str, str, str, str, str], int]) -> None:
        """Add tallies keyed (day, place, event, source, detail) to the site's counts, in one transaction."""

    @abstractmethod
    def count_totals(
        self,
        first_day: str,
        last_day: str,
        by: Sequence[str],
        where: Mapping[str, Sequence[str]] | None = None,
        limit: int | None = None,
    ) -> list[tuple[str | int, ...]]:
        """Return totals over days first_day..last_day grouped by columns `by` (day, place, event, source,
        detail), biggest first: rows of (*values, total); `where` keeps rows whose column is one of its values."""

    @abstractmethod
    def places_added_by(self, user_id: int) -> list[str]:
        """Return the ids of the places whose creation this user submitted and a moderator approved."""

    def close(self) -> None:  # noqa: B027 (a backend with nothing to release need not write one)
        """Release connections."""


def open_storage(database_url: str, pool_size: int = 4) -> Storage:
    """Return the Storage for a database URL: sqlite:///path (the embedded default) or postgresql+psycopg://."""
    if database_url.startswith("sqlite:///"):
        from geotour.storage.sqlite import SQLiteStorage

        return SQLiteStorage(database_url[len("sqlite:///") :])
    if database_url.startswith(POSTGRES_SCHEMES):
        from geotour.storage.postgres import PostgresStorage

        return PostgresStorage(database_url, pool_size=pool_size)
    raise ValueError(f"unsupported database URL: {database_url.split(':', 1)[0]}")


POSTGRES_SCHEMES = ("postgresql+psycopg://", "postgresql://")
