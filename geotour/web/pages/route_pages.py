"""The geopark's routes for visitors: the list, one route's page (map, profile, stops, what is near the line,
directions, notes and sources; printable), and its GPX and KML files."""

import io
from collections.abc import Mapping, Sequence
from typing import Any

import segno
from babel.numbers import format_decimal
from flask import Blueprint, Response, current_app, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup

from geotour.context import current as _ctx
from geotour.domain import contact, counting, places, route_files, routes
from geotour.domain.features import Feature
from geotour.domain.layers import MSME, ROUTE
from geotour.errors import Conflict, NotFound
from geotour.web import maps
from geotour.web.counting import count_download
from geotour.web.i18n import format_distance
from geotour.web.pages import place_facts
from geotour.web.pages.map_setup import map_spec, static_url
from geotour.web.pages.report_pages import report_form
from geotour.web.public_address import unreachable_reason

bp = Blueprint("route_pages", __name__)
BUSINESS_RADIUS_M = 500  # the businesses "along the route": within this distance of its line
BUSINESS_LIMIT = 30
FILE_CACHE_SECONDS = 3600

MODES = {
    "walking": _l("On foot"),
    "boat": _l("By boat"),
    "motorbike": _l("By motorbike"),
    "car": _l("By car"),
}
DIFFICULTIES = {"easy": _l("Easy"), "moderate": _l("Moderate"), "hard": _l("Hard")}
NOTE_TITLES = {
    "start": _l("Start and parking"),
    "path": _l("The path"),
    "guide": _l("Guide"),
    "permit": _l("Permit"),
    "tide": _l("Tide and season"),
    "boat": _l("Boat"),
}


def _lang() -> str:
    return place_facts.lang()


def _text(value: object) -> str:
    """Return a {"id", "en"} text in the page's language (the other one when it has none), or ''."""
    if not isinstance(value, Mapping):
        return ""
    other = "en" if _lang() == "id" else "id"
    return str(value.get(_lang()) or value.get(other) or "")


def format_minutes(minutes: int) -> str:
    """Return "45 min", "1 h 20 min", "3 h" in the page's language."""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return _("%(minutes)s min", minutes=rest)
    if not rest:
        return ngettext("%(num)s h", "%(num)s h", hours)
    return _("%(hours)s h %(minutes)s min", hours=hours, minutes=rest)


def require_route(route_id: str) -> Feature:
    """Return the published route with this id, or raise NotFound (a page, or JSON under /api)."""
    feature = _ctx().storage.get_feature(route_id)
    if feature is None or _ctx().catalogue.get(feature["properties"]["layer"]) is None:
        raise NotFound(_("No route with this id."), "id")
    if places.require_layer(_ctx().catalogue, feature["properties"]["layer"]).kind != ROUTE:
        raise NotFound(_("No route with this id."), "id")
    return feature


def _length_words(figures: routes.RouteFigures) -> str:
    distance = format_distance(figures.length_m, _lang())
    if figures.straight_line:
        return _("at least %(distance)s in a straight line", distance=distance)
    return distance


def _stops(props: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return the stops in order: number, name, page, position and status, or that the position is unknown."""
    listed = props.get("stops")
    stops: list[dict[str, Any]] = (
        [s for s in listed if isinstance(s, dict)] if isinstance(listed, list) else []
    )
    ids = [str(s["site_id"]) for s in stops if isinstance(s.get("site_id"), str)]
    found = {site_id: _ctx().storage.get_feature(site_id) for site_id in dict.fromkeys(ids)}
    shown = []
    for number, stop in enumerate(stops, start=1):
        site = found.get(stop["site_id"]) if isinstance(stop.get("site_id"), str) else None
        if site is None:
            # No known position, or a site since taken off the map: named as written, else by its id.
            name = str(stop.get("name") or stop.get("site_id") or "")
            shown.append({"number": number, "name": name, "place": None})
            continue
        facts = place_facts.place_facts(site)
        shown.append({"number": number, "name": facts["name"], "place": facts})
    return shown


def route_view(feature: Feature) -> dict[str, Any]:
    """Return what the route page, the list and the files show of a route, in the page's language."""
    props = feature["properties"]
    figures = routes.figures(props, feature["geometry"])
    start_lon, start_lat = feature["geometry"]["coordinates"][0][:2]
    stops = _stops(props)
    notes: dict[str, list[dict[str, Any]]] = {}
    for note in props.get("notes") or []:
        if isinstance(note, dict) and note.get("about") in NOTE_TITLES:
            notes.setdefault(note["about"], []).append(
                place_facts.dated_source(_text(note), note.get("date"), note.get("source"))
            )
    duration = (
        format_minutes(figures.duration_min) if figures.duration_min and figures.duration_basis else None
    )
    mode = routes.mode_of(props)
    difficulty = props.get("difficulty") if props.get("difficulty") in DIFFICULTIES else None
    name = place_facts.route_name(props)
    return {
        "id": feature["id"],
        "name": name,
        "url": url_for("route_pages.route", route_id=feature["id"]),
        "description": place_facts.localized(props, "description"),
        "mode": str(MODES[mode]) if mode in MODES else None,
        "difficulty": str(DIFFICULTIES[difficulty]) if difficulty else None,
        "difficulty_basis": _text(props.get("difficulty_basis")),
        "figures": figures,
        "length": _length_words(figures),
        "ascent": format_distance(figures.ascent_m, _lang()) if figures.ascent_m is not None else None,
        "descent": format_distance(figures.descent_m, _lang()) if figures.descent_m is not None else None,
        "duration": duration,
        "duration_basis": figures.duration_basis,
        "duration_stated": _text(props.get("duration_stated")),
        "recorded": props.get("track") == routes.RECORDED,
        "stops": stops,
        "mapped_stops": [s for s in stops if s["place"]],
        "closed_stops": [s for s in stops if s["place"] and s["place"]["status"]],
        "notes": [(str(NOTE_TITLES[about]), notes[about]) for about in NOTE_TITLES if about in notes],
        "facts": [f for f in props.get("facts") or [] if isinstance(f, dict)],
        "confidence": props.get("confidence"),
        "start": {"lat": start_lat, "lon": start_lon},
        "directions": contact.directions(start_lat, start_lon, name),
    }


def _profile_svg(coords: Sequence[Sequence[float]]) -> dict[str, Any] | None:
    """Return the elevation profile as SVG parts (drawn on the server; no script), or None without heights."""
    points = routes.profile(coords)
    if not points:
        return None
    width, height, pad = 640.0, 200.0, 36.0
    length = points[-1][0] or 1.0
    low, high = min(p[1] for p in points), max(p[1] for p in points)
    span = max(high - low, 10.0)

    def xy(distance: float, value: float) -> str:
        x = pad + (width - 2 * pad) * distance / length
        y = height - pad - (height - 2 * pad) * (value - low) / span
        return f"{x:.1f},{y:.1f}"

    line = " ".join(xy(d, h) for d, h in points)
    area = f"{pad:.1f},{height - pad:.1f} {line} {width - pad:.1f},{height - pad:.1f}"
    return {
        "viewbox": f"0 0 {width:.0f} {height:.0f}",
        "line": line,
        "area": area,
        "low": format_distance(low, _lang()) if low >= 0 else f"{low:.0f} m",
        "high": format_distance(high, _lang()),
        "length": format_distance(length, _lang()),
        "pad": pad,
        "bottom": height - pad,
        "right": width - pad,
    }


def route_map_for(view: dict[str, Any], feature: Feature) -> maps.RenderedMap:
    """Return the rendered map of a route: its line and its numbered stops (the page's and the embed's)."""
    coords = feature["geometry"]["coordinates"]
    spec = map_spec([], {}, center=(view["start"]["lat"], view["start"]["lon"]), radius_m=None)
    spec["aria_label"] = _("Map of the route %(name)s", name=view["name"])
    stops = [
        {"number": s["number"], "lat": s["place"]["lat"], "lon": s["place"]["lon"]}
        for s in view["mapped_stops"]
    ]
    return maps.render(maps.route_map(spec, static_url, coords, stops, dashed=not view["recorded"]))


@bp.get("/routes")
def route_list() -> ResponseReturnValue:
    """List the geopark's routes: how they are travelled, how long, and how much of each is really mapped."""
    views = [route_view(f) for f in places.features_of_kind(_ctx().storage, _ctx().catalogue, ROUTE)]
    return render_template("routes.html", routes=sorted(views, key=lambda v: v["name"]))


@bp.get("/routes/<route_id>")
def route(route_id: str) -> ResponseReturnValue:
    """Show one route: its map and stops, length, time and difficulty, notes with their sources, the
    businesses near its line, directions to its start, and its files; it prints on A4."""
    feature = require_route(route_id)
    view = route_view(feature)
    line = feature["geometry"]["coordinates"]
    msme_layers = _ctx().catalogue.ids(MSME)
    near = _ctx().storage.features_near_line(line, BUSINESS_RADIUS_M, msme_layers, BUSINESS_LIMIT)
    businesses = []
    for business, away, along in near:
        facts = place_facts.place_facts(business)
        facts["away"] = format_distance(away, _lang())
        facts["along"] = format_distance(along, _lang())
        businesses.append(facts)
    canonical = url_for("route_pages.route", route_id=route_id, lang=None, _external=True)
    tile_urls = _corridor_tile_urls(line)
    return render_template(
        "route.html",
        route=view,
        map=route_map_for(view, feature),
        report=report_form(view["id"]),
        profile=_profile_svg(line) if view["recorded"] else None,
        businesses=businesses,
        radius=format_distance(BUSINESS_RADIUS_M, _lang()),
        canonical=canonical,
        qr=Markup(_qr_svg(canonical)),
        numbers=(_ctx().safety or {}).get("numbers", []),
        json_ld=_json_ld(view, props=feature["properties"], canonical=canonical),
        offline_urls=_offline_urls(view),
        tile_urls=tile_urls,
        tile_megabytes=format_decimal(len(tile_urls) * TILE_ESTIMATE_KB / 1000, "#,##0.#", locale=_lang()),
    )


TILE_ESTIMATE_KB = 20  # a street-map tile of this countryside is 10 to 30 KB


def _corridor_tile_urls(line: Sequence[Sequence[float]]) -> list[str]:
    """Return the street map's tiles of the route's corridor for "Save route", only where the operator says
    the tile source allows saving many (GEOTOUR_TILES_BULK); the OpenStreetMap servers forbid it. {s} is
    filled as Leaflet fills it, so the saved tile is the one the map asks for."""
    if not current_app.config["GEOTOUR_TILES_BULK"]:
        return []
    return tile_urls(routes.corridor_tiles(line, BUSINESS_RADIUS_M))


def tile_urls(tiles: Sequence[tuple[int, int, int]]) -> list[str]:
    """Return the street map's URLs of tiles (z, x, y), {s} filled as Leaflet fills it, so the saved tile is the
    one the map asks for."""
    template = current_app.config["GEOTOUR_TILES_OSM"]
    return [
        template.replace("{s}", "abc"[(x + y) % 3])
        .replace("{z}", str(z))
        .replace("{x}", str(x))
        .replace("{y}", str(y))
        .replace("{r}", "")
        for z, x, y in tiles
    ]


def _offline_urls(view: dict[str, Any]) -> list[str]:
    """Return what "Save route" keeps on the phone: this page, its stops' pages (as its links name them, so a
    tap on one opens the saved copy) and its two files."""
    return [
        view["url"],
        *(stop["place"]["url"] for stop in view["mapped_stops"]),
        url_for("route_pages.route_gpx", route_id=view["id"]),
        url_for("route_pages.route_kml", route_id=view["id"]),
    ]


def _qr_svg(link: str) -> str:
    """Return the QR code of the route's page as inline SVG (segno writes only its own markup)."""
    out = io.BytesIO()
    segno.make(link, error="m").save(
        out, kind="svg", scale=3, border=2, xmldecl=False, svgns=True, title="QR"
    )
    return out.getvalue().decode()


def _json_ld(view: dict[str, Any], props: Mapping[str, Any], canonical: str) -> dict[str, Any]:
    """Return schema.org TouristTrip JSON-LD: the route and its stops as the itinerary, in order."""
    items = [
        {
            "@type": "ListItem",
            "position": stop["number"],
            "item": {
                "@type": "TouristAttraction",
                "name": stop["name"],
                **(
                    {
                        "url": url_for(
                            "pages.site", feature_id=stop["place"]["id"], lang=None, _external=True
                        ),
                        "geo": {
                            "@type": "GeoCoordinates",
                            "latitude": stop["place"]["lat"],
                            "longitude": stop["place"]["lon"],
                        },
                    }
                    if stop["place"]
                    else {}
                ),
            },
        }
        for stop in view["stops"]
    ]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "TouristTrip",
        "name": view["name"],
        "description": view["description"],
        "url": canonical,
        "inLanguage": _lang(),
        "itinerary": {"@type": "ItemList", "numberOfItems": len(items), "itemListElement": items},
    }
    return data


def route_file_of(feature: Feature) -> route_files.RouteFile:
    """Return what a route's files hold, in the page's language (its GPX, its KML, a trip's files)."""
    view = route_view(feature)
    note = (
        _("Recorded track.")
        if view["recorded"]
        else _("Stops only: the path itself is not mapped yet; the route goes from stop to stop.")
    )
    return route_files.RouteFile(
        name=view["name"],
        description=f"{view['description']} {note}".strip(),
        url=url_for("route_pages.route", route_id=feature["id"], lang=None, _external=True),
        track=feature["properties"].get("track") or routes.STOPS_ONLY,
        line=feature["geometry"]["coordinates"],
        stops=[
            route_files.FileStop(
                s["number"],
                s["name"],
                s["place"]["lon"],
                s["place"]["lat"],
                url_for("pages.site", feature_id=s["place"]["id"], lang=None, _external=True),
            )
            for s in view["mapped_stops"]
        ],
    )


def download(body: bytes, mimetype: str, filename: str) -> Response:
    """Return a file to download (a route's or a trip's), cached for a while, in the asked language."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.cache_control.public = True
    response.cache_control.max_age = FILE_CACHE_SECONDS
    response.vary.add("Accept-Language")
    return response


@bp.get("/routes/<route_id>/qr.svg")
def route_qr(route_id: str) -> Response:
    """Return the QR code of a route's page as SVG, for a signboard at its start (409 while the public address
    is not one phones can reach: a printed code would lead nowhere)."""
    feature = require_route(route_id)
    reason = unreachable_reason(current_app.config["GEOTOUR_PUBLIC_URL"])
    if reason:
        raise Conflict(reason, "GEOTOUR_PUBLIC_URL")
    link = url_for("route_pages.route", route_id=feature["id"], lang=None, src=counting.QR, _external=True)
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="svg", scale=10, border=2, xmldecl=False, title="QR")
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = FILE_CACHE_SECONDS
    return response


@bp.get("/routes/<route_id>.gpx")
def route_gpx(route_id: str) -> Response:
    """Download a route as GPX 1.1 for OsmAnd, Organic Maps or a GPS: a track when one was recorded, else its
    stops as a GPX route."""
    feature = require_route(route_id)
    count_download(feature["id"])
    return download(route_files.gpx(route_file_of(feature)), "application/gpx+xml", f"{feature['id']}.gpx")


@bp.get("/routes/<route_id>.kml")
def route_kml(route_id: str) -> Response:
    """Download a route as KML for Google My Maps or Google Earth: its line and its stops."""
    feature = require_route(route_id)
    count_download(feature["id"])
    return download(
        route_files.kml(route_file_of(feature)),
        "application/vnd.google-earth.kml+xml",
        f"{feature['id']}.kml",
    )
