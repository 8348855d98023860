"""What the map pages give Folium and the map script: layers, types, basemaps, words and the place
settings, and the rendered overview map (kept per process), for the map page and the embeds."""

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from geotour.context import current as _ctx
from geotour.domain.layers import ATTRACTION, MSME, Catalogue, Category, Layer, LayerKind
from geotour.domain.places import snapshot_token
from geotour.storage import StorageUnavailable, snapshots
from geotour.web import i18n, maps, offline
from geotour.web.api.read import snapshot_url
from geotour.web.pages import place_facts

ICON_SPRITE = "vendor/icons/geotour-icons.svg"  # built by `make assets` from the icons named in layers.json
_lang, _title = place_facts.lang, place_facts.title


POPUP_NEARBY = {"attraction": (3_000, 3), "msme": (20_000, 3)}  # kind of the place: (radius in m, how many)


NEAR_ME = {"attraction": (25_000, 3), "msme": (5_000, 5)}  # "near me": of each kind (radius in m, how many)


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
        # The map card's directions button (short: it stands beside "See details" on a 360 px phone).
        "go_there": _("Go there"),
        "directions": _("Directions in a maps app"),
        "directions_by_name": _(
            "The position is only an estimate: the maps app looks for the place by its name."
        ),
        "trip_add": _("+ My trip"),
        "trip_added": _("✓ In my trip"),
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
        "closed": _("Closed"),
        "limited": _("Limited"),
        "until": _("until %(day)s", day="__DAY__"),
        "near_me": _("Near you"),
        "close": _("Close"),
        "zoom_in": _("Zoom in"),
        "cluster": _("%(count)s places here: zoom in to see them", count="__COUNT__"),
        "zoom_out": _("Zoom out"),
        "layers": _("Map layers"),
        "near_me_none": _("Nothing within 5 km of you. You may be outside the geopark."),
        "near_me_attractions": _("Nearest attractions"),
        "near_me_businesses": _("Businesses near you"),
        "verified": _("Position checked on site"),
        "approx": _("Approximate ±%(distance)s", distance="__DISTANCE__"),
        "approx_title": _("The point is an estimate, not measured on site."),
        "about": _("about %(distance)s", distance="__DISTANCE__"),
        "sample_no_number": _("Sample data — not a real business: no number, no directions"),
        "from_saved": _("From the data saved on this phone."),
        "no_match": _("No place with that name."),
        "route_stops_only": _("Stops only: the path itself is not mapped yet."),
        "route_see": _("See the route"),
        "event_see": _("See the event"),
        "partner": _("Geopark partner"),
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
                "categories": {c.id: _category_config(layer, c) for c in layer.categories},
            }
        )
    return layers


def _category_config(layer: Layer, category: Category) -> dict[str, Any]:
    """A category's title, and its look where it is not its layer's (the map takes the layer's for the rest:
    geotour-map.js, Geotour): 35 categories repeating their layer's colour were 0.3 kB of every map page."""
    config = {"title": _title(category.title)}
    for name in ("color", "glyph", "icon"):
        value = getattr(category, name)
        if value != getattr(layer, name, ""):  # a layer has no icon of its own
            config[name] = value
    return config


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


def base_config(mode: str) -> dict[str, Any]:
    """Return the map script's settings shared by every map page (`mode`: overview or focus)."""
    return {
        "mode": mode,
        "lang": _lang(),
        "api": url_for("api.layers").rsplit("/", 1)[0],
        "pages": {
            "site": url_for("pages.site", feature_id="", lang=None).rstrip("/") + "/",
            "msme": url_for("pages.msme", feature_id="", lang=None).rstrip("/") + "/",
            "route": url_for("route_pages.route_list", lang=None).rstrip("/") + "/",
            "event": url_for("events_pages.event_list", lang=None).rstrip("/") + "/",
        },
        # a counted tap: /go/<what>/<id> (pages/go.py), used where the frame cannot open the app itself
        "go": url_for("go.go", what="call", feature_id="x", lang=None).removesuffix("call/x"),
        "layers": _layer_config(_ctx().catalogue),
        "types": _type_config(_ctx().catalogue),
        "t": _js_strings(),
        "offline": {"saved_header": offline.SAVED_HEADER, "fallback_header": offline.FALLBACK_HEADER},
        # the map's modules for what comes after the first markers
        "later": list(maps.MAP_LATER if mode == "overview" else maps.FOCUS_LATER),
        # What a popup lists near a place: the nearest businesses of a site, the nearest sites of a business.
        "popup_nearby": _reach(POPUP_NEARBY),
        "near_me": _reach(NEAR_ME),
        "distance": i18n.distance_format(_lang()),
    }


def _reach(table: dict[str, tuple[int, int]]) -> dict[str, dict[str, int]]:
    return {kind: {"radius_m": radius, "limit": limit} for kind, (radius, limit) in table.items()}


def map_spec(groups: list[dict[str, str]], config: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """Return what maps.overview_map draws: the layer groups, the script's settings and any extras."""
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


def group_specs(
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


def overview_snapshots(layer_ids: Sequence[str] | None = None) -> dict[str, str]:
    """Return {layer id: URL of its map snapshot at today's data version, in the page's language} for every
    layer the overview map draws, so that the page preloads them and the map script needs no catalogue
    first (one round trip less on a phone link); {} while the database cannot be reached (the script then
    asks the catalogue). A snapshot in one language carries each place's one description its card shows:
    2.5 kB less of the map page's data than both languages'.
    """
    catalogue = _ctx().catalogue
    wanted = [
        layer.id
        for layer in catalogue.layers
        if layer.id == "boundary"
        or (layer.kind in (ATTRACTION, MSME, LayerKind.ROUTE, LayerKind.EVENT) or layer.id == "villages")
        and (not layer_ids or layer.id in layer_ids)
    ]
    try:
        token = snapshot_token(_ctx().storage)
    except StorageUnavailable:
        return {}
    view = snapshots.map_view(str(get_locale()))
    return {layer_id: snapshot_url(layer_id, token, view) for layer_id in wanted}


def _render_overview(
    layer_ids: Sequence[str] | None,
    category_ids: Sequence[str] | None,
    center: tuple[float, float] | None,
    zoom: int | None,
    basemap: str | None,
    embed: dict[str, Any] | None,
) -> maps.RenderedMap:
    catalogue = _ctx().catalogue
    groups = group_specs(catalogue, ATTRACTION, layer_ids, category_ids) + group_specs(
        catalogue, MSME, layer_ids, category_ids
    )
    config = base_config("overview")
    config["place_layers"] = [
        layer.id
        for layer in catalogue.layers
        if layer.kind in (ATTRACTION, MSME) and (not layer_ids or layer.id in layer_ids)
    ]
    if embed:
        config["embed"] = embed
    spec = map_spec(groups, config, center=center, zoom=zoom)
    spec["basemaps"] = sorted(_basemaps(), key=lambda b: b.id != basemap)  # the chosen one first, shown
    if layer_ids is None or "villages" in layer_ids:  # an embed shows only the layers it was asked for
        spec["villages_label"] = maps.legend_label(_("Village names"), "#57534e", "")
    routes = [layer for layer in catalogue.layers if layer.kind == LayerKind.ROUTE]
    if routes and (layer_ids is None or routes[0].id in layer_ids):
        spec["routes_label"] = maps.legend_label(_title(routes[0].title), routes[0].color, routes[0].glyph)
        config["route_layers"] = [layer.id for layer in routes]
    timed = [layer for layer in catalogue.layers if layer.kind == LayerKind.EVENT]
    if timed and (layer_ids is None or timed[0].id in layer_ids):
        spec["events_label"] = maps.legend_label(_title(timed[0].title), timed[0].color, timed[0].glyph)
        config["event_layers"] = [layer.id for layer in timed]
    return maps.render(maps.overview_map(spec, static_url))


def static_url(path: str) -> str:
    """Return the URL of a file under static/."""
    return url_for("static", filename=path)
