"""Submissions: every create, edit or delete waits for a moderator. Statuses, transitions, publishing.

Plain functions over the app context (storage, catalogue, geopark area); the web forms, the API and
the CLI all call these, so the rules are the same on every path.
"""

import enum
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from geotour.contributions import accounts
from geotour.contributions.field_rules import FIELDS, Notice, Problem, clean_text, problem
from geotour.contributions.photo_cleaning import MAX_PHOTOS
from geotour.contributions.rules import FindNear, Proposal, propose
from geotour.domain.features import Feature
from geotour.domain.geodesy import Hit
from geotour.domain.geopark_area import GeoparkArea
from geotour.domain.layers import ATTRACTION, MSME, Catalogue, Layer
from geotour.domain.moments import now_utc
from geotour.domain.places import require_feature, require_layer
from geotour.errors import BadParameter, NotFound, ValidationFailed
from geotour.storage import Storage
from geotour.storage.photos import PhotoStore
from geotour.storage.records import NewSubmission, Submission, User
from geotour.text import gettext as _
from geotour.text import read_bool

MAX_REASON_LENGTH = 500
PHOTO_PATH = "/photos/{id}-{size}.webp"


class Context(Protocol):
    """What the workflow needs of the app (geotour.context.GeotourContext, which imports Flask, has it all)."""

    storage: Storage
    catalogue: Catalogue
    photos: PhotoStore
    admin_self_approval: bool

    def area(self) -> GeoparkArea | None: ...


class Status(enum.Enum):
    """Where a submission is: waiting, or decided for good."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    def can_become(self, other: "Status") -> bool:
        """Return whether this status may change to `other`."""
        return other in TRANSITIONS[self]


TRANSITIONS = {
    Status.PENDING: {Status.APPROVED, Status.REJECTED},
    Status.APPROVED: set(),
    Status.REJECTED: set(),
}
STATUS_NAMES = tuple(s.value for s in Status)


class Action(enum.Enum):
    """What a submission asks for."""

    CREATE = "create"
    EDIT = "edit"
    DELETE = "delete"


ACTION_NAMES = tuple(a.value for a in Action)


def nearby_finder(ctx: Context) -> FindNear:
    """Return find_near(lon, lat, radius_m, layer_id, exclude_id) over the published features."""

    def find_near(
        lon: float, lat: float, radius_m: float, layer_id: str, exclude_id: str | None
    ) -> list[tuple[Feature, Hit]]:
        return ctx.storage.features_near(lon, lat, radius_m, [layer_id], limit=10, exclude_id=exclude_id)

    return find_near


def site_checker(ctx: Context) -> Callable[[str], bool]:
    """Return site_exists(id): whether a route's stop names a published attraction."""

    def site_exists(site_id: str) -> bool:
        feature = ctx.storage.get_feature(site_id)
        layer = ctx.catalogue.get(feature["properties"]["layer"]) if feature else None
        return layer is not None and layer.kind == ATTRACTION

    return site_exists


def place_finder(ctx: Context) -> Callable[[str], Feature | None]:
    """Return place_of(id): the published attraction or business with this id, or None."""

    def place_of(place_id: str) -> Feature | None:
        feature = ctx.storage.get_feature(place_id)
        layer = ctx.catalogue.get(feature["properties"]["layer"]) if feature else None
        return feature if layer is not None and layer.kind in (ATTRACTION, MSME) else None

    return place_of


def checked_proposal(
    ctx: Context, layer: Layer, sent: Mapping[str, Any], geometry: object, base: Feature | None = None
) -> Proposal:
    """Return the Proposal of a new feature, or of an edit of `base`, checked against the published data:
    similar names nearby, a route's stops, an event's place."""
    return propose(
        layer,
        sent,
        geometry,
        ctx.area(),
        nearby_finder(ctx),
        feature_id=base["id"] if base else None,
        base=base,
        site_exists=site_checker(ctx),
        place_of=place_finder(ctx),
    )


STOP_RADIUS_M = 100  # sites this close to a recorded track are offered as its stops


def sites_along(ctx: Context, line: Sequence[Sequence[float]], limit: int = 50) -> list[dict[str, Any]]:
    """Return the published sites within STOP_RADIUS_M of a track, in the order it passes them: the stops a
    contributor is offered ({"id", "name", "distance_m", "along_m"})."""
    found = ctx.storage.features_near_line(line, STOP_RADIUS_M, ctx.catalogue.ids(ATTRACTION), limit)
    return [
        {
            "id": f["id"],
            "name": f["properties"]["name"],
            "distance_m": round(away, 1),
            "along_m": round(at, 1),
        }
        for f, away, at in found
    ]


def contributable_layer(ctx: Context, layer_id: str) -> Layer:
    """Return the layer if people may add to it, or raise BadParameter/NotFound."""
    layer = require_layer(ctx.catalogue, layer_id)
    if layer.kind not in FIELDS:
        raise BadParameter("The layer %(layer)s does not take contributions.", "layer", layer=layer_id)
    return layer


PHOTO_CAPTION_MAX = 200


def photo_caption(sent: dict[str, Any]) -> str | None:
    """Take the caption of a submission's new photos out of what was sent: clean text, or None."""
    caption = sent.pop("photo_caption", None)
    if caption is None or (isinstance(caption, str) and not caption.strip()):
        return None
    text = clean_text(caption) if isinstance(caption, str) else ""
    if not text or len(text) > PHOTO_CAPTION_MAX:
        raise BadParameter(
            _("A photo caption is text of at most %(n)d characters.", n=PHOTO_CAPTION_MAX), "photo_caption"
        )
    return text


def _with_photos(
    feature: Feature,
    photo_ids: Iterable[str],
    kept: Iterable[dict[str, Any]] = (),
    caption: str | None = None,
    credit: str | None = None,
) -> Feature:
    """Return the feature with the photos it keeps, then the new ones (each with the caption sent with them, and
    the sender's group as its credit: public pages never name the person)."""
    about = {k: v for k, v in (("caption", caption), ("credit", credit)) if v}
    photos = list(kept) + [
        {
            "id": pid,
            "url": PHOTO_PATH.format(id=pid, size="display"),
            "thumb": PHOTO_PATH.format(id=pid, size="thumb"),
            **about,
        }
        for pid in photo_ids
    ]
    if len(photos) > MAX_PHOTOS:
        raise ValidationFailed(
            _("At most %(n)d photos per place.", n=MAX_PHOTOS),
            [problem("photos", _("At most %(n)d photos per place.", n=MAX_PHOTOS))],
        )
    props = feature["properties"]
    if photos:
        props.update(photos=photos, photo=photos[0]["url"], photo_thumb=photos[0]["thumb"])
    return feature


def accepted_feature(proposal: Proposal) -> Feature:
    """Return a checked proposal's feature, or raise ValidationFailed listing its problems."""
    if not proposal.ok or proposal.feature is None:
        raise ValidationFailed(
            _("The submission has problems; each one says what to fix."), proposal.problems
        )
    return proposal.feature


def _entry(
    user: User,
    action: "Action",
    proposal_or_layer: Proposal | str,
    feature_id: str | None,
    feature: Feature | None,
    base_version: int | None = None,
    flags: Iterable[Notice] = (),
    batch: str | None = None,
    warnings: Iterable[Problem] = (),
) -> NewSubmission:
    layer_id = proposal_or_layer.layer_id if isinstance(proposal_or_layer, Proposal) else proposal_or_layer
    return {
        "batch": batch,
        "user_id": user["id"],
        "action": action.value,
        "layer": layer_id,
        "feature_id": feature_id,
        "base_version": base_version,
        "feature": feature,
        "flags": list(flags) + [{"kind": "warning", **w} for w in warnings],
    }


def latest_version(ctx: Context, feature_id: str) -> int | None:
    """Return the number of a feature's newest version, or None when it has none."""
    versions = ctx.storage.feature_versions(feature_id)
    return versions[-1]["version"] if versions else None


def submit_create(
    ctx: Context,
    user: User,
    layer_id: str,
    sent: Mapping[str, Any],
    geometry: object,
    photo_ids: Sequence[str] = (),
) -> Submission:
    """Propose a new feature; return the pending submission (or raise ValidationFailed)."""
    layer = contributable_layer(ctx, layer_id)
    sent = dict(sent)
    caption = photo_caption(sent)
    proposal = checked_proposal(ctx, layer, sent, geometry)
    feature = _with_photos(accepted_feature(proposal), photo_ids, (), caption, user.get("group"))
    warnings = [p for p in proposal.problems if p["severity"] == "warning"]
    [sid] = ctx.storage.add_submissions(
        [
            _entry(
                user, Action.CREATE, proposal, feature["id"], feature, flags=proposal.flags, warnings=warnings
            )
        ]
    )
    return stored_submission(ctx, sid)


def submit_edit(
    ctx: Context,
    user: User,
    feature_id: str,
    sent: Mapping[str, Any],
    geometry: object = None,
    photo_ids: Sequence[str] = (),
) -> Submission:
    """Propose changes to a published feature (fields not sent are kept); return the pending submission."""
    base = require_feature(ctx.storage, feature_id)
    layer = contributable_layer(ctx, base["properties"]["layer"])
    sent = dict(sent)
    caption = photo_caption(sent)
    checked = sent.pop("checked_on_site", None)
    if checked is not None and read_bool(checked) is None:
        raise BadParameter("checked_on_site must be true or false", "checked_on_site")
    proposal = checked_proposal(ctx, layer, sent, geometry, base)
    kept = base["properties"].get("photos") or ()
    feature = _with_photos(accepted_feature(proposal), photo_ids, kept, caption, user.get("group"))
    if read_bool(checked):  # approving it marks the position checked on site, by this member, on this day
        feature["properties"]["coord_checked_on_site"] = {"by": user["username"], "at": now_utc()}
    warnings = [p for p in proposal.problems if p["severity"] == "warning"]
    [sid] = ctx.storage.add_submissions(
        [
            _entry(
                user,
                Action.EDIT,
                proposal,
                feature_id,
                feature,
                latest_version(ctx, feature_id),
                proposal.flags,
                warnings=warnings,
            )
        ]
    )
    return stored_submission(ctx, sid)


def submit_delete(ctx: Context, user: User, feature_id: str, reason: object = None) -> Submission:
    """Propose taking a published feature off the map; return the pending submission."""
    base = require_feature(ctx.storage, feature_id)
    contributable_layer(ctx, base["properties"]["layer"])
    note = [{"kind": "reason", "message": check_reason(reason, required=False)}] if reason else []
    [sid] = ctx.storage.add_submissions(
        [
            _entry(
                user,
                Action.DELETE,
                base["properties"]["layer"],
                feature_id,
                None,
                latest_version(ctx, feature_id),
                note,
            )
        ]
    )
    return stored_submission(ctx, sid)


def submit_batch(ctx: Context, user: User, proposals: Iterable[Proposal]) -> list[Submission]:
    """Store checked import proposals as pending submissions, all or none; return them."""
    return submit_changes(ctx, user, [BatchItem(Action.CREATE, p) for p in proposals])


@dataclass
class BatchItem:
    """One change of a batch: a checked proposal to create or edit (a layer id, and no proposal, to delete)."""

    action: Action
    proposal: Proposal | str  # a Proposal, or the layer id of a place to delete
    feature_id: str | None = None  # the place an edit or delete is about (a create's id is its feature's)
    base_version: int | None = None
    flags: list[Notice] = field(default_factory=list)

    def entry(self, user: User, batch: str) -> NewSubmission:
        """Return the storage entry of this change, in `batch`."""
        proposal = self.proposal if isinstance(self.proposal, Proposal) else None
        if proposal is None:  # a removal: the layer id, the place, and the flags given here
            return _entry(
                user, self.action, self.proposal, self.feature_id, None, self.base_version, self.flags, batch
            )
        feature = proposal.feature
        return _entry(
            user,
            self.action,
            proposal,
            self.feature_id or (feature["id"] if feature else None),
            feature,
            self.base_version,
            self.flags + proposal.flags,
            batch=batch,
            warnings=[w for w in proposal.problems if w["severity"] == "warning"],
        )


def submit_changes(ctx: Context, user: User, items: Sequence[BatchItem]) -> list[Submission]:
    """Store BatchItems as pending submissions of one batch, all or none (one transaction); return them."""
    batch = uuid.uuid4().hex
    ids = ctx.storage.add_submissions([item.entry(user, batch) for item in items])
    return [stored_submission(ctx, sid) for sid in ids]


def stored_submission(ctx: Context, submission_id: int) -> Submission:
    """Return a submission just written (submissions are never deleted)."""
    found = ctx.storage.get_submission(submission_id)
    assert found is not None
    return found


def check_reason(reason: object, required: bool = True) -> str:
    """Return a trimmed reason, or raise BadParameter."""
    if reason is not None and not isinstance(reason, str):
        raise BadParameter("reason must be text", "reason")
    reason = (reason or "").strip()
    if required and not reason:
        raise BadParameter(_("Give a short reason; the contributor will see it."), "reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise BadParameter(_("At most %(n)d characters.", n=MAX_REASON_LENGTH), "reason")
    return reason


def require_submission(ctx: Context, user: User, submission_id: int) -> Submission:
    """Return a submission this user may see, or raise NotFound (also for other people's)."""
    submission = ctx.storage.get_submission(submission_id)
    if submission is None or not accounts.can_view_submission(user, submission):
        raise NotFound("No submission %(id)s.", "id", id=submission_id)
    return submission


def list_submissions(
    ctx: Context,
    user: User,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
    own_only: bool = False,
) -> tuple[list[Submission], int]:
    """Return (submissions, total): everyone's for a moderator (unless own_only), one's own otherwise."""
    if status is not None and status not in STATUS_NAMES:
        raise BadParameter("status must be one of %(allowed)s", "status", allowed=", ".join(STATUS_NAMES))
    mine = None if accounts.can_moderate(user) and not own_only else user["id"]
    return ctx.storage.list_submissions(status, mine, limit, offset)
