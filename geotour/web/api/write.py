"""/api/v1 writes for scripts and the web forms: submissions, moderation, versions and photos.

Each view parses the request and calls one function in submissions/batches; the same rules apply
whether the caller sends a Bearer token or a session cookie (with its CSRF token).
"""

import re
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_smorest.fields import Upload

from geotour.context import current as _ctx
from geotour.contributions import alerts as office_alerts
from geotour.contributions import bulk_import, decisions, position_reports, tracks, workflow
from geotour.domain import position_checks
from geotour.errors import BadParameter
from geotour.web import params, views
from geotour.web.alert_views import alert_view, is_place
from geotour.web.api import schemas
from geotour.web.auth import report_limit, reporter_key, requires, upload_limit, user_record
from geotour.web.idempotency import idempotent
from geotour.web.photo_uploads import save_photo
from geotour.web.responses import GEOJSON, JSON

bp = views.Blueprint("api_writes", __name__, url_prefix="/api/v1")
LIST_MAX_LIMIT = 500
SOURCE_HASH_PATTERN = r"[0-9a-fA-F]{64}"  # a photo's SHA-256 (photo_by_source); the OpenAPI document reads it


class ImportForm(params.Unchecked):
    """The form fields sent with a file to import (multipart, with the file as "file")."""

    layer = params.text("Layer id of the file's rows", 40, required=True)
    dry_run = params.flag(
        "true: check the file and report, store nothing; false: store the rows", load_default=True
    )
    category = params.text("Category of the rows that have none")
    owner_consent = params.flag("The owners agreed to be listed, for the rows that do not say")
    on_error = params.choice(
        "fail: store nothing when any row has an error; skip: store the ready rows",
        bulk_import.ON_ERROR,
        load_default="fail",
    )
    apply_fixes = params.flag(
        "Take swapped or sign-less positions at their suggested fix", load_default=False
    )


class ImportUpload(ImportForm):
    """What a file import sends (multipart): the file and the form's fields."""

    file = Upload(required=True, metadata={"description": "GeoJSON, CSV, KML or KMZ"})


def _reason(required: bool) -> Any:
    return params.text("Why (the contributor reads it)", workflow.MAX_REASON_LENGTH, required=required)


class ReasonBody(params.Body):
    reason = _reason(required=False)


class RejectBody(params.Body):
    reason = _reason(required=True)


class RevertBody(params.Body):
    version = params.whole("The version to publish again", 1, required=True)


class PositionReportBody(params.Body):
    """Checked by position_reports.report_position, whose messages speak to a visitor standing at the place."""

    lon = params.value("The phone's longitude (WGS84)", type="number", minimum=-180, maximum=180)
    lat = params.value("The phone's latitude (WGS84)", type="number", minimum=-90, maximum=90)
    accuracy_m = params.value(
        "How sure the phone is of its position, in metres",
        type="number",
        maximum=position_checks.MAX_ACCURACY_M,
    )


class BatchDecisionBody(params.Body):
    except_ = params.ids("Submissions left out of the approval", data_key="except", load_default=tuple)
    reason = params.text(
        "Why the rows left out (or, with reject, all rows) are rejected", workflow.MAX_REASON_LENGTH
    )
    reject = params.flag("true: reject every row of the import (give a reason)", load_default=False)


class SubmissionsQuery(params.Query):
    status = params.choice("Only submissions in this state", workflow.STATUS_NAMES)
    limit = params.whole("Submissions per page", 1, LIST_MAX_LIMIT, load_default=100)
    offset = params.whole("Submissions to skip", 0, params.MAX_OFFSET, load_default=0)


FEATURE_ID = views.path("feature_id", "Feature id")
SUBMISSION_ID = views.path("submission_id", "Submission id")


class TrackUpload(params.Body):
    track = Upload(required=True, metadata={"description": "A recorded track: GPX 1.1, KML or GeoJSON"})


class PhotoUpload(params.Body):
    photo = Upload(required=True, metadata={"description": "A JPEG, PNG or WebP photo"})


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
@bp.doc(
    requestBody={
        "required": True,
        "content": {GEOJSON: {"schema": schemas.Feature}, "multipart/form-data": {"schema": ImportUpload}},
    }
)
@bp.answers(schemas.Submissions, status=201)
def create_submission() -> ResponseReturnValue:
    """Propose a feature (a GeoJSON Feature with properties.layer, or ?layer=), or import a file (multipart)"""
    if "file" in request.files:
        return _bulk_import()
    body = views.json_body()
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
    form = views.parse(ImportForm, location="form")
    dry_run = form["dry_run"]
    defaults = {"category": form.get("category"), "owner_consent": form.get("owner_consent")}
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


@bp.patch("/features/<feature_id>", parameters=[FEATURE_ID])
@requires("can_contribute")
@upload_limit()
@idempotent
@bp.doc(requestBody={"required": True, "content": {JSON: {"schema": {"type": "object"}}}})
@bp.answers(schemas.Submissions, status=201)
def edit_feature(feature_id: str) -> ResponseReturnValue:
    """Propose changes to a published feature; fields not sent are kept."""
    properties, geometry = _feature_parts(views.json_body())
    properties = dict(properties)
    photo_ids = _photo_ids(properties)
    created = workflow.submit_edit(_ctx(), user_record(), feature_id, properties, geometry, photo_ids)
    return _created({"submissions": [created]})


@bp.delete("/features/<feature_id>", parameters=[FEATURE_ID])
@requires("can_contribute")
@upload_limit()
@idempotent
@bp.body(ReasonBody, form_too=True)
@bp.answers(schemas.Submissions, status=201)
def delete_feature(feature_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    """Propose taking a feature off the map (it stays in the history)."""
    created = workflow.submit_delete(_ctx(), user_record(), feature_id, body.get("reason"))
    return _created({"submissions": [created]})


@bp.get("/account")
@requires("can_contribute")
@bp.answers(schemas.Account)
def account() -> ResponseReturnValue:
    """Who is signed in: the phone's outbox sends a contribution only as the account that wrote it."""
    user = user_record()
    response = jsonify({"id": user["id"], "username": user["username"], "role": user["role"]})
    response.cache_control.no_store = True
    response.cache_control.private = True
    return response


@bp.get("/submissions")
@requires("can_contribute")
@bp.query(SubmissionsQuery)
@bp.answers(schemas.Submissions)
def list_submissions(args: dict[str, Any]) -> ResponseReturnValue:
    """List your submissions, or everyone's for a moderator."""
    found, total = workflow.list_submissions(
        _ctx(), user_record(), args.get("status"), args["limit"], args["offset"]
    )
    return jsonify({"submissions": found, "numberMatched": total, "numberReturned": len(found)})


@bp.get("/submissions/<int:submission_id>", parameters=[SUBMISSION_ID])
@requires("can_contribute")
@bp.answers(schemas.Submission)
def get_submission(submission_id: int) -> ResponseReturnValue:
    """Return one submission (yours, or any for a moderator)."""
    return jsonify(workflow.require_submission(_ctx(), user_record(), submission_id))


ALERT_ID = views.path("alert_id", "Alert id")


@bp.post("/alerts")
@requires("can_moderate")
@idempotent
@bp.doc(requestBody={"required": True, "content": {JSON: {"schema": {"type": "object"}}}})
@bp.answers(schemas.Alert, status=201)
def post_alert() -> ResponseReturnValue:
    """Post an alert to visitors (the tourism office): level (info, warning, danger), title_id, title_en, text_id,
    text_en, place_ids and/or area (a GeoJSON Polygon; none of either: the whole geopark), starts_at (default now)
    and ends_at, in WIB unless a zone is given"""
    alert = office_alerts.post_alert(
        _ctx().storage, user_record(), views.json_body(form_too=True), is_place, _ctx().area()
    )
    return _created(alert_view(alert))


@bp.post("/alerts/<int:alert_id>/withdraw", parameters=[ALERT_ID])
@requires("can_moderate")
@idempotent
@bp.answers(schemas.Alert)
def withdraw_alert(alert_id: int) -> ResponseReturnValue:
    """End an alert now, before its end time (it stays in the office's list)."""
    return jsonify(alert_view(office_alerts.withdraw(_ctx().storage, user_record(), alert_id)))


@bp.post("/submissions/<int:submission_id>/approve", parameters=[SUBMISSION_ID])
@requires("can_moderate")
@idempotent
@bp.doc(requestBody={"required": False, "content": {JSON: {"schema": {"type": "object"}}}})
@bp.answers(schemas.Submission)
def approve_submission(submission_id: int) -> ResponseReturnValue:
    """Publish a pending submission; with {"properties": {...}, "geometry": ...}, with the moderator's corrections
    over what was sent (the contributor stays its author)."""
    body = views.json_body(form_too=True)
    if "properties" not in body and "geometry" not in body:
        return jsonify(decisions.approve(_ctx(), user_record(), submission_id))
    properties, geometry = _feature_parts(body)
    return jsonify(decisions.approve_edited(_ctx(), user_record(), submission_id, properties, geometry))


@bp.post("/submissions/<int:submission_id>/reject", parameters=[SUBMISSION_ID])
@requires("can_moderate")
@idempotent
@bp.body(RejectBody, form_too=True)
@bp.answers(schemas.Submission)
def reject_submission(submission_id: int, body: dict[str, Any]) -> ResponseReturnValue:
    """Reject a pending submission with a reason."""
    return jsonify(decisions.reject(_ctx(), user_record(), submission_id, body.get("reason")))


@bp.post("/features/<feature_id>/here", parameters=[FEATURE_ID])
@report_limit()
@bp.body(PositionReportBody)  # JSON only, whatever the Content-Type says
@bp.answers(status=202)
@bp.doc(security=[])
def report_here(feature_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    """ "I am here": a visitor at a place whose point is an estimate sends the phone's position (no account;
    kept for moderators, never public). No Idempotency-Key: a repeat is harmless, as one sender counts once

    The accuracy must be 50 m or better.
    ---
    JSON only (see auth.NO_SESSION_NEEDED): no other site can make its visitors' browsers send reports.
    """
    position_reports.report_position(
        _ctx(), feature_id, body["lon"], body["lat"], body["accuracy_m"], reporter_key()
    )
    return jsonify({"received": True}), 202


@bp.post(
    "/batches/<batch>/decide",
    parameters=[views.path("batch", "The import's batch id (submissions[].batch)")],
)
@requires("can_moderate")
@idempotent
@bp.body(BatchDecisionBody)
@bp.answers()
def decide_batch(batch: str, body: dict[str, Any]) -> ResponseReturnValue:
    """Decide an import in one action: approve every pending row except those in "except", which are rejected
    with "reason" (or left pending without one); {"reject": true, "reason": …} rejects every row."""
    if body["reject"] and not body.get("reason"):
        raise BadParameter("give a reason to reject the whole import", "reason")
    return jsonify(
        decisions.decide_batch(
            _ctx(),
            user_record(),
            batch,
            [] if body["reject"] else None,
            body.get("reason"),
            excepted=set(body["except_"]),
        )
    )


@bp.get("/features/<feature_id>/versions", parameters=[FEATURE_ID])
@requires("can_moderate")
@bp.answers()
def feature_versions(feature_id: str) -> ResponseReturnValue:
    """List every version of a feature, oldest first."""
    return jsonify({"feature_id": feature_id, "versions": decisions.versions(_ctx(), feature_id)})


@bp.post("/features/<feature_id>/revert", parameters=[FEATURE_ID])
@requires("can_moderate")
@idempotent
@bp.body(RevertBody, form_too=True)
@bp.answers()
def revert_feature(feature_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    """Publish an earlier version again, as a new version."""
    version = body["version"]
    new_version = decisions.revert(_ctx(), user_record(), feature_id, version)
    return jsonify({"feature_id": feature_id, "version": new_version, "reverted_to": version})


@bp.post("/tracks")
@requires("can_contribute")
@upload_limit()
@idempotent  # it stores nothing, but a retry on a weak link gets the first answer, as every write does
@bp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": TrackUpload}}})
@bp.answers()
def read_recorded_track() -> ResponseReturnValue:
    """Read a recorded track (multipart "track": GPX, KML or GeoJSON) and answer the line to propose (segments
    joined, points without a fix left out, thinned), its length, where it jumps and the sites along it as
    stops; nothing is stored. Propose the route with POST /api/v1/submissions (layer routes)."""
    if "track" not in request.files:
        raise BadParameter('send the track as multipart field "track"', "track")
    upload = request.files["track"]
    prepared = tracks.prepare(tracks.read_track(upload.read(), upload.filename))
    line = prepared.coordinates
    return jsonify({**prepared.to_dict(), "stops_offered": workflow.sites_along(_ctx(), line)})


@bp.post("/photos")
@requires("can_contribute")
@upload_limit()
@idempotent
@bp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": PhotoUpload}}})
@bp.answers(status=201)
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


@bp.get(
    "/photos/sources/<source_hash>",
    parameters=[
        views.path(
            "source_hash", "SHA-256 of the photo file, 64 hex digits", pattern=f"^{SOURCE_HASH_PATTERN}$"
        )
    ],
)
@requires("can_contribute")
@bp.answers()
def photo_by_source(source_hash: str) -> ResponseReturnValue:
    """Say whether a photo whose sent bytes have this SHA-256 is already stored (then it need not be sent)."""
    if not re.fullmatch(SOURCE_HASH_PATTERN, source_hash):
        raise BadParameter("give the SHA-256 of the photo file as 64 hexadecimal digits", "source_hash")
    found = _ctx().photos.by_source(source_hash.lower())
    if found is None or not _ctx().storage.photo_uploaded_by(found["id"], user_record()["id"]):
        return jsonify({"stored": False})
    return jsonify({"stored": True, **_photo_answer(found["id"], found["gps"])})
