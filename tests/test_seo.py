"""Search engines, link previews, QR signboards and the list view."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
import segno

from geotour.domain.seo import opening_hours
from tests.conftest import HOSTILE_MSME_NAME

READS_ONLY = True  # one app for the module's tests (see conftest.app); a test that writes makes its own


def json_ld(html):
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))


def test_site_page_has_tourist_attraction_json_ld(client):
    data = json_ld(client.get("/sites/curug-sodong").get_data(as_text=True))
    assert data["@type"] == "TouristAttraction" and data["name"] == "Curug Sodong"
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": -7.18527, "longitude": 106.49785}
    assert data["url"] == "http://localhost/sites/curug-sodong" and data["description"]


def test_msme_page_has_local_business_json_ld(client):
    data = json_ld(client.get("/msmes/msme-0001").get_data(as_text=True))
    assert (
        data["@type"] == "LocalBusiness" and "telephone" not in data
    )  # a sample's invented number stays out
    assert data["openingHours"].startswith("Mo-Su ")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("07.00–17.00", "Mo-Su 07:00-17:00"),
        ("08:00-21:00", "Mo-Su 08:00-21:00"),
        ("24 jam", "Mo-Su 00:00-23:59"),
        ("kadang-kadang", None),
        (None, None),
    ],
)
def test_opening_hours(text, expected):
    assert opening_hours(text) == expected


def test_json_ld_cannot_break_out_of_its_script(make_app, hostile_data):
    html = (
        make_app(data_dir=hostile_data.path).test_client().get("/msmes/msme-hostile").get_data(as_text=True)
    )
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


PUBLIC = "https://geotour.example.id"


@pytest.fixture
def signs(make_app):
    """A client of an app whose public address phones can reach."""
    return make_app(GEOTOUR_PUBLIC_URL=PUBLIC).test_client()


def test_qr_codes_encode_the_site_page(signs):
    svg = signs.get("/sites/curug-sodong/qr.svg")
    png = signs.get("/sites/curug-sodong/qr.png")
    assert svg.mimetype == "image/svg+xml" and png.mimetype == "image/png" and png.data[:4] == b"\x89PNG"
    # issue 28: it opens the story; issue 30: ?src=qr counts the page view as a scan (static/js/count.js)
    expected = segno.make(f"{PUBLIC}/sites/curug-sodong?src=qr#cerita", error="m")
    import io

    out = io.BytesIO()
    expected.save(out, kind="png", scale=10, border=2)
    assert png.data == out.getvalue()  # the code holds exactly the site page's URL, at its story
    page = signs.get("/sites/curug-sodong").get_data(as_text=True)
    assert '<section class="gt-story" id="cerita"' in page


def test_qr_uses_the_public_url_when_configured(signs):
    html = signs.get("/sites/curug-sodong/signboard").get_data(as_text=True)
    assert f"{PUBLIC}/sites/curug-sodong" in html


def test_signboard_is_a_printable_bilingual_page(signs):
    html = signs.get("/sites/pulau-kunti/signboard").get_data(as_text=True)
    assert '<h1 class="sign__name">Pulau Kunti</h1>' in html
    assert 'src="/sites/pulau-kunti/qr.svg"' in html and 'lang="id"' in html and 'lang="en"' in html
    assert "signboard.css" in html
    assert signs.get("/static/css/signboard.css").get_data(as_text=True).count("A4") == 1
    assert signs.get("/sites/msme-0001/signboard").status_code == 404
    assert signs.get("/sites/nope/qr.png").status_code == 404


@pytest.mark.parametrize(
    "public_url, shown",
    [
        ("", "GEOTOUR_PUBLIC_URL belum diatur"),
        ("http://127.0.0.1:5633", "http://127.0.0.1:5633"),
        ("http://192.168.1.20", "http://192.168.1.20"),
        ("http://geotour.local", "http://geotour.local"),
        ("http://localhost:5000", "http://localhost:5000"),
        ("http://geotour", "http://geotour"),
        ("http://[::1]:5000", "http://[::1]:5000"),
        ("http://10.0.0.5/geotour", "http://10.0.0.5/geotour"),
    ],
)
def test_no_signboard_is_printed_with_a_qr_code_that_leads_nowhere(make_app, public_url, shown):
    """Issue 13: unset, the QR code held http://127.0.0.1:5633/…, and nothing warned."""
    client = make_app(GEOTOUR_PUBLIC_URL=public_url).test_client()
    page = client.get("/sites/curug-sodong/signboard")
    html = page.get_data(as_text=True)
    assert page.status_code == 409 and 'role="alert"' in html and shown in html
    assert "Atur GEOTOUR_PUBLIC_URL ke alamat publik terlebih dahulu" in html
    assert "qr.svg" not in html and 'id="print"' not in html  # nothing to print
    for kind in ("svg", "png"):
        refused = client.get(f"/sites/curug-sodong/qr.{kind}")
        assert refused.status_code == 409 and refused.mimetype == "text/html"
    english = client.get("/sites/curug-sodong/signboard?lang=en").get_data(as_text=True)
    assert "Set GEOTOUR_PUBLIC_URL to the public address first" in english


@pytest.mark.parametrize(
    "public_url",
    ["https://geotour.sukabumikab.go.id", "http://8.8.4.4", "https://peta.kim-mypalabuhanratu.id/geotour"],
)
def test_a_public_address_prints(make_app, public_url):
    client = make_app(GEOTOUR_PUBLIC_URL=public_url).test_client()
    assert client.get("/sites/curug-sodong/signboard").status_code == 200
    assert client.get("/sites/curug-sodong/qr.svg").status_code == 200
