"""What moderators decide: approve a submission (as sent, or corrected first), reject it with a reason, decide a
whole import in one action, and publish an earlier version again. Each decision is one transaction that
writes a new version; nothing is overwritten."""

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from geotour.contributions import accounts
from geotour.contributions.position_reports import verified_properties
from geotour.contributions.workflow import (
    Action,
    Context,
    Status,
    accepted_feature,
    check_reason,
    checked_proposal,
    contributable_layer,
    require_submission,
    stored_submission,
)
from geotour.domain.features import Feature, FeatureRecord, validate_feature
from geotour.domain.places import require_layer
from geotour.domain.visit import WIB, with_reported_dates
from geotour.errors import BadParameter, Conflict, Forbidden, GeotourError, NotFound
from geotour.storage import StaleSubmission
from geotour.storage.records import Submission, User, Version
from geotour.text import gettext as _


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
    return stored_submission(ctx, submission_id)


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
        properties = verified_properties(
            feature["properties"],
            checked.get("at"),
            checked.get("by"),
            checked.get("method") or "checked on site by a member",
            before["coordinates"] if moved else None,
        )
        feature = {**feature, "properties": properties}
    today = datetime.now(WIB).date().isoformat()
    was = published["properties"] if published is not None else None
    feature = {**feature, "properties": with_reported_dates(was, feature["properties"], today)}
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
    proposal = checked_proposal(ctx, layer, sent, geometry, submission["feature"])  # its id: the feature_id
    return accepted_feature(proposal)


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
