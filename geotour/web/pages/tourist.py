"""HTML pages for tourists: the geopark map, a site with what is near it, and a local business."""

from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, has_request_context, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from geotour.config import LOCALES
from geotour.context import current as _ctx
from geotour.domain import exports, places, seo
from geotour.domain.features import Feature, fold
from geotour.domain.geodesy import DEFAULT_RADIUS_M, MAX_RADIUS_M
from geotour.domain.layers import ATTRACTION, MSME, Catalogue, LayerKind
from geotour.errors import NotFound
from geotour.web import i18n, maps, offline, params, views
from geotour.web.pages import place_facts
from geotour.web.responses import LocalStore

bp = Blueprint("pages", __name__)
ICON_SPRITE = "vendor/icons/geotour-icons.svg"  # built by `make assets` from the icons named in layers.json
SITE_LIST_LIMIT = 50
POPUP_NEARBY = {"attraction": (3_000, 3), "msme": (20_000, 3)}  # kind of the place: (radius in m, how many)
NEAR_ME = {"attraction": (25_000, 3), "msme": (5_000, 5)}  # "near me": of each kind (radius in m, how many)
MSME_ATTRACTION_RADIUS_M = 25_000
MSME_ATTRACTION_LIMIT = 8


@bp.url_defaults
def _keep_language(endpoint: str, values: dict[str, Any]) -> None:
    """Carry ?lang= into links between pages, so a visitor who chose English stays in English."""
    lang = request.args.get("lang") if has_request_context() else None
    if lang in LOCALES:
        values.setdefault("lang", lang)


_lang, _title = place_facts.lang, place_facts.title


def _basemaps() -> list[maps.Basemap]:
    config = current_app.config
    return [
        maps.Basemap(
            "osm", _("Street map"), config["GEOTOUR_TILES_OSM"], "&copy; OpenStreetMap contributors"
        ),
        maps.Basemap(
            "topo",
            _("Topographic"),
            config["GEOTOUR_TILES_TOPO"],
            "&copy; OpenStreetMap contributors, SRTM | &copy; OpenTopoMap (CC-BY-SA)",
            17,
        ),
        maps.Basemap("satellite", _("Satellite"), config["GEOTOUR_TILES_SATELLITE"], "Tiles &copy; Esri", 18),
    ]


BASEMAP_IDS = ("osm", "topo", "satellite")


def _js_strings() -> dict[str, str]:
    return {
        "nearby_msmes": _("Nearby businesses"),
        "nearby_sites": _("Nearest attractions"),
        "loading": _("Loading…"),
        "none_nearby": _("Nothing found nearby."),
        "details": _("See details"),
        "whatsapp": _("WhatsApp"),
        "call": _("Call"),
        "load_failed": _("Could not load the map data. Check your connection."),
        "retry": _("Try again"),
        "sample": _("Sample data"),
        "osm_data": _("Places: © OpenStreetMap contributors"),
        "phone": _("Phone / WhatsApp"),
        "copy_number": _("Copy number"),
        "copied": _("Copied."),
        "copy_failed": _("Select the number and copy it."),
        "wa_blocked": _("This website does not let the map open WhatsApp: copy the number instead."),
        # The same prefilled WhatsApp text as the server's links; the script puts the business name in.
        "whatsapp_message": _(
            "Hello, I saw %(name)s on the Geotour map and would like to ask.", name="__NAME__"
        ),
        "locate_failed": _("Your location is not available. The map still works without it."),
        "locate_denied": _(
            "This browser may not use your location. Allow it in the browser's site settings, or "
            "use the map without it."
        ),
        "locate_timeout": _(
            "Your location was not found in time. Try again outdoors, or use the map without it."
        ),
        "hours": _("Hours"),
        "near_me": _("Near you"),
        "close": _("Close"),
        "zoom_in": _("Zoom in"),
        "zoom_out": _("Zoom out"),
        "layers": _("Map layers"),
        "near_me_none": _("Nothing within 5 km of you. You may be outside the geopark."),
        "near_me_attractions": _("Nearest attractions"),
        "near_me_businesses": _("Businesses near you"),
        "verified": _("Position checked on site"),
        "approx": _("Approximate ±%(distance)s", distance="__DISTANCE__"),
        "approx_title": _("The point is an estimate, not measured on site."),
        "about": _("about %(distance)s", distance="__DISTANCE__"),
        "sample_no_number": _("Sample data — no number available yet"),
        "from_saved": _("From the data saved on this phone."),
        "no_match": _("No place with that name."),
    }


def _layer_config(catalogue: Catalogue) -> list[dict[str, Any]]:
    layers = []
    for layer in catalogue.layers:
        layers.append(
            {
                "id": layer.id,
                "kind": layer.kind,
                "title": _title(layer.title),
                "color": layer.color,
                "glyph": layer.glyph,
                "url": url_for("api.layer_features", layer_id=layer.id),
                "categories": {
                    c.id: {"title": _title(c.title), "color": c.color, "glyph": c.glyph, "icon": c.icon}
                    for c in layer.categories
                },
            }
        )
    return layers


def _type_config(catalogue: Catalogue) -> list[dict[str, Any]]:
    return [
        {
            "id": t.id,
            "title": _title(t.title),
            "color": t.color,
            "glyph": t.glyph,
            "icon": t.icon,
            "categories": list(t.categories),
        }
        for t in catalogue.types
    ]


def _base_config(mode: str) -> dict[str, Any]:
    return {
        "mode": mode,
        "lang": _lang(),
        "api": url_for("api.layers").rsplit("/", 1)[0],
        "pages": {
            "site": url_for("pages.site", feature_id="", lang=None).rstrip("/") + "/",
            "msme": url_for("pages.msme", feature_id="", lang=None).rstrip("/") + "/",
        },
        "layers": _layer_config(_ctx().catalogue),
        "types": _type_config(_ctx().catalogue),
        "t": _js_strings(),
        "offline": {"saved_header": offline.SAVED_HEADER, "fallback_header": offline.FALLBACK_HEADER},
        # What a popup lists near a place: the nearest businesses of a site, the nearest sites of a business.
        "popup_nearby": _reach(POPUP_NEARBY),
        "near_me": _reach(NEAR_ME),
        "distance": i18n.distance_format(_lang()),
    }


def _reach(table: dict[str, tuple[int, int]]) -> dict[str, dict[str, int]]:
    return {kind: {"radius_m": radius, "limit": limit} for kind, (radius, limit) in table.items()}


def _map_spec(groups: list[dict[str, str]], config: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "basemaps": _basemaps(),
        "groups": groups,
        "config": config,
        "aria_label": _("Map of the geopark"),
        "boundary_label": maps.legend_label(_("Geopark boundary (approximate)"), "#0e7490", ""),
        "locate_strings": {
            "title": _("Show my location"),
            "popup": _("You are here"),
            "outsideMapBoundsMsg": _("You are outside the map"),
        },
        **extra,
    }


def _group_specs(
    catalogue: Catalogue,
    layer_kind: LayerKind,
    layer_ids: Sequence[str] | None = None,
    category_ids: Sequence[str] | None = None,
) -> list[dict[str, str]]:
    """Return one marker group per attraction type (waterfalls, beaches...) or per business category.

    An embed limited to some layers gets the types that hold sites of those layers (geotour-map.js adds
    only the features of the layers it fetched).
    """
    groups = []
    if layer_kind == ATTRACTION:
        wanted = [
            layer.id
            for layer in catalogue.layers
            if layer.kind == ATTRACTION and (not layer_ids or layer.id in layer_ids)
        ]
        return [
            {"key": f"type:{t.id}", "label": maps.legend_label(_title(t.title), t.color, t.glyph, t.icon)}
            for t in catalogue.types
            if any(pair.split(":")[0] in wanted for pair in t.categories)
        ]
    for layer in catalogue.layers:
        if layer.kind != layer_kind or (layer_ids and layer.id not in layer_ids):
            continue
        groups += [
            {
                "key": f"{layer.id}:{c.id}",
                "label": maps.legend_label(_title(c.title), c.color, c.glyph, c.icon),
            }
            for c in layer.categories
            if not category_ids or c.id in category_ids
        ]
    return groups


@lru_cache(maxsize=4)
def _sprite_markup(path: str, mtime: int) -> Markup:
    return Markup(
        Path(path)
        .read_text(encoding="utf-8")
        .replace("<svg ", '<svg class="gt-sprite" aria-hidden="true" ', 1)
    )


def inline_sprite() -> Markup | str:
    """Return the icon sprite as inline SVG (1.6 KB gzipped): no extra request, and it works inside a
    sandboxed embed, where an SVG <use> of another file is refused. Empty before `make assets`."""
    path = Path(str(current_app.static_folder)) / ICON_SPRITE
    try:
        return _sprite_markup(str(path), path.stat().st_mtime_ns)
    except OSError:
        return ""


@bp.app_context_processor
def _icons() -> dict[str, Any]:
    # geopark_center: every small map (contribution and moderation pages) starts where the big ones do.
    return {
        "icon_markup": maps.icon_markup,
        "inline_sprite": inline_sprite,
        "geopark_center": maps.GEOPARK_CENTER,
    }


RENDERED_MAPS_MAX_BYTES = 1024 * 1024  # per worker: a rendered map is ~15 KB, so about 70 variants


@bp.record_once
def _keep_rendered_maps(state: BlueprintSetupState) -> None:
    state.app.extensions["geotour_rendered_maps"] = LocalStore(RENDERED_MAPS_MAX_BYTES)


def render_overview(
    layer_ids: Sequence[str] | None = None,
    category_ids: Sequence[str] | None = None,
    center: tuple[float, float] | None = None,
    zoom: int | None = None,
    basemap: str | None = None,
    embed: dict[str, Any] | None = None,
) -> maps.RenderedMap:
    """Render the geopark map, optionally limited to some layers and MSME categories (for embeds).

    The map holds no data (the layers are fetched by the browser), so what Folium renders depends only
    on the language, the options and the app's fixed configuration: it is kept per process (the most
    recently used variants, up to RENDERED_MAPS_MAX_BYTES), which takes the map page from ~20 ms to well
    under 1 ms, with or without a database.
    """
    key = repr(
        (
            str(get_locale()),
            request.args.get("lang"),
            request.script_root,
            layer_ids,
            category_ids,
            center,
            zoom,
            basemap,
            sorted(embed.items()) if isinstance(embed, dict) else embed,
        )
    )
    kept = current_app.extensions["geotour_rendered_maps"]
    rendered = kept.get(key)
    if rendered is None:
        rendered = _render_overview(layer_ids, category_ids, center, zoom, basemap, embed)
        kept.put(key, rendered, len(rendered.header) + len(rendered.html) + len(rendered.script))
    return rendered


def _render_overview(
    layer_ids: Sequence[str] | None,
    category_ids: Sequence[str] | None,
    center: tuple[float, float] | None,
    zoom: int | None,
    basemap: str | None,
    embed: dict[str, Any] | None,
) -> maps.RenderedMap:
    catalogue = _ctx().catalogue
    groups = _group_specs(catalogue, ATTRACTION, layer_ids, category_ids) + _group_specs(
        catalogue, MSME, layer_ids, category_ids
    )
    config = _base_config("overview")
    config["place_layers"] = [
        layer.id
        for layer in catalogue.layers
        if layer.kind in (ATTRACTION, MSME) and (not layer_ids or layer.id in layer_ids)
    ]
    if embed:
        config["embed"] = embed
    basemaps = sorted(_basemaps(), key=lambda b: b.id != basemap)  # the chosen one first, shown
    spec = _map_spec(groups, config, center=center, zoom=zoom)
    spec["basemaps"] = basemaps
    if layer_ids is None or "villages" in layer_ids:  # an embed shows only the layers it was asked for
        spec["villages_label"] = maps.legend_label(_("Village names"), "#57534e", "")
    return maps.render(maps.overview_map(spec, _static))


@bp.get("/")
def index() -> ResponseReturnValue:
    """Show the full-screen map of the geopark."""
    catalogue = _ctx().catalogue
    downloads = [layer for layer in catalogue.layers if layer.kind != LayerKind.REFERENCE]
    return render_template(
        "index.html",
        map=render_overview(),
        downloads=downloads,
        export_formats=exports.FORMATS,
        filters=_filter_choices(catalogue),
        wanted=set(),
        q="",
    )


def _static(path: str) -> str:
    return url_for("static", filename=path)


def _focus_page(
    template: str, origin: Feature, radius_m: float, limit: int, group_kind: LayerKind
) -> ResponseReturnValue:
    storage, catalogue = _ctx().storage, _ctx().catalogue
    found = places.near_place(storage, catalogue, origin, radius_m=radius_m, limit=limit)
    place = place_facts.place_facts(origin)
    config = _base_config("focus")
    config["focus"] = {
        "id": place["id"],
        "name": place["name"],
        "lat": place["lat"],
        "lon": place["lon"],
        "layer": origin["properties"]["layer"],
        "category": origin["properties"].get("category"),
        "coord_confidence": origin["properties"].get("coord_confidence"),
        "coord_uncertainty_m": origin["properties"].get("coord_uncertainty_m"),
        "nearby_url": url_for("api.feature_nearby", feature_id=place["id"], radius_m=radius_m, limit=limit),
    }
    spec = _map_spec(
        _group_specs(catalogue, group_kind),
        config,
        center=(place["lat"], place["lon"]),
        radius_m=radius_m if group_kind == MSME else None,
    )
    rendered = maps.render(maps.focus_map(spec, _static))
    canonical = url_for(str(request.endpoint), feature_id=place["id"], lang=None, _external=True)
    return render_template(
        template,
        map=rendered,
        place=place,
        nearby=[place_facts.place_facts(f, place["position"]["approximate"]) for f in found],
        radius_m=radius_m,
        canonical=canonical,
        json_ld=seo.json_ld(place, origin["properties"], canonical, place["description"]),
    )


def _place_page(
    feature_id: str,
    kind: LayerKind,
    other_kind_endpoint: str,
    render: Callable[[Feature], ResponseReturnValue],
) -> ResponseReturnValue:
    feature = places.require_feature(_ctx().storage, feature_id)
    found_kind = places.require_layer(_ctx().catalogue, feature["properties"]["layer"]).kind
    if found_kind == kind:
        return render(feature)
    if found_kind in (ATTRACTION, MSME):
        return redirect(url_for(other_kind_endpoint, feature_id=feature_id))
    raise NotFound(_("This page is only for attractions and businesses."), "id")


class SiteQuery(params.Unchecked):
    radius_m = params.number("Search radius in metres", 100, MAX_RADIUS_M, load_default=DEFAULT_RADIUS_M)


@bp.get("/sites/<feature_id>")
def site(feature_id: str) -> ResponseReturnValue:
    """Show one attraction, a map with a radius circle, and the businesses near it."""
    radius_m = views.parse(SiteQuery)["radius_m"]
    return _place_page(
        feature_id,
        ATTRACTION,
        "pages.msme",
        lambda feature: _focus_page("site.html", feature, radius_m, SITE_LIST_LIMIT, MSME),
    )


@bp.get("/msmes/<feature_id>")
def msme(feature_id: str) -> ResponseReturnValue:
    """Show one local business and the attractions nearest to it."""
    return _place_page(
        feature_id,
        MSME,
        "pages.site",
        lambda feature: _focus_page(
            "msme.html", feature, MSME_ATTRACTION_RADIUS_M, MSME_ATTRACTION_LIMIT, ATTRACTION
        ),
    )


@bp.get("/offline", endpoint="offline")
def offline_page() -> ResponseReturnValue:
    """The page a phone shows, with no signal, for a page it has not saved: what it has saved instead."""
    return render_template("offline.html", pages_cache=offline.PAGES_CACHE)


@bp.get("/places")
def place_list() -> ResponseReturnValue:
    """List every place by geoarea, with search and type filters: the map's text alternative, usable on a phone.

    ?q= and ?type= (attraction types and business categories) work without JavaScript; places.js filters
    the same list as the visitor types, and keeps both in the URL.
    """
    catalogue, storage = _ctx().catalogue, _ctx().storage
    filters = _filter_choices(catalogue)
    # An old shared link may name a type that no longer exists: it filters by the ones that do.
    asked = ",".join(request.args.getlist("type")).split(
        ","
    )  # type=a,b (a shared link) or type=a&type=b (the form)
    wanted = {v for v in asked if v in {f["id"] for f in filters}}
    query = fold(request.args.get("q", "").strip())[:100]
    areas: dict[str, dict[str, Any]] = {
        area: {"id": area, "title": title, "attractions": [], "businesses": []}
        for area, title in places.AREA_TITLES.items()
    }
    areas[""] = {"id": "other", "title": _("Elsewhere"), "attractions": [], "businesses": []}
    for kind in (ATTRACTION, MSME):
        for layer_id in catalogue.ids(kind):
            for feature in places.whole_layer(storage, layer_id):
                view = place_facts.place_facts(feature)
                view["shown"] = (not wanted or view["filter_key"] in wanted) and (
                    not query or query in view["search_text"]
                )
                areas[view["area"]]["attractions" if kind == ATTRACTION else "businesses"].append(view)
    order = {f["id"]: index for index, f in enumerate(filters)}
    for area in areas.values():
        for key in ("attractions", "businesses"):
            area[key].sort(key=lambda v: (order.get(v["filter_key"], 99), fold(v["name"])))
    shown = any(v["shown"] for a in areas.values() for v in a["attractions"] + a["businesses"])
    present = {v["filter_key"] for a in areas.values() for v in a["attractions"] + a["businesses"]}
    filters = [f for f in filters if f["id"] in present]  # no rivers yet: no chip that shows nothing
    return render_template(
        "places.html",
        areas=[a for a in areas.values() if a["attractions"] or a["businesses"]],
        filters=filters,
        wanted=wanted,
        q=request.args.get("q", "")[:100],
        any_shown=shown,
    )


def _filter_choices(catalogue: Catalogue) -> list[dict[str, Any]]:
    """Return the type filters: attraction types, then business categories, each with a title and style."""
    found = [
        {"id": t.id, "title": _title(t.title), "color": t.color, "icon": t.icon, "kind": ATTRACTION}
        for t in catalogue.types
    ]
    for layer in catalogue.layers:
        if layer.kind == MSME:
            found += [
                {"id": c.id, "title": _title(c.title), "color": c.color, "icon": c.icon, "kind": MSME}
                for c in layer.categories
            ]
    return found
