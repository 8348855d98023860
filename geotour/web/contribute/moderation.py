"""The moderator's pages: the queue with map previews and diffs, one-click decisions, history and revert, and the
office's alerts to visitors."""

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from geotour.context import current as _ctx
from geotour.contributions import alerts as office_alerts
from geotour.contributions import changes, decisions, partners, position_reports, visitor_reports, workflow
from geotour.contributions.field_rules import Problem, field_choices, field_kinds
from geotour.domain import counting
from geotour.domain import partners as partner_rules
from geotour.domain.features import fold
from geotour.domain.geodesy import distance_m
from geotour.domain.layers import ATTRACTION, MSME, ROUTE, Layer
from geotour.domain.moments import now_utc, utc_text
from geotour.domain.places import features_of_kind, whole_layer
from geotour.errors import BadParameter, GeotourError, ValidationFailed
from geotour.storage.records import Submission, Version
from geotour.web.alert_views import alert_view, is_place
from geotour.web.auth import requires, user_record
from geotour.web.contribute.forms import form_point, place_form_values
from geotour.web.contribute.labels import month_names
from geotour.web.params import MAX_OFFSET

bp = Blueprint("moderation", __name__, url_prefix="/moderation")


def _with_changes(submission: Submission) -> dict[str, Any]:
    feature_id = submission["feature_id"] or ""  # every submission names its place
    current = _ctx().storage.get_feature(feature_id)
    if current is not None:
        current["properties"].pop("layer", None)
    after = submission["feature"] if submission["action"] != "delete" else None
    changed_since = (
        submission["base_version"] is not None
        and submission["status"] == "pending"
        and workflow.latest_version(_ctx(), feature_id) != submission["base_version"]
    )
    return {
        **submission,
        "current": current,
        "changes": changes.diff(current, after),
        "changed_since": changed_since,
    }


@bp.get("")
@requires("can_moderate")
def queue() -> ResponseReturnValue:
    """Show pending submissions, oldest first (or decided ones with ?status=)."""
    status = request.args.get("status") or "pending"
    found, total = workflow.list_submissions(_ctx(), user_record(), status, limit=100)
    batches: dict[str, list[Submission]] = {}
    for submission in found:
        if submission["batch"] and submission["status"] == "pending":
            batches.setdefault(submission["batch"], []).append(submission)
    suggestions = position_reports.position_suggestions(_ctx(), user_record()) if status == "pending" else []
    return render_template(
        "moderation/queue.html",
        submissions=[_with_changes(s) for s in found],
        total=total,
        status=status,
        statuses=workflow.STATUS_NAMES,
        suggestions=suggestions,
        batches={key: rows for key, rows in batches.items() if len(rows) > 1},
        # the reminder a month before a partner label ends (and after, until it is renewed or withdrawn)
        expiring=[p for p in partners.labelled(_ctx(), counting.today()) if p["soon"] or not p["holds"]],
    )


@bp.post("/<int:submission_id>/approve")
@requires("can_moderate")
def approve(submission_id: int) -> ResponseReturnValue:
    """Approve with one click."""
    try:
        done = decisions.approve(_ctx(), user_record(), submission_id)
        flash(_("Approved: %(name)s is published.", name=_name(done)), "ok")
    except GeotourError as exc:
        flash(exc.message, "error")
    return redirect(url_for("moderation.queue"))


@bp.route("/<int:submission_id>/edit", methods=["GET", "POST"])
@requires("can_moderate")
def edit(submission_id: int) -> ResponseReturnValue:
    """Correct a pending new place or correction, then approve it in the same step (the contributor stays its
    author, the moderator its approver)."""
    submission = workflow.require_submission(_ctx(), user_record(), submission_id)
    if submission["action"] == "delete" or not submission["feature"] or submission["status"] != "pending":
        flash(_("Only a pending new place or correction can be edited before approval."), "error")
        return redirect(url_for("moderation.queue"))
    layer = workflow.contributable_layer(_ctx(), submission["layer"])
    if layer.geometry != "Point":
        flash(_("A route is approved or rejected as it was sent; correct it after approval."), "error")
        return redirect(url_for("moderation.queue"))
    feature = submission["feature"]
    if request.method == "GET":
        lon, lat = feature["geometry"]["coordinates"][:2]
        return _edit_form(submission, layer, {**feature["properties"], "lat": lat, "lon": lon})
    sent, lat, lon = place_form_values(layer)
    try:
        done = decisions.approve_edited(_ctx(), user_record(), submission_id, sent, form_point(lat, lon, ()))
    except ValidationFailed as exc:
        return _edit_form(submission, layer, {**sent, "lat": lat, "lon": lon}, exc.problems, 400)
    except GeotourError as exc:
        flash(exc.message, "error")
        return redirect(url_for("moderation.queue"))
    flash(_("Approved with your changes: %(name)s is published.", name=_name(done)), "ok")
    return redirect(url_for("moderation.queue"))


def _edit_form(
    submission: Submission,
    layer: Layer,
    values: dict[str, Any],
    problems: Iterable[Problem] = (),
    status: int = 200,
) -> ResponseReturnValue:
    return render_template(
        "moderation/edit.html",
        submission=submission,
        layer=layer,
        fields=field_kinds(layer),
        choices=field_choices(layer),
        values=values,
        problems=list(problems),
    ), status


@bp.post("/<int:submission_id>/reject")
@requires("can_moderate")
def reject(submission_id: int) -> ResponseReturnValue:
    """Reject with a reason."""
    try:
        done = decisions.reject(_ctx(), user_record(), submission_id, request.form.get("reason"))
        flash(_("Rejected: %(name)s.", name=_name(done)), "ok")
    except GeotourError as exc:
        flash(exc.message, "error")
    return redirect(url_for("moderation.queue"))


@bp.post("/batches/<batch>")
@requires("can_moderate")
def decide_batch(batch: str) -> ResponseReturnValue:
    """Decide an import in one action: approve the ticked rows; reject the others with the reason given, or
    leave them in the queue ("reject all" rejects every row, and needs a reason)."""
    reject_all = request.form.get("decision") == "reject_all"
    approve_ids = [] if reject_all else _ids("approve")
    reason = request.form.get("reason")
    try:
        if reject_all and not (reason or "").strip():
            raise BadParameter(_("Give a short reason; the contributor will see it."), "reason")
        done = decisions.decide_batch(_ctx(), user_record(), batch, approve_ids, reason, set(_ids("shown")))
    except GeotourError as exc:
        flash(exc.message, "error")
        return redirect(url_for("moderation.queue"))
    flash(
        _(
            "Import decided: %(approved)d approved, %(rejected)d rejected, %(pending)d left in the queue.",
            approved=len(done["approved"]),
            rejected=len(done["rejected"]),
            pending=len(done["pending"]),
        ),
        "ok",
    )
    for failure in done["failed"]:
        flash(f"#{failure['id']}: {failure['message']}", "error")
    return redirect(url_for("moderation.queue"))


def _ids(field: str) -> list[int]:
    return [int(v) for v in request.form.getlist(field) if v.isdigit() and len(v) < 19]


def _name(submission: Submission) -> str | None:
    feature = submission["feature"]
    return (feature["properties"].get("name") if feature else None) or submission["feature_id"]


@bp.get("/features/<feature_id>")
@requires("can_moderate")
def history(feature_id: str) -> ResponseReturnValue:
    """Show every version of a feature, with a revert button on each earlier one."""
    found = decisions.versions(_ctx(), feature_id)
    rows = []
    earlier: list[Version | None] = [None, *found[:-1]]
    for before, version in zip(earlier, found, strict=True):
        rows.append({**version, "changes": changes.diff(before and before["feature"], version["feature"])})
    current = _ctx().storage.get_feature(feature_id)  # published now (with its layer), or None
    layer = _ctx().catalogue.get(current["properties"]["layer"]) if current else None
    partner = None
    if current and layer is not None and layer.kind == MSME and not current["properties"].get("sample"):
        today = counting.today()
        partner = {
            "criteria": partners.criteria(_ctx()),
            "label": partner_rules.label(current["properties"]),
            "holds": partner_rules.holds(current["properties"], today),
            "granted": today.isoformat(),
            "expires": partner_rules.default_expiry(today).isoformat(),
        }
    return render_template(
        "moderation/history.html", feature_id=feature_id, versions=list(reversed(rows)), partner=partner
    )


@bp.post("/features/<feature_id>/revert")
@requires("can_moderate")
def revert(feature_id: str) -> ResponseReturnValue:
    """Publish an earlier version again, once the moderator has ticked that they mean it."""
    if request.form.get("confirm") != "on":
        flash(_("Tick the box to confirm: reverting replaces what the map shows now."), "error")
        return redirect(url_for("moderation.history", feature_id=feature_id))
    try:
        version = int(request.form.get("version", ""))
        new = decisions.revert(_ctx(), user_record(), feature_id, version)
        flash(_("Version %(old)d is published again as version %(new)d.", old=version, new=new), "ok")
    except ValueError:
        flash(_("Choose a version."), "error")
    except GeotourError as exc:
        flash(exc.message, "error")
    return redirect(url_for("moderation.history", feature_id=feature_id))


@bp.post("/features/<feature_id>/reported-position")
@requires("can_moderate")
def accept_reported_position(feature_id: str) -> ResponseReturnValue:
    """Move a place's point to where visitors' "I am here" reports agree, and mark it checked on site."""
    try:
        new = position_reports.accept_reported_position(_ctx(), user_record(), feature_id, now_utc())
        flash(
            _(
                "The point is moved to where visitors stood, and marked as checked on site (version %(new)d).",
                new=new,
            ),
            "ok",
        )
    except GeotourError as exc:
        flash(exc.message, "error")
    return redirect(url_for("moderation.queue"))


@bp.post("/features/<feature_id>/verify")
@requires("can_moderate")
def verify(feature_id: str) -> ResponseReturnValue:
    """Mark a place's position as checked on site: the "approximate" badge goes from every page."""
    try:
        new = position_reports.verify_position(_ctx(), user_record(), feature_id, now_utc())
        flash(_("The position is marked as checked on site (version %(new)d).", new=new), "ok")
    except GeotourError as exc:
        flash(exc.message, "error")
    return redirect(url_for("moderation.history", feature_id=feature_id))


def _alerts_page(
    sent: dict[str, Any] | None = None, problems: Iterable[Problem] = (), status: int = 200
) -> ResponseReturnValue:
    storage, catalogue = _ctx().storage, _ctx().catalogue
    now = datetime.now(UTC)
    listed = storage.alerts(limit=100)
    sites = sorted(
        (
            (feature["id"], feature["properties"]["name"])
            for layer_id in catalogue.ids(ATTRACTION)
            for feature in whole_layer(storage, layer_id, properties=("name",))
        ),
        key=lambda site: fold(site[1]),
    )
    routes = sorted(
        (
            (feature["id"], feature["properties"]["name"])
            for feature in features_of_kind(storage, catalogue, ROUTE, properties=("name",))
        ),
        key=lambda route: fold(route[1]),
    )
    return render_template(
        "moderation/alerts.html",
        alerts=[
            {
                **alert_view(a),
                "running": office_alerts.running(a, now),
                "upcoming": a["starts_at"] > utc_text(now),
            }
            for a in listed
        ],
        sites=sites,
        routes=routes,
        levels=office_alerts.LEVELS,
        month_names=month_names(),
        sent=sent or {},
        problems=list(problems),
    ), status


@bp.route("/alerts", methods=["GET", "POST"])
@requires("can_moderate")
def alerts() -> ResponseReturnValue:
    """Post an alert to visitors (a banner on the map and the pages it concerns), and see the recent ones."""
    if request.method == "GET":
        return _alerts_page()
    sent = {
        **{
            name: request.form.get(name, "")
            for name in ("level", "title_id", "title_en", "text_id", "text_en", "starts_at", "ends_at")
        },
        "place_ids": request.form.getlist("place_ids"),
        "months": request.form.getlist("months"),
        "area": request.form.get("area", ""),
    }
    try:
        office_alerts.post_alert(_ctx().storage, user_record(), sent, is_place, _ctx().area())
    except ValidationFailed as exc:
        return _alerts_page(sent, exc.problems, 400)
    flash(_("The alert is posted: visitors see it from its start to its end."))
    return redirect(url_for("moderation.alerts"))


@bp.post("/alerts/<int:alert_id>/withdraw")
@requires("can_moderate")
def withdraw_alert(alert_id: int) -> ResponseReturnValue:
    """End an alert now, before its end time."""
    office_alerts.withdraw(_ctx().storage, user_record(), alert_id)
    flash(_("The alert is withdrawn: visitors no longer see it."))
    return redirect(url_for("moderation.alerts"))


REPORTS_PER_PAGE = 50


def _report_item(report: Any) -> dict[str, Any]:
    feature = _ctx().storage.get_feature(report["feature_id"])
    away = None
    if feature is not None and report["lon"] is not None and feature["geometry"]["type"] == "Point":
        here = feature["geometry"]["coordinates"]
        away = round(distance_m(here[0], here[1], report["lon"], report["lat"]))
    return {**report, "place": feature["properties"].get("name") if feature else None, "away_m": away}


@bp.get("/reports")
@requires("can_moderate")
def reports() -> ResponseReturnValue:
    """The queue of visitors' problem reports (open ones oldest first), and which categories places show."""
    status = request.args.get("status") or "open"
    # A page past any database integer would overflow it (a 500): no list goes further than MAX_OFFSET.
    page = min(max(1, request.args.get("page", 1, type=int) or 1), MAX_OFFSET // REPORTS_PER_PAGE)
    found, total = visitor_reports.queue(
        _ctx(), user_record(), status, REPORTS_PER_PAGE, (page - 1) * REPORTS_PER_PAGE
    )
    return render_template(
        "moderation/reports.html",
        reports=[_report_item(r) for r in found],
        total=total,
        status=status,
        page=page,
        pages=max(1, -(-total // REPORTS_PER_PAGE)),
        statuses=["open", *visitor_reports.STATUSES],
        categories=visitor_reports.CATEGORIES,
        public=visitor_reports.public_categories(_ctx()),
        max_reply=visitor_reports.MAX_REPLY,
    )


@bp.post("/reports/<int:report_id>")
@requires("can_moderate")
def answer_report(report_id: int) -> ResponseReturnValue:
    """Set a report's status and the reply its sender reads at their link."""
    try:
        visitor_reports.answer(
            _ctx(), user_record(), report_id, request.form.get("status"), request.form.get("reply")
        )
        flash(_("Saved: the sender sees it at their link."), "ok")
    except ValidationFailed as exc:
        flash("; ".join(p["message"] for p in exc.problems), "error")
    except GeotourError as exc:
        flash(exc.message, "error")
    return redirect(url_for("moderation.reports", status=request.args.get("status") or "open"))


@bp.post("/reports/public")
@requires("can_moderate")
def public_report_categories() -> ResponseReturnValue:
    """Choose the categories whose reports, once seen, show "being handled" on the place's page."""
    visitor_reports.choose_public(_ctx(), user_record(), request.form.getlist("categories"))
    flash(_("Saved: places' pages show these categories while you handle them."), "ok")
    return redirect(url_for("moderation.reports"))


@bp.route("/partners", methods=["GET", "POST"])
@requires("can_moderate")
def partner_list() -> ResponseReturnValue:
    """The geopark partner label: the checklist it is granted against (editable), and every business that
    holds it, soonest expiry first (those expiring within a month marked)."""
    if request.method == "POST":
        rows = [
            {"id": i, "text_id": t_id, "text_en": t_en}
            for i, t_id, t_en in zip(
                request.form.getlist("id"),
                request.form.getlist("text_id"),
                request.form.getlist("text_en"),
                strict=False,
            )
        ]
        try:
            partners.set_criteria(_ctx(), user_record(), rows)
            flash(
                _("The checklist is saved. Labels granted before keep the checklist they were granted on."),
                "ok",
            )
        except GeotourError as exc:
            flash(exc.message, "error")
        return redirect(url_for("moderation.partner_list"))
    return render_template(
        "moderation/partners.html",
        criteria=partners.criteria(_ctx()),
        labelled=partners.labelled(_ctx(), counting.today()),
        businesses=sorted(
            (
                (f["id"], f["properties"]["name"])
                for f in features_of_kind(
                    _ctx().storage, _ctx().catalogue, MSME, properties=("name", "sample")
                )
                if not f["properties"].get("sample")
            ),
            key=lambda b: fold(b[1]),
        ),
    )


@bp.post("/features/<feature_id>/partner")
@requires("can_moderate")
def grant_partner(feature_id: str) -> ResponseReturnValue:
    """Grant or renew a business's geopark partner label: every criterion ticked, a day granted and an expiry."""
    try:
        new = partners.grant(
            _ctx(),
            user_record(),
            feature_id,
            request.form.getlist("met"),
            request.form.get("granted") or counting.today().isoformat(),
            request.form.get("expires"),
            str(get_locale()),
        )
        flash(_("The business is a geopark partner (version %(new)d).", new=new), "ok")
    except GeotourError as exc:
        flash(exc.message, "error")
    return redirect(url_for("moderation.history", feature_id=feature_id))


@bp.post("/features/<feature_id>/partner/withdraw")
@requires("can_moderate")
def withdraw_partner(feature_id: str) -> ResponseReturnValue:
    """Take a business's geopark partner label away now."""
    try:
        new = partners.withdraw(_ctx(), user_record(), feature_id)
        flash(_("The partner label is withdrawn (version %(new)d).", new=new), "ok")
    except GeotourError as exc:
        flash(exc.message, "error")
    return redirect(url_for("moderation.history", feature_id=feature_id))
