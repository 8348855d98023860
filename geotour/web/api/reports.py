"""/api/v1/reports: visitors' problem reports ("Laporkan masalah"). Anyone sends one (no account); the sender
reads the office's answer at their link; the office lists and answers them. The rules are in
geotour.contributions.visitor_reports."""

from typing import Any

from flask import current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from geotour.context import current as _ctx
from geotour.contributions import visitor_reports
from geotour.contributions.photo_cleaning import Photo, process_photo
from geotour.errors import BadParameter
from geotour.storage.records import VisitorReport
from geotour.web import params, views
from geotour.web.auth import reporter_key, requires, user_record, visitor_report_limit
from geotour.web.idempotency import HEADER, KEY_PATTERN, REPLAYED_HEADER, fingerprint, idempotent
from geotour.web.responses import JSON

bp = views.Blueprint("api_reports", __name__, url_prefix="/api/v1")
FORM = "multipart/form-data"
REPORT_FORM = {
    "type": "object",
    "required": ["place", "category"],
    "properties": {
        "place": {"type": "string", "description": "The id of the attraction, business or route"},
        "category": {"type": "string", "enum": list(visitor_reports.CATEGORIES)},
        "text": {
            "type": "string",
            "maxLength": visitor_reports.MAX_TEXT,
            "description": "What is wrong (needed for wrong_information and other)",
        },
        "lon": {"type": "number", "description": "The phone's position (optional, with lat and accuracy_m)"},
        "lat": {"type": "number"},
        "accuracy_m": {"type": "number", "maximum": visitor_reports.MAX_ACCURACY_M},
        "photo": {"type": "string", "format": "binary", "description": "One photo at most (JPEG, PNG, WebP)"},
    },
}


def sender_link(token: str) -> str:
    """Return the sender's page of a report (absolute)."""
    return url_for("report_pages.sent", token=token, lang=None, _external=True)


def public_view(report: VisitorReport, token: str | None = None) -> dict[str, Any]:
    """Return what the sender (and the API) may read of a report: never the sender's hash or the photo."""
    answer = {
        "id": report["id"],
        "place": report["feature_id"],
        "category": report["category"],
        "status": report["status"],
        "reply": report["reply"] or None,
        "created_at": report["created_at"],
        "updated_at": report["updated_at"],
        "has_photo": report["photo_id"] is not None,
        "has_position": report["lon"] is not None,
    }
    if token is not None:
        answer["link"] = sender_link(token)
    return answer


def _sent_fields() -> dict[str, Any]:
    sent = views.json_body(form_too=True)
    return {name: sent.get(name) for name in ("category", "text", "lon", "lat", "accuracy_m", "place")}


def _client_key() -> str | None:
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip().strip('"')
    if not KEY_PATTERN.fullmatch(key):
        raise BadParameter("Idempotency-Key must be 1 to 255 visible ASCII characters.", HEADER)
    return key


def _clean(data: bytes) -> Photo:
    return process_photo(data, current_app.config["GEOTOUR_PHOTO_MAX_BYTES"], "photo")


def _keep(photo: Photo) -> None:
    _ctx().photos.save(photo)  # nobody is its uploader: only moderators see it (never published)


def file(sent: dict[str, Any]) -> tuple[VisitorReport, str, bool]:
    """Keep the report this request sends (the API's and the page's form); return (it, token, replayed)."""
    place = sent.get("place")
    if not isinstance(place, str) or not place.strip():
        raise BadParameter("Say which place the report is about.", "place")
    photos = [
        upload.read() for upload in request.files.getlist("photo") if upload.filename or upload.mimetype
    ]
    photos = [data for data in photos if data] if len(photos) == 1 else photos  # an empty file field: none
    who = {
        "reporter": reporter_key(),
        "lang": str(get_locale()),
        "secret": current_app.config["SECRET_KEY"],
        "client_key": _client_key(),
        "fingerprint": fingerprint(),
    }
    return visitor_reports.file_report(_ctx(), place.strip(), sent, photos, (_clean, _keep), who)


@bp.post("/reports")
@visitor_report_limit()
@bp.doc(
    security=[],
    requestBody={"required": True, "content": {FORM: {"schema": REPORT_FORM}, JSON: {"schema": REPORT_FORM}}},
    parameters=[
        {
            "name": HEADER,
            "in": "header",
            "required": False,
            "description": "Any unique string the phone keeps with this report and sends again with every "
            "retry: a retry gets the first answer (with Idempotent-Replayed: true) and stores nothing twice.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255},
        }
    ],
    responses={"409": "CONFLICT", "422": "UNPROCESSABLE_ENTITY", "429": "TOO_MANY_REQUESTS"},
)
@bp.answers(status=201)
def file_report() -> ResponseReturnValue:
    """Report a problem at a place or on a route (no account): a category, a few words, at most one photo and
    the phone's position (optional). The answer holds the sender's link, where the office's reply appears.

    Limits: GEOTOUR_RATELIMIT_VISITOR_REPORTS per address, five open reports per sender and thirty per
    place; a position must be inside the geopark.
    """
    report, token, replayed = file(_sent_fields())
    response = jsonify(public_view(report, token))
    response.status_code = 200 if replayed else 201
    if replayed:
        response.headers[REPLAYED_HEADER] = "true"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/reports/sent/<token>", parameters=[views.path("token", "The token of the sender's link")])
@bp.doc(security=[])
@bp.answers()
def sent_report(token: str) -> ResponseReturnValue:
    """What became of a report, for its sender: its status and the office's reply."""
    response = jsonify(public_view(visitor_reports.sender_view(_ctx(), token)))
    response.headers["Cache-Control"] = "no-store"
    return response


class QueueQuery(params.Query):
    status = params.choice(
        "open (new and seen), or one status", ["open", *visitor_reports.STATUSES], load_default="open"
    )
    limit = params.whole("Reports per page", 1, 200, load_default=50)
    offset = params.whole("Reports to skip", 0, 1_000_000, load_default=0)


def office_view(report: VisitorReport) -> dict[str, Any]:
    """Return a report as the office reads it: its words, photo and position too (never the sender)."""
    photo = report["photo_id"]
    return {
        **public_view(report),
        "text": report["text"],
        "lang": report["lang"],
        "photo": url_for("photos.photo", photo_id=photo, size="display") if photo else None,
        "position": (
            {"lon": report["lon"], "lat": report["lat"], "accuracy_m": report["accuracy_m"]}
            if report["lon"] is not None
            else None
        ),
    }


@bp.get("/reports")
@requires("can_moderate")
@bp.query(QueueQuery)
@bp.answers()
def report_queue(args: dict[str, Any]) -> ResponseReturnValue:
    """The office's queue of visitors' reports (open ones oldest first)."""
    found, total = visitor_reports.queue(_ctx(), user_record(), args["status"], args["limit"], args["offset"])
    return jsonify({"reports": [office_view(r) for r in found], "total": total})


class AnswerBody(params.Body):
    status = params.choice("new, seen, fixed or not_a_problem", visitor_reports.STATUSES, required=True)
    reply = params.text("What the sender reads", visitor_reports.MAX_REPLY)


@bp.patch("/reports/<int:report_id>", parameters=[views.path("report_id", "The report's id")])
@requires("can_moderate")
@idempotent
@bp.body(AnswerBody, form_too=True)
@bp.answers()
def answer_report(report_id: int, body: dict[str, Any]) -> ResponseReturnValue:
    """Set a report's status and the reply its sender reads at their link (the office)."""
    report = visitor_reports.answer(_ctx(), user_record(), report_id, body["status"], body.get("reply"))
    return jsonify(office_view(report))
