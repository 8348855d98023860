"""The figures pages: what the map brought, counted without tracking anyone (geotour.contributions.figures).
The office sees every place (/admin/figures, its CSV and a monthly report that prints); a KIM member sees the
places they added (/contribute/figures). Nothing of this is public."""

import csv
import io
from typing import Any

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from geotour.context import current as _ctx
from geotour.contributions import figures
from geotour.domain import counting
from geotour.domain.places import AREA_TITLES
from geotour.web.auth import requires, user_record
from geotour.web.counting import tally

bp = Blueprint("figures", __name__)

EVENT_TITLES = {
    counting.VIEW: _l("Page views"),
    counting.POPUP: _l("Popups opened"),
    counting.WHATSAPP: _l("WhatsApp taps"),
    counting.CALL: _l("Call taps"),
    counting.DIRECTIONS: _l("Directions taps"),
    counting.DOWNLOAD: _l("Route downloads"),
    counting.SEARCH_EMPTY: _l("Searches that found nothing"),
}
SOURCE_TITLES = {
    counting.DIRECT: _l("Direct (link, search engine, typed)"),
    counting.QR: _l("QR code on a signboard"),
    counting.EMBED: _l("Map embedded in another website"),
}


def _fresh() -> None:
    """Write this process's counts first (another machine's reach the database within its interval)."""
    found = tally()
    if found is not None:
        found.flush()


def _labels() -> dict[str, Any]:
    return {
        "event_titles": EVENT_TITLES,
        "source_titles": SOURCE_TITLES,
        "area_titles": AREA_TITLES,
        "place_events": figures.PLACE_EVENTS,
    }


@bp.get("/admin/figures")
@requires("can_moderate")
def office() -> ResponseReturnValue:
    """The office's figures for a period (?from=&to=, days in WIB; by default the last 28 days)."""
    _fresh()
    span = figures.period(request.args.get("from"), request.args.get("to"))
    return render_template("figures/office.html", f=figures.office(_ctx(), span), **_labels())


@bp.get("/admin/figures.csv")
@requires("can_moderate")
def office_csv() -> ResponseReturnValue:
    """Every count of a period as CSV: a row per day, place, event, source and detail."""
    _fresh()
    span = figures.period(request.args.get("from"), request.args.get("to"))
    out = io.StringIO()
    writer = csv.DictWriter(out, ["day", "place", "name", "event", "source", "detail", "count"])
    writer.writeheader()
    for row in figures.csv_rows(_ctx(), span):
        # a cell starting with = + - @ would be a formula to a spreadsheet: a place's name is anyone's words
        writer.writerow(
            {k: f"'{v}" if isinstance(v, str) and v[:1] in "=+-@\t\r" else v for k, v in row.items()}
        )
    first, last = span.text()
    return Response(
        "\ufeff" + out.getvalue(),  # a BOM, so a spreadsheet reads the names as UTF-8
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="geotour-figures-{first}-{last}.csv"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.get("/admin/figures/report")
@requires("can_moderate")
def report() -> ResponseReturnValue:
    """One month's report, to print or save as PDF (?month=YYYY-MM; by default the last whole month)."""
    _fresh()
    span = figures.month_period(request.args.get("month"))
    return render_template("figures/report.html", f=figures.office(_ctx(), span), **_labels())


@bp.get("/contribute/figures")
@requires("can_contribute")
def mine() -> ResponseReturnValue:
    """A member's figures: the places they added (approved), for a period (by default the last 28 days)."""
    _fresh()
    span = figures.period(request.args.get("from"), request.args.get("to"))
    ids = _ctx().storage.places_added_by(user_record()["id"])
    return render_template(
        "figures/mine.html",
        period=span,
        places=figures.place_rows(_ctx(), span, ids),
        weeks=figures.weekly(_ctx(), span.last, ids),
        **_labels(),
    )
