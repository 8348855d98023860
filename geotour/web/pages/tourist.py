"""HTML pages for tourists: the geopark map, a site with what is near it, and a local business."""
from flask import Blueprint, current_app, has_request_context, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from geotour.web import maps
from geotour.web import params
from geotour.domain import places
from geotour.domain import seo
from geotour.config import LOCALES
from geotour.domain.contact import directions, tel_url, whatsapp_url
from geotour.context import current as _ctx
from geotour.errors import NotFound
from geotour.domain.layers import ATTRACTION, MSME
from geotour.domain.nearby import DEFAULT_RADIUS_M, MAX_RADIUS_M
from geotour.web.responses import LocalStore
from geotour.web import offline

bp = Blueprint("pages", __name__)
SITE_LIST_LIMIT = 50
MSME_ATTRACTION_RADIUS_M = 25_000
MSME_ATTRACTION_LIMIT = 8


@bp.url_defaults
def _keep_language(endpoint, values):
    """Carry ?lang= into links between pages, so a visitor who chose English stays in English."""
    lang = request.args.get("lang") if has_request_context() else None
    if lang in LOCALES:
        values.setdefault("lang", lang)


def _lang():
    return str(get_locale())


def localized(properties, name):
    """Return properties[name_<lang>], falling back to the other language, or ''."""
    lang = _lang()
    other = "en" if lang == "id" else "id"
    return properties.get(f"{name}_{lang}") or properties.get(f"{name}_{other}") or ""


def _title(titles):
    return titles.get(_lang()) or titles.get("id")


def _basemaps():
    config = current_app.config
    return [
        maps.Basemap("osm", _("Street map"), config["GEOTOUR_TILES_OSM"], "&copy; OpenStreetMap contributors"),
        maps.Basemap("topo", _("Topographic"), config["GEOTOUR_TILES_TOPO"],
                     "&copy; OpenStreetMap contributors, SRTM | &copy; OpenTopoMap (CC-BY-SA)", 17),
        maps.Basemap("satellite", _("Satellite"), config["GEOTOUR_TILES_SATELLITE"], "Tiles &copy; Esri", 18),
    ]


BASEMAP_IDS = ("osm", "topo", "satellite")


def _js_strings():
    return {
        "nearby_msmes": _("Nearby businesses"), "nearby_sites": _("Nearest attractions"),
        "loading": _("Loading…"), "none_nearby": _("Nothing found nearby."),
        "details": _("See details"), "whatsapp": _("WhatsApp"), "call": _("Call"),
        "load_failed": _("Could not load the map data. Check your connection."), "retry": _("Try again"),
        "sample": _("Sample data"),
        # The same prefilled WhatsApp text as the server's links; the script puts the business name in.
        "whatsapp_message": _("Hello, I found %(name)s on the Geotour map.", name="__NAME__"),
        "locate_failed": _("Your location is not available. The map still works without it."),
        "hours": _("Hours"), "near_me": _("Near you"), "close": _("Close"),
        "zoom_in": _("Zoom in"), "zoom_out": _("Zoom out"), "layers": _("Map layers"),
        "near_me_none": _("Nothing within 5 km of you. You may be outside the geopark."),
    }


def _layer_config(catalogue):
    layers = []
    for layer in catalogue.layers:
        layers.append({
            "id": layer.id, "kind": layer.kind, "title": _title(layer.title), "color": layer.color,
            "glyph": layer.glyph, "url": url_for("api.layer_features", layer_id=layer.id),
            "categories": {c.id: {"title": _title(c.title), "color": c.color, "glyph": c.glyph}
                           for c in layer.categories},
        })
    return layers


def _base_config(mode):
    return {
        "mode": mode, "lang": _lang(), "api": url_for("api.layers").rsplit("/", 1)[0],
        "pages": {"site": url_for("pages.site", feature_id="", lang=None).rstrip("/") + "/",
                  "msme": url_for("pages.msme", feature_id="", lang=None).rstrip("/") + "/"},
        "layers": _layer_config(_ctx().catalogue), "t": _js_strings(),
        "offline": {"saved_header": offline.SAVED_HEADER, "fallback_header": offline.FALLBACK_HEADER},
    }


def _map_spec(groups, config, **extra):
    return {
        "basemaps": _basemaps(), "groups": groups, "config": config, "aria_label": _("Map of the geopark"),
        "boundary_label": maps.legend_label(_("Geopark boundary (approximate)"), "#0e7490", ""),
        "locate_strings": {"title": _("Show my location"), "popup": _("You are here"),
                           "outsideMapBoundsMsg": _("You are outside the map")},
        **extra,
    }


def _group_specs(catalogue, layer_kind, layer_ids=None, category_ids=None):
    groups = []
    for layer in catalogue.layers:
        if layer.kind != layer_kind or (layer_ids and layer.id not in layer_ids):
            continue
        if layer.kind == MSME:
            groups += [{"key": f"{layer.id}:{c.id}", "label": maps.legend_label(_title(c.title), c.color, c.glyph)}
                       for c in layer.categories if not category_ids or c.id in category_ids]
        else:
            groups.append({"key": layer.id, "label": maps.legend_label(_title(layer.title), layer.color, layer.glyph)})
    return groups


RENDERED_MAPS_MAX_BYTES = 1024 * 1024  # per worker: a rendered map is ~15 KB, so about 70 variants


@bp.record_once
def _keep_rendered_maps(state):
    state.app.extensions["geotour_rendered_maps"] = LocalStore(RENDERED_MAPS_MAX_BYTES)


def render_overview(layer_ids=None, category_ids=None, center=None, zoom=None, basemap=None, embed=None):
    """Render the geopark map, optionally limited to some layers and MSME categories (for embeds).

    The map holds no data (the layers are fetched by the browser), so what Folium renders depends only
    on the language, the options and the app's fixed configuration: it is kept per process (the most
    recently used variants, up to RENDERED_MAPS_MAX_BYTES), which takes the map page from ~20 ms to well
    under 1 ms, with or without a database.
    """
    key = repr((str(get_locale()), request.args.get("lang"), request.script_root, layer_ids, category_ids,
                center, zoom, basemap, sorted(embed.items()) if isinstance(embed, dict) else embed))
    kept = current_app.extensions["geotour_rendered_maps"]
    rendered = kept.get(key)
    if rendered is None:
        rendered = _render_overview(layer_ids, category_ids, center, zoom, basemap, embed)
        kept.put(key, rendered, len(rendered.header) + len(rendered.html) + len(rendered.script))
    return rendered


def _render_overview(layer_ids, category_ids, center, zoom, basemap, embed):
    catalogue = _ctx().catalogue
    groups = (_group_specs(catalogue, ATTRACTION, layer_ids, category_ids)
              + _group_specs(catalogue, MSME, layer_ids, category_ids))
    config = _base_config("overview")
    if embed:
        config["embed"] = embed
    basemaps = sorted(_basemaps(), key=lambda b: b.id != basemap)  # the chosen one first, shown
    spec = _map_spec(groups, config, center=center, zoom=zoom)
    spec["basemaps"] = basemaps
    if layer_ids is None or "villages" in layer_ids:  # an embed shows only the layers it was asked for
        spec["villages_label"] = maps.legend_label(_("Village names"), "#57534e", "")
    return maps.render(maps.overview_map(spec, _static))


@bp.get("/")
def index():
    """Show the full-screen map of the geopark."""
    catalogue = _ctx().catalogue
    downloads = [layer for layer in catalogue.layers if layer.kind != "reference"]
    return render_template("index.html", map=render_overview(), downloads=downloads)


def _static(path):
    return url_for("static", filename=path)


def _place_view(feature):
    props = feature["properties"]
    lon, lat = feature["geometry"]["coordinates"][:2]
    layer = _ctx().catalogue.get(props["layer"])
    category = layer.category(props.get("category"))
    message = _("Hello, I found %(name)s on the Geotour map.", name=props["name"])
    return {
        "id": feature["id"], "name": props["name"], "props": props, "layer": layer,
        "layer_title": _title(layer.title), "category_title": _title(category.title) if category else "",
        "color": category.color if category else layer.color, "glyph": category.glyph if category else layer.glyph,
        "lat": lat, "lon": lon, "description": localized(props, "description"),
        "directions": directions(lat, lon, props["name"]),
        "whatsapp": whatsapp_url(props.get("whatsapp"), message), "tel": tel_url(props.get("phone")),
        "distance_m": props.get("distance_m"), "bearing_deg": props.get("bearing_deg"),
        "url": url_for("pages.msme" if layer.kind == MSME else "pages.site", feature_id=feature["id"]),
    }


def _focus_page(template, origin, radius_m, limit, group_kind):
    storage, catalogue = _ctx().storage, _ctx().catalogue
    found = places.near_place(storage, catalogue, origin, radius_m=radius_m, limit=limit)
    place = _place_view(origin)
    config = _base_config("focus")
    config["focus"] = {
        "id": place["id"], "name": place["name"], "lat": place["lat"], "lon": place["lon"], "layer": origin["properties"]["layer"],
        "category": origin["properties"].get("category"),
        "nearby_url": url_for("api.feature_nearby", feature_id=place["id"], radius_m=radius_m, limit=limit),
    }
    spec = _map_spec(_group_specs(catalogue, group_kind), config, center=(place["lat"], place["lon"]),
                     radius_m=radius_m if group_kind == MSME else None)
    rendered = maps.render(maps.focus_map(spec, _static))
    canonical = url_for(request.endpoint, feature_id=place["id"], lang=None, _external=True)
    return render_template(template, map=rendered, place=place, nearby=[_place_view(f) for f in found],
                           radius_m=radius_m, canonical=canonical,
                           json_ld=seo.json_ld(place, canonical, place["description"]))


def _place_page(feature_id, kind, other_kind_endpoint, render):
    feature = places.require_feature(_ctx().storage, feature_id)
    found_kind = _ctx().catalogue.get(feature["properties"]["layer"]).kind
    if found_kind == kind:
        return render(feature)
    if found_kind in (ATTRACTION, MSME):
        return redirect(url_for(other_kind_endpoint, feature_id=feature_id))
    raise NotFound(_("This page is only for attractions and businesses."), "id")


@bp.get("/sites/<feature_id>")
def site(feature_id):
    """Show one attraction, a map with a radius circle, and the businesses near it."""
    radius_m = params.parse_float("radius_m", request.args.get("radius_m"), 100, MAX_RADIUS_M, DEFAULT_RADIUS_M)
    return _place_page(feature_id, ATTRACTION, "pages.msme",
                       lambda feature: _focus_page("site.html", feature, radius_m, SITE_LIST_LIMIT, MSME))


@bp.get("/msmes/<feature_id>")
def msme(feature_id):
    """Show one local business and the attractions nearest to it."""
    return _place_page(feature_id, MSME, "pages.site", lambda feature: _focus_page(
        "msme.html", feature, MSME_ATTRACTION_RADIUS_M, MSME_ATTRACTION_LIMIT, ATTRACTION))


@bp.get("/offline", endpoint="offline")
def offline_page():
    """The page a phone shows, with no signal, for a page it has not saved: what it has saved instead."""
    return render_template("offline.html", pages_cache=offline.PAGES_CACHE)


@bp.get("/places")
def place_list():
    """List every place by layer and category: the map's text alternative, for screen readers and keyboards."""
    catalogue, storage = _ctx().catalogue, _ctx().storage
    sections = []
    for kind in (ATTRACTION, MSME):
        for layer_id in catalogue.ids(kind):
            features = places.whole_layer(storage, layer_id)
            sections.append({"layer": catalogue.get(layer_id), "title": _title(catalogue.get(layer_id).title),
                             "places": [_place_view(f) for f in features]})
    return render_template("places.html", sections=sections)
