"""Search engines, link previews, QR signboards and the list view."""
import json
import re
import xml.etree.ElementTree as ET

import pytest
import segno

from geotour.domain.seo import opening_hours
from tests.conftest import HOSTILE_MSME_NAME


def json_ld(html):
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))


def test_site_page_has_tourist_attraction_json_ld(client):
    data = json_ld(client.get("/sites/curug-sodong").get_data(as_text=True))
    assert data["@type"] == "TouristAttraction" and data["name"] == "Curug Sodong"
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": -7.18527, "longitude": 106.49785}
    assert data["url"] == "http://localhost/sites/curug-sodong" and data["description"]


def test_msme_page_has_local_business_json_ld(client):
    data = json_ld(client.get("/msmes/msme-0001").get_data(as_text=True))
    assert data["@type"] == "LocalBusiness" and "telephone" not in data  # a sample's invented number stays out
    assert data["openingHours"].startswith("Mo-Su ")


@pytest.mark.parametrize("text, expected", [
    ("07.00–17.00", "Mo-Su 07:00-17:00"), ("08:00-21:00", "Mo-Su 08:00-21:00"), ("24 jam", "Mo-Su 00:00-23:59"),
    ("kadang-kadang", None), (None, None),
])
def test_opening_hours(text, expected):
    assert opening_hours(text) == expected


def test_json_ld_cannot_break_out_of_its_script(make_app, hostile_data):
    html = make_app(data_dir=hostile_data.path).test_client().get("/msmes/msme-hostile").get_data(as_text=True)
    assert json_ld(html)["name"] == HOSTILE_MSME_NAME
    assert "</script><script>alert(1)" not in html


def test_open_graph_and_canonical(client):
    html = client.get("/sites/curug-sodong?lang=en").get_data(as_text=True)
    assert '<meta property="og:title" content="Curug Sodong">' in html
    assert '<meta property="og:locale" content="en_US">' in html
    assert '<link rel="canonical" href="http://localhost/sites/curug-sodong">' in html


def test_sitemap_lists_pages_but_not_sample_businesses(client):
    response = client.get("/sitemap.xml")
    root = ET.fromstring(response.data)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [loc.text for loc in root.findall("s:url/s:loc", ns)]
    assert "http://localhost/" in locs and "http://localhost/sites/curug-sodong" in locs
    assert len([u for u in locs if "/sites/" in u]) == 45
    assert not [u for u in locs if "/msmes/" in u]
    for loc in locs[:3]:
        assert client.get(loc.replace("http://localhost", "")).status_code == 200


def test_robots_txt(client):
    text = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /api/" in text and "Sitemap: http://localhost/sitemap.xml" in text


@pytest.mark.parametrize("path", ["/", "/sites/curug-sodong", "/msmes/msme-0001", "/places"])
def test_crawlers_without_accept_get_html(client, path):
    assert client.get(path, headers={"Accept": ""}).mimetype == "text/html"


def test_qr_codes_encode_the_site_page(client):
    svg = client.get("/sites/curug-sodong/qr.svg")
    png = client.get("/sites/curug-sodong/qr.png")
    assert svg.mimetype == "image/svg+xml" and png.mimetype == "image/png" and png.data[:4] == b"\x89PNG"
    expected = segno.make("http://localhost/sites/curug-sodong", error="m")
    import io

    out = io.BytesIO()
    expected.save(out, kind="png", scale=10, border=2)
    assert png.data == out.getvalue()  # the code holds exactly the site page's URL


def test_qr_uses_the_public_url_when_configured(make_app):
    client = make_app(GEOTOUR_PUBLIC_URL="https://geotour.example.id").test_client()
    html = client.get("/sites/curug-sodong/signboard").get_data(as_text=True)
    assert "https://geotour.example.id/sites/curug-sodong" in html


def test_signboard_is_a_printable_bilingual_page(client):
    html = client.get("/sites/pulau-kunti/signboard").get_data(as_text=True)
    assert "<h1 class=\"sign__name\">Pulau Kunti</h1>" in html
    assert 'src="/sites/pulau-kunti/qr.svg"' in html and 'lang="id"' in html and 'lang="en"' in html
    assert "signboard.css" in html
    assert client.get("/static/css/signboard.css").get_data(as_text=True).count("A4") == 1
    assert client.get("/sites/msme-0001/signboard").status_code == 404
    assert client.get("/sites/nope/qr.png").status_code == 404


def test_list_view_mirrors_the_map(client):
    html = client.get("/places").get_data(as_text=True)
    assert html.count('href="/sites/') == 45 and html.count('href="/msmes/') == 300
    assert '<h2 id="area-Ciletuh">Ciletuh</h2>' in html  # grouped by geoarea, as a visitor moves
    assert 'href="/places"' in client.get("/").get_data(as_text=True)
