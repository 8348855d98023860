"""Events: written by KIM members and moderated, at a place or a point, in WIB; listed this week / this month /
later, past ones off the map but keeping their pages; ICS files that icalendar reads, a calendar feed,
schema.org Event JSON-LD, and the `datetime` filter of /ogc and the layer API."""

import json
import re
from datetime import datetime
from pathlib import Path

import icalendar
import pytest

from geotour.domain import events
from geotour.domain.features import FeatureInvalid, validate_feature
from geotour.domain.layers import Catalogue
from geotour.domain.visit import WIB
from tests.contributions import approved, bearer, csrf_from, event, login, make_users, token_for, upload

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=WIB)  # a Thursday


@pytest.fixture
def site(make_app, monkeypatch):
    monkeypatch.setattr(events, "now_wib", lambda: NOW)
    app = make_app()
    make_users(app)
    return app, app.test_client(), token_for(app, "kim1"), token_for(app, "mod")


def publish(site, feature):
    return approved(site[0], feature)


def test_an_event_at_a_site_is_moderated_then_published_at_the_sites_position_in_wib(site):
    app, client, kim, mod = site
    sent = client.post(
        "/api/v1/submissions",
        json=event(starts="2026-12-05T12:00:00Z", ends="2026-12-05T15:00:00Z"),
        headers=bearer(kim),
    )
    assert sent.status_code == 201, sent.get_json()
    event_id = sent.get_json()["submissions"][0]["feature_id"]
    assert client.get(f"/events/{event_id}").status_code == 404  # not public before approval
    event_id = publish(site, event(starts="2026-12-05T12:00:00Z", ends="2026-12-05T15:00:00Z"))
    feature = client.get(f"/api/v1/features/{event_id}").get_json()
    site_feature = client.get("/api/v1/features/karang-hawu").get_json()
    assert feature["geometry"] == site_feature["geometry"]
    assert feature["properties"]["starts"] == "2026-12-05T19:00+07:00"
    assert feature["properties"]["ends"] == "2026-12-05T22:00+07:00"


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"ends": "2026-12-05T18:00"}, "ends", "after the start"),
        ({"starts": None}, "starts", "required"),
        ({"starts": "besok malam"}, "starts", "WIB"),
        ({"place_id": "no-such-place"}, "place_id", "not a place on the map"),
        ({"starts": "2026-11-01T08:00", "ends": "2026-11-01T12:00"}, "ends", "already over"),
        ({"ends": "2027-06-05T22:00"}, "ends", "at most 92 days"),
        ({"whatsapp": "0812 3456 7890"}, "owner_consent", "agreed"),
        ({"capacity": "0"}, "capacity", "1 to"),
        ({"organiser": ""}, "organiser", "required"),
    ],
)
def test_a_wrong_event_is_refused_naming_its_field(site, change, field, words):
    app, client, kim, mod = site
    response = client.post("/api/v1/submissions", json=event(**change), headers=bearer(kim))
    assert response.status_code == 400, response.get_json()
    problems = response.get_json()["error"]["problems"]
    assert any(p["field"] == field and words in p["message"] for p in problems), problems


def test_an_event_at_a_point_needs_the_point(site):
    app, client, kim, mod = site
    nowhere = event(place_id=None)
    response = client.post("/api/v1/submissions", json=nowhere, headers=bearer(kim))
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "geometry"
    at_a_point = {**nowhere, "geometry": {"type": "Point", "coordinates": [106.4105, -7.2372]}}
    event_id = publish(site, at_a_point)
    page = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert "Di titik pada peta" in page


def test_january_asked_of_ogc_gives_januarys_events_only(site):
    app, client, kim, mod = site
    december = publish(site, event("Pasar Desember", "2026-12-20T08:00", "2026-12-20T12:00"))
    new_year = publish(site, event("Malam Tahun Baru", "2026-12-31T20:00", "2027-01-01T01:00"))
    january = publish(site, event("Lomba Lari Januari", "2027-01-17T06:00", "2027-01-17T10:00"))
    last_minute = publish(site, event("Penutupan Januari", "2027-01-31T23:00", "2027-02-01T01:00"))
    february = publish(site, event("Festival Februari", "2027-02-01T08:00", "2027-02-01T12:00"))
    body = client.get("/ogc/collections/events/items?datetime=2027-01-01/2027-01-31").get_json()
    assert {f["id"] for f in body["features"]} == {new_year, january, last_minute}
    assert body["numberMatched"] == 3
    everything = client.get("/ogc/collections/events/items").get_json()
    assert {f["id"] for f in everything["features"]} == {december, new_year, january, last_minute, february}
    utc = client.get("/ogc/collections/events/items?datetime=2027-01-17T00:00:00Z/2027-01-17T01:00:00Z")
    assert [f["id"] for f in utc.get_json()["features"]] == [january]  # 07:00-08:00 WIB: the race is on
    before = client.get("/ogc/collections/events/items?datetime=../2026-12-31").get_json()
    assert {f["id"] for f in before["features"]} == {december, new_year}
    assert (
        client.get("/ogc/collections/geosites/items?datetime=2027-01-01/2027-01-31").get_json()[
            "numberMatched"
        ]
        == client.get("/ogc/collections/geosites/items").get_json()["numberMatched"]
    )  # untimed: all match


def test_the_events_collection_tells_its_time_span_and_places_tell_none(site):
    """OGC API - Features' temporal extent: from the first start to the last end, in UTC; a layer of places
    has no time, so it has none (it said [[null, null]], an open span, before)."""
    app, client, kim, mod = site
    assert "temporal" not in client.get("/ogc/collections/events").get_json()["extent"]  # no event yet
    publish(site, event("Malam Tahun Baru", "2026-12-31T20:00", "2027-01-01T01:00"))
    publish(site, event("Pasar Desember", "2026-12-20T08:00", "2026-12-20T12:00"))
    publish(site, event("Lomba Lari Januari", "2027-01-17T06:00", "2027-01-17T10:00"))
    temporal = client.get("/ogc/collections/events").get_json()["extent"]["temporal"]
    assert temporal["interval"] == [["2026-12-20T01:00:00Z", "2027-01-17T03:00:00Z"]]
    assert temporal["trs"] == "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
    listed = {c["id"]: c for c in client.get("/ogc/collections").get_json()["collections"]}
    assert listed["events"]["extent"]["temporal"] == temporal
    assert "temporal" not in listed["geosites"]["extent"]
    page = client.get("/ogc/collections/events?f=html&lang=id").get_data(as_text=True)
    assert "Dari awal acara pertama sampai akhir acara terakhir" in page
    assert "2026-12-20T01:00:00Z – 2027-01-17T03:00:00Z" in page


@pytest.mark.parametrize("url", ["/ogc/collections/events/items", "/api/v1/layers/events"])
@pytest.mark.parametrize("value", ["januari", "2027-02-01/2027-01-01", "../..", "2027-13-01"])
def test_a_datetime_that_is_no_time_is_refused_by_name(site, url, value):
    app, client, kim, mod = site
    response = client.get(url, query_string={"datetime": value})
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "datetime"


def test_past_events_leave_the_layer_but_keep_their_pages(site, monkeypatch):
    app, client, kim, mod = site
    soon = publish(
        site, event("Bersih Pantai", "2026-12-05T07:00", "2026-12-05T10:00", category="konservasi")
    )
    later = publish(site, event("Festival Layang-layang", "2027-03-20T08:00", "2027-03-21T17:00"))
    layer = client.get("/api/v1/layers/events").get_json()
    assert {f["id"] for f in layer["features"]} == {soon, later}
    monkeypatch.setattr(events, "now_wib", lambda: datetime(2026, 12, 5, 10, 5, tzinfo=WIB))
    layer = client.get("/api/v1/layers/events").get_json()
    assert [f["id"] for f in layer["features"]] == [later]  # the beach clean-up is over: off the map
    past = client.get("/api/v1/layers/events?datetime=2026-12-05").get_json()
    assert [f["id"] for f in past["features"]] == [soon]
    page = client.get(f"/events/{soon}")
    assert page.status_code == 200 and "Acara ini sudah selesai." in page.get_data(as_text=True)
    listing = client.get("/events").get_data(as_text=True)
    assert listing.index("Festival Layang-layang") < listing.index("Acara yang sudah lewat")
    assert listing.index("Acara yang sudah lewat") < listing.index("Bersih Pantai")


def test_the_list_says_this_week_this_month_and_later(site):
    app, client, kim, mod = site
    publish(site, event("Pasar Minggu Ini", "2026-12-06T08:00", "2026-12-06T12:00", category="pasar"))
    publish(
        site, event("Lomba Perahu Bulan Ini", "2026-12-27T08:00", "2026-12-27T12:00", category="olahraga")
    )
    publish(site, event("Seren Taun", "2027-05-02T08:00", "2027-05-04T17:00", category="budaya"))
    page = client.get("/events").get_data(as_text=True)
    week, month, later = (page.index(h) for h in ("Minggu ini", "Bulan ini", "Nanti"))
    assert week < page.index("Pasar Minggu Ini") < month < page.index("Lomba Perahu Bulan Ini") < later
    assert later < page.index("Seren Taun")
    assert "Minggu, 06 Desember 2026, 08.00–12.00 WIB" in page
    english = client.get("/events?lang=en").get_data(as_text=True)
    assert "This week" in english and "Sunday, December 6, 2026, 8:00\u202fAM–12:00\u202fPM WIB" in english


def test_an_event_page_has_its_facts_booking_and_schema_org_event(site):
    app, client, kim, mod = site
    event_id = publish(
        site,
        event(
            name_en="Ciletuh Geopark Festival",
            description_id="Tari jaipong dan pameran UMKM.",
            ticket_price="Rp 25.000",
            price_note="anak di bawah 5 tahun gratis",
            capacity="1500",
            whatsapp="0812 3456 7890",
            owner_consent=True,
        ),
    )
    page = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert "Sabtu, 05 Desember 2026, 19.00–22.00 WIB" in page
    assert "Rp 25.000" in page and "anak di bawah 5 tahun gratis" in page and "1.500 orang" in page
    assert "Pokdarwis Ciletuh" in page and 'href="/sites/karang-hawu"' in page
    assert f'href="/go/whatsapp/{event_id}"' in page and "Pesan lewat WhatsApp" in page
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data["@type"] == "Event" and data["name"] == "Festival Geopark Ciletuh"
    assert data["startDate"] == "2026-12-05T19:00:00+07:00" and data["endDate"] == "2026-12-05T22:00:00+07:00"
    assert (
        data["location"]["name"] == "Pantai Karang Hawu" and data["organizer"]["name"] == "Pokdarwis Ciletuh"
    )
    assert data["offers"] == {"@type": "Offer", "price": 25000, "priceCurrency": "IDR", "url": data["url"]}
    assert data["maximumAttendeeCapacity"] == 1500
    english = client.get(f"/events/{event_id}?lang=en").get_data(as_text=True)
    assert "<h1>Ciletuh Geopark Festival</h1>" in english and "Book by WhatsApp" in english
    tap = client.get(f"/go/whatsapp/{event_id}")
    assert tap.status_code == 302 and tap.headers["Location"].startswith("https://wa.me/6281234567890?text=")


def test_the_ics_file_and_the_feed_parse_with_icalendar(site):
    app, client, kim, mod = site
    event_id = publish(site, event(description_id="Tari jaipong.", ticket_price="0"))
    response = client.get(f"/events/{event_id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    [entry] = calendar.walk("VEVENT")
    assert str(entry["summary"]) == "Festival Geopark Ciletuh"
    start = entry.decoded("dtstart")
    assert start == datetime(2026, 12, 5, 19, 0, tzinfo=WIB) and str(start.tzinfo) == "Asia/Jakarta"
    assert entry.decoded("dtend") == datetime(2026, 12, 5, 22, 0, tzinfo=WIB)
    assert str(entry["uid"]) == f"{event_id}@localhost"
    assert str(entry["url"]).endswith(f"/events/{event_id}")
    assert "Karang Hawu" in str(entry["location"]) and "Gratis" in str(entry["description"])
    assert calendar.walk("VTIMEZONE")[0]["tzid"] == "Asia/Jakarta"
    old = publish(site, event("Pasar Lama", "2026-12-03T11:00", "2026-12-03T12:00"))
    feed = icalendar.Calendar.from_ical(client.get("/events.ics").data)
    assert {str(e["uid"]).split("@")[0] for e in feed.walk("VEVENT")} == {event_id, old}
    assert str(feed["x-wr-calname"]) == "Acara Geopark Ciletuh-Palabuhanratu"


def test_a_hostile_event_name_stays_text_everywhere(site):
    app, client, kim, mod = site
    hostile = '<img src=x onerror=alert(1)>"</script><script>alert(2)</script>'
    event_id = publish(site, event(name=hostile, organiser=hostile, description_id=hostile))
    for url in (f"/events/{event_id}", "/events", f"/events/{event_id}?lang=en"):
        page = client.get(url).get_data(as_text=True)
        assert "<img src=x" not in page and "<script>alert(2)" not in page, url
    calendar = icalendar.Calendar.from_ical(client.get(f"/events/{event_id}.ics").data)
    assert str(calendar.walk("VEVENT")[0]["summary"]) == hostile  # a calendar shows text, not HTML


def test_a_member_announces_an_event_from_the_phone_form(site):
    app, client, kim, mod = site
    login(client, "kim1")
    form = client.get("/contribute/new/events")
    html = form.get_data(as_text=True)
    assert (
        'type="datetime-local"' in html and '<option value="karang-hawu">Pantai Karang Hawu</option>' in html
    )
    sent = client.post(
        "/contribute/new/events",
        data={
            "csrf_token": csrf_from(html),
            "name": "Festival Layang-layang",
            "category": "festival",
            "starts": "2027-03-20T08:00",
            "ends": "2027-03-21T17:00",
            "place_id": "karang-hawu",
            "organiser": "Pokdarwis Palabuhanratu",
            "ticket_price": "gratis",
        },
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)[:500]
    pending = client.get("/api/v1/submissions?status=pending", headers=bearer(kim)).get_json()
    [submission] = pending["submissions"]
    props = submission["feature"]["properties"]
    assert submission["layer"] == "events" and props["place_id"] == "karang-hawu"
    assert props["starts"] == "2027-03-20T08:00+07:00" and props["ticket_price"] == 0


def test_the_office_sees_and_corrects_an_event_in_the_queue(site):
    app, client, kim, mod = site
    sent = client.post("/api/v1/submissions", json=event(ticket_price="10000"), headers=bearer(kim))
    submission = sent.get_json()["submissions"][0]
    office = app.test_client()
    csrf = login(office, "mod")
    queue = office.get("/moderation").get_data(as_text=True)
    assert "Festival Geopark Ciletuh" in queue and "2026-12-05T19:00+07:00" in queue
    edit = office.get(f"/moderation/{submission['id']}/edit")
    html = edit.get_data(as_text=True)
    assert edit.status_code == 200 and 'value="2026-12-05T19:00"' in html
    form = dict(re.findall(r'<input name="([a-z_]+)"[^>]*?value="([^"]*)"', html))  # as the page fills it
    form.update(
        re.findall(
            r'<select name="([a-z_]+)"[^>]*>(?:(?!</select>).)*?<option value="([^"]*)" selected', html, re.S
        )
    )
    assert (
        form["place_id"] == "karang-hawu"
        and form["category"] == "festival"
        and form["ticket_price"] == "10000"
    )
    corrected = office.post(
        f"/moderation/{submission['id']}/edit", data={**form, "csrf_token": csrf, "ends": "2026-12-05T23:30"}
    )
    assert corrected.status_code == 302, re.findall(
        r"gt-problem[^>]*>([^<]*)", corrected.get_data(as_text=True)
    )
    feature = client.get(f"/api/v1/features/{submission['feature_id']}").get_json()
    assert feature["properties"]["ends"] == "2026-12-05T23:30+07:00"
    assert feature["properties"]["starts"] == "2026-12-05T19:00+07:00"


def test_a_season_of_events_comes_in_one_csv(site):
    # KIM's spreadsheet: one event at a place on the map (no coordinates needed), one at a point
    app, client, kim, mod = site
    csv = (
        b"name,category,starts,ends,place_id,organiser,lat,lon\n"
        b"Pasar UMKM Cisolok,pasar,2026-12-12 08:00,2026-12-12 14:00,karang-hawu,Pokdarwis Cisolok,,\n"
        b"Lomba Perahu Hias,olahraga,2026-12-20 07:00,2026-12-20 12:00,,Nelayan Palabuhanratu,-6.99,106.54\n"
        b"Festival Terlambat,festival,2026-12-01 07:00,2026-12-01 12:00,karang-hawu,Pokdarwis Cisolok,,\n"
    )
    fields = {"file": upload(csv, "acara.csv"), "layer": "events", "dry_run": "false", "on_error": "skip"}
    answer = client.post(
        "/api/v1/submissions", data=fields, headers=bearer(kim), content_type="multipart/form-data"
    )
    assert answer.status_code == 201, answer.get_json()
    report = answer.get_json()["report"]
    assert report["valid"] == 2 and report["rejected_rows"] == [3]
    assert any(p["field"] == "ends" and 3 in p["rows"] for p in report["problems"])
    stored = {f["properties"]["name"]: f for f in report["features"]}
    assert (
        stored["Pasar UMKM Cisolok"]["geometry"]
        == client.get("/api/v1/features/karang-hawu").get_json()["geometry"]
    )
    assert stored["Lomba Perahu Hias"]["properties"]["starts"] == "2026-12-20T07:00+07:00"


@pytest.mark.parametrize(
    "starts, ends",
    [
        ("2026-12-05T19:00", "2026-12-05T22:00+07:00"),  # no offset: not as stored
        ("2026-12-05T12:00Z", "2026-12-05T22:00+07:00"),  # another zone
        ("2026-12-05T22:00+07:00", "2026-12-05T19:00+07:00"),  # ends first
        (None, "2026-12-05T22:00+07:00"),
    ],
)
def test_an_event_whose_times_are_not_kept_the_one_way_is_refused_by_the_storage(starts, ends):
    # A seed file edited by hand, say: the lists, the map and the SQL filter compare these texts
    catalogue = Catalogue.from_dict(
        json.loads((ROOT / "data/geojson/layers.json").read_text(encoding="utf-8"))
    )
    feature = {**event(), "id": "acara", "geometry": {"type": "Point", "coordinates": [106.45, -7.2]}}
    feature["properties"] = {**feature["properties"], "starts": starts, "ends": ends}
    with pytest.raises(FeatureInvalid, match="starts"):
        validate_feature(feature, catalogue.get("events"))
    feature["properties"].update(starts="2026-12-05T19:00+07:00", ends="2026-12-05T22:00+07:00")
    assert validate_feature(feature, catalogue.get("events")).name == "Festival Geopark Ciletuh"
