"""Issue 29, part 5: visitors report problems ("Laporkan masalah") with no account. Each report is checked
whole before anything is kept, bounded per sender and per place, expires, and reaches the office's queue;
the office's status and reply reach the sender at their link; categories the office chooses say "being
handled" on the place's page, never the words."""

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from geotour.context import current
from geotour.contributions import visitor_reports
from tests.contributions import bearer, csrf_from, login, make_users, token_for

PLACE = "bukit-panenjoan"  # a geosite, inside the geopark
ROUTE = "ciletuh-river-three-waterfalls"
INSIDE = (106.4256, -7.2481)  # near Panenjoan
HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)> "quote" & </textarea>'


def jpeg(size=(640, 480)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 80, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def send(client, address="10.5.0.1", photos=(), key=None, lang="id", **fields):
    data = {"place": PLACE, "category": "litter", **fields}
    data = {name: value for name, value in data.items() if value is not None}
    if photos:
        data["photo"] = [(io.BytesIO(p), f"p{i}.jpg") for i, p in enumerate(photos)]
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(
        f"/api/v1/reports?lang={lang}",
        data=data,
        content_type="multipart/form-data",
        headers=headers,
        environ_base={"REMOTE_ADDR": address},
    )


def stored(app):
    with app.app_context():
        return current().storage.visitor_reports(visitor_reports.STATUSES, limit=500)[0]


@pytest.fixture
def office(make_app):
    app = make_app(GEOTOUR_RATELIMIT_VISITOR_REPORTS="1000 per hour")
    make_users(app)
    return app, app.test_client(), token_for(app, "mod")


def token_of(answer):
    return answer.get_json()["link"].rsplit("/", 1)[1]


def test_a_visitor_reports_with_a_photo_and_position_and_reads_the_answer_at_their_link(office):
    app, client, mod = office
    sent = send(client, photos=[jpeg()], text=HOSTILE, lon=INSIDE[0], lat=INSIDE[1], accuracy_m=15)
    assert sent.status_code == 201, sent.get_json()
    assert "Set-Cookie" not in sent.headers  # no account, no session
    body = sent.get_json()
    assert body["status"] == "new" and body["has_photo"] and body["has_position"]
    assert re.fullmatch(r"http://[^/]+/laporan/[A-Za-z0-9_-]{20,}", body["link"])
    assert "reporter" not in body and "text" not in body  # what others could read stays out
    [kept] = stored(app)
    assert kept["text"] == HOSTILE.strip() and kept["photo_id"] and kept["lon"] == INSIDE[0]
    assert not re.search(r"\d+\.\d+\.\d+\.\d+", kept["reporter"])  # a keyed hash, never the address
    with app.app_context():
        assert current().photos.exists(kept["photo_id"])
        assert not current().storage.photo_published(kept["photo_id"])
    page = client.get(f"/laporan/{token_of(sent)}?lang=id")
    assert page.status_code == 200 and page.headers["X-Robots-Tag"] == "noindex"
    html = page.get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "Diterima" in html and "Bukit Panenjoan" in html
    # The office marks it fixed with a reply; the sender's link and the API say so.
    answered = client.patch(
        f"/api/v1/reports/{kept['id']}",
        json={"status": "fixed", "reply": "Sudah dibersihkan <b>Sabtu</b>."},
        headers=bearer(mod),
    )
    assert answered.status_code == 200 and answered.get_json()["status"] == "fixed"
    html = client.get(f"/laporan/{token_of(sent)}?lang=id").get_data(as_text=True)
    assert "Diperbaiki" in html and "Sudah dibersihkan &lt;b&gt;Sabtu&lt;/b&gt;." in html
    mine = client.get(f"/api/v1/reports/sent/{token_of(sent)}").get_json()
    assert mine["status"] == "fixed" and mine["reply"] == "Sudah dibersihkan <b>Sabtu</b>."
    assert client.get("/laporan/not-a-real-token-at-all").status_code == 404


def test_a_retry_with_the_same_key_stores_nothing_twice(office):
    app, client, _ = office
    first = send(client, key="phone-1-report-1", photos=[jpeg()])
    again = send(client, key="phone-1-report-1", photos=[jpeg()])
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["link"] == first.get_json()["link"]  # the same link: the sender keeps one
    assert len(stored(app)) == 1
    other = send(client, key="phone-1-report-1", category="closed")
    assert other.status_code == 422 and other.get_json()["error"]["field"] == "Idempotency-Key"
    assert len(stored(app)) == 1


@pytest.mark.parametrize(
    "fields, photos, field",
    [
        ({"category": None}, 0, "category"),
        ({"category": "banjir"}, 0, "category"),
        ({"text": "x" * 1001}, 0, "text"),
        ({"category": "other", "text": "   "}, 0, "text"),  # "other" needs words
        ({"category": "wrong_information"}, 0, "text"),
        ({}, 2, "photo"),  # one photo at most
        ({"lon": 110.4, "lat": -7.8, "accuracy_m": 10}, 0, "position"),  # Yogyakarta: outside the geopark
        ({"lon": INSIDE[0], "lat": INSIDE[1]}, 0, "position"),  # no accuracy
        ({"lon": "timur", "lat": INSIDE[1], "accuracy_m": 5}, 0, "position"),
        ({"lon": INSIDE[0], "lat": INSIDE[1], "accuracy_m": 90000}, 0, "position"),
    ],
)
def test_bad_reports_are_refused_naming_the_field_and_nothing_is_kept(office, fields, photos, field):
    app, client, _ = office
    answer = send(client, photos=[jpeg()] * photos, **fields)
    assert answer.status_code == 400, answer.get_json()
    error = answer.get_json()["error"]
    assert field in [p["field"] for p in error["problems"]]
    assert error["message"].startswith("Laporan")  # in the visitor's language
    assert stored(app) == []


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_kept(office):
    app, client, _ = office
    answer = send(client, photos=[b"%PDF-1.4 not a photo"])
    assert answer.status_code == 400 and answer.get_json()["error"]["field"] == "photo"
    assert stored(app) == []


@pytest.mark.parametrize("place, status", [("nope", 404), ("palabuhanratu", 400)])
def test_reports_are_about_places_and_routes_only(office, place, status):
    app, client, _ = office
    assert send(client, place=place).status_code == status
    assert send(client, place=ROUTE).status_code == 201
    assert send(client, place="msme-0001").status_code == 201


def test_a_sender_keeps_at_most_five_open_reports_and_a_place_thirty(office, monkeypatch):
    app, client, mod = office
    codes = [send(client, address="10.6.0.1").status_code for _ in range(visitor_reports.PER_SENDER + 1)]
    assert codes == [201] * visitor_reports.PER_SENDER + [429]
    refused = send(client, address="10.6.0.1", lang="id", photos=[jpeg((50, 50))])
    assert refused.status_code == 429 and "laporan" in refused.get_json()["error"]["message"]
    assert len(stored(app)) == visitor_reports.PER_SENDER  # the refused one left nothing, its photo neither
    with app.app_context():
        assert not any(current().photos.exists(r["photo_id"]) for r in stored(app))
    photo_dir = Path(app.config["GEOTOUR_PHOTO_DIR"])
    assert not photo_dir.exists() or not [p for p in photo_dir.rglob("*") if p.is_file()]
    # Once the office handles one, the sender may send again.
    first = stored(app)[-1]
    client.patch(f"/api/v1/reports/{first['id']}", json={"status": "not_a_problem"}, headers=bearer(mod))
    assert send(client, address="10.6.0.1").status_code == 201
    monkeypatch.setattr(visitor_reports, "PER_PLACE", 7)
    codes = [send(client, address=f"10.7.0.{n}").status_code for n in range(3)]
    assert codes == [201, 201, 429]  # 4 open + 1 = 5, 6, 7: the place is full
    assert "tempat ini" in send(client, address="10.7.1.1").get_json()["error"]["message"].lower()


def test_sendings_are_rate_limited_per_address(make_app):
    client = make_app(GEOTOUR_RATELIMIT_VISITOR_REPORTS="2 per hour").test_client()
    assert [send(client, category="litter").status_code for _ in range(3)] == [201, 201, 429]
    assert send(client, address="10.8.0.2").status_code == 201  # another phone


def test_reports_expire(office):
    app, client, mod = office
    old, handled, fresh = (
        token_of(send(client, address=f"10.9.0.{n}", photos=[jpeg((100 + n, 80))])) for n in range(3)
    )
    photos = {r["id"]: r["photo_id"] for r in stored(app)}
    with app.app_context():
        storage = current().storage
        ids = [r["id"] for r in sorted(stored(app), key=lambda r: r["id"])]
        storage.answer_visitor_report(ids[1], "fixed", "", 1)
        long_ago = (datetime.now(UTC) - timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%SZ")
        closed_ago = (datetime.now(UTC) - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
        with storage._transaction() as conn:
            conn.execute("UPDATE visitor_reports SET updated_at = ? WHERE id = ?", (long_ago, ids[0]))
            conn.execute("UPDATE visitor_reports SET updated_at = ? WHERE id = ?", (closed_ago, ids[1]))
    assert send(client, address="10.9.1.1").status_code == 201  # a new report sweeps the expired ones
    assert client.get(f"/laporan/{old}").status_code == 404
    assert client.get(f"/laporan/{handled}").status_code == 404
    assert client.get(f"/laporan/{fresh}").status_code == 200
    with app.app_context():  # a visitor's photo goes with its report
        kept = [current().photos.exists(photos[i]) for i in sorted(photos)]
    assert kept == [False, False, True]


def test_the_office_queue_and_the_public_notice(office):
    app, client, mod = office
    litter = send(client, address="10.10.0.1", category="litter", text=HOSTILE)
    path = send(client, address="10.10.0.2", category="path_damaged", text="Jembatan bambu patah")
    assert client.get("/api/v1/reports").status_code == 401
    kim = token_for(app, "kim1")
    assert client.get("/api/v1/reports", headers=bearer(kim)).status_code == 403
    queue = client.get("/api/v1/reports?status=open", headers=bearer(mod)).get_json()
    assert queue["total"] == 2 and [r["category"] for r in queue["reports"]] == ["litter", "path_damaged"]
    assert "reporter" not in queue["reports"][0]
    # Nothing shows on the place's page while the office has not seen it.
    place = client.get(f"/sites/{PLACE}?lang=id").get_data(as_text=True)
    assert "sedang ditangani" not in place
    login(client, "mod")
    assert client.get("/moderation/reports?page=99999999999999999999999").status_code == 200  # was a 500
    page = client.get("/moderation/reports?lang=id")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Jembatan bambu patah" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    csrf = csrf_from(html)
    for answer in (litter, path):
        report_id = answer.get_json()["id"]
        done = client.post(
            f"/moderation/reports/{report_id}", data={"csrf_token": csrf, "status": "seen", "reply": "Dicek"}
        )
        assert done.status_code == 302
    client.post("/logout", data={"csrf_token": csrf})
    place = client.get(f"/sites/{PLACE}?lang=id").get_data(as_text=True)
    notices = re.findall(r'class="[^"]*gt-report__handled[^"]*">([^<]*)<', place)
    assert len(notices) == 1 and "Jalur rusak" in notices[0] and "sedang ditangani" in notices[0]
    assert "Jembatan bambu patah" not in place and "alert(1)" not in place  # never the words
    # The office shows litter too, and no longer damaged paths.
    login(client, "mod")
    csrf = csrf_from(client.get("/moderation/reports").get_data(as_text=True))
    client.post("/moderation/reports/public", data={"csrf_token": csrf, "categories": ["litter"]})
    client.post("/logout", data={"csrf_token": csrf})
    place = client.get(f"/sites/{PLACE}?lang=id").get_data(as_text=True)
    notices = re.findall(r'class="[^"]*gt-report__handled[^"]*">([^<]*)<', place)
    assert len(notices) == 1 and "Sampah" in notices[0]


def test_the_form_works_without_javascript(office):
    app, client, _ = office
    page = client.get(f"/sites/{PLACE}?lang=id").get_data(as_text=True)
    assert 'action="/laporan?lang=id"' in page and 'enctype="multipart/form-data"' in page
    sent = client.post(
        "/laporan?lang=id",
        data={"place": PLACE, "category": "signboard_broken", "photo": (io.BytesIO(jpeg()), "papan.jpg")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303 and "/laporan/" in sent.headers["Location"]
    assert "Papan informasi rusak" in client.get(sent.headers["Location"]).get_data(as_text=True)
    refused = client.post("/laporan?lang=id", data={"place": PLACE, "category": "other", "text": ""})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Tulis singkat apa yang salah" in html
    assert len(stored(app)) == 1


def test_route_pages_offer_the_report_form(office):
    app, client, _ = office
    html = client.get(f"/routes/{ROUTE}?lang=id").get_data(as_text=True)
    assert f'name="place" value="{ROUTE}"' in html and "Laporkan masalah" in html
