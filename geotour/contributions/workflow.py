"""Submissions: every create, edit or delete waits for a moderator. Statuses, transitions, publishing.

Plain functions over the app context (storage, catalogue, geopark area); the web forms, the API and
the CLI all call these, so the rules are the same on every path.
"""

import enum
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypeGuard

from geotour.contributions import accounts
from geotour.contributions.photo_cleaning import MAX_PHOTOS
from geotour.contributions.rules import FIELDS, FindNear, Flag, Problem, Proposal, problem, propose
from geotour.domain import position_checks
from geotour.domain.features import Feature, FeatureRecord, finite_number, validate_feature
from geotour.domain.geopark_area import GeoparkArea
from geotour.domain.layers import Catalogue, Layer
from geotour.domain.nearby import Hit, distance_m
from geotour.domain.places import require_feature, require_layer
from geotour.errors import BadParameter, Conflict, Forbidden, GeotourError, NotFound, ValidationFailed
from geotour.storage import StaleSubmission, Storage
from geotour.storage.photos import PhotoStore
from geotour.storage.records import NewSubmission, Submission, User, Version
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


def contributable_layer(ctx: Context, layer_id: str) -> Layer:
    """Return the layer if people may add to it, or raise BadParameter/NotFound."""
    layer = require_layer(ctx.catalogue, layer_id)
    if layer.kind not in FIELDS:
        raise BadParameter("The layer %(layer)s does not take contributions.", "layer", layer=layer_id)
    return layer


def _with_photos(feature: Feature, photo_ids: Iterable[str], kept: Iterable[dict[str, Any]] = ()) -> Feature:
    photos = list(kept) + [
        {
            "id": pid,
            "url": PHOTO_PATH.format(id=pid, size="display"),
            "thumb": PHOTO_PATH.format(id=pid, size="thumb"),
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


def _accepted(proposal: Proposal) -> Feature:
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
    flags: Iterable[Flag] = (),
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
    proposal = propose(layer, sent, geometry, ctx.area(), nearby_finder(ctx))
    feature = _with_photos(_accepted(proposal), photo_ids)
    warnings = [p for p in proposal.problems if p["severity"] == "warning"]
    [sid] = ctx.storage.add_submissions(
        [
            _entry(
                user, Action.CREATE, proposal, feature["id"], feature, flags=proposal.flags, warnings=warnings
            )
        ]
    )
    return _stored(ctx, sid)


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
    checked = sent.pop("checked_on_site", None)
    if checked is not None and read_bool(checked) is None:
        raise BadParameter("checked_on_site must be true or false", "checked_on_site")
    proposal = propose(
        layer, sent, geometry, ctx.area(), nearby_finder(ctx), feature_id=feature_id, base=base
    )
    feature = _with_photos(_accepted(proposal), photo_ids, base["properties"].get("photos") or ())
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
    return _stored(ctx, sid)


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
    return _stored(ctx, sid)


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
    flags: list[Flag] = field(default_factory=list)

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
    return [_stored(ctx, sid) for sid in ids]


def _stored(ctx: Context, submission_id: int) -> Submission:
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


def _decide(
    ctx: Context,
    moderator: User,
    submission_id: int,
    status: Status,
    reason: str | None = None,
    edited: tuple[Mapping[str, Any], object] | None = None,
) -> Submission:
    if not accounts.can_moderate(moderator):
        raise Forbidden("only moderators decide submissions")
    submission = require_submission(ctx, moderator, submission_id)
    if not Status(submission["status"]).can_become(status):
        raise Conflict(
            "Submission %(id)s has already been decided; reload the page to see how.",
            "status",
            id=submission_id,
        )
    record = note = None
    if status is Status.APPROVED:
        if not accounts.can_approve(moderator, submission, ctx.admin_self_approval):
            raise Forbidden("You may not approve your own submission: another moderator reviews it.", "id")
        if edited is not None:
            submission, note = {**submission, "feature": _edited(ctx, submission, *edited)}, EDITED_NOTE
        record = _record_to_publish(ctx, submission)
    try:
        ctx.storage.decide_submission(submission_id, status.value, moderator["id"], reason, record, note)
    except StaleSubmission:
        raise Conflict(
            "Submission %(id)s was decided by another moderator first; reload the page to see how.",
            "status",
            id=submission_id,
        ) from None
    return _stored(ctx, submission_id)


def _record_to_publish(ctx: Context, submission: Submission) -> FeatureRecord | None:
    feature_id = submission["feature_id"]  # every submission names its place (a create, the new one's id)
    published = ctx.storage.get_feature(feature_id) if feature_id else None
    action = Action(submission["action"])
    if action is Action.CREATE and published is not None:
        raise Conflict("A place with id %(id)s is already published.", "id", id=submission["feature_id"])
    if action is not Action.CREATE and published is None:
        raise Conflict("The place %(id)s is no longer published.", "id", id=submission["feature_id"])
    if action is Action.DELETE:
        return None
    if submission["feature"] is None:  # a create or an edit carries its feature
        raise Conflict("Submission %(id)s holds no place to publish.", "id", id=submission["id"])
    feature: dict[str, Any] = dict(submission["feature"])
    author = ctx.storage.get_user(submission["user_id"]) if action is Action.CREATE else None
    if author and author.get("group"):  # public pages credit the contributor's group, not the person
        feature = {**feature, "properties": {**feature["properties"], "contributed_by": author["group"]}}
    checked = feature["properties"].get("coord_checked_on_site")
    # The member stood there: approving marks the position verified.
    if isinstance(checked, dict) and published is not None:
        before = published["geometry"]
        moved = before["type"] == "Point" and before["coordinates"] != feature["geometry"]["coordinates"]
        properties = _verified_properties(
            feature["properties"],
            checked.get("at"),
            checked.get("by"),
            checked.get("method") or "checked on site by a member",
            before["coordinates"] if moved else None,
        )
        feature = {**feature, "properties": properties}
    return validate_feature(feature, require_layer(ctx.catalogue, submission["layer"]))


def approve(ctx: Context, moderator: User, submission_id: int) -> Submission:
    """Publish a pending submission as a new version; return it."""
    return _decide(ctx, moderator, submission_id, Status.APPROVED)


EDITED_NOTE = "edited by the moderator before approval"


def _edited(ctx: Context, submission: Submission, sent: Mapping[str, Any], geometry: object) -> Feature:
    """Return a pending create's or edit's feature with a moderator's changes over what was sent, checked by the
    same rules (or raise ValidationFailed)."""
    if Action(submission["action"]) is Action.DELETE or not submission["feature"]:
        raise BadParameter(_("A removal has nothing to edit: approve or reject it."), "id")
    layer = contributable_layer(ctx, submission["layer"])
    sent = {k: v for k, v in dict(sent).items() if k != "checked_on_site"}
    proposal = propose(
        layer,
        sent,
        geometry,
        ctx.area(),
        nearby_finder(ctx),
        feature_id=submission["feature_id"],
        base=submission["feature"],
    )
    return _accepted(proposal)


def approve_edited(
    ctx: Context, moderator: User, submission_id: int, sent: Mapping[str, Any], geometry: object = None
) -> Submission:
    """Approve a pending create or edit with the moderator's corrections (fields not sent stay as the contributor
    sent them). The submission keeps what the contributor sent; the version credits them as author and the
    moderator as approver, noting the edit. Return the submission."""
    return _decide(ctx, moderator, submission_id, Status.APPROVED, edited=(sent, geometry))


def reject(ctx: Context, moderator: User, submission_id: int, reason: object) -> Submission:
    """Reject a pending submission with a reason the contributor will see; return it."""
    return _decide(ctx, moderator, submission_id, Status.REJECTED, check_reason(reason))


MAX_BATCH = 1000  # an import holds at most GEOTOUR_IMPORT_MAX_FEATURES rows (500 by default)


def decide_batch(
    ctx: Context,
    moderator: User,
    batch: str,
    approve_ids: Iterable[int] | None = None,
    reason: object = None,
    considered: Collection[int] | None = None,
    excepted: Iterable[int] = (),
) -> dict[str, list[Any]]:
    """Decide an import in one action: approve its pending submissions whose ids are in `approve_ids` (None:
    every one not in `excepted`), reject the others with `reason`, or leave them pending when no reason is
    given. With `considered` (the ids the moderator was shown), a row outside it is left pending whatever else
    is asked: nobody rejects unseen rows.

    Each decision is its own transaction, as a single approval is; one that cannot be made (the moderator's own
    submission, one decided meanwhile) is reported and the others go on. Return {"approved": [ids],
    "rejected": [ids], "pending": [ids], "failed": [{"id", "message"}]}.
    """
    if not accounts.can_moderate(moderator):
        raise Forbidden("only moderators decide submissions")
    reason = check_reason(reason, required=False)
    found, _total = ctx.storage.list_submissions("pending", None, MAX_BATCH, 0, batch=batch)
    if not found:
        raise NotFound("No import %(batch)s is waiting for review.", "batch", batch=repr(str(batch)[:40]))
    wanted = set(approve_ids) if approve_ids is not None else {s["id"] for s in found} - set(excepted)
    done: dict[str, list] = {"approved": [], "rejected": [], "pending": [], "failed": []}
    for submission in found:
        sid = submission["id"]
        if considered is not None and sid not in considered or sid not in wanted and not reason:
            done["pending"].append(sid)
            continue
        try:
            if sid in wanted:
                approve(ctx, moderator, sid)
                done["approved"].append(sid)
            else:
                _decide(ctx, moderator, sid, Status.REJECTED, reason)
                done["rejected"].append(sid)
        except GeotourError as exc:
            done["failed"].append({"id": sid, "message": exc.message})
    return done


def versions(ctx: Context, feature_id: str) -> list[Version]:
    """Return a feature's versions, oldest first, or raise NotFound."""
    found = ctx.storage.feature_versions(feature_id)
    if not found:
        raise NotFound("No place with id %(id)s.", "id", id=repr(feature_id[:60]))
    return found


def revert(ctx: Context, moderator: User, feature_id: str, version: int) -> int:
    """Publish an earlier version of a feature again, as a new version; return the new version's number."""
    if not accounts.can_moderate(moderator):
        raise Forbidden("only moderators revert features")
    history = versions(ctx, feature_id)
    target = next((v for v in history if v["version"] == version), None)
    if target is None:
        raise BadParameter(
            "The place %(id)s has versions 1 to %(last)d.",
            "version",
            id=feature_id,
            last=history[-1]["version"],
        )
    if target["version"] == history[-1]["version"]:
        raise Conflict("Version %(n)d is already the current one.", "version", n=version)
    layer = require_layer(ctx.catalogue, target["layer"])
    record = validate_feature(target["feature"], layer) if target["feature"] else None
    return ctx.storage.publish_version(
        feature_id, layer.id, record, moderator["id"], "revert", note=f"revert to version {version}"
    )


def _checkable_place(ctx: Context, feature_id: str) -> tuple[Feature, Layer]:
    """Return (feature, layer) of a place whose point can be checked on site, or raise saying why not."""
    feature = require_feature(ctx.storage, feature_id)
    layer = ctx.catalogue.get(feature["properties"]["layer"])
    if layer is None or layer.kind not in FIELDS or feature["geometry"]["type"] != "Point":
        raise BadParameter(_("Only places (attractions and businesses) have a position to check."), "id")
    if feature["properties"].get("coord_confidence") == "verified":
        raise Conflict(_("This position is already marked as checked on site."), "id")
    return feature, layer


def now_utc() -> str:
    """Return the present instant as stored: "2026-12-01T02:30:00Z"."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _verified_properties(
    properties: Mapping[str, Any],
    checked_at: str | None,
    checked_by: str | None,
    method: str,
    previous: Sequence[float] | None = None,
) -> dict[str, Any]:
    """Return a place's properties with its position marked checked on site (the estimate's uncertainty gone),
    and the point it had before (`previous`, [lon, lat]) when the check moved it."""
    verified = {
        k: v for k, v in properties.items() if k not in ("coord_checked_on_site", "coord_uncertainty_m")
    }
    verified.update(
        coord_confidence="verified",
        coord_verified_at=checked_at,
        coord_verified_by=checked_by,
        coord_verified_method=method,
    )
    if previous is not None:
        verified["coord_previous"] = {"lon": previous[0], "lat": previous[1]}
    return verified


def _publish_verified(
    ctx: Context,
    moderator: User,
    feature: Feature,
    layer: Layer,
    checked_at: str,
    method: str,
    position: tuple[float, float] | None = None,
) -> int:
    """Publish a place's position as checked on site (moved to `position` when given); return the version."""
    geometry = feature["geometry"]
    properties = _verified_properties(
        feature["properties"],
        checked_at,
        moderator["username"],
        method,
        geometry["coordinates"] if position is not None else None,
    )
    if position is not None:
        geometry = {"type": "Point", "coordinates": [round(position[0], 6), round(position[1], 6)]}
    record = validate_feature({**feature, "geometry": geometry, "properties": properties}, layer)
    return ctx.storage.publish_version(
        feature["id"], layer.id, record, moderator["id"], "verify", note="position checked on site"
    )


def verify_position(ctx: Context, moderator: User, feature_id: str, checked_at: str) -> int:
    """Record that a place's position was checked on the ground: a new version whose point is "verified".

    The "approximate" badge goes; the earlier confidence and uncertainty stay in the history. Return the new
    version's number.
    """
    if not accounts.can_moderate(moderator):
        raise Forbidden(_("Only moderators can mark a position as checked on site."))
    feature, layer = _checkable_place(ctx, feature_id)
    return _publish_verified(ctx, moderator, feature, layer, checked_at, "moderator")


def report_position(
    ctx: Context, feature_id: str, lon: Any, lat: Any, accuracy_m: Any, reporter: str
) -> None:
    """Keep a visitor's "I am here" at a place whose point is an estimate (no account needed).

    The phone's position must be good to MAX_ACCURACY_M and near enough the place to be there (twice the
    estimate's uncertainty, at least 2 km). The report is evidence for moderators, never shown in public.
    """
    if not all(finite_number(v) for v in (lon, lat)) or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise BadParameter(_("The position must be a longitude and a latitude."), "position")
    if not finite_number(accuracy_m) or accuracy_m < 0:
        raise BadParameter(_("Send the accuracy of the position in metres."), "accuracy_m")
    if accuracy_m > position_checks.MAX_ACCURACY_M:
        raise BadParameter(
            _(
                "Your phone knows its position only to ±%(got)d m; wait outside for a better GPS fix "
                "(±%(most)d m or better) and send again.",
                got=round(accuracy_m),
                most=position_checks.MAX_ACCURACY_M,
            ),
            "accuracy_m",
        )
    feature, _layer = _checkable_place(ctx, feature_id)
    here = feature["geometry"]["coordinates"]
    away = distance_m(here[0], here[1], lon, lat)
    reach = max(2000, 2 * (feature["properties"].get("coord_uncertainty_m") or 0))
    if away > reach:
        raise BadParameter(
            _(
                "You seem to be %(km)s km from this place; send this when you are there.",
                km=round(away / 1000, 1),
            ),
            "position",
        )
    ctx.storage.add_position_report(feature_id, float(lon), float(lat), float(accuracy_m), reporter)


def position_suggestions(ctx: Context, moderator: User) -> list[dict[str, Any]]:
    """Return, for moderators, the places where visitors' reports agree: [{feature, agreement, moved_m}]."""
    if not accounts.can_moderate(moderator):
        raise Forbidden("only moderators see position reports")
    by_place: dict[str, list] = {}
    for report in ctx.storage.position_reports():
        by_place.setdefault(report["feature_id"], []).append(report)
    found = []
    for feature_id, reports in sorted(by_place.items()):
        agreed = position_checks.agreement(reports)
        feature = ctx.storage.get_feature(feature_id)
        if agreed is None or feature is None or feature["properties"].get("coord_confidence") == "verified":
            continue
        here = feature["geometry"]["coordinates"]
        found.append(
            {
                "feature": feature,
                "agreement": agreed,
                "moved_m": round(distance_m(here[0], here[1], agreed.lon, agreed.lat)),
            }
        )
    return found


def accept_reported_position(ctx: Context, moderator: User, feature_id: str, checked_at: str) -> int:
    """Move a place's point to where visitors' reports agree, and mark it checked on site; return the version."""
    if not accounts.can_moderate(moderator):
        raise Forbidden(_("Only moderators can mark a position as checked on site."))
    feature, layer = _checkable_place(ctx, feature_id)
    agreed = position_checks.agreement(ctx.storage.position_reports(feature_id))
    if agreed is None:
        raise Conflict(_("Not enough visitors' reports agree on this place's position yet."), "id")
    version = _publish_verified(
        ctx,
        moderator,
        feature,
        layer,
        checked_at,
        f"visitor reports ({agreed.reporters})",
        (agreed.lon, agreed.lat),
    )
    ctx.storage.use_position_reports(agreed.report_ids)
    return version


# Kept for Geotour's own bookkeeping: never shown as a change (photos are shown as pictures instead).
DIFF_HIDDEN = frozenset({"id", "layer", "photo", "photo_thumb", "contributed", "attribution"})


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Return [{field, old, new}] for what differs, as a moderator reads it: the location first (with how far it
    moved, in metres on the ellipsoid, when it moved), the photos as their thumbnails, then every other property
    except Geotour's own bookkeeping (ids, the first photo's copies)."""
    old = dict((before or {}).get("properties") or {})
    new = dict((after or {}).get("properties") or {})
    rows = []
    old_at = (before or {}).get("geometry", {}).get("coordinates") if before else None
    new_at = (after or {}).get("geometry", {}).get("coordinates") if after else None
    if old_at != new_at:
        row = {"field": "location", "old": old_at, "new": new_at}
        if _is_position(old_at) and _is_position(new_at):
            row["moved_m"] = round(distance_m(old_at[0], old_at[1], new_at[0], new_at[1]))
        rows.append(row)
    if _thumbs(old) != _thumbs(new):
        rows.append({"field": "photos", "old": _thumbs(old), "new": _thumbs(new), "kind": "photos"})
    for key in sorted(set(old) | set(new)):
        if key not in DIFF_HIDDEN and key != "photos" and old.get(key) != new.get(key):
            rows.append({"field": key, "old": old.get(key), "new": new.get(key)})
    return rows


def _is_position(coords: object) -> TypeGuard[list[float]]:
    return (
        isinstance(coords, list) and len(coords) >= 2 and all(isinstance(c, (int, float)) for c in coords[:2])
    )


def _thumbs(properties: Mapping[str, Any]) -> list[Any]:
    return [p.get("thumb") for p in properties.get("photos") or () if isinstance(p, dict) and p.get("thumb")]
