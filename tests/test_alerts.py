"""Issue 29, part 1: the tourism office's alerts: posted with its times in WIB, in the API and an Atom feed,
ended by themselves, withdrawn early, refused with each field named, and never posted by anyone else."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from geotour.context import current
from geotour.contributions import alerts as office_alerts
from geotour.domain.visit import WIB
from tests.contributions import bearer, login, make_users, token_for

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def wib(delta):
    return (datetime.now(WIB) + delta).strftime("%Y-%m-%dT%H:%M")


def alert(**changes):
    return {
        "level": "danger",
        "title_id": "Perahu ke Pulau Kunti dihentikan",
        "title_en": "Boats to Pulau Kunti stopped",
        "text_id": "Ombak tinggi; perahu tidak berangkat.",
        "text_en": "High waves; no boats leave.",
        "place_ids": ["pulau-kunti"],
        "ends_at": wib(timedelta(days=2)),
        **changes,
    }


@pytest.fixture
def office(make_app):
    app = make_app()
    make_users(app)
    return app, app.test_client(), token_for(app, "mod")


def test_the_office_posts_an_alert_in_wib_and_visitors_get_it_in_utc(office):
    app, client, mod = office
    ends = datetime.now(WIB).replace(second=0, microsecond=0) + timedelta(days=1)
    sent = client.post(
        "/api/v1/alerts", json=alert(ends_at=ends.strftime("%Y-%m-%dT%H:%M")), headers=bearer(mod)
    )
    assert sent.status_code == 201
    posted = sent.get_json()
    assert posted["ends_at"] == ends.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # WIB is UTC+7
    assert posted["places"] == [{"id": "pulau-kunti", "name": "Pulau Kunti", "url": "/sites/pulau-kunti"}]
    listed = client.get("/api/v1/alerts")
    assert listed.headers["Cache-Control"] == "no-cache"
    assert [a["id"] for a in listed.get_json()["alerts"]] == [posted["id"]]
    assert "created_by" not in posted  # who posted it stays with the office


def test_only_the_office_posts_or_withdraws(office):
    app, client, mod = office
    assert client.post("/api/v1/alerts", json=alert()).status_code in (400, 401)  # no account
    kim = token_for(app, "kim1")
    assert client.post("/api/v1/alerts", json=alert(), headers=bearer(kim)).status_code == 403
    posted = client.post("/api/v1/alerts", json=alert(), headers=bearer(mod)).get_json()
    assert client.post(f"/api/v1/alerts/{posted['id']}/withdraw", headers=bearer(kim)).status_code == 403
    assert client.get("/api/v1/alerts").get_json()["alerts"] != []


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"level": "red"}, "level"),
        ({"title_id": ""}, "title_id"),
        ({"text_en": "x" * 1001}, "text_en"),
        ({"place_ids": ["nope"]}, "place_ids"),
        ({"place_ids": ["villages-0001"]}, "place_ids"),
        ({"place_ids": "pulau-kunti"}, None),  # a comma-separated text is fine
        ({"ends_at": "besok"}, "ends_at"),
        ({"ends_at": wib(timedelta(hours=-1))}, "ends_at"),
        ({"starts_at": wib(timedelta(days=3)), "ends_at": wib(timedelta(days=2))}, "ends_at"),
        ({"ends_at": wib(timedelta(days=400))}, "ends_at"),
        ({"starts_at": "kemarin"}, "starts_at"),
    ],
)
def test_bad_alerts_are_refused_naming_the_field_and_nothing_is_stored(office, changes, field):
    app, client, mod = office
    sent = client.post("/api/v1/alerts", json=alert(**changes), headers=bearer(mod))
    if field is None:
        assert sent.status_code == 201
        return
    assert sent.status_code == 400
    assert field in [p["field"] for p in sent.get_json()["error"]["problems"]]
    with app.app_context():
        assert current().storage.alerts() == []


def test_an_alert_ends_by_itself_and_can_be_withdrawn_early(office):
    app, client, mod = office
    with app.app_context():
        storage = current().storage
        past = office_alerts.utc_text(datetime.now(UTC) - timedelta(minutes=1))
        storage.add_alert(
            {**alert(), "place_ids": [], "starts_at": "2026-01-01T00:00:00Z", "ends_at": past}, 1
        )
    assert client.get("/api/v1/alerts").get_json()["alerts"] == []  # ended: gone
    later = client.post("/api/v1/alerts", json=alert(starts_at=wib(timedelta(hours=5))), headers=bearer(mod))
    assert [a["id"] for a in client.get("/api/v1/alerts").get_json()["alerts"]] == [later.get_json()["id"]]
    withdrawn = client.post(f"/api/v1/alerts/{later.get_json()['id']}/withdraw", headers=bearer(mod))
    assert withdrawn.status_code == 200 and withdrawn.get_json()["withdrawn_at"]
    assert client.get("/api/v1/alerts").get_json()["alerts"] == []
    assert client.post("/api/v1/alerts/999/withdraw", headers=bearer(mod)).status_code == 404


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_feed_is_valid_atom(office, lang):
    app, client, mod = office
    client.post("/api/v1/alerts", json=alert(), headers=bearer(mod))
    client.post(
        "/api/v1/alerts", json=alert(place_ids=[], level="info", title_id="A & <b>"), headers=bearer(mod)
    )
    answer = client.get(f"/alerts.atom?lang={lang}")
    assert answer.mimetype == "application/atom+xml" and "Set-Cookie" not in answer.headers
    feed = ET.fromstring(answer.data)  # well-formed XML, or this raises
    assert feed.tag == f"{ATOM}feed"
    # RFC 4287 4.1.1: exactly one id, title and updated; an author (here for the feed); a self link.
    for name in ("id", "title", "updated", "author"):
        assert len(feed.findall(f"{ATOM}{name}")) == 1, name
    assert RFC3339.match(feed.find(f"{ATOM}updated").text)
    assert any(link.get("rel") == "self" for link in feed.findall(f"{ATOM}link"))
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2
    ids = set()
    for entry in entries:  # 4.1.2: exactly one id, title, updated; a summary (no content); an alternate link
        for name in ("id", "title", "updated", "summary"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
        assert RFC3339.match(entry.find(f"{ATOM}updated").text)
        assert entry.find(f"{ATOM}id").text.startswith("tag:")
        ids.add(entry.find(f"{ATOM}id").text)
        assert entry.find(f"{ATOM}link").get("rel") == "alternate"
    assert len(ids) == 2
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert ("A & <b>" in titles) if lang == "id" else ("Boats to Pulau Kunti stopped" in titles)


def test_the_office_page_posts_and_withdraws_and_says_what_is_wrong(office):
    app, client, mod = office
    login(client, "mod")
    page = client.get("/moderation/alerts?lang=id").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert 'name="place_ids" multiple' in page and 'type="datetime-local" name="ends_at"' in page
    bad = client.post(
        "/moderation/alerts",
        data={**alert(), "title_en": "", "place_ids": "pulau-kunti", "csrf_token": token},
    )
    assert bad.status_code == 400 and 'data-field="title_en"' in bad.get_data(as_text=True)
    assert "Perahu ke Pulau Kunti dihentikan" in bad.get_data(as_text=True)  # what was typed stays
    good = client.post(
        "/moderation/alerts",
        data={**alert(), "place_ids": "pulau-kunti", "csrf_token": token},
        follow_redirects=True,
    )
    assert "Peringatan terpasang" in good.get_data(as_text=True) and "sedang tampil" in good.get_data(
        as_text=True
    )
    [posted] = client.get("/api/v1/alerts").get_json()["alerts"]
    done = client.post(
        f"/moderation/alerts/{posted['id']}/withdraw", data={"csrf_token": token}, follow_redirects=True
    )
    assert (
        "dicabut" in done.get_data(as_text=True) and client.get("/api/v1/alerts").get_json()["alerts"] == []
    )


def test_a_seasonal_note_shows_only_in_its_months_every_year_until_its_end(office):
    """Issue 29, part 3: notes that recur by month (the high-wave season, hatchling releases)."""
    app, client, mod = office
    this_month = datetime.now(WIB).month
    other = this_month % 12 + 1
    ends = wib(timedelta(days=3 * 365))  # longer than an alert may last: a note recurs
    now = client.post(
        "/api/v1/alerts",
        json=alert(level="warning", months=[this_month], ends_at=ends, place_ids=[]),
        headers=bearer(mod),
    )
    later = client.post(
        "/api/v1/alerts", json=alert(level="info", months=str(other), ends_at=ends), headers=bearer(mod)
    )
    assert now.status_code == 201 and later.status_code == 201, (now.get_json(), later.get_json())
    assert now.get_json()["months"] == [this_month] and later.get_json()["months"] == [other]
    with app.app_context():
        stored = {a["id"]: a for a in current().storage.alerts()}
    moment = datetime.now(UTC)
    assert office_alerts.running(stored[now.get_json()["id"]], moment)
    assert not office_alerts.running(stored[later.get_json()["id"]], moment)  # not its month: not shown
    assert len(client.get("/api/v1/alerts").get_json()["alerts"]) == 2  # a phone gets both, for offline
    assert client.post("/api/v1/alerts", json=alert(months=[13]), headers=bearer(mod)).status_code == 400
    too_long = client.post("/api/v1/alerts", json=alert(ends_at=ends), headers=bearer(mod)).get_json()[
        "error"
    ]["problems"]
    assert [p["field"] for p in too_long] == ["ends_at"]  # without months, three years is too long


def square(lon, lat, half=0.01):
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
    ]
    return {"type": "Polygon", "coordinates": [ring + [ring[0]]]}


def test_an_alert_over_an_area_concerns_the_places_inside_it_even_later_ones(office):
    app, client, mod = office
    area = square(106.4992, -7.1876, 0.006)  # around Curug Sodong and Curug Cikanteh
    sent = client.post("/api/v1/alerts", json=alert(place_ids=[], area=area), headers=bearer(mod))
    assert sent.status_code == 201, sent.get_json()
    posted = sent.get_json()
    assert posted["area"]["type"] == "Polygon" and posted["area"]["coordinates"][0][0] == [106.4932, -7.1936]
    places = {p["id"] for p in posted["places"]}
    assert {"curug-sodong", "curug-cikanteh", "curug-sodong-cikanteh-walk"} <= places  # the walk crosses it
    assert "pulau-kunti" not in places and "bukit-panenjoan" not in places
    # A business added inside the area later is concerned too.
    with app.app_context():
        from geotour.domain.features import validate_feature

        layer = current().catalogue.get("msmes")
        record = validate_feature(
            {
                "type": "Feature",
                "id": "warung-dekat-curug",
                "geometry": {"type": "Point", "coordinates": [106.4985, -7.1860]},
                "properties": {"name": "Warung Dekat Curug", "category": "kuliner", "layer": "msmes"},
            },
            layer,
        )
        current().storage.publish_version("warung-dekat-curug", "msmes", record, 1, "create")
    listed = client.get("/api/v1/alerts").get_json()["alerts"]
    assert "warung-dekat-curug" in {p["id"] for p in listed[0]["places"]}


@pytest.mark.parametrize(
    "area",
    [
        "not json",
        {"type": "Point", "coordinates": [106.5, -7.19]},
        {
            "type": "Polygon",
            "coordinates": [[[106.49, -7.19], [106.50, -7.19], [106.49, -7.19]]],
        },  # 2 corners
        {
            "type": "Polygon",
            "coordinates": [[[106.49, -7.19], [106.51, -7.17], [106.51, -7.19], [106.49, -7.17]]],
        },
        square(110.37, -7.80),  # Yogyakarta
        square(106.45, -7.1, 0.6),  # the whole geopark and more
        {
            "type": "Polygon",
            "coordinates": [[[106.5 + i * 1e-4, -7.19 + (i % 2) * 1e-4] for i in range(300)]],
        },
        {"type": "Polygon", "coordinates": [[[106.49, -7.19], ["x", -7.18], [106.50, -7.18]]]},
    ],
)
def test_a_bad_area_is_refused_naming_it_and_nothing_is_stored(office, area):
    app, client, mod = office
    sent = client.post("/api/v1/alerts", json=alert(place_ids=[], area=area), headers=bearer(mod))
    assert sent.status_code == 400
    assert "area" in [p["field"] for p in sent.get_json()["error"]["problems"]]
    with app.app_context():
        assert current().storage.alerts() == []


def test_the_office_draws_the_area_in_the_form(office):
    app, client, _ = office
    login(client, "mod")
    page = client.get("/moderation/alerts").get_data(as_text=True)
    assert 'name="area"' in page and "gt-area__map" in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {
        **{k: v for k, v in alert().items() if k != "place_ids"},
        "csrf_token": csrf,
        "area": json.dumps(square(106.4992, -7.1876, 0.006)),
    }
    assert client.post("/moderation/alerts", data=form).status_code == 302
    [kept] = current_alerts(app)
    assert kept["area"]["type"] == "Polygon" and kept["place_ids"] == []
    refused = client.post(
        "/moderation/alerts", data={**form, "area": '{"type": "Polygon", "coordinates": [[[106.5, -7.2]]]}'}
    )
    assert refused.status_code == 400 and 'value="{&#34;type&#34;: &#34;Polygon&#34;' in refused.get_data(
        as_text=True
    )


def current_alerts(app):
    with app.app_context():
        return current().storage.alerts()
