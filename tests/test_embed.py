"""Embeds, oEmbed and framing rules for the tourism office's website."""

import re
from html.parser import HTMLParser

import pytest

from tests.conftest import HOSTILE_SITE_NAME
from tests.test_content_policy import directives

READS_ONLY = True  # one app for the module's tests (see conftest.app); a test that writes makes its own


def test_embed_has_no_site_chrome_and_may_be_framed_anywhere(client):
    response = client.get("/embed")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="gt-bar"' not in html and "gt-main--embed" in html
    assert directives(response)["frame-ancestors"] == "*"
    assert "X-Frame-Options" not in response.headers
    assert "Set-Cookie" not in response.headers
    for script in ("geotour-map.js", "map/popups.js", "map/overlays.js", "map/near-me.js", "map/finder.js"):
        assert "localStorage" not in client.get("/static/js/" + script).get_data(as_text=True), script
    assert "serviceWorker" not in html


@pytest.mark.parametrize("path", ["/", "/sites/curug-sodong", "/embed/builder", "/api/v1/layers", "/ogc"])
def test_every_other_page_may_only_be_framed_by_us(client, path):
    response = client.get(path)
    assert directives(response)["frame-ancestors"] == "'self'"


def test_embed_origins_come_from_config(make_app):
    app = make_app(GEOTOUR_EMBED_ALLOWED_ORIGINS="https://disparbud.example.go.id, https://kim.example.id")
    csp = directives(app.test_client().get("/embed"))
    assert csp["frame-ancestors"] == "https://disparbud.example.go.id https://kim.example.id"


def test_embed_options_shape_the_map(client):
    html = client.get(
        "/embed?layers=geosites,msmes&category=kuliner&center=-7.2,106.45&zoom=12&lang=en&basemap=satellite"
    ).get_data(as_text=True)
    assert '<html lang="en">' in html
    toggles = [t.replace("\\u0026amp;", "&") for t in re.findall(r'\\u003c/span\\u003e ([^"]+)" :', html)]
    # The attraction types that hold geosites (the chosen layer), then the chosen business category.
    assert toggles == [
        "Geopark boundary (approximate)",
        "Waterfalls",
        "Beaches & islands",
        "Viewpoints",
        "Caves",
        "Hot springs",
        "Rivers",
        "Rock formations",
        "Food",
    ]
    assert '"place_layers": ["geosites", "msmes"]' in html
    assert "[-7.2, 106.45]" in html and '"zoom": 12' in html
    assert html.index("World_Imagery") < html.index("tile.openstreetmap.org")


@pytest.mark.parametrize(
    "query, field",
    [
        ("layers=casinos", "layers"),
        ("category=casino", "category"),
        ("center=1", "center"),
        ("center=95,106", "center"),
        ("zoom=40", "zoom"),
        ("lang=fr", "lang"),
        ("basemap=google", "basemap"),
    ],
)
def test_bad_embed_options_get_an_error_page(client, query, field):
    response = client.get("/embed?" + query)
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert field in response.get_data(as_text=True)


def test_unknown_embed_site_is_404(client):
    assert client.get("/embed?site=nope").status_code == 404


class IframeParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.iframes = []

    def handle_starttag(self, tag, attrs):
        if tag == "iframe":
            self.iframes.append(dict(attrs))


def test_oembed_returns_one_rich_iframe_within_max_size(client):
    body = client.get(
        "/oembed?url=http://localhost/sites/curug-sodong&maxwidth=400&maxheight=300&format=json"
    ).get_json()
    assert body["version"] == "1.0" and body["type"] == "rich" and body["title"] == "Curug Sodong"
    assert body["width"] <= 400 and body["height"] <= 300
    parser = IframeParser()
    parser.feed(body["html"])
    assert len(parser.iframes) == 1
    frame = parser.iframes[0]
    assert frame["src"] == "http://localhost/embed?site=curug-sodong"
    assert int(frame["width"]) == body["width"] and int(frame["height"]) == body["height"]
    assert client.get(frame["src"]).status_code == 200


def test_oembed_respects_a_small_maximum(client):
    body = client.get("/oembed?url=http://localhost/&maxwidth=150&maxheight=120").get_json()
    assert (body["width"], body["height"]) == (150, 120)


def test_oembed_for_the_map_and_an_embed_url(client):
    assert client.get("/oembed?url=http://localhost/").get_json()["type"] == "rich"
    body = client.get(
        "/oembed", query_string={"url": "http://localhost/embed?layers=msmes&lang=en"}
    ).get_json()
    assert "layers=msmes" in body["html"] and "lang=en" in body["html"]


@pytest.mark.parametrize(
    "query, status",
    [
        ("url=https://example.com/sites/curug-sodong", 404),
        ("url=http://localhost/sites/nope", 404),
        ("url=http://localhost/api/v1/layers", 404),
        ("url=http://localhost/&format=xml", 501),
        ("", 400),
        ("url=http://localhost/&format=0", 400),
        ("url=http://localhost/&maxwidth=wide", 400),
        ("url=http://localhost/&maxheight=0", 400),
        ("url=http://localhost/embed?lang=fr", 400),
    ],
)
def test_oembed_errors(client, query, status):
    response = client.get("/oembed?" + query)
    assert response.status_code == status and response.get_json()["error"]


@pytest.mark.parametrize("path", ["/", "/sites/curug-sodong", "/msmes/msme-0001"])
def test_pages_carry_oembed_discovery_early_in_head(client, path):
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', html)
    assert match and match.start() < 1500 < 150_000
    href = match.group(1).replace("&amp;", "&")
    assert href.startswith("http://localhost/oembed?")
    href = href[len("http://localhost") :]
    assert client.get(href).get_json()["type"] == "rich"


def test_hostile_name_is_escaped_in_oembed(make_app, hostile_data):
    client = make_app(data_dir=hostile_data.path).test_client()
    body = client.get("/oembed?url=http://localhost/sites/curug-sodong").get_json()
    assert body["title"] == HOSTILE_SITE_NAME
    assert "<img" not in body["html"] and "&lt;img" in body["html"]
    page = client.get("/sites/curug-sodong").get_data(as_text=True)
    assert "<img src=x" not in page


def test_builder_page(client):
    html = client.get("/embed/builder").get_data(as_text=True)
    assert 'sandbox="allow-scripts"' in html and "embed-builder.js" in html and 'id="snippet"' in html


def test_oembed_html_has_the_quote_wordpress_needs_and_no_border(client):
    """Issue 14: WordPress loads its embed script only for an oEmbed with a <blockquote>, and keeps frameborder."""
    html = client.get("/oembed?url=http://localhost/msmes/msme-0001").get_json()["html"]
    assert html.startswith('<blockquote><a href="http://localhost/msmes/msme-0001">')
    frame = IframeParser()
    frame.feed(html)
    assert frame.iframes[0]["frameborder"] == "0" and frame.iframes[0]["title"]


def test_a_place_opens_inside_the_embed_framable_without_cookies(client):
    """Issue 14: "See details" inside /embed opens /embed/places/<id> in the frame, with the map's options."""
    response = client.get("/embed/places/msme-0001?layers=msmes&lang=en", headers={"Cookie": "lang=id"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and directives(response)["frame-ancestors"] == "*"
    assert "Set-Cookie" not in response.headers and 'class="gt-bar"' not in html
    assert 'href="/embed?layers=msmes&amp;lang=en" data-in-frame' in html  # back to the same map
    assert "Back to the map" in html and "data-top" in html and "/static/js/embed.js" in html
    assert 'href="http://localhost/msmes/msme-0001?lang=en"' in html
    # A sample business has an invented number: none is shown, copied or dialled.
    assert "data-copy" not in html and "wa.me" not in html
    missing = client.get("/embed/places/nope")
    assert missing.status_code == 404 and directives(missing)["frame-ancestors"] == "*"
    assert client.get("/embed/places/curug-sodong?lang=fr").status_code == 400


def test_a_real_number_is_shown_with_a_copy_button_in_the_embed(make_app, data_copy):
    def real(data):
        data["features"][0]["properties"].update(
            sample=False, whatsapp="+6281234567890", phone="+62266431234"
        )

    data_copy.edit("msmes.geojson", real)
    client = make_app(data_dir=data_copy.path).test_client()
    html = client.get("/embed/places/msme-0001").get_data(as_text=True)
    assert (
        'data-copy="0812 3456 7890"' in html
        and "https://wa.me/6281234567890" in html
        and "data-popup" in html
    )
    assert (
        '<li data-outside-sandbox hidden><a class="gt-btn" href="/go/call/msme-0001?src=embed"'
        ' data-direct="tel:+62266431234"' in html
    )
    # WordPress opens /go/whatsapp in its top window (static/js/embed.js); elsewhere count.js puts wa.me back
    assert 'href="/go/whatsapp/msme-0001?src=embed" data-direct="https://wa.me/6281234567890' in html


def test_builder_offers_a_single_site_embed(client):
    html = client.get("/embed/builder").get_data(as_text=True)
    assert '<select name="site">' in html and '<option value="curug-sodong">Curug Sodong</option>' in html
