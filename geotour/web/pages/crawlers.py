"""sitemap.xml and robots.txt for search engines."""

from flask import Blueprint, Response, render_template, url_for
from flask.typing import ResponseReturnValue

from geotour.context import current as _ctx
from geotour.domain import places
from geotour.domain.layers import ATTRACTION, EVENT, MSME, ROUTE
from geotour.web.assets import PRIVATE_PAGE_PREFIXES

bp = Blueprint("crawlers", __name__)


def sitemap_pages() -> list[str]:
    """Return the URLs of the map, the place, route and event lists, the safety card, the glossary, and every
    public place, route and event page; sample businesses are left out."""
    storage, catalogue = _ctx().storage, _ctx().catalogue
    pages = [
        url_for(endpoint, _external=True)
        for endpoint in (
            "pages.index",
            "pages.place_list",
            "route_pages.route_list",
            "events_pages.event_list",
            "pages.safety",
            "pages.glossary",
        )
    ]
    for kind, endpoint in ((ATTRACTION, "pages.site"), (MSME, "pages.msme")):
        for layer_id in catalogue.ids(kind):
            features = places.whole_layer(storage, layer_id, properties=("sample",))
            pages += [
                url_for(endpoint, feature_id=f["id"], _external=True)
                for f in features
                if not f["properties"].get("sample")
            ]
    pages += [
        url_for("route_pages.route", route_id=f["id"], _external=True)
        for f in places.features_of_kind(storage, catalogue, ROUTE, properties=())
    ]
    pages += [
        url_for("events_pages.event", event_id=f["id"], _external=True)
        for f in places.features_of_kind(storage, catalogue, EVENT, properties=())
    ]
    return pages


@bp.get("/sitemap.xml")
def sitemap() -> ResponseReturnValue:
    """List every page, with its Indonesian and English versions."""
    xml = render_template("sitemap.xml", pages=sitemap_pages())
    return Response(xml, mimetype="application/xml")


@bp.get("/robots.txt")
def robots() -> ResponseReturnValue:
    """Let crawlers read the pages, not the API or the embeds."""
    lines = [
        "User-agent: *",
        "Allow: /",
        "Disallow: /api/",
        "Disallow: /oembed",
        "Disallow: /embed",
        *(f"Disallow: {prefix}" for prefix in PRIVATE_PAGE_PREFIXES),
        f"Sitemap: {url_for('crawlers.sitemap', _external=True)}",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")
