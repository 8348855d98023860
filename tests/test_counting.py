"""Issue 30, parts 2 and 3: figures counted without tracking anyone. Counts per place and day (WIB) of views,
popups, contact taps, route downloads and searches that found nothing; never a cookie, an address or a
fingerprint; robots and prefetches not counted; several processes add up; the office's and a member's pages."""

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest

from geotour.domain import counting
from geotour.storage import StorageUnavailable
from geotour.web.counting import Tally
from tests.contributions import approved_business, login, make_users

PHONE = {
    "User-Agent": "Mozilla/5.0 (Linux; Android 11; SM-A115F) AppleWebKit/537.36 Chrome/119.0 Mobile Safari"
}
EVER = ("2000-01-01", "2100-12-31")


@pytest.fixture
def counted(make_app):
    """An app that writes every count at once, and a function returning its counts as {(place, event, source,
    detail): n}."""
    app = make_app(GEOTOUR_COUNT_FLUSH_SECONDS="0")
    storage = app.extensions["geotour"].storage

    def totals(**where):
        rows = storage.count_totals(*EVER, ("place", "event", "source", "detail"), where or None)
        return {tuple(r[:4]): r[4] for r in rows}

    return app, totals


def _business_with_number(app, name="Homestay Ciletuh Asri"):
    make_users(app)
    return approved_business(app, name)


# -- the rules -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "facebookexternalhit/1.1",
        "WhatsApp/2.23.20.0 A",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0 Safari/537.36",
        "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) Chrome-Lighthouse",
        "python-requests/2.31",
        "curl/8.4.0",
        "",
        None,
    ],
)
def test_robots_are_told_apart_by_their_user_agent(agent):
    assert counting.is_robot(agent)


def test_phones_and_desktops_are_visitors():
    assert not counting.is_robot(PHONE["User-Agent"])
    assert not counting.is_robot(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) Version/17.1 Safari/604.1"
    )
    assert not counting.is_robot(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0"
    )


def test_a_prefetch_or_prerender_is_no_visit():
    assert counting.is_prefetch({"Sec-Purpose": "prefetch"})
    assert counting.is_prefetch({"Sec-Purpose": "prefetch;prerender"})
    assert counting.is_prefetch({"Purpose": "prefetch"})
    assert not counting.is_prefetch({"Accept": "text/html"})


def test_a_day_is_counted_in_wib():
    assert counting.day_of(datetime(2026, 12, 2, 16, 59, tzinfo=UTC)) == "2026-12-02"  # 23.59 WIB
    assert counting.day_of(datetime(2026, 12, 2, 17, 0, tzinfo=UTC)) == "2026-12-03"  # 00.00 WIB


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("https://www.dispar.sukabumikab.go.id/wisata/peta?user=ani#x", "dispar.sukabumikab.go.id"),
        ("http://user:pw@Example.ORG:8080/a", "example.org"),
        ("kim-mypalabuhanratu.blogspot.com", "kim-mypalabuhanratu.blogspot.com"),
        ("<script>", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_an_embed_is_counted_under_its_host_name_only(given, kept):
    assert counting.host_detail(given) == kept


def test_search_words_are_folded_and_a_number_is_never_kept():
    assert counting.search_detail("  Kolam   RENANG  ") == "kolam renang"
    assert counting.search_detail("Curug Cimarinjúng") == "curug cimarinjung"
    assert counting.search_detail("ab") == ""  # still typing
    assert counting.search_detail("0812 3456 7890") == ""  # a phone number is nobody's search
    assert len(counting.search_detail("x" * 500)) == counting.MAX_DETAIL


# -- what pages send -----------------------------------------------------------------------------------------


def test_a_view_a_popup_and_a_tap_are_counted_once_each_with_no_cookie(counted):
    app, totals = counted
    client = app.test_client()
    for event in ("view", "popup", "whatsapp"):
        response = client.post(
            "/api/v1/counts", data={"event": event, "place": "curug-sodong"}, headers=PHONE
        )
        assert response.status_code == 204 and response.data == b""
        assert "Set-Cookie" not in response.headers and "no-store" in response.headers["Cache-Control"]
    client.post("/api/v1/counts", data={"event": "view"}, headers=PHONE)  # the map as a whole
    assert totals() == {
        ("curug-sodong", "view", "direct", ""): 1,
        ("curug-sodong", "popup", "direct", ""): 1,
        ("curug-sodong", "whatsapp", "direct", ""): 1,
        ("", "view", "direct", ""): 1,
    }


def test_a_qr_scan_and_an_embed_are_counted_by_source(counted):
    app, totals = counted
    client = app.test_client()
    client.post(
        "/api/v1/counts", data={"event": "view", "place": "curug-sodong", "source": "qr"}, headers=PHONE
    )
    client.post(
        "/api/v1/counts",
        data={"event": "view", "source": "embed", "host": "https://www.example.go.id/peta?visitor=ani"},
        headers=PHONE,
    )
    assert totals() == {("curug-sodong", "view", "qr", ""): 1, ("", "view", "embed", "example.go.id"): 1}


def test_robots_and_prefetches_are_answered_but_not_counted(counted):
    app, totals = counted
    client = app.test_client()
    bot = {"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"}
    assert (
        client.post(
            "/api/v1/counts", data={"event": "view", "place": "curug-sodong"}, headers=bot
        ).status_code
        == 204
    )
    prefetch = {**PHONE, "Sec-Purpose": "prefetch"}
    client.post("/api/v1/counts", data={"event": "view", "place": "curug-sodong"}, headers=prefetch)
    assert totals() == {}


def test_a_search_that_found_nothing_keeps_its_folded_words(counted):
    app, totals = counted
    client = app.test_client()
    for words in ("Kolam Renang", "kolam renang", "0812 9999 1234"):
        client.post("/api/v1/counts", data={"event": "search_empty", "q": words}, headers=PHONE)
    assert totals(event=["search_empty"]) == {
        ("", "search_empty", "direct", "kolam renang"): 2,
        ("", "search_empty", "direct", ""): 1,  # counted, its words not kept
    }


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"event": "view", "place": "no-such-place"}, "place"),
        ({"event": "whatsapp"}, "place"),
        ({"event": "download", "place": "curug-sodong"}, "event"),  # the server counts downloads itself
        ({"event": "nonsense"}, "event"),
        ({"place": "curug-sodong"}, "event"),
        ({"event": "view", "source": "ads"}, "source"),
    ],
)
def test_a_wrong_count_is_refused_naming_its_field_and_counts_nothing(counted, sent, field):
    app, totals = counted
    response = app.test_client().post("/api/v1/counts", data=sent, headers=PHONE)
    assert response.status_code == 400 and response.get_json()["error"]["field"] == field
    assert totals() == {}


def test_counts_are_rate_limited_per_sender(make_app):
    app = make_app(GEOTOUR_COUNT_FLUSH_SECONDS="0", GEOTOUR_RATELIMIT_COUNTS="3 per minute")
    client = app.test_client()
    codes = [
        client.post("/api/v1/counts", data={"event": "view"}, headers=PHONE).status_code for _ in range(4)
    ]
    assert codes == [204, 204, 204, 429]
    assert app.extensions["geotour"].storage.count_totals(*EVER, ()) == [(3,)]


def test_with_counting_off_pages_load_no_counting_script_and_nothing_is_counted(make_app):
    app = make_app(GEOTOUR_COUNTING="0")
    client = app.test_client()
    assert "geotour-count" not in client.get("/sites/curug-sodong").get_data(as_text=True)
    assert client.post("/api/v1/counts", data={"event": "view"}, headers=PHONE).status_code == 204
    assert app.extensions["geotour"].storage.count_totals(*EVER, ()) == []


# -- what the server counts itself ---------------------------------------------------------------------------


def test_go_counts_a_tap_and_sends_it_on_to_whatsapp_the_dialler_or_the_maps(counted):
    app, totals = counted
    place = _business_with_number(app)
    client = app.test_client()
    whatsapp = client.get(f"/go/whatsapp/{place}?lang=en", headers=PHONE)
    assert whatsapp.status_code == 302 and whatsapp.headers["Cache-Control"] == "no-store"
    assert whatsapp.headers["Location"].startswith("https://wa.me/6281234567890?text=Hello%2C%20I%20saw%20")
    assert "Set-Cookie" not in whatsapp.headers
    assert (
        client.get(f"/go/directions/{place}?to=osm", headers=PHONE)
        .headers["Location"]
        .startswith("https://www.openstreetmap.org/directions?route=")
    )
    assert client.get(f"/go/directions/{place}?to=geo", headers=PHONE).headers["Location"].startswith("geo:")
    embed = client.get(
        f"/go/whatsapp/{place}?src=embed", headers={**PHONE, "Referer": "https://dispar.example.go.id/peta"}
    )
    assert embed.status_code == 302
    assert totals() == {
        (place, "whatsapp", "direct", ""): 1,
        (place, "directions", "direct", ""): 2,
        (place, "whatsapp", "embed", "dispar.example.go.id"): 1,
    }


def test_go_refuses_what_a_place_does_not_have_and_counts_nothing(counted):
    app, totals = counted
    client = app.test_client()
    sample = client.get("/go/whatsapp/msme-0001", headers=PHONE)  # a sample's number is invented
    assert sample.status_code == 404 and "text/html" in sample.content_type
    assert client.get("/go/call/msme-0001", headers=PHONE).status_code == 404
    assert client.get("/go/directions/msme-0001?to=google", headers=PHONE).status_code == 404  # its place too
    assert client.get("/go/directions/curug-sodong?to=javascript:alert(1)", headers=PHONE).status_code == 404
    assert client.get("/go/whatsapp/no-such-place", headers=PHONE).status_code == 404
    assert client.get("/go/sms/curug-sodong", headers=PHONE).status_code == 404
    assert totals() == {}


def test_a_routes_directions_lead_to_its_start(counted):
    app, totals = counted
    from geotour.domain.places import whole_layer

    feature = next(iter(whole_layer(app.extensions["geotour"].storage, "routes")))
    lon, lat = feature["geometry"]["coordinates"][0][:2]
    location = app.test_client().get(f"/go/directions/{feature['id']}", headers=PHONE).headers["Location"]
    assert f"destination={lat:.6f}%2C{lon:.6f}" in location
    assert totals() == {(feature["id"], "directions", "direct", ""): 1}


def test_a_route_file_is_counted_when_a_person_fetches_it_not_when_the_phone_saves_it(counted):
    app, totals = counted
    from geotour.domain.places import whole_layer

    route = next(iter(whole_layer(app.extensions["geotour"].storage, "routes")))["id"]
    client = app.test_client()
    client.get(f"/routes/{route}.gpx", headers={**PHONE, "Sec-Fetch-Mode": "navigate"})  # a tap on the link
    client.get(f"/routes/{route}.kml", headers={"User-Agent": "Mozilla/5.0 QGIS/33400"})  # QGIS asks for it
    client.get(
        f"/routes/{route}.gpx", headers={**PHONE, "Sec-Fetch-Mode": "same-origin"}
    )  # "save for offline"
    assert totals() == {(route, "download", "direct", ""): 2}


def test_place_pages_write_counted_contact_links_and_say_what_to_count(counted):
    app, _totals = counted
    place = _business_with_number(app)
    html = app.test_client().get(f"/msmes/{place}").get_data(as_text=True)
    assert f'<meta name="geotour-count" content="/api/v1/counts" data-view="{place}">' in html
    assert re.search(
        rf'href="/go/whatsapp/{place}" data-direct="https://wa.me/6281234567890\?text=[^"]+" '
        rf'data-count="whatsapp" data-place="{place}"',
        html,
    )
    map_page = app.test_client().get("/").get_data(as_text=True)
    assert '<meta name="geotour-count" content="/api/v1/counts" data-view="">' in map_page


def test_a_signboards_qr_code_says_it_is_a_qr_scan(make_app):
    with make_app().test_request_context():
        from geotour.web.pages.signboards import site_link

        assert site_link("curug-sodong").endswith("/sites/curug-sodong?src=qr#cerita")


PUBLIC = [
    "/",
    "/?lang=en",
    "/?lang=id",
    "/places?lang=en",
    "/sites/curug-sodong?lang=en",
    "/msmes/msme-0001",
    "/routes",
    "/keselamatan?lang=en",
    "/glosarium",
    "/privasi?lang=en",
    "/perjalanan",
    "/embed?lang=en",
    "/embed/places/msme-0001",
    "/api/v1/layers?lang=en",
    "/ogc/collections?lang=en",
    "/sitemap.xml",
    "/offline",
]


def test_no_public_answer_sets_a_cookie(counted):
    app, _totals = counted
    client = app.test_client()
    for path in PUBLIC:
        response = client.get(path, headers=PHONE)
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path
    assert "Set-Cookie" not in client.post("/api/v1/counts", data={"event": "view"}, headers=PHONE).headers


def test_the_privacy_page_says_what_is_counted_in_both_languages(app):
    client = app.test_client()
    indonesian = client.get("/privasi").get_data(as_text=True)
    english = client.get("/privasi?lang=en").get_data(as_text=True)
    assert "Privasi: apa yang dihitung Geotour" in indonesian and "Tidak ada cookie" in indonesian
    assert "Privacy: what Geotour counts" in english and "No cookie is set" in english


# -- several processes, one database -------------------------------------------------------------------------


def test_tallies_wait_in_memory_and_two_processes_add_up(make_app):
    app = make_app()  # counts every GEOTOUR_COUNT_FLUSH_SECONDS (10 s): the tally holds them meanwhile
    storage = app.extensions["geotour"].storage
    one, other = Tally(storage, 3600), Tally(storage, 3600)  # two machines on one database
    for _ in range(3):
        one.add(counting.Hit("view", "curug-sodong"))
    other.add(counting.Hit("view", "curug-sodong"))
    assert storage.count_totals(*EVER, ()) == []  # nothing written yet
    one.flush()
    other.flush()
    one.flush()  # nothing twice
    assert storage.count_totals(*EVER, ("place", "event")) == [("curug-sodong", "view", 4)]


@pytest.mark.parametrize("error", [StorageUnavailable("the database was unreachable"), OSError("disk gone")])
def test_a_tally_that_cannot_reach_the_database_keeps_its_counts_for_the_next_flush(make_app, caplog, error):
    storage = make_app().extensions["geotour"].storage

    class Away:
        def add_counts(self, tallies):
            raise error

    tally = Tally(Away(), 3600)
    tally.add(counting.Hit("popup", "curug-sodong"))
    tally.flush()  # fails, logs, keeps
    [logged] = [r for r in caplog.records if r.name == "geotour.web.counting"]
    assert logged.getMessage() == f"counts not written yet (1 kept for the next try): {error}"
    # the database away is said in one line; anything else comes with its traceback
    assert bool(logged.exc_info) != isinstance(error, StorageUnavailable)
    tally._storage = storage
    tally.flush()
    assert storage.count_totals(*EVER, ("event",)) == [("popup", 1)]


# -- who sees the figures ------------------------------------------------------------------------------------


def _seed_counts(app, place, hostile_words="<script>alert(1)</script> kolam"):
    storage = app.extensions["geotour"].storage
    today = counting.day_of()
    storage.add_counts(
        {
            (today, place, "view", "direct", ""): 5,
            (today, place, "view", "qr", ""): 2,
            (today, place, "whatsapp", "direct", ""): 3,
            (today, "curug-sodong", "view", "embed", "dispar.example.go.id"): 4,
            (today, "", "search_empty", "direct", hostile_words): 6,
            (today, "", "view", "direct", ""): 9,
        }
    )


def test_the_office_sees_every_place_its_sources_and_what_visitors_did_not_find(counted):
    app, _totals = counted
    place = _business_with_number(app, name='Warung "<img src=x onerror=alert(1)>"')
    _seed_counts(app, place)
    client = app.test_client()
    login(client, "mod")
    page = client.get("/admin/figures?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; kolam" in html
    assert "dispar.example.go.id" in html and "<svg" in html
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", html, re.S)
    business = next(r for r in rows if "Warung" in r)
    assert re.findall(r'<td class="gt-num">(\d+)</td>', business) == ["7", "0", "3", "0", "0", "0", "2"]


def test_the_office_csv_has_every_count_and_no_formula(counted):
    app, _totals = counted
    place = _business_with_number(app, name='=HYPERLINK("http://evil")')
    _seed_counts(app, place)
    client = app.test_client()
    login(client, "mod")
    response = client.get("/admin/figures.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert sum(int(r["count"]) for r in rows) == 29
    assert {r["name"] for r in rows if r["place"] == place} == {'\'=HYPERLINK("http://evil")'}


def test_the_monthly_report_prints_a_whole_month(counted):
    app, _totals = counted
    make_users(app)
    storage = app.extensions["geotour"].storage
    storage.add_counts(
        {
            ("2026-11-30", "curug-sodong", "view", "qr", ""): 11,
            ("2026-12-01", "curug-sodong", "view", "qr", ""): 99,
        }
    )
    client = app.test_client()
    login(client, "mod")
    html = client.get("/admin/figures/report?month=2026-11&lang=en").get_data(as_text=True)
    assert "figures for November 2026" in html and "1 November 2026 to 30 November 2026" in html
    assert ">11<" in html and ">99<" not in html
    assert client.get("/admin/figures/report?month=2026-13").status_code == 400


def test_figures_are_not_public_and_a_member_sees_only_the_places_they_added(counted):
    app, _totals = counted
    place = _business_with_number(app)
    _seed_counts(app, place)
    client = app.test_client()
    assert client.get("/admin/figures").status_code in (302, 401)
    assert client.get("/contribute/figures").status_code in (302, 401)
    login(client, "kim1")
    assert client.get("/admin/figures").status_code == 403
    assert client.get("/admin/figures.csv").status_code == 403
    mine = client.get("/contribute/figures?lang=en").get_data(as_text=True)
    assert "Homestay Ciletuh Asri" in mine and "Curug Sodong" not in mine
    other = app.test_client()
    login(other, "kim2")
    assert "approved yet" in other.get("/contribute/figures?lang=en").get_data(as_text=True)


@pytest.mark.parametrize(
    "query", ["from=2026-13-01", "from=2026-12-05&to=2026-12-01", "from=2020-01-01&to=2026-01-01", "to=x"]
)
def test_a_wrong_period_is_a_clear_page_not_a_500(counted, query):
    app, _totals = counted
    make_users(app)
    client = app.test_client()
    login(client, "mod")
    response = client.get(f"/admin/figures?{query}")
    assert response.status_code == 400 and "text/html" in response.content_type


def test_weeks_run_monday_to_sunday_up_to_the_last_day(counted):
    app, _totals = counted
    from geotour.contributions import figures

    app.extensions["geotour"].storage.add_counts(
        {
            ("2026-11-30", "curug-sodong", "view", "direct", ""): 1,  # a Monday
            ("2026-12-06", "curug-sodong", "whatsapp", "direct", ""): 2,  # the Sunday after
            ("2026-11-29", "curug-sodong", "popup", "direct", ""): 4,  # the Sunday before
        }
    )
    weeks = figures.weekly(app.extensions["geotour"], date(2026, 12, 3), weeks=2)
    assert weeks == [
        {"week": date(2026, 11, 23), "views": 4, "contacts": 0},
        {"week": date(2026, 11, 30), "views": 1, "contacts": 2},
    ]


def test_the_production_access_log_keeps_no_address_user_agent_or_referrer():
    import runpy
    from pathlib import Path

    settings = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    assert settings["accesslog"] == "-"
    for atom in ("%(h)s", "%({x-forwarded-for}i)s", "%(a)s", "%(f)s"):
        assert atom not in settings["access_log_format"]
