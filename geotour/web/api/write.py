"""/api/v1 writes for scripts and the web forms: submissions, moderation, versions and photos.

Each view parses the request and calls one function in submissions/batches; the same rules apply
whether the caller sends a Bearer token or a session cookie (with its CSRF token).
"""

import re
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from geotour.context import current as _ctx
from geotour.contributions import bulk_import, workflow
from geotour.domain import position_checks
from geotour.errors import BadParameter
from geotour.web import params
from geotour.web.auth import report_limit, reporter_key, requires, upload_limit, user_record
from geotour.web.idempotency import idempotent
from geotour.web.photo_uploads import save_photo

bp = Blueprint("api_writes", __name__, url_prefix="/api/v1")
LIST_MAX_LIMIT = 500
SOURCE_HASH_PATTERN = r"[0-9a-fA-F]{64}"  # a photo's SHA-256 (photo_by_source); the OpenAPI document reads it


class ImportForm(params.Unchecked):
    """The form fields sent with a file to import (multipart, with the file as "file")."""

    layer = params.Text("Layer id of the file's rows", 40, required=True)
    dry_run = params.Flag(
        "true: check the file and report, store nothing; false: store the rows", default=True
    )
    category = params.Text("Category of the rows that have none")
    owner_consent = params.Flag("The owners agreed to be listed, for the rows that do not say")
    on_error = params.Choice(
        "fail: store nothing when any row has an error; skip: store the ready rows",
        bulk_import.ON_ERROR,
        default="fail",
    )
    apply_fixes = params.Flag("Take swapped or sign-less positions at their suggested fix", default=False)


def _reason(required: bool) -> params.Text:
    return params.Text("Why (the contributor reads it)", workflow.MAX_REASON_LENGTH, required=required)


class ReasonBody(params.Body):
    reason = _reason(required=False)


class RejectBody(params.Body):
    reason = _reason(required=True)


class RevertBody(params.Body):
    version = params.Integer("The version to publish again", 1, required=True)


class PositionReportBody(params.Body):
    """Checked by workflow.report_position, whose messages speak to a visitor standing at the place."""

    lon = params.Value("The phone's longitude (WGS84)", True, type="number", minimum=-180, maximum=180)
    lat = params.Value("The phone's latitude (WGS84)", True, type="number", minimum=-90, maximum=90)
    accuracy_m = params.Value(
        "How sure the phone is of its position, in metres",
        True,
        type="number",
        maximum=position_checks.MAX_ACCURACY_M,
    )


class BatchDecisionBody(params.Body):
    except_ = params.IdList("Submissions left out of the approval", data_key="except", default=())
    reason = params.Text(
        "Why the rows left out (or, with reject, all rows) are rejected", workflow.MAX_REASON_LENGTH
    )
    reject = params.Flag("true: reject every row of the import (give a reason)", default=False)


class SubmissionsQuery(params.Query):
    status = params.Choice("Only submissions in this state", workflow.STATUS_NAMES)
    limit = params.Integer("Submissions per page", 1, LIST_MAX_LIMIT, default=100)
    offset = params.Integer("Submissions to skip", 0, default=0)


def _created(payload: Any, status: int = 201) -> Response:
    response = jsonify(payload)
    response.status_code = status
    return response


def _feature_parts(body: Mapping[str, Any]) -> tuple[dict[str, Any], Any]:
    """Return (properties, geometry) from a GeoJSON Feature, or from {"properties", "geometry"}."""
    properties = body.get("properties", {})
    if not isinstance(properties, dict):
        raise BadParameter('"properties" must be an object', "properties")
    return properties, body.get("geometry")


def _photo_ids(properties: dict[str, Any]) -> list[str]:
    ids = properties.pop("photos", None) or []
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise BadParameter('"photos" must be a list of photo ids from POST /api/v1/photos', "photos")
    store, user_id = _ctx().photos, user_record()["id"]
    # Only a photo this user sent may be attached: another person's photo stays theirs until it is published.
    missing = [i for i in ids if not store.exists(i) or not _ctx().storage.photo_uploaded_by(i, user_id)]
    if missing:
        raise BadParameter(
            "unknown photo id %(id)s; upload it with POST /api/v1/photos first",
            "photos",
            id=repr(missing[0][:40]),
        )
    return ids


@bp.post("/submissions")
@requires("can_contribute")
@upload_limit()
@idempotent
def create_submission() -> ResponseReturnValue:
    """Propose a new feature (a GeoJSON Feature), or import a file (multipart: file, layer, dry_run)."""
    if "file" in request.files:
        return _bulk_import()
    body = params.json_body()
    properties, geometry = _feature_parts(body)
    properties = dict(properties)
    layer_id = request.args.get("layer") or properties.pop("layer", None)
    if layer_id is not None and not isinstance(layer_id, str):
        raise BadParameter('"layer" must be a layer id (text)', "layer")
    if not layer_id:
        raise BadParameter('say which layer: "layer" in properties, or ?layer=', "layer")
    photo_ids = _photo_ids(properties)
    created = workflow.submit_create(_ctx(), user_record(), layer_id, properties, geometry, photo_ids)
    return _created({"submissions": [created]})


def _bulk_import() -> Response:
    upload = request.files["file"]
    form = params.read(ImportForm, request.form)
    dry_run = form["dry_run"]
    defaults = {"category": form["category"], "owner_consent": form["owner_consent"]}
    report = bulk_import.import_file(
        _ctx(),
        user_record(),
        upload.read(),
        upload.filename,
        form["layer"],
        defaults,
        dry_run,
        current_app.config["GEOTOUR_IMPORT_MAX_BYTES"],
        current_app.config["GEOTOUR_IMPORT_MAX_FEATURES"],
        on_error=form["on_error"],
        apply_fixes=form["apply_fixes"],
    )
    if dry_run:
        return jsonify({"report": report})
    return _created(
        {
            "report": {k: v for k, v in report.items() if k != "submissions"},
            "submissions": report["submissions"],
        }
    )


@bp.patch("/features/<feature_id>")
@requires("can_contribute")
@upload_limit()
@idempotent
def edit_feature(feature_id: str) -> ResponseReturnValue:
    """Propose changes to a published feature; fields not sent are kept."""
    properties, geometry = _feature_parts(params.json_body())
    properties = dict(properties)
    photo_ids = _photo_ids(properties)
    created = workflow.submit_edit(_ctx(), user_record(), feature_id, properties, geometry, photo_ids)
    return _created({"submissions": [created]})


@bp.delete("/features/<feature_id>")
@requires("can_contribute")
@upload_limit()
@idempotent
@params.body(ReasonBody, form_too=True)
def delete_feature(feature_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    """Propose taking a feature off the map (it stays in the history)."""
    created = workflow.submit_delete(_ctx(), user_record(), feature_id, body["reason"])
    return _created({"submissions": [created]})


@bp.get("/submissions")
@requires("can_contribute")
@params.query(SubmissionsQuery)
def list_submissions(args: dict[str, Any]) -> ResponseReturnValue:
    """List your submissions, or everyone's for a moderator."""
    found, total = workflow.list_submissions(
        _ctx(), user_record(), args["status"], args["limit"], args["offset"]
    )
    return jsonify({"submissions": found, "numberMatched": total, "numberReturned": len(found)})


@bp.get("/submissions/<int:submission_id>")
@requires("can_contribute")
def get_submission(submission_id: int) -> ResponseReturnValue:
    """Return one submission (yours, or any for a moderator)."""
    return jsonify(workflow.require_submission(_ctx(), user_record(), submission_id))


@bp.post("/submissions/<int:submission_id>/approve")
@requires("can_moderate")
@idempotent
def approve_submission(submission_id: int) -> ResponseReturnValue:
    """Publish a pending submission; with {"properties": {...}, "geometry": ...}, with the moderator's corrections
    over what was sent (the contributor stays its author)."""
    body = params.json_body(form_too=True)
    if "properties" not in body and "geometry" not in body:
        return jsonify(workflow.approve(_ctx(), user_record(), submission_id))
    properties, geometry = _feature_parts(body)
    return jsonify(workflow.approve_edited(_ctx(), user_record(), submission_id, properties, geometry))


@bp.post("/submissions/<int:submission_id>/reject")
@requires("can_moderate")
@idempotent
@params.body(RejectBody, form_too=True)
def reject_submission(submission_id: int, body: dict[str, Any]) -> ResponseReturnValue:
    """Reject a pending submission with a reason."""
    return jsonify(workflow.reject(_ctx(), user_record(), submission_id, body["reason"]))


@bp.post("/features/<feature_id>/here")
@report_limit()
@params.body(PositionReportBody)  # JSON only, whatever the Content-Type says
def report_here(feature_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    """ "I am here": a visitor at a place whose point is an estimate sends their phone's position (no account).
    Body {"lon", "lat", "accuracy_m"}; the accuracy must be 50 m or better. Evidence for moderators only.
    JSON only (see auth.NO_SESSION_NEEDED): no other site can make its visitors' browsers send reports."""
    workflow.report_position(_ctx(), feature_id, body["lon"], body["lat"], body["accuracy_m"], reporter_key())
    return jsonify({"received": True}), 202


@bp.post("/batches/<batch>/decide")
@requires("can_moderate")
@idempotent
@params.body(BatchDecisionBody)
def decide_batch(batch: str, body: dict[str, Any]) -> ResponseReturnValue:
    """Decide an import in one action: approve every pending row except those in "except", which are rejected
    with "reason" (or left pending without one); {"reject": true, "reason": …} rejects every row."""
    if body["reject"] and not body["reason"]:
        raise BadParameter("give a reason to reject the whole import", "reason")
    return jsonify(
        workflow.decide_batch(
            _ctx(),
            user_record(),
            batch,
            [] if body["reject"] else None,
            body["reason"],
            excepted=set(body["except_"]),
        )
    )


@bp.get("/features/<feature_id>/versions")
@requires("can_moderate")
def feature_versions(feature_id: str) -> ResponseReturnValue:
    """List every version of a feature, oldest first."""
    return jsonify({"feature_id": feature_id, "versions": workflow.versions(_ctx(), feature_id)})


@bp.post("/features/<feature_id>/revert")
@requires("can_moderate")
@idempotent
@params.body(RevertBody, form_too=True)
def revert_feature(feature_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    """Publish an earlier version again, as a new version."""
    version = body["version"]
    new_version = workflow.revert(_ctx(), user_record(), feature_id, version)
    return jsonify({"feature_id": feature_id, "version": new_version, "reverted_to": version})


@bp.post("/photos")
@requires("can_contribute")
@upload_limit()
@idempotent
def upload_photo() -> ResponseReturnValue:
    """Upload one photo (multipart "photo"); return its id, URLs and the GPS position it holds."""
    if "photo" not in request.files:
        raise BadParameter('send the photo as multipart field "photo"', "photo")
    photo = save_photo(request.files["photo"])
    return _created(_photo_answer(photo.id, photo.gps))


def _photo_answer(photo_id: str, gps: Sequence[float] | None) -> dict[str, Any]:
    return {
        "id": photo_id,
        "url": workflow.PHOTO_PATH.format(id=photo_id, size="display"),
        "thumb": workflow.PHOTO_PATH.format(id=photo_id, size="thumb"),
        "gps": {"lon": gps[0], "lat": gps[1]} if gps else None,
    }


@bp.get("/photos/sources/<source_hash>")
@requires("can_contribute")
def photo_by_source(source_hash: str) -> ResponseReturnValue:
    """Say whether a photo whose sent bytes have this SHA-256 is already stored (then it need not be sent)."""
    if not re.fullmatch(SOURCE_HASH_PATTERN, source_hash):
        raise BadParameter("give the SHA-256 of the photo file as 64 hexadecimal digits", "source_hash")
    found = _ctx().photos.by_source(source_hash.lower())
    if found is None or not _ctx().storage.photo_uploaded_by(found["id"], user_record()["id"]):
        return jsonify({"stored": False})
    return jsonify({"stored": True, **_photo_answer(found["id"], found["gps"])})
