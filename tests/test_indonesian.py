"""A KIM member who reads only Indonesian meets every error in Indonesian, times in WIB, and numbers
written the Indonesian way (issue 17). Each test takes the path a person takes: the real forms, with
the default language (no Accept-Language, no ?lang=), which is Indonesian."""

import io
import re
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image

from geotour.context import current
from geotour.storage import StorageUnavailable

from .contributions import PASSWORD, csrf_from, homestay, login, make_users, upload, waterfall

# Words that give away English that skipped the catalogue (whole words, any case).
GIVEAWAYS = [
    "must",
    "the",
    "invalid",
    "error",
    "bad request",
    "too many",
    "request entity",
    "not found",
    "forbidden",
    "unauthorized",
    "is taken",
    "photo",
    "file",
    "layer",
    "contributor",
    "moderator role",
]


def visible_text(html):
    """Return what a person reads on the page: no scripts, styles, tags or attribute values."""
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def assert_indonesian(html, allowed=()):
    """Fail when the page shows an English giveaway word (names and user text are passed in `allowed`)."""
    text = visible_text(html)
    for name in allowed:
        text = text.replace(name, " ")
    found = [w for w in GIVEAWAYS if re.search(rf"(?<![\w/.-]){re.escape(w)}(?![\w/.-])", text, re.I)]
    assert not found, f"English on an Indonesian page: {found} in …{text[:1500]}"


@pytest.fixture
def app(make_app):
    app = make_app(GEOTOUR_RATELIMIT_LOGIN="3 per minute")

    @app.get("/_test/storage-down")
    def storage_down():
        raise StorageUnavailable("connection refused")

    @app.get("/_test/broken")
    def broken():
        raise RuntimeError("a bug")

    make_users(app)
    return app


def png(width=40, height=30):
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 60)).save(out, "PNG")
    return out.getvalue()


def test_a_photo_the_phone_cannot_send_as_jpeg_is_refused_in_indonesian(app):
    client = app.test_client()
    csrf = login(client, "kim1")
    heic = (
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200
    )  # what an iPhone sends by default
    page = client.post(
        "/contribute/new/geosites",
        data={
            "name": "Curug Koma",
            "category": "air-terjun",
            "lat": "-7,0123",
            "lon": "106,45",
            "csrf_token": csrf,
            "photos": (io.BytesIO(heic), "IMG_0001.HEIC"),
        },
        content_type="multipart/form-data",
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "Berkas ini bukan foto yang dapat kami baca" in html and "Paling Kompatibel" in html
    assert_indonesian(html, allowed=["Curug Koma", "IMG_0001.HEIC", "JPEG, PNG, atau WebP"])


def test_a_damaged_photo_and_a_bad_import_file_say_what_to_do_in_indonesian(app):
    client = app.test_client()
    csrf = login(client, "kim1")
    cut = png()[:60]
    page = client.post(
        "/contribute/new/geosites",
        data={
            "name": "Curug Koma",
            "category": "air-terjun",
            "lat": "-7.0123",
            "lon": "106.45",
            "csrf_token": csrf,
            "photos": (io.BytesIO(cut), "curug.png"),
        },
        content_type="multipart/form-data",
    )
    assert page.status_code == 400 and "Berkas foto rusak atau terpotong" in page.get_data(as_text=True)
    assert_indonesian(page.get_data(as_text=True), allowed=["Curug Koma", "curug.png"])
    for data, name, expected in [
        (b"nama,alamat\nWarung,Ciletuh\n", "warung.txt", "Kirim berkas"),
        (b"nama,alamat\nWarung,Ciletuh\n", "warung.csv", "kolom lat dan lon"),
        (b"<kml><Document>", "warung.kml", "tidak dapat dibaca"),
    ]:
        page = client.post(
            "/contribute/import",
            data={"layer": "msmes", "csrf_token": csrf, "file": upload(data, name)},
            content_type="multipart/form-data",
        )
        html = page.get_data(as_text=True)
        assert page.status_code == 400 and expected in html, html[:3000]
        assert_indonesian(html, allowed=[name])  # GDAL's own English words stay out of the sentence


def test_an_import_preview_names_categories_not_slugs(app):
    client = app.test_client()
    csrf = login(client, "kim1")
    rows = b"name,lat,lon,category,owner_consent\nHomestay Pak Ujang,-7.23,106.46,penginapan,true\n"
    page = client.post(
        "/contribute/import",
        data={"layer": "msmes", "csrf_token": csrf, "file": upload(rows, "homestay.csv")},
        content_type="multipart/form-data",
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<td>Penginapan</td>" in html and "<td>penginapan</td>" not in html


def test_sign_in_failures_and_the_sign_in_limit_read_in_indonesian(app):
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    wrong = client.post("/login", data={"username": "kim1", "password": "salah-sekali", "csrf_token": token})
    assert "Nama pengguna atau kata sandi salah, atau akun dinonaktifkan." in wrong.get_data(as_text=True)
    assert_indonesian(wrong.get_data(as_text=True))
    for _ in range(3):
        limited = client.post("/login", data={"username": "kim1", "password": "salah", "csrf_token": token})
    html = limited.get_data(as_text=True)
    assert limited.status_code == 429 and "Terlalu banyak percobaan" in html
    assert re.search(r"Tunggu \d+ menit, lalu coba lagi\.", html) and limited.headers["Retry-After"]
    assert_indonesian(html)


def test_a_form_whose_token_expired_offline_says_to_reload_and_keeps_nothing_half_done(app):
    client = app.test_client()
    login(client, "kim1")
    page = client.post(
        "/contribute/new/geosites",
        data={
            "name": "Curug Koma",
            "category": "air-terjun",
            "lat": "-7,0123",
            "lon": "106,45",
            "csrf_token": "stale",
        },
    )
    html = page.get_data(as_text=True)
    assert (
        page.status_code == 400 and "Formulir ini sudah kedaluwarsa" in html and "Muat ulang halaman" in html
    )
    assert_indonesian(html)
    with app.app_context():
        assert current().storage.list_submissions(None, None, 10, 0)[1] == 0


def test_a_moderation_conflict_reads_in_indonesian(app):
    kim, mod = app.test_client(), app.test_client()
    kim_csrf = login(kim, "kim1")
    kim.post("/api/v1/submissions", json=waterfall(), headers={"X-CSRFToken": kim_csrf})
    mod_csrf = login(mod, "mod")
    submission = mod.get("/api/v1/submissions", headers={"X-CSRFToken": mod_csrf}).get_json()["submissions"][
        0
    ]
    url = f"/moderation/{submission['id']}/approve"
    assert mod.post(url, data={"csrf_token": mod_csrf}).status_code == 302
    again = mod.post(url, data={"csrf_token": mod_csrf}, follow_redirects=True)
    html = again.get_data(as_text=True)
    assert f"Kiriman {submission['id']} sudah diputuskan" in html
    assert_indonesian(html, allowed=["Curug Cikaso Leutik", "kim1", "mod"])


@pytest.mark.parametrize(
    "status, path, heading",
    [
        (403, "/moderation", "Tidak diizinkan"),
        (404, "/sites/tidak-ada", "Halaman tidak ditemukan"),
        (405, "/logout", "Tidak dapat dilakukan di sini"),
        (500, "/_test/broken", "Terjadi kesalahan di sistem kami"),
        (503, "/_test/storage-down", "Server sedang bermasalah"),
    ],
)
def test_error_pages_have_their_own_indonesian_words(app, status, path, heading):
    client = app.test_client()
    login(client, "kim1")
    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == status and f"<h1>{heading}</h1>" in html and f"Kode kesalahan {status}" in html
    assert_indonesian(html)


def test_a_request_over_the_size_limit_gets_an_indonesian_page(app):
    client = app.test_client()
    csrf = login(client, "kim1")
    too_big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    page = client.post(
        "/contribute/import",
        data={"layer": "msmes", "csrf_token": csrf, "file": upload(too_big, "besar.csv")},
        content_type="multipart/form-data",
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 413 and "Terlalu besar untuk dikirim" in html
    assert_indonesian(html)


def test_the_api_answers_in_indonesian_when_asked_and_writes_numbers_the_indonesian_way(app):
    client = app.test_client()
    asked = client.get("/api/v1/nearby?lat=-7.1&lon=abc", headers={"Accept-Language": "id"}).get_json()[
        "error"
    ]
    assert asked == {
        "code": "invalid_parameter",
        "field": "lon",
        "message": "lon harus berupa angka, bukan 'abc'",
    }
    english = client.get("/api/v1/nearby?lat=-7.1&lon=abc").get_json()["error"]
    assert english["message"] == "lon must be a number, got 'abc'"
    with app.test_request_context(headers={"Accept-Language": "id"}):
        from geotour.contributions.readers import read_rows
        from geotour.errors import TooLarge

        with pytest.raises(TooLarge) as raised:
            read_rows(b"x" * 12_345_678, "besar.csv", 10_000_000, 100)
        assert raised.value.message == "Ukuran berkas 12,3 MB; batasnya 10 MB."


def test_a_point_outside_the_geopark_reads_its_distance_with_a_decimal_comma(app):
    client = app.test_client()
    csrf = login(client, "kim1")
    page = client.post(
        "/contribute/new/geosites",
        data={
            "name": "Curug Jauh",
            "category": "air-terjun",
            "lat": "-7,60",
            "lon": "106,45",
            "csrf_token": csrf,
        },
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    km = re.search(r"Titik ini ([\d.,]+) km di luar geopark", html)
    assert km and "," in km.group(1) and "." not in km.group(1), html[:3000]


def _wib(stamp):
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(timezone(timedelta(hours=7)))
    months = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
    return f"{moment.day} {months[moment.month - 1]} {moment.year}, {moment:%H.%M} WIB"


def test_times_on_the_contribution_and_moderation_pages_read_in_wib(app):
    kim, mod = app.test_client(), app.test_client()
    kim_csrf = login(kim, "kim1")
    kim.post("/api/v1/submissions", json=homestay(), headers={"X-CSRFToken": kim_csrf})
    with app.app_context():
        submission = current().storage.list_submissions(None, None, 10, 0)[0][0]
    local = _wib(submission["created_at"])
    mine = kim.get("/contribute/mine").get_data(as_text=True)
    assert local in mine and submission["created_at"] not in visible_text(mine)
    mod_csrf = login(mod, "mod")
    queue = mod.get("/moderation").get_data(as_text=True)
    assert local in queue and "UMKM · oleh kim1" in visible_text(queue) and "Lapisan: msmes" not in queue
    mod.post(f"/moderation/{submission['id']}/approve", data={"csrf_token": mod_csrf})
    history = mod.get(f"/moderation/features/{submission['feature_id']}").get_data(as_text=True)
    assert "WIB" in history and "Z<" not in history
    account = kim.get("/account").get_data(as_text=True)
    assert "Peran: Kontributor" in visible_text(account)


def test_roles_are_words_on_the_users_page(app):
    client = app.test_client()
    login(client, "admin")
    text = visible_text(client.get("/admin/users").get_data(as_text=True))
    assert "Kontributor" in text and "Administrator" in text and " contributor " not in text
    assert PASSWORD not in text


def test_the_search_radius_reads_as_people_say_it(app):
    html = app.test_client().get("/sites/curug-sodong").get_data(as_text=True)
    options = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', html)
    assert options[:3] == ["1 km", "3 km", "5 km"] and not any(",0 km" in o for o in options)
