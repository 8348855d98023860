"""HTML pages for tourists: the geopark map, a site with what is near it, and a local business."""

from collections.abc import Callable
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from geotour.context import current as _ctx
from geotour.domain import exports, places, seo
from geotour.domain.features import Feature, fold
from geotour.domain.geodesy import DEFAULT_RADIUS_M, MAX_RADIUS_M
from geotour.domain.layers import ATTRACTION, MSME, Catalogue, LayerKind
from geotour.errors import NotFound
from geotour.web import maps, offline, params, views
from geotour.web.pages import place_facts
from geotour.web.pages.map_setup import (
    base_config,
    group_specs,
    inline_sprite,
    map_spec,
    overview_snapshots,
    render_overview,
    static_url,
)
from geotour.web.pages.report_pages import report_form
from geotour.web.responses import LocalStore

bp = Blueprint("pages", __name__)
SITE_LIST_LIMIT = 50
MSME_ATTRACTION_RADIUS_M = 25_000
MSME_ATTRACTION_LIMIT = 8


_lang, _title = place_facts.lang, place_facts.title


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


@bp.get("/")
def index() -> ResponseReturnValue:
    """Show the full-screen map of the geopark."""
    catalogue = _ctx().catalogue
    downloads = [layer for layer in catalogue.layers if layer.kind != LayerKind.REFERENCE]
    return render_template(
        "index.html",
        map=render_overview(),
        snapshots=overview_snapshots(),
        downloads=downloads,
        export_formats=exports.FORMATS,
        filters=_filter_choices(catalogue),
        wanted=set(),
        q="",
    )


def _focus_page(
    template: str, origin: Feature, radius_m: float, limit: int, group_kind: LayerKind
) -> ResponseReturnValue:
    storage, catalogue = _ctx().storage, _ctx().catalogue
    found = places.near_place(storage, catalogue, origin, radius_m=radius_m, limit=limit)
    place = place_facts.place_facts(origin)
    place["story"] = place_facts.story(origin["properties"]) if group_kind == MSME else None  # a site's story
    if group_kind == MSME:  # a site: the routes it is a stop of, and the roads that lead to it
        place["routes"] = place_facts.routes_of_stop(place["id"])
        place["approaches"] = place_facts.approaches_to(place["id"])
    config = base_config("focus")
    config["focus"] = {
        "id": place["id"],
        "name": place["name"],
        "lat": place["lat"],
        "lon": place["lon"],
        "layer": origin["properties"]["layer"],
        "category": origin["properties"].get("category"),
        "coord_confidence": origin["properties"].get("coord_confidence"),
        "coord_uncertainty_m": origin["properties"].get("coord_uncertainty_m"),
        "status": origin["properties"].get("status"),
        "status_until": origin["properties"].get("status_until"),
        "status_reason": origin["properties"].get("status_reason"),
        "nearby_url": url_for("api.feature_nearby", feature_id=place["id"], radius_m=radius_m, limit=limit),
    }
    spec = map_spec(
        group_specs(catalogue, group_kind),
        config,
        center=(place["lat"], place["lon"]),
        radius_m=radius_m if group_kind == MSME else None,
    )
    rendered = maps.render(maps.focus_map(spec, static_url))
    canonical = url_for(str(request.endpoint), feature_id=place["id"], lang=None, _external=True)
    return render_template(
        template,
        map=rendered,
        place=place,
        nearby=[place_facts.place_facts(f, place["position"]["approximate"]) for f in found],
        radius_m=radius_m,
        canonical=canonical,
        json_ld=seo.json_ld(place, origin["properties"], canonical, place["description"]),
        report=report_form(place["id"]),
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
    if found_kind == LayerKind.ROUTE:
        return redirect(url_for("route_pages.route", route_id=feature_id))
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


@bp.get("/glosarium", endpoint="glossary")
def glossary() -> ResponseReturnValue:
    """Explain, in plain words, the geology terms the places' stories use (saved offline with the map)."""
    lang = _lang()
    terms = sorted(_ctx().glossary, key=lambda term: fold(term.title[lang]))
    return render_template("glossary.html", terms=terms, lang=lang)


@bp.get("/privasi", endpoint="privacy")
def privacy() -> ResponseReturnValue:
    """What Geotour counts (per place and day) and what it never keeps (who, an address, a cookie)."""
    return render_template("privacy.html")


@bp.get("/keselamatan", endpoint="safety")
def safety_card() -> ResponseReturnValue:
    """The safety card: emergency numbers, the tsunami natural warning, the beach rule, the roads, and the
    phone's own position to read out or send; each fact with its source and date (saved offline)."""
    card = _ctx().safety
    if card is None:
        raise NotFound(_("The safety card is not set up on this site."), "keselamatan")
    return render_template("safety.html", card=card, lang=_lang())


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
    partners_only = request.args.get("partner") == "1"  # businesses holding the geopark partner label
    areas: dict[str, dict[str, Any]] = {
        area: {"id": area, "title": title, "attractions": [], "businesses": []}
        for area, title in places.AREA_TITLES.items()
    }
    areas[""] = {"id": "other", "title": _("Elsewhere"), "attractions": [], "businesses": []}
    for kind in (ATTRACTION, MSME):
        for layer_id in catalogue.ids(kind):
            for feature in places.whole_layer(storage, layer_id):
                view = place_facts.place_facts(feature)
                view["shown"] = (
                    (not wanted or view["filter_key"] in wanted)
                    and (not query or query in view["search_text"])
                    and (not partners_only or view["partner"] is not None)
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
        partners_only=partners_only,
        q=request.args.get("q", "")[:100],
        any_shown=shown,
        routes=_route_links(catalogue, query),
    )


def _route_links(catalogue: Catalogue, query: str) -> list[dict[str, Any]]:
    """Return the routes for the place list (name, page, whether only their stops are known), those whose
    name in either language holds the search."""
    found = []
    kept = ("name", "name_en", "track")
    for feature in places.features_of_kind(_ctx().storage, catalogue, LayerKind.ROUTE, kept):
        props = feature["properties"]
        names = fold(" | ".join(str(props.get(k) or "") for k in ("name", "name_en")))
        if not query or query in names:
            found.append(
                {
                    "name": place_facts.route_name(props),
                    "url": url_for("route_pages.route", route_id=feature["id"]),
                    "stops_only": props.get("track") != "recorded",
                }
            )
    return sorted(found, key=lambda r: fold(r["name"]))


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
