"""What a tourist reads: only tourist-facing text, honest positions, no fake numbers, practical visit facts."""

import html as html_lib
import json
import re
from datetime import datetime

import pytest

from geotour.context import current
from geotour.contributions import decisions, position_reports, workflow
from geotour.domain import visit
from geotour.domain.layers import Catalogue, CatalogueInvalid
from geotour.errors import Forbidden
from tests.conftest import DATA_DIR
from tests.contributions import make_users

READS_ONLY = True  # one app for the module's tests (see conftest.app); a test that writes makes its own

SITE_LAYERS = ("geosites", "biosites", "cultural_sites")
_NOTE = re.compile(r"\(([^)]*)\)|;(.*)$")


def sites():
    for layer in SITE_LAYERS:
        yield from json.loads((DATA_DIR / f"{layer}.geojson").read_text(encoding="utf-8"))["features"]


def research_notes(props):
    """Every research or provenance text of a site that a tourist must never read (its sourced `facts` are
    shown, worded and dated: tests/test_practical_facts.py)."""
    notes = [
        props.get("coord_note"),
        props.get("coord_method"),
        props.get("coord_source"),
        props.get("geoarea_basis"),
    ]
    notes += props.get("doubts") if isinstance(props.get("doubts"), list) else [props.get("doubts")]
    previous = props.get("coord_previous") or {}
    notes.append(previous.get("coord_method"))
    for text in [*(props.get("name_alt") or []), props.get("desa"), props.get("kecamatan")]:
        for match in _NOTE.finditer(text or ""):
            note = (match.group(1) or match.group(2) or "").strip()
            if len(note.split()) >= 2:  # "(Ciemas)" is a district name, shown as such; a sentence is a note
                notes.append(note)
    # What a source says, and the source itself, a tourist may read: tests/test_practical_facts.py.
    told = " ".join(f"{f.get('fact')} {f.get('source')}" for f in props.get("facts") or [])
    return [n for n in notes if isinstance(n, str) and len(n) > 8 and n not in told]


def page_text(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return html_lib.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("lang", ["id", "en"])
def test_no_research_note_on_any_tourist_page(client, lang):
    places = page_text(client, f"/places?lang={lang}")
    checked = 0
    for feature in sites():
        page = page_text(client, f"/sites/{feature['id']}?lang={lang}")
        for note in research_notes(feature["properties"]):
            assert note not in page, (feature["id"], note)
            assert note not in places, ("/places", note)
            checked += 1
    assert checked > 100  # the seed holds many notes: the test looks at real ones
    assert "(not confirmed)" not in places and "Cibenda side" not in places


def test_the_data_and_the_api_keep_the_research_fields(client):
    props = client.get("/api/v1/features/geyser-cisolok").get_json()["properties"]
    assert props["coord_method"] and props["facts"] and "not confirmed" in " ".join(props["name_alt"])


def test_estimated_positions_say_so_in_lists_and_distances_read_about(client):
    page = page_text(client, "/sites/geyser-cisolok?lang=id")
    assert "Perkiraan ±1 km" in page and "sekitar " in page  # distances from an estimated point
    nearby = page.split('id="nearby-title"')[1]
    assert nearby.count('class="gt-list__item"') >= 1
    assert nearby.count("<strong>sekitar ") == nearby.count('class="gt-list__item"')  # every one of them
    exact = page_text(client, "/sites/curug-sodong?lang=id")
    assert "Perkiraan ±" not in exact.split('id="nearby-title"')[0]
    places = page_text(client, "/places?lang=id")
    assert places.count("gt-badge--approx") == 32  # the 32 estimated sites, each marked
    business = page_text(client, "/msmes/msme-0001?lang=en")
    assert "Approximate ±" in business and "about " in business  # attractions near it, some estimated


def test_directions_to_an_estimated_site_warn_and_offer_a_search_by_name(client):
    page = page_text(client, "/sites/geyser-cisolok?lang=id")
    assert "Posisi ini hanya perkiraan" in page
    assert "https://www.google.com/maps/search/?api=1&query=Geyser+Cisolok" in page
    exact = page_text(client, "/sites/curug-sodong?lang=id")
    assert "geo:-7.18" in exact and "maps/search" not in exact.split('id="nearby-title"')[0]


def test_no_link_dials_or_messages_a_sample_number(client):
    for url in (
        "/msmes/msme-0001",
        "/msmes/msme-0045?lang=en",
        "/sites/curug-sodong",
        "/sites/pantai-palangpang",
    ):
        page = page_text(client, url)
        assert "wa.me/" not in page and 'href="tel:' not in page, url
        assert ("Data contoh — bukan usaha nyata: tanpa nomor dan petunjuk arah" in page) or (
            "Sample data — not a real business: no number, no directions" in page
        )


@pytest.mark.parametrize("lang, price, open_word", [("id", "Rp 5.000", "WIB"), ("en", "Rp 5,000", "WIB")])
def test_an_approved_ticket_price_shows_on_the_site_page_in_the_api_and_in_ogc(
    make_app, lang, price, open_word
):
    app = make_app()
    users = make_users(app)
    with app.test_request_context():
        ctx = current()
        sent = {
            "ticket_price": "Rp 5.000",
            "opening_hours": "07.00–17.00",
            "access_road": "foot",
            "walk_minutes": "15",
            "facilities": "Parkir, toilet, mushola, warung kopi",
        }
        submission = workflow.submit_edit(ctx, users["kim1"], "curug-sodong", sent)
        decisions.approve(ctx, users["mod"], submission["id"])
    client = app.test_client()
    page = page_text(client, f"/sites/curug-sodong?lang={lang}")
    assert price in page and open_word in page
    assert ("Jalan kaki 15 menit." in page) if lang == "id" else ("15 minutes of walking." in page)
    assert (
        ("Parkir, Toilet, Musala, warung kopi" in page)
        if lang == "id"
        else ("Parking, Toilets, Prayer room" in page)
    )
    props = client.get("/api/v1/features/curug-sodong").get_json()["properties"]
    assert props["ticket_price"] == 5000 and props["walk_minutes"] == 15 and props["access_road"] == "foot"
    ogc = client.get("/ogc/collections/geosites/items/curug-sodong?f=json").get_json()
    assert ogc["properties"]["ticket_price"] == 5000


def test_unknown_visit_facts_say_so_and_ask_for_help(client):
    page = page_text(client, "/sites/curug-sodong?lang=id")  # its sources say how to get there, nothing else
    assert page.count("Belum diketahui.") == 3 and page.count("/contribute/edit/curug-sodong") >= 5


def test_a_moderator_marks_a_position_checked_on_site_and_the_badge_goes(make_app):
    app = make_app()
    users = make_users(app)
    with app.test_request_context():
        version = position_reports.verify_position(
            current(), users["mod"], "geyser-cisolok", "2026-11-30T02:00:00Z"
        )
        with pytest.raises(Forbidden):
            position_reports.verify_position(current(), users["kim1"], "curug-sodong", "2026-11-30T02:00:00Z")
    assert version == 2
    client = app.test_client()
    page = page_text(client, "/sites/geyser-cisolok?lang=id")
    assert "Posisi sudah dicek di lokasi" in page and "Perkiraan ±" not in page.split('id="nearby-title"')[0]
    props = client.get("/api/v1/features/geyser-cisolok").get_json()["properties"]
    assert props["coord_confidence"] == "verified" and props["coord_verified_by"] == "mod"


def test_the_list_filters_by_type_and_search_without_javascript(client):
    page = client.get("/places?type=waterfall&lang=id").get_data(as_text=True)
    shown = re.findall(r'<li class="gt-places__item" data-filter="([^"]+)"[^>]*(?<!hidden)>', page)
    assert shown.count("waterfall") == 8 and set(shown) == {"waterfall"}
    found = client.get("/places?q=CURUG%20kembar").get_data(as_text=True)
    assert len(re.findall(r'class="gt-places__item"[^>]*data-search="[^"]*"\s*>', found)) == 1
    areas = re.findall(r'<h2 id="area-([^"]+)"', client.get("/places").get_data(as_text=True))
    assert areas == ["Ciletuh", "Jampang", "Cisolok", "routes"]  # issue 27: the routes after the areas


@pytest.mark.parametrize(
    "text, amount",
    [
        (5000, 5000),
        ("5000", 5000),
        ("Rp 5.000", 5000),
        ("Rp5,000", 5000),
        ("IDR 10.000,00", 10000),
        ("gratis", 0),
        ("Free", 0),
        ("Rp 15.000,-", 15000),
        ("lima ribu", None),
        ("-5000", None),
        (True, None),
        ("Rp 99.000.000", None),
    ],
)
def test_ticket_prices_are_read_as_rupiah(text, amount):
    assert visit.parse_rupiah(text) == amount


@pytest.mark.parametrize(
    "text, hour, expected",
    [
        ("07.00–17.00", 6, False),
        ("07.00–17.00", 7, True),
        ("7:00 - 17:00", 16, True),
        ("07.00–17.00", 17, False),
        ("18.00–02.00", 1, True),
        ("18.00–02.00", 12, False),
        ("24 jam", 3, True),
        ("kadang buka", 9, None),
        (None, 9, None),
    ],
)
def test_open_now_is_read_in_wib(text, hour, expected):
    at = datetime(2026, 11, 30, hour, 30, tzinfo=visit.WIB)
    assert visit.open_now(text, at) is expected
    assert (
        visit.open_now("07.00–17.00", datetime(2026, 11, 30, 1, 0, tzinfo=None).astimezone(visit.WIB))
        is not None
    )


def test_facilities_are_recognised_in_either_language():
    assert visit.sort_facilities(["Mushola", "WC", "parking", "Gazebo"]) == (
        ["parking", "toilet", "prayer_room"],
        ["Gazebo"],
    )


def test_every_attraction_category_has_exactly_one_type():
    data = json.loads((DATA_DIR / "layers.json").read_text(encoding="utf-8"))
    catalogue = Catalogue.from_dict(data)
    assert catalogue.type_of("geosites", "air-terjun").id == "waterfall"
    assert (
        catalogue.type_of("biosites", "penyu").id == "nature"
        and catalogue.type_of("msmes", "kuliner") is None
    )
    data["attraction_types"][0]["categories"] = []
    with pytest.raises(CatalogueInvalid, match="geosites:air-terjun must be in exactly one attraction type"):
        Catalogue.from_dict(data)


def test_a_list_of_nearby_businesses_offers_each_ones_directions_behind_one_button(make_app, data_copy):
    """A real business in a site's nearby list had WhatsApp, Call and three direction buttons (maps app,
    Google Maps, OpenStreetMap): five buttons a row, a wall of them on a phone. In a list the three ways wait
    behind one "Directions"; the business's own page keeps them in view."""

    def real(data):
        for feature in data["features"]:
            props = feature["properties"]
            props.update(sample=False, whatsapp="0812 3456 7890", phone="+62 266 431234", owner_consent=True)
            props.update(coord_confidence="verified")
            props.pop("sample_note", None)

    data_copy.edit("msmes.geojson", real)
    client = make_app(data_dir=data_copy.path).test_client()
    html = client.get("/sites/curug-sodong").get_data(as_text=True)
    rows = re.findall(r'<li class="gt-list__item">(.*?)\n  </li>', html, re.S)
    assert len(rows) >= 3
    for row in rows:
        assert row.count('data-count="whatsapp"') == 1 and row.count('data-count="call"') == 1
        choice = re.search(r'<details class="gt-directions-choice">(.*?)</details>', row, re.S)
        assert choice and '<summary class="gt-btn">Petunjuk arah</summary>' in choice.group(1)
        assert [to for to in re.findall(r'href="/go/directions/[^"?]+\?to=(\w+)"', row)] == [
            "geo",
            "google",
            "osm",
        ]
        assert not re.findall(r'data-count="directions"', row.replace(choice.group(1), ""))
    business = re.search(r'<a class="gt-list__name" href="([^"]+)"', rows[0]).group(1)
    own = client.get(business).get_data(as_text=True).split('<ol class="gt-list">')[0]  # not its own list
    assert "gt-directions-choice" not in own
    assert len(re.findall(r'href="/go/directions/[^"?]+\?to=(geo|google|osm)"', own)) == 3
