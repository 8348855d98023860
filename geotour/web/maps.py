"""Build and render the Folium maps. The ONLY module that configures Folium's assets, plugins and templates.

Layer data is never inlined: a small element of our own (AsyncLayers) hands the map, its empty marker
groups and a JSON config to static/js/geotour-map.js, which fetches GeoJSON from /api/v1 with fetch().
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import folium
from branca.element import CssLink, Element, Figure, JavascriptLink
from folium.elements import JSCSSMixin
from folium.plugins import FeatureGroupSubGroup, LocateControl, MarkerCluster
from folium.template import Template
from markupsafe import Markup, escape

GEOPARK_CENTER = (-7.12, 106.50)  # lat, lon: the middle of Palabuhanratu Bay and Ciletuh
GEOPARK_ZOOM = 10
OVERVIEW_MIN_ZOOM = 8
Plugin = TypeVar("Plugin", bound=JSCSSMixin)

# Every script and stylesheet a map page loads, as paths under /static. Installed from npm
# (package.json) into static/vendor by `make assets`; nothing comes from a CDN.
MAP_JS = [
    ("leaflet", "vendor/leaflet/leaflet.js"),
    # leaflet.markercluster.js and leaflet.featuregroup.subgroup.js, in that order, as one file (make assets)
    ("markercluster", "vendor/markercluster/markercluster-subgroup.js"),
    ("locatecontrol", "vendor/locatecontrol/L.Control.Locate.min.js"),
]
# What the first marker waits for, asked for first (fetchpriority="high"). A deferred script is otherwise a
# low-priority request, which Chromium holds back behind the page's modules on an HTTP/1.1 link: Leaflet,
# the largest file, then arrived last (bench/front.py, bench_first_marker).
MAP_JS_FIRST = ("leaflet", "markercluster")
# Our own scripts are ES modules, run after the scripts above (both deferred, in document order). They
# import each other by the names of the page's import map (templates/document.html), which point at the
# fingerprinted URLs, so a module and what it imports always come from one release, offline too.
MAP_MODULES = [("geotour", "js/geotour-map.js")]
# The map's own modules for what comes after the first markers: each adds its methods to Geotour.
MAP_PARTS = {
    "geotour/map/popups": "js/map/popups.js",
    "geotour/map/overlays": "js/map/overlays.js",
    "geotour/map/near-me": "js/map/near-me.js",
    "geotour/map/finder": "js/map/finder.js",
}
# What the map's first module (MAP_MODULES) asks for once the first markers are drawn (Geotour.more), by the
# names the map script's `later` setting gives it (pages/map_setup.base_config): on the overview, the four
# parts as one module, which `make assets` bundles with them and what they import alone (bundles.json).
MAP_LATER = {"geotour/map/later": "js/map/later.js"}
# A place's page (focus mode) needs its neighbours' cards only: it has no search box, routes, events, village
# names or "near me" (geotour-map.js calls them in overview mode alone).
FOCUS_LATER = ("geotour/map/popups",)
JS_MODULES = {
    "geotour/search": "js/lib/search.js",
    "geotour/distance": "js/lib/distance.js",
    "geotour/directions": "js/lib/directions.js",  # the map card's "Go there" (js/map/popups.js)
    "geotour/place-search": "js/place-search.js",
    "geotour/copy": "js/lib/copy.js",  # the safety card's and the embeds' "copy"
    "geotour/time": "js/lib/time.js",  # every page: the offline banner's and the alerts' times
    "geotour/trip-list": "js/lib/trip-list.js",  # every page: "+ My trip" (js/trip.js) and the trip's page
    "geotour/count": "js/count.js",  # every page: what visitors do, counted per place and day (no tracking)
    **MAP_PARTS,
    **MAP_LATER,
}
# What the map's first module imports, asked for with it.
MAP_MODULE_NAMES = ("geotour/search", "geotour/time")
MAP_CSS = [
    ("leaflet_css", "vendor/leaflet/leaflet.css"),
    # MarkerCluster.css and MarkerCluster.Default.css, in that order, as one file (make assets)
    ("markercluster_css", "vendor/markercluster/markercluster.css"),
    ("locatecontrol_css", "vendor/locatecontrol/L.Control.Locate.min.css"),
]  # our own css/geotour.css is linked by every page template, map or not
# What only the overview's cluster needs (markercluster and the sub-groups its layers are toggled by).
CLUSTER_ASSETS = ("markercluster", "markercluster_css")


@dataclass(frozen=True)
class Basemap:
    """A switchable background: a label, a tile URL template and its attribution."""

    id: str
    name: str
    url: str
    attribution: str
    max_zoom: int = 19


@dataclass(frozen=True)
class RenderedMap:
    """The three parts of a rendered map, to place in a page template."""

    header: Markup
    html: Markup
    script: Markup


class GeotourMap(folium.Map):
    """A folium.Map whose header adds no viewport rules or inline styles (the page template owns those)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}{% endmacro %}
        {% macro html(this, kwargs) %}
            <div class="folium-map gt-map" id={{ this.get_name()|tojson }} role="application"
                 aria-label={{ this.aria_label|tojson }}></div>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map({{ this.get_name()|tojson }}, {
                center: {{ this.location|tojson }}, crs: L.CRS.{{ this.crs }},
                ...{{ this.options|tojavascript }}
            });
            {%- if this.control_scale %}
            L.control.scale({imperial: false}).addTo({{ this.get_name() }});
            {%- endif %}
        {% endmacro %}
        """
    )

    def __init__(self, static_url: Callable[[str], str], aria_label: str, **kwargs: Any) -> None:
        super().__init__(tiles=None, control_scale=True, **kwargs)
        self.aria_label = aria_label
        self.default_js: list[tuple[str, str]] = []
        self.default_css: list[tuple[str, str]] = []
        self.asset_js = [(name, static_url(path)) for name, path in MAP_JS]
        self.asset_modules = [(name, static_url(path)) for name, path in MAP_MODULES]
        self.module_preloads = [(name, static_url(JS_MODULES[name])) for name in MAP_MODULE_NAMES]
        self.asset_css = [(name, static_url(path)) for name, path in MAP_CSS]
        self.preconnect: list[str] = []  # the tile servers' origins (_add_basemaps)

    def render(self, **kwargs: Any) -> str:
        """Add our own stylesheets and deferred scripts to the header, then render the map."""
        root = self.get_root()
        assert isinstance(root, Figure)  # folium.Map puts itself in a Figure when it is made
        header = root.header
        for index, origin in enumerate(self.preconnect):
            header.add_child(Preconnect(origin), name=f"preconnect_{index}")
        for name, url in self.asset_css:
            header.add_child(CssLink(url), name=name)
        for name, url in self.asset_js:
            header.add_child(DeferredScript(url, first=name in MAP_JS_FIRST), name=name)
        for name, url in self.module_preloads:  # fetched with the entry, not one round trip after it
            header.add_child(ModulePreload(url), name=name)
        for name, url in self.asset_modules:
            header.add_child(ModuleScript(url), name=name)
        return super().render(**kwargs)


class DeferredScript(JavascriptLink):
    """A <script defer> link: it never blocks rendering; the map script waits for DOMContentLoaded.
    `first`: the first marker waits for it, so it is asked for at high priority."""

    _template = Template(
        '<script defer{% if this.first %} fetchpriority="high"{% endif %} src={{ this.url|tojson }}></script>'
    )

    def __init__(self, url: str, first: bool = False) -> None:
        super().__init__(url)
        self.first = first


class Preconnect(JavascriptLink):
    """A <link rel="preconnect">: open the connection to an origin the page will ask soon (the map tiles)."""

    _template = Template('<link rel="preconnect" href={{ this.url|tojson }}>')


class ModuleScript(JavascriptLink):
    """A <script type="module">: deferred like the others, and run in document order after them."""

    _template = Template('<script type="module" src={{ this.url|tojson }}></script>')


class ModulePreload(JavascriptLink):
    """A <link rel="modulepreload">: a module the page will import, asked for at once."""

    _template = Template('<link rel="modulepreload" href={{ this.url|tojson }}>')


class AsyncLayers(JSCSSMixin):
    """Hand the map and its empty groups to geotour-map.js, which fills them from the API asynchronously."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            Geotour.mount({{ this._parent.get_name() }}, {{ this.config|tojson }}, {
            {%- for key, group in this.groups.items() %}
                {{ key|tojson }}: {{ group.get_name() }},
            {%- endfor %}
            });
        {% endmacro %}
        """
    )

    def __init__(self, config: dict[str, Any], groups: dict[str, Element]) -> None:
        super().__init__()
        self._name = "AsyncLayers"
        self.config = config
        self.groups = groups


def _local_plugin(element: Plugin) -> Plugin:
    """Strip a plugin's CDN links: the map itself lists every asset (see MAP_JS and MAP_CSS)."""
    element.default_js = []
    element.default_css = []
    return element


def legend_label(title: str, color: str, glyph: str, icon: str = "") -> str:
    """Return a layer-control label: a coloured icon (or glyph) and the title, every part escaped."""
    return str(
        Markup('<span class="gt-swatch" style="background:{}" aria-hidden="true">{}</span> {}').format(
            color, icon_markup(icon) if icon else glyph, title
        )
    )


def icon_markup(icon: str) -> Markup:
    """Return an inline SVG that shows one icon of the sprite inline in every page (white on the swatch's colour)."""
    return Markup('<svg class="gt-icon" focusable="false"><use href="#icon-{}"></use></svg>').format(icon)


def tile_origins(url: str) -> list[str]:
    """The origins a tile URL template asks, one for each of Leaflet's default subdomains where it has {s}."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return []
    hosts = [parts.netloc.replace("{s}", s) for s in "abc"] if "{s}" in parts.netloc else [parts.netloc]
    return [f"{parts.scheme}://{host}" for host in hosts]


def _add_basemaps(m: GeotourMap, basemaps: Sequence[Basemap]) -> None:
    # The background shown first is asked for as soon as the map is made: its connection is opened while
    # Leaflet still loads (a DNS lookup, TCP and TLS are three round trips on a phone link).
    if basemaps:
        m.preconnect = tile_origins(basemaps[0].url)
    for index, basemap in enumerate(basemaps):
        folium.TileLayer(
            tiles=basemap.url,
            attr=basemap.attribution,
            name=str(escape(basemap.name)),
            max_zoom=basemap.max_zoom,
            overlay=False,
            control=True,
            show=index == 0,
        ).add_to(m)


def _locate_options(locate_strings: dict[str, str], near_me: bool = False) -> dict[str, Any]:
    # On the overview, geotour-map.js sets the view once it knows what is near: the visitor and the nearest
    # places (never a close-up of nothing). Elsewhere the control shows the visitor itself.
    return dict(
        position="topleft",
        setView=False if near_me else "untilPanOrZoom",
        flyTo=not near_me,
        keepCurrentZoomLevel=False,
        showPopup=False,
        strings=locate_strings,
        locateOptions={"enableHighAccuracy": True, "maxZoom": 16},
    )


def _add_controls(m: folium.Map, locate_strings: dict[str, str]) -> None:
    _local_plugin(LocateControl(**_locate_options(locate_strings))).add_to(m)
    _add_layer_control(m)


def _add_layer_control(m: folium.Map) -> None:
    folium.LayerControl(position="topright", collapsed=True).add_to(m)


def _locate_later(
    m: GeotourMap, locate_strings: dict[str, str], static_url: Callable[[str], str]
) -> dict[str, Any]:
    """Leave the locate control out of the overview page's head, and return the map script's `locate`
    setting: geotour-map.js puts its button on the map once the first markers are drawn, and loads the
    control's script on the first tap. On a weak link its 5 kB would otherwise share the line with Leaflet
    (and the first marker waits for Leaflet), and most visitors never tap it; the service worker keeps it
    with the saved shell, for a tap offline."""
    m.asset_js = [(name, url) for name, url in m.asset_js if name != "locatecontrol"]
    m.asset_css = [(name, url) for name, url in m.asset_css if name != "locatecontrol_css"]
    return {
        "script": static_url(dict(MAP_JS)["locatecontrol"]),
        "style": static_url(dict(MAP_CSS)["locatecontrol_css"]),
        "options": _locate_options(locate_strings, near_me=True),
    }


def overview_map(spec: dict[str, Any], static_url: Callable[[str], str]) -> GeotourMap:
    """Return the full-screen map of the whole geopark: boundary, a cluster per layer and MSME category."""
    m = GeotourMap(
        static_url,
        spec["aria_label"],
        location=spec.get("center") or GEOPARK_CENTER,
        zoom_start=spec.get("zoom") or GEOPARK_ZOOM,
        zoom_control=True,
        prefer_canvas=False,
        # The geopark fills the screen at zoom 10: nothing is gained below 8, and the cluster builds one
        # grid per zoom level for every marker, so fewer levels make a cheap phone draw the map sooner.
        min_zoom=OVERVIEW_MIN_ZOOM,
    )
    _add_basemaps(m, spec["basemaps"])
    groups = {"boundary": folium.FeatureGroup(name=spec["boundary_label"], show=True).add_to(m)}
    if spec.get("villages_label"):  # village names: with no tiles they and the boundary still orient
        groups["villages"] = folium.FeatureGroup(name=spec["villages_label"], show=True).add_to(m)
    if spec.get("routes_label"):  # routes: lines from site to site, under the markers
        groups["routes"] = folium.FeatureGroup(name=spec["routes_label"], show=True).add_to(m)
    if spec.get("events_label"):  # events not over: a few dots, outside the places' clusters
        groups["events"] = folium.FeatureGroup(name=spec["events_label"], show=True).add_to(m)
    # One cluster for every place, so markers of different layers cluster together; each layer and
    # MSME category is a sub-group of it with its own toggle.
    # Short chunks (12 ms here) keep each main-thread task under 50 ms on a phone four times slower.
    cluster = _local_plugin(
        MarkerCluster(
            control=False,
            showCoverageOnHover=False,
            maxClusterRadius=45,
            chunkedLoading=True,
            chunkInterval=12,
            chunkDelay=20,
            # From zoom 17 (45 px is about 50 m) every marker stands alone: no cluster grids above 16.
            disableClusteringAtZoom=17,
        )
    ).add_to(m)
    for group in spec["groups"]:
        groups[group["key"]] = _local_plugin(
            FeatureGroupSubGroup(cluster, name=group["label"], show=True)
        ).add_to(m)
    locate = _locate_later(m, spec["locate_strings"], static_url)
    _add_layer_control(m)
    AsyncLayers({**spec["config"], "locate": locate}, groups).add_to(m)
    return m


def focus_map(spec: dict[str, Any], static_url: Callable[[str], str]) -> GeotourMap:
    """Return the map of one place with a radius circle and groups for what is near it."""
    lat, lon = spec["center"]
    m = GeotourMap(static_url, spec["aria_label"], location=(lat, lon), zoom_start=14, zoom_control=True)
    # A place and its neighbours (50 at most) are drawn in plain groups: the cluster's script and styles (10 kB
    # of the page) stay off it; the map script asks only whether a group has a cluster (geotour-map.js).
    m.asset_js = [(name, url) for name, url in m.asset_js if name not in CLUSTER_ASSETS]
    m.asset_css = [(name, url) for name, url in m.asset_css if name not in CLUSTER_ASSETS]
    _add_basemaps(m, spec["basemaps"])
    if spec.get("radius_m"):
        folium.Circle(
            location=(lat, lon),
            radius=spec["radius_m"],
            color="#0e7490",
            weight=2,
            fill=True,
            fill_opacity=0.06,
            interactive=False,
        ).add_to(m)
    groups: dict[str, Element] = {}
    for group in spec["groups"]:
        groups[group["key"]] = folium.FeatureGroup(name=group["label"], show=True).add_to(m)
    _add_controls(m, spec["locate_strings"])
    AsyncLayers(spec["config"], groups).add_to(m)
    return m


ROUTE_COLOR = "#b45309"  # the routes layer's colour (layers.json)


def route_map(
    spec: dict[str, Any],
    static_url: Callable[[str], str],
    line: Sequence[Sequence[float]],
    stops: Sequence[dict[str, Any]],
    dashed: bool,
) -> GeotourMap:
    """Return the map of one route: its line (dashed when it only joins the stops) and numbered stops.

    Everything is drawn here: a route page needs no layer data, so the map script is not loaded. The stops'
    labels are their numbers only (no text from the data goes into Leaflet's HTML)."""
    m = GeotourMap(static_url, spec["aria_label"], location=spec["center"], zoom_start=13, zoom_control=True)
    m.asset_modules, m.module_preloads = [], []
    m.asset_js = [(name, url) for name, url in m.asset_js if name in ("leaflet", "locatecontrol")]
    m.asset_css = [(name, url) for name, url in m.asset_css if name in ("leaflet_css", "locatecontrol_css")]
    _add_basemaps(m, spec["basemaps"])
    locations = [(p[1], p[0]) for p in line]
    folium.PolyLine(
        locations,
        color=ROUTE_COLOR,
        weight=5,
        opacity=0.9,
        dash_array="10 10" if dashed else None,
        interactive=False,
    ).add_to(m)
    for stop in stops:
        number = int(stop["number"])
        folium.Marker(
            (stop["lat"], stop["lon"]),
            icon=folium.DivIcon(
                html=f'<span class="gt-stop-number">{number}</span>',
                icon_size=(28, 28),
                icon_anchor=(14, 14),
                class_name="gt-stop-icon",
            ),
            interactive=False,
            keyboard=False,
        ).add_to(m)
    lats = [p[0] for p in locations] + [s["lat"] for s in stops]
    lons = [p[1] for p in locations] + [s["lon"] for s in stops]
    m.fit_bounds([(min(lats), min(lons)), (max(lats), max(lons))], padding=(24, 24), max_zoom=16)
    _add_controls(m, spec["locate_strings"])
    return m


# Folium writes the map's script as one block: the map, its tile layers, ~30 groups with their addTo, the
# layer list and our AsyncLayers. Run whole, it was one task of 120-180 ms on this machine (four times that
# on Lighthouse's phone: most of the overview's Total Blocking Time). Each element's script is a step of
# one generator, so the variables Folium declares stay in one scope, and the steps run a few milliseconds'
# worth at a time, a task each: a slow phone draws and answers taps in between.
STEP_MS = 8
STEPWISE = """(function () {
var steps = (function* () {
%s
})();
(function run() {
var until = performance.now() + %d;
while (!steps.next().done) if (performance.now() > until) return void setTimeout(run, 0);
})();
})();"""


def name_in_order(figure: Figure) -> None:
    """Give every element of the figure a short name, by its place in the figure: `map_0`, `tile_layer_1`.

    Branca names each element after 32 random hex digits, and the map's script says most names three times
    or more: some 4 kB of a page's text that no compression shortens (0.8 kB of the overview's 11 kB, sent
    compressed). Names in order are also the same on every render, so a page's text (and its script's
    hash in the Content-Security-Policy) changes only when the map does. Every name is read at render time
    (the templates call get_name()), so renaming before the render renames every use."""
    number = 0

    def walk(element: Element) -> None:
        nonlocal number
        element._id = format(number, "x")
        number += 1
        for child in element._children.values():
            walk(child)

    walk(figure)


def render(m: GeotourMap) -> RenderedMap:
    """Render a map into header (asset links), html (the map div) and script parts; the script runs its
    elements' scripts in steps (STEPWISE)."""
    figure = m.get_root()
    assert isinstance(figure, Figure)  # as in GeotourMap.render
    name_in_order(figure)
    figure.render()
    parts = [child.render() for child in figure.script._children.values()]
    return RenderedMap(
        header=Markup(figure.header.render()),
        html=Markup(figure.html.render()),
        script=Markup(STEPWISE % ("\nyield;\n".join(parts), STEP_MS)),
    )
