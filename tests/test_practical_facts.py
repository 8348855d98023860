"""Issue 28, part 1: the practical facts the sources already give, in their fields, each with its year and source;
the rest under "good to know"; "not known" only where nothing is known; a contributor's newer value replaces the
sourced one through moderation."""

import html as html_lib
import json
import re
from datetime import datetime

import pytest
from markupsafe import escape

from geotour.context import current
from geotour.contributions import decisions, workflow
from geotour.domain import practical
from geotour.domain.visit import WIB
from geotour.errors import SeedDataError
from tests.conftest import DATA_DIR
from tests.contributions import make_users
from tests.test_tourist_pages import sites

READS_ONLY = True
WORDING = practical.load_wording(DATA_DIR)
FIELD_CLASS = {
    "ticket": "gt-visit-ticket",
    "parking": "gt-visit-parking",
    "boat": "gt-visit-boat",
    "hours": "gt-visit-hours",
    "access": "gt-visit-access",
    "facilities": "gt-visit-facilities",
    "note": "gt-know",
}
NOT_KNOWN = {"id": "Belum diketahui.", "en": "Not known yet."}


def rupiah(lang):
    sep = "." if lang == "id" else ","
    return lambda amount: "Rp " + f"{amount:,}".replace(",", sep)


def section(page, css_class):
    """Return the HTML of the page's <dd> or <section> with this class ('' when the page has none)."""
    match = re.search(rf'<(dd|section) class="{css_class}"[^>]*>(.*?)</\1>', page, re.S)
    return match.group(2) if match else ""


def sourced_sites():
    return [f for f in sites() if f["properties"].get("facts")]


def test_every_fact_in_the_seed_is_worded_in_both_languages():
    facts = [fact for f in sourced_sites() for fact in f["properties"]["facts"]]
    assert len(facts) == 99
    unworded = [fact["fact"] for fact in facts if " ".join(fact["fact"].split()) not in WORDING]
    assert unworded == []
    kinds = {part.about for parts in WORDING.values() for part in parts}
    assert kinds == set(practical.ABOUT)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_site_page_shows_each_sourced_fact_in_its_field_with_its_year_and_source(client, lang):
    shown = 0
    for feature in sourced_sites():
        page = client.get(f"/sites/{feature['id']}?lang={lang}").get_data(as_text=True)
        for record in feature["properties"]["facts"]:
            for part in WORDING[" ".join(record["fact"].split())]:
                text, _ = practical.wording_text(part, lang, rupiah(lang))
                year = (
                    record["date"][:4] if record["date"] else {"id": "tanpa tanggal", "en": "undated"}[lang]
                )
                source = {"id": "sumber", "en": "source"}[lang]
                expected = (
                    f'{escape(text)} <small class="gt-source">({year}, '
                    f'<a href="{escape(record["source"])}" rel="nofollow noopener" lang="{lang}">{source}</a>)'
                )
                assert expected in section(page, FIELD_CLASS[part.about]), (
                    feature["id"],
                    part.about,
                    expected,
                )
                shown += 1
    assert shown > 130


@pytest.mark.parametrize("lang", ["id", "en"])
def test_no_page_says_not_known_for_a_field_that_has_a_fact(client, lang):
    said_not_known = 0
    for feature in sites():
        page = client.get(f"/sites/{feature['id']}?lang={lang}").get_data(as_text=True)
        found = practical.by_field(practical.sourced_facts(feature["properties"].get("facts"), WORDING))
        for about in ("ticket", "hours", "access", "facilities"):
            says = NOT_KNOWN[lang] in section(page, FIELD_CLASS[about])
            assert says == (not found[about]), (feature["id"], about)
            said_not_known += says
        for about in ("parking", "boat"):  # shown only when something is known: a waterfall needs no boat row
            assert bool(section(page, FIELD_CLASS[about])) == bool(found[about]), (feature["id"], about)
    assert said_not_known > 0  # most sites still lack opening hours: the page says so


def test_palangpang_shows_its_car_parking_and_boat_charter_as_the_issue_asks(client):
    page = html_lib.unescape(client.get("/sites/pantai-palangpang?lang=id").get_data(as_text=True))
    assert re.search(r"Parkir mobil Rp 10\.000 <small[^>]*>\(2022, <a [^>]*>sumber</a>\)", page)
    assert "Bisa sudah berubah." in section(page, "gt-visit-parking")
    assert "sekitar Rp 900.000 per perahu" in section(page, "gt-visit-boat")
    assert "Perlu diketahui" in page and "sekitar 2.000 kamar" in section(page, "gt-know")


def test_a_contributors_newer_value_replaces_the_sourced_one_with_its_date(make_app):
    app = make_app()
    users = make_users(app)
    with app.test_request_context():
        ctx = current()
        sent = {"ticket_price": "Rp 5.000", "parking_fee": "Motor Rp 4.000, mobil Rp 8.000"}
        submission = workflow.submit_edit(ctx, users["kim1"], "curug-awang", sent)
        client = app.test_client()
        before = client.get("/sites/curug-awang?lang=id").get_data(as_text=True)
        assert "Tiket masuk Rp 3.000" in section(before, "gt-visit-ticket")  # pending: the source still shows
        decisions.approve(ctx, users["mod"], submission["id"])
    today = datetime.now(WIB).date()
    props = client.get("/api/v1/features/curug-awang").get_json()["properties"]
    assert props["reported_on"] == {"ticket_price": today.isoformat(), "parking_fee": today.isoformat()}
    assert props["facts"]  # the sources stay in the data
    page = html_lib.unescape(client.get("/sites/curug-awang?lang=en").get_data(as_text=True))
    ticket, parking = section(page, "gt-visit-ticket"), section(page, "gt-visit-parking")
    assert ticket.startswith("Rp 5,000") and "Rp 3,000" not in ticket
    assert f"reported {today.strftime('%b')} {today.day}, {today.year}" in ticket
    assert parking.startswith("Motor Rp 4.000, mobil Rp 8.000") and "Rp 5,000 car" not in parking
    assert "Deep pool, swimming not advised" in section(page, "gt-know")  # the rest of the source stays

    with app.test_request_context():  # an edit of something else keeps the ticket's date
        again = workflow.submit_edit(
            current(), users["kim1"], "curug-awang", {"opening_hours": "07.00–17.00"}
        )
        decisions.approve(current(), users["mod"], again["id"])
    props = client.get("/api/v1/features/curug-awang").get_json()["properties"]
    assert set(props["reported_on"]) == {"ticket_price", "parking_fee", "opening_hours"}


def test_a_contributor_may_not_send_the_dates_themselves(make_app):
    app = make_app()
    users = make_users(app)
    with app.test_request_context():
        sent = {"access": "Jalan setapak", "reported_on": {"access": "1999-01-01"}}
        submission = workflow.submit_edit(current(), users["kim1"], "curug-tengah", sent)
        decisions.approve(current(), users["mod"], submission["id"])
    props = app.test_client().get("/api/v1/features/curug-tengah").get_json()["properties"]
    assert props["reported_on"] == {"access": datetime.now(WIB).date().isoformat()}


def test_a_fact_with_no_wording_is_shown_as_recorded_and_a_hostile_one_stays_text():
    facts = [
        {"fact": "<script>alert(1)</script> Entry Rp1", "source": "javascript:alert(1)", "date": "2020"},
        {"fact": "Car parking Rp10,000 (2022)", "source": "https://example.org/p", "date": "2022-01"},
        {"fact": "   ", "source": "https://example.org/empty"},
        "not a record",
    ]
    found = practical.sourced_facts(facts, WORDING)
    assert [(f.part.about, f.worded, f.source, f.year) for f in found] == [
        ("note", False, None, 2020),
        ("parking", True, "https://example.org/p", 2022),
    ]
    assert practical.wording_text(found[0].part, "id", str) == ("<script>alert(1)</script> Entry Rp1", "en")


def test_hostile_facts_in_a_seed_render_as_text(make_app, data_copy):
    def add_hostile(data):
        for feature in data["features"]:
            if feature["id"] == "curug-tengah":
                feature["properties"]["facts"] = [
                    {"fact": '<img src=x onerror="alert(1)">', "source": "javascript:alert(1)", "date": None},
                    {"fact": "ok", "source": 'https://e.org/"><script>alert(2)</script>', "date": "2021"},
                ]

    data_copy.edit("geosites.geojson", add_hostile)
    page = make_app(data_dir=data_copy.path).test_client().get("/sites/curug-tengah").get_data(as_text=True)
    know = section(page, "gt-know")
    assert "&lt;img src=x onerror=" in know and "<img" not in know
    assert "javascript:" not in page and "<script>alert(2)" not in page and "https://e.org/" not in know
    assert 'lang="en"' in know  # shown as recorded, marked as English on the Indonesian page


@pytest.mark.parametrize(
    "entry, fault",
    [
        ({"x": [{"about": "price", "id": "a"}]}, "unknown field 'price'"),
        ({"x": [{"about": "ticket", "id": "Tiket {0}"}]}, "once for each of the 0 amounts"),
        ({"x": [{"about": "ticket", "id": "Tiket {0}", "en": "Ticket", "idr": [1]}]}, '"en" must use'),
        ({"x": [{"about": "ticket", "id": "Tiket {0}", "idr": ["1"]}]}, "whole rupiah"),
        ({"x": [{"about": "note"}]}, '"id" must be a text'),
        ({"x": []}, "must be a list of parts"),
    ],
)
def test_a_bad_wording_file_names_the_fact_and_stops_the_start(tmp_path, entry, fault):
    with pytest.raises(ValueError, match=re.escape(fault)):
        practical.wording_from_dict({"facts": entry})
    (tmp_path / practical.WORDING_FILE).write_text(json.dumps({"facts": entry}), encoding="utf-8")
    with pytest.raises(SeedDataError, match=re.escape(fault)):
        practical.load_wording(tmp_path)
