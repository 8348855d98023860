"""Tourist pages: the map, a site with what is near it, a business; assets, escaping and language."""

import json
import re
from html.parser import HTMLParser

import pytest

from geotour.config import PROJECT_ROOT
from tests.conftest import HOSTILE_MSME_NAME, HOSTILE_SITE_NAME

READS_ONLY = True  # one app for the module's tests (see conftest.app); a test that writes makes its own

PAGES = ["/", "/sites/curug-sodong", "/msmes/msme-0001", "/sites/nope"]


class AssetCollector(HTMLParser):
    """Collect every script src and stylesheet href of a page."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "") and attrs.get("href"):
            self.urls.append(attrs["href"])


def assets_of(html):
    collector = AssetCollector()
    collector.feed(html)
    return collector.urls


@pytest.mark.parametrize("path", PAGES)
def test_no_page_loads_an_off_origin_script_or_stylesheet(client, path):
    html = client.get(path).get_data(as_text=True)
    urls = assets_of(html)
    if path == "/":
        assert len(urls) >= 8
    for url in urls:
        assert url.startswith("/static/"), url
        assert client.get(url).status_code == 200, url
    assert not re.search(r"cdn\.jsdelivr|cdnjs|unpkg|code\.jquery|bootstrapcdn|googleapis", html)


def test_map_page_does_not_inline_layer_data(client):
    html = client.get("/").get_data(as_text=True)
    assert "Curug Sodong" not in html and "msme-0001" not in html
    assert '"url": "/api/v1/layers/geosites"' in html
    assert "XMLHttpRequest" not in html
    assert "<script defer " in html


def link_tags(html, rel):
    """The attributes of every <link rel=`rel`> of a page, in order."""
    return [m.group(1) for m in re.finditer(rf'<link rel="{rel}"([^>]*)>', html)]


@pytest.mark.parametrize("path", ["/", "/sites/curug-sodong", "/routes/ciletuh-river-three-waterfalls"])
def test_a_map_page_opens_the_tile_servers_connection_first_and_asks_for_leaflet_first(client, path):
    """Issue 34: the first tiles and markers wait for no connection and no queue that could start sooner."""
    html = client.get(path).get_data(as_text=True)
    assert link_tags(html, "preconnect") == [' href="https://tile.openstreetmap.org"']
    assert html.index('rel="preconnect"') < html.index("leaflet.js")
    first = re.findall(r'<script defer fetchpriority="high" src="/static/vendor/([^/]+)/', html)
    # Only the overview clusters (a site's few neighbours are plain groups; a route's map draws its line and
    # stops itself): the others have Leaflet alone, and no cluster styles.
    assert first == (["leaflet", "markercluster"] if path == "/" else ["leaflet"])
    assert ("vendor/markercluster/markercluster.css" in html) == (path == "/")
    if path == "/":  # the map script puts the locate control on once the first markers are drawn
        assert "locatecontrol" not in html[: html.index("</head>")]
        locate = re.search(r'"locate": \{"options": \{.*?\}, "script": "([^"]+)", "style": "([^"]+)"\}', html)
        assert locate, "the map script's locate setting"
        for url in locate.groups():
            assert url.startswith("/static/vendor/locatecontrol/") and client.get(url).status_code == 200
    else:  # a site's or a route's map has no markers to wait for
        assert '<script defer src="/static/vendor/locatecontrol/' in html


@pytest.mark.parametrize("path", ["/", "/sites/curug-sodong", "/embed"])
def test_the_map_script_names_its_later_modules_by_the_import_maps_names(client, path):
    """Issue 34: what the map asks for after its first markers (cfg.later) is in the page's import map."""
    html = client.get(path).get_data(as_text=True)
    later = json.loads(re.search(r'"later": (\[[^\]]*\])', html).group(1))
    imports = json.loads(re.search(r'<script type="importmap"[^>]*>(.*?)</script>', html, re.S).group(1))
    # A place's page has no search box, overlays or "near me": its neighbours' cards only.
    # The overview's four parts come as one module (js/map/later.js, bundled by `make assets`).
    assert later == (["geotour/map/popups"] if path.startswith("/sites/") else ["geotour/map/later"])
    for name in later:
        assert client.get(imports["imports"][name]).status_code == 200, name


@pytest.mark.parametrize(
    "path", ["/", "/sites/curug-sodong", "/routes/ciletuh-river-three-waterfalls", "/embed"]
)
def test_the_map_is_made_in_steps_each_element_one(client, path):
    """Issue 34: Folium's script for the map, its layers, groups and controls ran as one task (120-180 ms here,
    four times that on Lighthouse's phone); now each element is a step of one generator, run a few ms at a time."""
    html = client.get(path).get_data(as_text=True)
    script = re.search(r"var steps = \(function\* \(\) \{\n(.*?)\n\}\)\(\);", html, re.S).group(1)
    steps = script.split("\nyield;\n")
    assert "L.map(" in steps[0] and len(steps) > 3
    assert sum("L.map(" in step for step in steps) == 1


@pytest.mark.parametrize(
    "path", ["/", "/sites/curug-sodong", "/routes/ciletuh-river-three-waterfalls", "/embed"]
)
def test_the_map_script_names_its_elements_in_order_the_same_on_every_render(client, path):
    """Branca names each element after 32 random hex digits, each name said three times or more: 0.8 kB of
    the overview's compressed page that no compression could shorten, and a new page text (and script hash)
    on every render. Named in order, the page is the same twice, and no name carries random digits."""
    first, second = (client.get(path).get_data(as_text=True) for _ in range(2))
    assert first == second
    names = re.findall(r"\bvar (\w+) = ", first)
    assert any(name.startswith("map_") for name in names)
    assert not re.search(r"_[0-9a-f]{16,}\b", first)
    assert len(names) == len(set(names))


def test_the_map_page_preloads_only_the_first_layer_of_places(client):
    """Issue 34: on a weak link the first markers share the line with Leaflet alone; the map script asks for
    the other layers' snapshots when it runs, and draws each as it comes."""
    html = client.get("/").get_data(as_text=True)
    preloaded = re.findall(r'<link rel="preload" href="[^"]*/api/v1/layers/([a-z_]+)/v/', html)
    assert preloaded == ["geosites"]
    listed = json.loads(
        re.search(r'<script type="application/json" id="gt-snapshots">(.*?)</script>', html)[1]
    )
    assert {"geosites", "biosites", "cultural_sites", "msmes"} <= set(listed)


def test_the_tile_servers_to_connect_to_follow_the_configured_background(make_app):
    from geotour.web.maps import tile_origins

    assert tile_origins("https://{s}.tile.opentopomap.org/{z}/{x}/{y}.png") == [
        "https://a.tile.opentopomap.org",
        "https://b.tile.opentopomap.org",
        "https://c.tile.opentopomap.org",
    ]
    assert tile_origins("/tiles/{z}/{x}/{y}.png") == []  # our own origin: already connected
    app = make_app(GEOTOUR_TILES_OSM="http://tiles.example.test:8080/{z}/{x}/{y}.png")
    html = app.test_client().get("/").get_data(as_text=True)
    assert link_tags(html, "preconnect") == [' href="http://tiles.example.test:8080"']


def test_map_script_does_not_use_synchronous_requests(client):
    script = client.get("/static/js/geotour-map.js").get_data(as_text=True)
    assert "fetch(" in script and "XMLHttpRequest" not in script


def test_map_page_has_toggles_locate_and_basemaps(client):
    html = client.get("/").get_data(as_text=True)
    for label in (
        "Situs geologi",
        "Situs hayati",
        "Situs budaya",
        "Kuliner",
        "Penginapan",
        "Oleh-oleh",
        "Kerajinan",
        "Jasa wisata",
        "Transportasi",
        "Batas geopark",
    ):
        assert label in html, label
    assert '"locate": {' in html and "L.markerClusterGroup" in html
    assert "L.featureGroup.subGroup" in html
    for tiles in ("tile.openstreetmap.org", "opentopomap.org", "World_Imagery"):
        assert tiles in html


def test_site_page_lists_nearby_msmes_without_javascript(client):
    html = client.get("/sites/curug-sodong").get_data(as_text=True)
    assert "<h1>Curug Sodong</h1>" in html
    items = re.findall(
        r'<li class="gt-list__item">(.*?)</li>\s*\n\s*(?=<li class="gt-list__item">|</ol>)', html, re.S
    )
    assert items
    first = items[0]
    assert re.search(r"\d+ m|\d+,\d km", first)  # Indonesian distance: "350 m" or "2,4 km"
    # A sample's invented number and place get no link: no WhatsApp, no call, no directions.
    assert "wa.me" not in first and 'href="tel:' not in first
    assert "/go/" not in first and "geo:" not in first and "google.com/maps" not in first
    assert "Data contoh — bukan usaha nyata: tanpa nomor dan petunjuk arah" in first
    # The site's own: counted through /go/, and straight to the maps app with JavaScript (data-direct).
    assert 'href="/go/directions/curug-sodong?to=geo" data-direct="geo:-7.185270,106.497850?q=' in html


def test_site_page_radius_changes_the_list(client):
    small = client.get("/sites/curug-sodong?radius_m=1000").get_data(as_text=True)
    large = client.get("/sites/curug-sodong?radius_m=10000").get_data(as_text=True)
    assert small.count('class="gt-list__item"') < large.count('class="gt-list__item"')


@pytest.mark.parametrize(
    "url",
    [
        "/sites/curug-sodong?radius_m=-1",
        "/sites/curug-sodong?radius_m=abc",
        "/sites/curug-sodong?radius_m=900000",
    ],
)
def test_bad_radius_on_a_page_is_an_html_error_page(client, url):
    response = client.get(url)
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "radius_m" in response.get_data(as_text=True)


def test_unknown_site_is_a_404_page(client):
    response = client.get("/sites/nope")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "tidak kami temukan" in response.get_data(as_text=True)


def test_msme_page_shows_business_and_nearest_attractions(client):
    html = client.get("/msmes/msme-0001").get_data(as_text=True)
    assert "Data contoh" in html and "Jam buka" in html
    assert "Tempat wisata terdekat" in html
    assert html.count('href="/sites/') >= 3


def test_pages_redirect_to_the_right_kind(client):
    assert client.get("/sites/msme-0001").headers["Location"].endswith("/msmes/msme-0001")
    assert client.get("/msmes/curug-sodong").headers["Location"].endswith("/sites/curug-sodong")


def test_ui_is_indonesian_by_default_and_english_on_request(client):
    html_id = client.get("/sites/curug-sodong").get_data(as_text=True)
    assert (
        '<html lang="id">' in html_id and "Petunjuk arah" in html_id and "UMKM dalam radius 3 km" in html_id
    )
    html_en = client.get("/sites/curug-sodong?lang=en").get_data(as_text=True)
    assert (
        '<html lang="en">' in html_en
        and "Directions (map app)" in html_en
        and "Businesses within 3 km" in html_en
    )


@pytest.fixture
def hostile_client(make_app, hostile_data):
    return make_app(data_dir=hostile_data.path).test_client()


@pytest.mark.parametrize(
    "path", ["/sites/curug-sodong", "/msmes/msme-hostile", "/sites/curug-cimarinjung", "/"]
)
def test_hostile_names_are_escaped_on_pages(hostile_client, path):
    html = hostile_client.get(path).get_data(as_text=True)
    assert "<img src=x" not in html
    assert "</script><script>alert(1)" not in html
    assert "alert(1)</script>" not in html


def test_hostile_names_show_as_text_in_titles_and_lists(hostile_client):
    site = hostile_client.get("/sites/curug-sodong").get_data(as_text=True)
    assert "<title>&lt;img src=x onerror=alert(1)&gt; · Geotour CPUGG</title>" in site
    assert "&#34;&#39;;&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in site  # the MSME in the list
    msme = hostile_client.get("/msmes/msme-hostile").get_data(as_text=True)
    start = re.search(r"Geotour\.mount\([^,]+, ", msme).end()
    config, _ = json.JSONDecoder().raw_decode(msme, start)
    assert config["focus"]["name"] == HOSTILE_MSME_NAME  # data reaches JS as JSON, not markup
    assert HOSTILE_SITE_NAME not in msme


def test_hostile_names_in_the_api_are_plain_json(hostile_client):
    feature = hostile_client.get("/api/v1/features/msme-hostile").get_json(force=True)
    assert feature["properties"]["name"] == HOSTILE_MSME_NAME


def test_english_stays_english_across_links_and_redirects(client):
    html = client.get("/sites/curug-sodong?lang=en").get_data(as_text=True)
    assert re.search(r'href="/msmes/msme-\d+\?lang=en"', html)
    assert client.get("/sites/msme-0001?lang=en").headers["Location"].endswith("/msmes/msme-0001?lang=en")
    assert '"site": "/sites/"' in html  # the JS config adds ?lang= itself


def test_village_and_boundary_have_no_place_page(client):
    assert client.get("/sites/palabuhanratu").status_code == 404
    assert client.get("/msmes/cpugg-boundary-approx").status_code == 404


def test_language_comes_from_param_then_accept_language_and_is_kept_in_links_not_a_cookie(client):
    def lang_of(response):
        return re.search(r'<html lang="(\w+)">', response.get_data(as_text=True)).group(1)

    assert lang_of(client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})) == "en"
    assert lang_of(client.get("/", headers={"Accept-Language": "fr-FR"})) == "id"
    chosen = client.get("/places?lang=id", headers={"Accept-Language": "en"})
    assert lang_of(chosen) == "id" and "Set-Cookie" not in chosen.headers
    assert "Accept-Language" in chosen.headers["Vary"]
    assert 'href="/sites/curug-sodong?lang=id"' in chosen.get_data(as_text=True)  # the choice rides in links
    assert lang_of(client.get("/sites/curug-sodong?lang=id", headers={"Accept-Language": "en"})) == "id"
    assert lang_of(client.get("/sites/curug-sodong?lang=en")) == "en"


def test_embeds_and_api_set_no_language_cookie(client):
    for path in ("/embed?lang=en", "/api/v1/layers?lang=en", "/oembed?url=http://localhost/&lang=en"):
        assert "Set-Cookie" not in client.get(path).headers, path


def _mount_config(html):
    """The settings a map page gives its script (Geotour.mount's second argument)."""
    start = html.index("Geotour.mount(")
    return json.JSONDecoder().raw_decode(html[html.index("{", start) :])[0]


def test_a_category_says_its_look_only_where_it_is_not_its_layers(client, app):
    """Issue 34: 35 categories repeating their layer's colour and letter were 0.3 kB of every map page; the
    map script takes the layer's look for what a category leaves out."""
    config = {layer["id"]: layer for layer in _mount_config(client.get("/").get_data(as_text=True))["layers"]}
    catalogue = app.extensions["geotour"].catalogue
    for layer in catalogue.layers:
        for category in layer.categories:
            said = config[layer.id]["categories"][category.id]
            filled = {name: said.get(name, getattr(layer, name, "")) for name in ("color", "glyph", "icon")}
            assert filled == {"color": category.color, "glyph": category.glyph, "icon": category.icon}
            assert set(said) - {"title"} == {
                n for n in filled if getattr(category, n) != getattr(layer, n, "")
            }
    assert config["geosites"]["categories"]["gua"] == {"title": "Gua"}


def _selectors(css):
    """Each rule's selector list in a stylesheet, with its comments and @-blocks' heads left out."""
    text = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return [s.strip() for s in re.findall(r"([^{}@;]+)\{[^{}]*\}", text)]


@pytest.mark.parametrize("path", ["/", "/embed", "/?lang=en"])
def test_a_page_that_is_only_a_map_needs_no_rule_of_the_pages_stylesheet(client, path):
    """Issue 34: the overview and its embed link geotour.css alone (pages.css is 2 kB of the map page's 100
    kB), so no rule there may style what they show: their own markup, or what the map's scripts make."""
    html = client.get(path).get_data(as_text=True)
    assert "css/geotour.css" in html and "css/pages.css" not in html
    # the scripts it names (by src or in its import map), with what the bundles among them hold
    named = set(re.findall(r'/static/(js/[^?"]+\.js)', html))
    bundles = json.loads((PROJECT_ROOT / "geotour" / "web" / "bundles.json").read_text(encoding="utf-8"))
    named |= {inner for bundle in named & set(bundles) for inner in bundles[bundle].values()}
    scripts = "".join((PROJECT_ROOT / "static" / name).read_text(encoding="utf-8") for name in sorted(named))
    assert "js/geotour-map.js" in named and "js/map/popups.js" in named
    shown = set(re.findall(r'class="([^"]*)"', html))
    classes_shown = {c for value in shown for c in value.split()}
    for selector in _selectors((PROJECT_ROOT / "static" / "css" / "pages.css").read_text(encoding="utf-8")):
        for part in selector.split(","):
            classes = re.findall(r"\.(gt-[\w-]+)", part)
            assert classes, f"pages.css: {part!r} names none of our classes"
            # a part applies only where all its classes are; one the map never uses is enough
            assert any(
                c not in classes_shown and not re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", scripts)
                for c in classes
            ), part


def test_every_other_page_links_the_pages_stylesheet_after_the_maps(client):
    for path in (
        "/sites/curug-sodong",
        "/places",
        "/keselamatan",
        "/login",
        "/routes/ciletuh-river-three-waterfalls",
    ):
        html = client.get(path).get_data(as_text=True)
        assert html.index("css/geotour.css") < html.index("css/pages.css"), path
