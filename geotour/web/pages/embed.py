"""Embeds for other websites: /embed (iframe, no chrome, no cookies), the embed builder, and oEmbed."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Blueprint, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from marshmallow import ValidationError

from geotour.config import LOCALES
from geotour.context import current as _ctx
from geotour.domain import places
from geotour.domain.contact import local_number
from geotour.domain.layers import ATTRACTION, MSME, ROUTE
from geotour.errors import BadParameter, GeotourError, NotFound
from geotour.web import params, views
from geotour.web.pages.map_setup import BASEMAP_IDS, overview_snapshots, render_overview
from geotour.web.pages.place_facts import place_facts, route_name
from geotour.web.pages.route_pages import require_route, route_map_for, route_view

bp = Blueprint("embed", __name__)
DEFAULT_WIDTH, DEFAULT_HEIGHT = 640, 480


class NotImplementedFormat(GeotourError):
    """oEmbed asks for a format we do not serve (XML)."""

    status = 501
    code = "not_implemented"


def _msme_categories() -> tuple[str, ...]:
    return tuple(c for layer in _ctx().catalogue.layers if layer.kind == MSME for c in layer.category_ids)


def _check_center(numbers: list[float]) -> None:
    if len(numbers) != 2:
        raise ValidationError(params.Says("center must be lat,lon"))
    lat, lon = numbers
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError(params.Says("center must be lat,lon"))


class EmbedQuery(params.Unchecked):
    """The options of an embedded map (other parameters, a campaign's for one, are left alone)."""

    layers = params.choices(
        "Layers to show", lambda: _ctx().catalogue.ids(ATTRACTION) + _ctx().catalogue.ids(MSME)
    )
    category = params.choices("Business categories to show", _msme_categories)
    center = params.numbers("lat,lon of the map's centre", validate=_check_center)
    zoom = params.whole("Zoom level", 1, 19)
    site = params.text("A place to centre on and open", None)
    lang = params.choice("Language", LOCALES)
    basemap = params.choice("Base map", BASEMAP_IDS, load_default="osm")


def parse_embed_args(args: Mapping[str, str]) -> dict[str, Any]:
    """Return the embed options from query args, checking each one (a fault names its parameter)."""
    options = {name: None for name in EMBED_ARGS} | views.read(EmbedQuery, args)
    center, zoom = options["center"], options["zoom"]
    if options["site"] is not None:
        feature = places.require_feature(_ctx().storage, options["site"])
        if center is None:
            lon, lat = feature["geometry"]["coordinates"][:2]
            center, zoom = [lat, lon], zoom or 14
    lists = {name: tuple(options[name]) if options[name] else None for name in ("layers", "category")}
    return options | lists | {"center": tuple(center) if center else None, "zoom": zoom}


EMBED_ARGS = ("layers", "category", "center", "zoom", "site", "lang", "basemap")


def _embed_query(args: Mapping[str, str]) -> str:
    """Return the map's own options as a query string, to carry from the map to a place and back."""
    return urlencode([(k, args[k]) for k in EMBED_ARGS if args.get(k)])


@bp.get("/embed")
def embed() -> ResponseReturnValue:
    """Show the map alone, for an iframe on another website."""
    options = parse_embed_args(request.args)
    rendered = render_overview(
        options["layers"],
        options["category"],
        options["center"],
        options["zoom"],
        options["basemap"],
        embed={
            "site": options["site"],
            "query": _embed_query(request.args),
            "place": url_for("embed.place", feature_id="x")[:-1],
        },
    )
    return render_template(
        "embed.html",
        map=rendered,
        snapshots=overview_snapshots(options["layers"]),
        full_map_url=url_for("pages.index", _external=True),
    )


@bp.get("/embed/places/<feature_id>")
def place(feature_id: str) -> ResponseReturnValue:
    """Show one place inside an embed: its details in the frame (a sandboxed frame may open nothing else),
    a link back to the same map, and no cookie."""
    parse_embed_args(request.args)  # the map's options, checked, to go back to the same map
    feature = places.require_feature(_ctx().storage, feature_id)
    layer = _ctx().catalogue.get(feature["properties"]["layer"])
    if layer is None or layer.kind not in (ATTRACTION, MSME):
        raise NotFound("No place with id %(id)s.", "id", id=repr(feature_id[:60]))
    view = place_facts(feature)
    props = feature["properties"]
    number = None if view["sample"] else local_number(props.get("whatsapp") or props.get("phone"))
    query = _embed_query(request.args)
    full_url = url_for(
        "pages.msme" if layer.kind == MSME else "pages.site",
        feature_id=feature["id"],
        lang=request.args.get("lang"),
        _external=True,
    )
    return render_template(
        "embed_place.html",
        place=view,
        number=number,
        full_url=full_url,
        back_url=url_for("embed.embed", lang=None) + ("?" + query if query else ""),
    )


@bp.get("/embed/routes/<route_id>")
def route(route_id: str) -> ResponseReturnValue:
    """Show one route inside an embed: its map and numbered stops, its length said honestly, and a link to the
    whole route on Geotour (in the host page's window); no cookie."""
    lang = views.read(EmbedLang, request.args).get("lang")
    feature = require_route(route_id)
    view = route_view(feature)
    return render_template(
        "embed_route.html",
        route=view,
        map=route_map_for(view, feature),
        full_url=url_for("route_pages.route", route_id=route_id, lang=lang, _external=True),
    )


class EmbedLang(params.Unchecked):
    lang = params.choice("Language", LOCALES)


@bp.get("/embed/builder")
def builder() -> ResponseReturnValue:
    """Show the embed builder: pick layers, categories, view, size and language; copy the snippet."""
    catalogue = _ctx().catalogue
    sites = sorted(
        (
            (f["id"], f["properties"]["name"])
            for layer_id in catalogue.ids(ATTRACTION)
            for f in places.whole_layer(_ctx().storage, layer_id, ("name",))
        ),
        key=lambda s: s[1].casefold(),
    )
    routes = sorted(
        (
            (
                f["id"],
                route_name(f["properties"]),
                url_for("route_pages.route", route_id=f["id"], _external=True),
            )
            for f in places.features_of_kind(_ctx().storage, catalogue, ROUTE, ("name", "name_en"))
        ),
        key=lambda r: r[1].casefold(),
    )
    return render_template(
        "embed_builder.html",
        routes=[
            {
                "name": name,
                "html": render_template(
                    "embed_iframe.html",
                    src=url_for("embed.route", route_id=route_id, _external=True),
                    width=DEFAULT_WIDTH,
                    height=DEFAULT_HEIGHT,
                    title=name,
                    page_url=page,
                ).strip(),
            }
            for route_id, name, page in routes
        ],
        attractions=[catalogue.get(i) for i in catalogue.ids(ATTRACTION)],
        sites=sites,
        msme_layers=[catalogue.get(i) for i in catalogue.ids(MSME)],
        basemaps=BASEMAP_IDS,
        embed_url=url_for("embed.embed", _external=True),
    )


def _embed_target(url: str) -> tuple[dict[str, str], str]:
    """Return (embed query, title) for one of our map URLs, or raise NotFound."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc != request.host:
        raise NotFound("that URL is not a Geotour map", "url")
    query = dict(parse_qsl(parts.query))
    path = parts.path.rstrip("/") or "/"
    if path in ("/", "/embed"):
        return query, _("Map of the Ciletuh-Palabuhanratu UNESCO Global Geopark")
    if path.startswith("/routes/") and path.count("/") == 2:
        props = require_route(path[len("/routes/") :])["properties"]
        english = query.get("lang") == "en" and props.get("name_en")
        title = str(props["name_en"] if english else props["name"])
        return {"route": props["id"], **({"lang": query["lang"]} if "lang" in query else {})}, title
    for prefix in ("/sites/", "/msmes/"):
        if path.startswith(prefix) and path.count("/") == 2:
            feature = places.require_feature(_ctx().storage, path[len(prefix) :])
            embed_query = {"site": feature["id"], **({"lang": query["lang"]} if "lang" in query else {})}
            return embed_query, feature["properties"]["name"]
    raise NotFound("that URL is not a Geotour map", "url")


class OEmbedSize(params.Unchecked):
    maxwidth = params.whole("The consumer's largest width", 1, 100_000)
    maxheight = params.whole("The consumer's largest height", 1, 100_000)


def _size(name: str, default: int) -> int:
    # oEmbed: the consumer's maximum wins, however small, so the frame always fits its slot.
    value = views.read(OEmbedSize, request.args).get(name)
    return min(default, value) if value else default


@bp.get("/oembed")
def oembed() -> ResponseReturnValue:
    """Answer an oEmbed request (oembed.com): a rich type with one sandbox-friendly <iframe>."""
    wanted = request.args.get("format") or "json"
    if wanted == "xml":  # a format oEmbed defines that we do not serve: 501, as the spec asks
        raise NotImplementedFormat("only format=json is served", "format")
    if wanted != "json":
        raise BadParameter("format must be json", "format")
    url = request.args.get("url")
    if not url:
        raise BadParameter("url is required", "url")
    query, title = _embed_target(url)
    width, height = _size("maxwidth", DEFAULT_WIDTH), _size("maxheight", DEFAULT_HEIGHT)
    if "route" in query:  # a route's page: its own embed (map, stops, a link to the whole route)
        lang = {"lang": query["lang"]} if "lang" in query else {}
        src = url_for("embed.route", route_id=query["route"], _external=True, **lang)
    else:
        parse_embed_args(query)  # a shared /embed URL with bad options is not ours to embed
        src = url_for("embed.embed", lang=None, _external=True) + ("?" + urlencode(query) if query else "")
    # The quote first: WordPress loads its embed script (which shows the frame and opens our links in the top
    # window) only for an oEmbed that has one; elsewhere it is a plain link to the same page above the map.
    html = render_template(
        "embed_iframe.html", src=src, width=width, height=height, title=title, page_url=url
    ).strip()
    return jsonify(
        {
            "version": "1.0",
            "type": "rich",
            "title": title,
            "provider_name": "Geotour CPUGG",
            "provider_url": url_for("pages.index", _external=True),
            "width": width,
            "height": height,
            "html": html,
            "cache_age": 86400,
        }
    )
