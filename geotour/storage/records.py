"""The records the storage layer hands out, typed: users, tokens, submissions, versions, position reports,
idempotency keys.

They stay dicts (templates, JSON answers and tests read them as such), so each is a TypedDict: mypy checks
that the row mappers in sql_contributions.py fill every key, and callers see what a record holds. Places
are GeoJSON Features (geotour.domain.features.Feature); layers are geotour.domain.layers.Layer.
Role names, submission states and actions are the values of the enums in geotour.contributions.
"""

from dataclasses import dataclass
from typing import Any, TypedDict

from geotour.domain.features import Feature, Geometry


class User(TypedDict):
    id: int
    username: str
    role: str  # contributions.accounts.Role
    active: bool
    created_at: str
    session_version: int
    group: str | None


class Token(TypedDict):
    """An API token as its owner sees it: never its hash."""

    id: int
    name: str
    created_at: str
    last_used_at: str | None
    revoked_at: str | None


class Submission(TypedDict):
    id: int
    batch: str | None
    user_id: int
    username: str
    action: str  # contributions.workflow.Action
    layer: str
    feature_id: str | None
    base_version: int | None
    feature: Feature | None
    flags: list[dict[str, Any]]  # what the rules and the moderator should notice: {"kind", …}
    status: str  # contributions.workflow.Status
    reason: str | None
    created_at: str
    decided_at: str | None
    decided_by: str | None


class Version(TypedDict):
    feature_id: str
    version: int
    layer: str
    feature: Feature | None  # None: the feature was taken off the map in this version
    action: str
    created_at: str
    created_by: str | None
    submission_id: int | None
    author: str | None
    note: str | None


class PositionReport(TypedDict):
    id: int
    feature_id: str
    lon: float
    lat: float
    accuracy_m: float
    reporter: str
    created_at: str


class NewAlert(TypedDict):
    level: str
    title_id: str
    title_en: str
    text_id: str
    text_en: str
    place_ids: list[str]  # empty: the whole geopark
    months: list[int]  # empty: every month; else a seasonal note, shown only in these months (WIB)
    area: Geometry | None  # a GeoJSON Polygon the office drew: the places inside it are concerned
    starts_at: str  # UTC, "YYYY-MM-DDTHH:MM:SSZ"
    ends_at: str


class Alert(NewAlert):
    id: int
    created_by: int
    created_at: str
    withdrawn_at: str | None


class NewVisitorReport(TypedDict):
    """A visitor's report of a problem, as checked (geotour.contributions.visitor_reports)."""

    feature_id: str
    category: str
    text: str
    lon: float | None
    lat: float | None
    accuracy_m: float | None
    photo_id: str | None
    lang: str
    reporter: str  # a keyed hash of the sender's address, never the address


class VisitorReport(NewVisitorReport):
    id: int
    status: str  # new, seen, fixed, not_a_problem
    reply: str
    created_at: str
    updated_at: str
    handled_by: int | None


class PhotoSource(TypedDict):
    id: str
    gps: list[float] | None


class NewSubmission(TypedDict):
    """A submission to store (workflow makes it); storage adds its id, status and times."""

    batch: str | None
    user_id: int
    action: str
    layer: str
    feature_id: str | None
    base_version: int | None
    feature: Feature | None
    flags: list[dict[str, Any]]


@dataclass(frozen=True)
class KeyRecord:
    """What the server remembers of one (user, Idempotency-Key)."""

    fingerprint: str
    created_at: str
    committed: bool
    status: int | None
    mimetype: str | None
    body: bytes | None

    @property
    def answered(self) -> bool:
        """Whether the first answer is kept (so a retry gets it back)."""
        return self.status is not None
