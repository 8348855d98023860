"""The office's alerts as an Atom feed (RFC 4287), for the office's website and anyone who follows it."""

from datetime import UTC, datetime

from flask import Blueprint, Response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import gettext as _

from geotour.context import current as _ctx
from geotour.contributions import alerts as office_alerts
from geotour.domain.moments import utc_text
from geotour.web.alert_views import alert_view
from geotour.web.contribute.labels import level_label, month_names
from geotour.web.pages.place_facts import lang as page_lang

bp = Blueprint("alert_feed", __name__)


@bp.get("/alerts.atom")
def feed() -> ResponseReturnValue:
    """The alerts running now or starting later, as an Atom feed in the asked language (?lang=id or en)."""
    lang = page_lang()
    storage = _ctx().storage
    entries = []
    for alert in office_alerts.current(storage):
        view = alert_view(alert)
        starts = datetime.fromisoformat(alert["starts_at"].replace("Z", "+00:00"))
        ends = datetime.fromisoformat(alert["ends_at"].replace("Z", "+00:00"))
        view.update(
            updated=alert["created_at"],
            published=alert["created_at"],
            level_label=level_label(alert["level"]),
            link=url_for("pages.index", _external=True, lang=lang)
            if not view["places"]
            else request.host_url.rstrip("/") + view["places"][0]["url"],
            when=_(
                "%(start)s to %(end)s WIB",
                start=format_datetime(starts, "d MMM yyyy HH.mm"),
                end=format_datetime(ends, "d MMM yyyy HH.mm"),
            ),
        )
        if alert["months"]:
            names = [name for month, name in month_names() if month in alert["months"]]
            view["when"] += " · " + _("only in %(months)s", months=", ".join(names))
        entries.append(view)
    updated = max((e["updated"] for e in entries), default=utc_text(datetime.now(UTC)))
    xml = render_template(
        "alerts.atom.xml",  # .xml: Jinja escapes it (a title "A & <b>" stays text)
        alerts=entries,
        lang=lang,
        updated=updated,
        feed_id=f"tag:{request.host.split(':')[0]},2026:geotour-alerts",
        self_url=url_for("alert_feed.feed", lang=lang, _external=True),
        map_url=url_for("pages.index", lang=lang, _external=True),
    )
    response = Response(xml, mimetype="application/atom+xml")
    response.cache_control.no_cache = True
    return response
