"""The storage interface: the only way the app reads or writes features.

Views and domain code call these methods and never see SQL. Two backends implement it: SQLite (the
embedded default, storage/sqlite.py) and PostgreSQL/PostGIS (storage/postgres.py); what they share is in
storage/sql.py, and tests/test_backends.py checks that they give the same answers.

May import: geotour.domain (pure helpers), geotour.errors. Never geotour.web or geotour.contributions.
"""

from abc import ABC, abstractmethod

from geotour.domain.places import Places
from geotour.storage.records import PhotoSource, PositionReport, Submission, Token, User, Version


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

    @abstractmethod
    def ensure_schema(self):
        """Create tables and indexes if they do not exist."""

    @abstractmethod
    def schema_revision(self):
        """Return the migration revision the schema is at, or None for an empty database."""

    @abstractmethod
    def seed_hash(self, layer_id):
        """Return the hash of the seed file last loaded into this layer, or None."""

    @abstractmethod
    def replace_seed_layer(self, layer_id, records, seed_hash):
        """Replace the seed features of one layer with `records`, in one transaction."""

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
    def set_user_group(self, user_id, group):
        """Set the group a user belongs to (None for none); return the user."""

    @abstractmethod
    def update_user(self, user_id, role=None, active=None, password_hash=None):
        """Change a user (which ends their sessions); return it, or None if unknown."""

    @abstractmethod
    def end_sessions(self, user_id):
        """Move the user's session version on, so every saved session cookie stops signing them in."""

    @abstractmethod
    def add_token(self, user_id, name, token_hash):
        """Store a new API token's hash; return its id."""

    @abstractmethod
    def list_tokens(self, user_id: int) -> list[Token]:
        """Return a user's tokens, without hashes."""

    @abstractmethod
    def revoke_token(self, user_id, token_id):
        """Revoke one of a user's tokens; return whether one was revoked."""

    @abstractmethod
    def user_for_token(self, token_hash: str) -> User | None:
        """Return the active user holding this unrevoked token, or None."""

    @abstractmethod
    def add_submissions(self, entries):
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
    def decide_submission(self, submission_id, status, moderator_id, reason=None, record=None, note=None):
        """Approve or reject a pending submission in one transaction (the version keeps `note`); return the new
        version or None."""

    @abstractmethod
    def publish_version(self, feature_id, layer_id, record, user_id, action, note=None):
        """Publish a new version of a feature directly; return its number."""

    @abstractmethod
    def feature_versions(self, feature_id: str) -> list[Version]:
        """Return every version of a feature, oldest first."""

    @abstractmethod
    def snapshot_token(self) -> str:
        """Return "<data version>-<data tag>": the name of the data as it is now, never reused for other data."""

    # Idempotency keys: a write retried with the same key gets the first answer and writes nothing twice.
    @abstractmethod
    def claim_idempotency_key(self, user_id, key, fingerprint):
        """Claim (user, key); return None when claimed now, else the KeyRecord already there."""

    @abstractmethod
    def idempotency_record(self, user_id, key):
        """Return the KeyRecord of (user, key), or None."""

    @abstractmethod
    def answer_idempotency_key(self, user_id, key, status, mimetype, body):
        """Keep the answer a claimed key's request got."""

    @abstractmethod
    def release_idempotency_key(self, user_id, key):
        """Forget a claim whose request wrote nothing, so that a retry runs again."""

    # Files people send, kept where every machine sees them.
    @abstractmethod
    def stash_import(self, user_id, filename, data):
        """Keep an import file between its preview and its confirmation; return its stash id."""

    @abstractmethod
    def stashed_import(self, user_id, stash_id):
        """Return (filename, data) of a user's kept import file, or None when unknown or expired."""

    @abstractmethod
    def drop_stashed_import(self, user_id, stash_id):
        """Forget a kept import file."""

    @abstractmethod
    def put_photo_file(self, photo_id, size, data):
        """Store one size of a photo."""

    @abstractmethod
    def photo_file(self, photo_id, size):
        """Return one size of a photo as bytes, or None."""

    @abstractmethod
    def photo_sizes(self, photo_id):
        """Return the set of sizes stored of a photo."""

    @abstractmethod
    def put_photo_source(self, source_hash, photo_id, gps):
        """Note which photo uploaded bytes (by SHA-256) became."""

    @abstractmethod
    def photo_source(self, source_hash: str) -> PhotoSource | None:
        """Return {"id", "gps"} for uploaded bytes with this SHA-256, or None."""

    @abstractmethod
    def add_photo_uploader(self, photo_id, user_id):
        """Note that a user sent this photo."""

    @abstractmethod
    def photo_uploaded_by(self, photo_id, user_id):
        """Return whether this user sent this photo (only they may attach it)."""

    @abstractmethod
    def add_position_report(self, feature_id, lon, lat, accuracy_m, reporter):
        """Keep a visitor's "I am here" report."""

    @abstractmethod
    def position_reports(self, feature_id: str | None = None) -> list[PositionReport]:
        """Return the unused reports (of one place, or all), oldest first."""

    @abstractmethod
    def use_position_reports(self, report_ids):
        """Mark reports as used."""

    @abstractmethod
    def photo_published(self, photo_id):
        """Return whether a published feature shows this photo (then anyone may fetch it)."""

    def close(self):  # noqa: B027 (a backend with nothing to release need not write one)
        """Release connections."""


def open_storage(database_url, pool_size=4):
    """Return the Storage for a database URL: sqlite:///path (the embedded default) or postgresql+psycopg://."""
    if database_url.startswith("sqlite:///"):
        from geotour.storage.sqlite import SQLiteStorage

        return SQLiteStorage(database_url[len("sqlite:///") :])
    if database_url.startswith(POSTGRES_SCHEMES):
        from geotour.storage.postgres import PostgresStorage

        return PostgresStorage(database_url, pool_size=pool_size)
    raise ValueError(f"unsupported database URL: {database_url.split(':', 1)[0]}")


POSTGRES_SCHEMES = ("postgresql+psycopg://", "postgresql://")
