"""Issue 31, part 1: the trip list ("Perjalanan saya"). The address names the list (?p=id,id,…), so nothing is
stored on the server; the page shows it in order with straight-line distances on the ellipsoid, and the list
downloads as GPX (read back by GDAL, valid against GPX 1.1) and KML."""

import re
import xml.etree.ElementTree as ET

import pyogrio
import pytest
from markupsafe import escape
from pyproj import Geod

from geotour.context import current
from geotour.web.i18n import format_distance
from tests.conftest import HOSTILE_MSME_NAME, HOSTILE_SITE_NAME
from tests.test_routes import _schema

GEOD = Geod(ellps="WGS84")
TRIP = "curug-sodong,msme-0001,ciletuh-river-three-waterfalls"


def coordinates(app, feature_id):
    with app.app_context():
        geometry = current().storage.get_feature(feature_id)["geometry"]
    return geometry["coordinates"][0] if geometry["type"] == "LineString" else geometry["coordinates"]


def test_a_shared_list_shows_in_its_order_with_distances_on_the_ellipsoid(app, client):
    page = client.get(f"/perjalanan?p={TRIP},not-on-the-map", headers={"Accept-Language": "id"})
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    html = page.get_data(as_text=True)
    names = re.findall(r'<li class="gt-trip__item"[^>]*>\s*<a href="([^"]+)"', html)
    assert [n.split("?")[0] for n in names] == [
        "/sites/curug-sodong",
        "/msmes/msme-0001",
        "/routes/ciletuh-river-three-waterfalls",
    ]
    assert "1 tempat dari daftar ini sudah tidak ada di peta" in html
    # Directions to each, but the sample business (msme-0001), whose place is made up.
    items = re.findall(r'<li class="gt-trip__item".*?</li>', html, re.S)
    assert ["google.com/maps/dir/" in item for item in items] == [True, False, True]
    gaps = re.findall(r'class="gt-trip__gap">([^<]+)<', html)
    ids = TRIP.split(",")
    for (before, after), said in zip(list(zip(ids, ids[1:], strict=False)), gaps, strict=True):
        (lon1, lat1), (lon2, lat2) = coordinates(app, before)[:2], coordinates(app, after)[:2]
        metres = GEOD.inv(lon1, lat1, lon2, lat2)[2]
        assert said == f"{format_distance(metres, 'id')} dari sebelumnya, garis lurus"
    share = re.search(r'class="gt-btn gt-trip__link" href="([^"]+)"', html).group(1)
    assert share.endswith(f"/perjalanan?p={TRIP}")  # the list without the missing id, no language forced
    assert "https://wa.me/?text=" in html


def test_the_list_downloads_as_gpx_gdal_reads_and_the_schema_accepts(client, tmp_path):
    from lxml import etree

    response = client.get(f"/perjalanan.gpx?p={TRIP}&lang=en")
    assert response.status_code == 200 and response.mimetype == "application/gpx+xml"
    assert "attachment" in response.headers["Content-Disposition"]
    assert _schema(tmp_path, "gpx_1_1/gpx.xsd").validate(etree.fromstring(response.data))
    path = tmp_path / "trip.gpx"
    path.write_bytes(response.data)
    waypoints = pyogrio.read_dataframe(path, layer="waypoints")
    assert list(waypoints["name"]) == [
        "1. Curug Sodong",
        "2. Saung Liwet Teh Neng",
        "3. Three falls of the Ciletuh river: Awang – Tengah – Puncak Manik",
    ]
    assert len(pyogrio.read_dataframe(path, layer="routes")) == 1  # the route known by its stops
    kml = client.get(f"/perjalanan.kml?p={TRIP}")
    assert kml.status_code == 200
    assert _schema(tmp_path, "kml_2_2/ogckml22.xsd").validate(etree.fromstring(kml.data))
    names = [n.text for n in ET.fromstring(kml.data).iter("{http://www.opengis.net/kml/2.2}name")]
    assert names[1:] == [names[1], "1. Curug Sodong", "2. Saung Liwet Teh Neng", names[4]]
    assert names[4].startswith("3. ")


@pytest.mark.parametrize(
    "query, status",
    [("", 400), ("p=nope,also-nope", 400), ("p=" + ",".join(f"p{i}" for i in range(51)), 400)],
)
def test_files_of_no_list_or_too_long_a_list_are_refused_naming_p(client, query, status):
    answer = client.get(f"/perjalanan.gpx?{query}")
    assert answer.status_code == status
    assert client.get(f"/perjalanan?{query}").status_code == (400 if "p50" in query else 200)


def test_hostile_names_stay_text_in_the_list_and_its_files(make_app, hostile_data):
    app = make_app(data_dir=hostile_data.path)
    client = app.test_client()
    page = client.get("/perjalanan?p=curug-sodong,msme-hostile").get_data(as_text=True)
    assert HOSTILE_SITE_NAME not in page and HOSTILE_MSME_NAME not in page
    assert escape(HOSTILE_SITE_NAME) in page
    gpx = ET.fromstring(client.get("/perjalanan.gpx?p=curug-sodong,msme-hostile").data)  # well-formed
    names = [n.text for n in gpx.iter("{http://www.topografix.com/GPX/1/1}name")]
    assert f"1. {HOSTILE_SITE_NAME}" in names and f"2. {HOSTILE_MSME_NAME}" in names  # as text, whole


def test_a_qr_code_shows_when_phones_can_reach_the_site(make_app):
    client = make_app(GEOTOUR_PUBLIC_URL="https://geotour.example").test_client()
    html = client.get(f"/perjalanan?p={TRIP}").get_data(as_text=True)
    assert re.search(r'<figure class="gt-trip__qr"><svg[^>]*xmlns="http://www.w3.org/2000/svg"', html)
    assert "https://geotour.example/perjalanan?p=" in html


def test_every_place_and_route_page_offers_it_and_embeds_do_not(client):
    for path, kind in (
        ("/sites/curug-sodong", "site"),
        ("/msmes/msme-0001", "msme"),
        ("/routes/ciletuh-river-three-waterfalls", "route"),
    ):
        html = client.get(path).get_data(as_text=True)
        assert f"&#34;kind&#34;: &#34;{kind}&#34;" in html and "gt-trip-add" in html, path
    assert "gt-trip-add" not in client.get("/embed/places/curug-sodong").get_data(as_text=True)
    own = client.get("/perjalanan").get_data(as_text=True)
    assert "gt-trip__mine" in own and 'data-shared="false"' in own


def test_an_event_goes_in_the_trip_with_its_time_in_wib_and_says_when_it_is_over(make_app, monkeypatch):
    """Issue 31 with issue 30: a visitor adds a coming event to the trip from its page or its popup; the list
    names when it is (WIB), keeps it in the files at the event's place, and says so once it is over."""
    from datetime import datetime

    from geotour.domain import events
    from geotour.domain.visit import WIB
    from tests.contributions import approved, event, make_users

    monkeypatch.setattr(events, "now_wib", lambda: datetime(2026, 12, 3, 10, 0, tzinfo=WIB))
    app = make_app()
    make_users(app)
    client = app.test_client()
    festival = approved(app, event("Festival Geopark Ciletuh", "2026-12-05T19:00", "2026-12-05T22:00"))
    page = client.get(f"/events/{festival}", headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert "gt-trip-add" in page and "&#34;kind&#34;: &#34;event&#34;" in page
    html = client.get(f"/perjalanan?p=curug-sodong,{festival}", headers={"Accept-Language": "id"}).get_data(
        as_text=True
    )
    assert f'href="/events/{festival}' in html
    when = re.search(r'class="gt-trip__when">([^<]+)<', html).group(1)
    assert "19.00" in when and "WIB" in when and "Acara ini sudah selesai" not in when
    gpx = client.get(f"/perjalanan.gpx?p=curug-sodong,{festival}").get_data(as_text=True)
    karang_hawu = coordinates(app, "karang-hawu")
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    stop = next(
        w
        for w in ET.fromstring(gpx).iterfind("g:wpt", ns)
        if w.find("g:name", ns).text.endswith("Festival Geopark Ciletuh")
    )
    assert (float(stop.get("lon")), float(stop.get("lat"))) == pytest.approx(tuple(karang_hawu[:2]), abs=1e-6)
    monkeypatch.setattr(events, "now_wib", lambda: datetime(2026, 12, 6, 10, 0, tzinfo=WIB))
    later = client.get(f"/perjalanan?p={festival}", headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert "Acara ini sudah selesai" in re.search(r'class="gt-trip__when">([^<]+)<', later).group(1)
    over = client.get(f"/events/{festival}", headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert "gt-trip-add" not in over  # a past event is not offered
