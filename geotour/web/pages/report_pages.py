"""The pages of visitors' problem reports: the sender's page at the link they keep (the office's answer
reaches them there) and the form's own sending for a phone without JavaScript (with it, static/js/report.js
sends through the outbox, offline too). The office's queue is geotour.web.contribute.moderation."""

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from geotour.context import current as _ctx
from geotour.contributions import visitor_reports
from geotour.domain import places
from geotour.domain.layers import ATTRACTION, MSME, ROUTE
from geotour.errors import ValidationFailed
from geotour.web.api.reports import file
from geotour.web.auth import visitor_report_limit
from geotour.web.contribute.labels import report_category_label
from geotour.web.pages.place_facts import page_url

bp = Blueprint("report_pages", __name__)


def report_form(
    place_id: str, sent: dict[str, Any] | None = None, problems: list[Any] | None = None
) -> dict[str, Any]:
    """Return what the "report a problem" part of a place's page shows: the form's choices and what the
    office is handling there ("reported on <date>, being handled", for the categories it chose to show)."""
    return {
        "place_id": place_id,
        "categories": [(c, report_category_label(c)) for c in visitor_reports.CATEGORIES],
        "needs_words": visitor_reports.NEEDS_WORDS,
        "max_text": visitor_reports.MAX_TEXT,
        "handled": visitor_reports.being_handled(_ctx(), place_id),
        "sent": sent or {},
        "problems": problems or [],
    }


def _place_link(feature_id: str) -> tuple[str, str] | None:
    """Return (name, page URL) of the place or route a report is about, or None when it is gone."""
    feature = _ctx().storage.get_feature(feature_id)
    layer = _ctx().catalogue.get(feature["properties"]["layer"]) if feature is not None else None
    if feature is None or layer is None:
        return None
    if layer.kind not in (ATTRACTION, MSME, ROUTE):
        return None
    return feature["properties"].get("name") or feature_id, page_url(layer.kind, feature_id)


@bp.post("/laporan")
@visitor_report_limit()
def send() -> ResponseReturnValue:
    """Keep a report sent by the place page's form (a phone without JavaScript); show its sender's page."""
    sent = {name: request.form.get(name) for name in ("place", "category", "text")}
    try:
        _report, token, _replayed = file(sent)
    except ValidationFailed as exc:
        feature = places.require_feature(_ctx().storage, str(sent.get("place") or ""))
        return render_template(
            "report_new.html",
            place_name=feature["properties"].get("name"),
            link=_place_link(feature["id"]),
            report=report_form(feature["id"], sent, exc.problems),
        ), 400
    return redirect(url_for("report_pages.sent", token=token), 303)


@bp.get("/laporan/<token>")
def sent(token: str) -> ResponseReturnValue:
    """A report's page for its sender: what they sent about which place, and what the office says."""
    report = visitor_reports.sender_view(_ctx(), token)
    response = render_template(
        "report_sent.html",
        report=report,
        link=_place_link(report["feature_id"]),
        title=_("Your report"),
        keep_days=visitor_reports.KEEP_CLOSED.days,
    )
    return response, 200, {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
