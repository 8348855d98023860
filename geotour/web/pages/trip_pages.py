"""The trip list ("Perjalanan saya", issue 31 part 1): the places, routes and events a visitor adds from any
page or popup, kept on their phone (static/js/trip.js) and shared as an address: /perjalanan?p=id,id,… names the
list, so nothing is stored on the server. The page shows a shared list in its order, with the straight-line
distance from each stop to the next, a QR code and a WhatsApp share, and the list as GPX and KML for
OsmAnd, Organic Maps and Google My Maps; printed, it fits one page. Without ?p= the page shows the phone's
own list (static/js/trip-page.js), offline too."""

import io
import re
from typing import Any
from urllib.parse import quote, urlencode

import segno
from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup

from geotour.context import current as _ctx
from geotour.domain import route_files
from geotour.domain.geodesy import distance_m
from geotour.domain.layers import ATTRACTION, EVENT, MSME, ROUTE
from geotour.domain.places import require_layer
from geotour.errors import BadParameter
from geotour.web.i18n import format_distance
from geotour.web.pages import events_pages, place_facts
from geotour.web.pages.route_pages import download, route_file_of
from geotour.web.public_address import unreachable_reason

bp = Blueprint("trip_pages", __name__)
MAX_PLACES = 50  # as static/js/lib/trip-list.js keeps
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
KINDS = {ATTRACTION: "site", MSME: "msme", ROUTE: "route", EVENT: "event"}


def _ids(required: bool = False) -> list[str]:
    """Return the ids the address names (?p=a,b,c), in order, each once; raise for too many or none."""
    raw = request.args.get("p", "")
    ids = list(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    if len(ids) > MAX_PLACES:
        raise BadParameter("A trip holds at most %(n)d places and routes.", "p", n=MAX_PLACES)
    if required and not ids:
        raise BadParameter("Name the trip's places: ?p=id,id,…", "p")
    return ids


def _entry(feature_id: str) -> dict[str, Any] | None:
    """Return what the trip shows of one place or route (its start point for a route), or None when the id
    names nothing a visitor can go to."""
    if not ID.fullmatch(feature_id):
        return None
    ctx = _ctx()
    feature = ctx.storage.get_feature(feature_id)
    if feature is None:
        return None
    kind = require_layer(ctx.catalogue, feature["properties"]["layer"]).kind
    if kind not in KINDS:
        return None
    props = feature["properties"]
    when: dict[str, Any] = {}
    if kind == ROUTE:
        lon, lat = feature["geometry"]["coordinates"][0][:2]
        name = place_facts.route_name(props)
    elif kind == EVENT:  # when it is (WIB), and whether it is over: a list kept for weeks outlives its events
        lon, lat = feature["geometry"]["coordinates"][:2]
        view = events_pages.event_when(feature)
        name = str(view["name"])
        when = {"when": view["when"], "past": view["past"]}
    else:
        lon, lat = feature["geometry"]["coordinates"][:2]
        name = str(props["name"])
    return {
        **when,
        "id": feature_id,
        "kind": KINDS[kind],
        "name": name,
        "url": place_facts.page_url(kind, feature_id),
        "page": place_facts.page_url(kind, feature_id, lang=None, _external=True),
        "lon": lon,
        "lat": lat,
        "feature": feature,
        "layer_title": place_facts.title(require_layer(ctx.catalogue, props["layer"]).title),
        "directions": place_facts.directions_to(props, lat, lon, name),
    }


def trip_of(ids: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Return (the entries in order, each with the straight-line distance from the one before; the ids that
    name nothing on the map now)."""
    entries: list[dict[str, Any]] = []
    missing: list[str] = []
    for feature_id in ids:
        entry = _entry(feature_id)
        if entry is None:
            missing.append(feature_id)
            continue
        if entries:
            before = entries[-1]
            metres = distance_m(before["lon"], before["lat"], entry["lon"], entry["lat"])
            entry["from_before"] = format_distance(metres, place_facts.lang())
        entries.append(entry)
    return entries, missing


def _share_url(ids: list[str]) -> str:
    return url_for("trip_pages.trip", p=",".join(ids), lang=None, _external=True)


def _qr(link: str) -> Markup | None:
    if unreachable_reason(current_app.config["GEOTOUR_PUBLIC_URL"]):
        return None  # a code printed or shown to another phone would lead nowhere
    out = io.BytesIO()
    segno.make(link, error="m").save(
        out, kind="svg", scale=4, border=2, xmldecl=False, svgns=True, title="QR"
    )
    return Markup(out.getvalue().decode())


@bp.get("/perjalanan")
def trip() -> ResponseReturnValue:
    """A trip list: a shared one (?p=id,id,…, in its order, with distances, QR, WhatsApp, GPX and KML), or,
    without ?p=, the phone's own list (kept on the phone; offline too)."""
    ids = _ids()
    entries, missing = trip_of(ids)
    link = _share_url([e["id"] for e in entries]) if entries else None
    message = _("My trip in the Ciletuh-Palabuhanratu Geopark: %(link)s", link=link) if link else ""
    return render_template(
        "trip.html",
        shared=bool(ids),
        entries=entries,
        missing=missing,
        link=link,
        whatsapp=f"https://wa.me/?{urlencode({'text': message}, quote_via=quote)}" if link else None,
        qr=_qr(link) if link else None,
        query=",".join(e["id"] for e in entries),
        max_places=MAX_PLACES,
    )


def _trip_file() -> tuple[route_files.TripFile, str]:
    entries, _missing = trip_of(_ids(required=True))
    if not entries:
        raise BadParameter("None of these places is on the map now.", "p")
    places, routes = [], []
    for number, entry in enumerate(entries, start=1):
        places.append(route_files.FileStop(number, entry["name"], entry["lon"], entry["lat"], entry["page"]))
        if entry["kind"] == "route":
            routes.append(route_file_of(entry["feature"]))
    link = _share_url([e["id"] for e in entries])
    names = ", ".join(e["name"] for e in entries)
    title = _("My trip in the Ciletuh-Palabuhanratu Geopark")
    return route_files.TripFile(title, names, link, places, routes), "perjalanan"


@bp.get("/perjalanan.gpx")
def trip_gpx() -> Response:
    """Download a trip (?p=id,id,…) as GPX 1.1: its places as numbered waypoints, its routes as routes or tracks."""
    trip_file, name = _trip_file()
    return download(route_files.trip_gpx(trip_file), "application/gpx+xml", f"{name}.gpx")


@bp.get("/perjalanan.kml")
def trip_kml() -> Response:
    """Download a trip (?p=id,id,…) as KML for Google My Maps: its routes' lines and its numbered places."""
    trip_file, name = _trip_file()
    return download(route_files.trip_kml(trip_file), "application/vnd.google-earth.kml+xml", f"{name}.kml")
