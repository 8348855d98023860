"""Bulk import: every format, the dry-run report, all-or-nothing commits, and files that are wrong."""

import io
import json
import zipfile

import pytest

from geotour.context import current
from geotour.contributions import bulk_import
from tests.backends import fail_fifth_submission, stop_failing
from tests.contributions import bearer, kml, make_users, my_maps_kml, ten_homestays, token_for, upload


@pytest.fixture
def site(make_app):
    app = make_app()
    make_users(app)
    return app, app.test_client(), token_for(app, "kim1")


def send(client, token, data, filename, dry_run="true", layer="msmes", **form):
    fields = {
        "file": upload(data, filename),
        "layer": layer,
        "dry_run": dry_run,
        "category": "penginapan",
        "owner_consent": "true",
        **form,
    }
    return client.post(
        "/api/v1/submissions", data=fields, headers=bearer(token), content_type="multipart/form-data"
    )


def pending_count(client, token):
    return client.get("/api/v1/submissions?status=pending", headers=bearer(token)).get_json()["numberMatched"]


def test_a_kml_of_ten_homestays_explains_the_outside_and_the_swapped_one(site):
    app, client, token = site
    report = send(client, token, kml(ten_homestays()), "homestays.kml").get_json()["report"]
    assert report["rows"] == 10 and report["valid"] == 8 and report["errors"] == 2
    by_row = {p["row"]: p for p in report["problems"] if p["severity"] == "error"}
    assert set(by_row) == {4, 7}
    assert "km outside the geopark" in by_row[4]["message"]
    assert "swapped" in by_row[7]["message"] and by_row[7]["suggestion"] == [106.468, -7.234]
    # The commit is refused while rows have errors, and stores nothing.
    refused = send(client, token, kml(ten_homestays()), "homestays.kml", dry_run="false")
    assert refused.status_code == 400 and len(refused.get_json()["error"]["problems"]) == 2
    assert pending_count(client, token) == 0
    fixed = send(
        client, token, kml(ten_homestays(outside=False, swapped=False)), "homestays.kml", dry_run="false"
    )
    assert fixed.status_code == 201
    stored = fixed.get_json()["submissions"]
    assert len(stored) == 10 and {s["status"] for s in stored} == {"pending"}
    assert len({s["batch"] for s in stored}) == 1
    assert stored[0]["feature"]["properties"]["category"] == "penginapan"
    assert stored[0]["feature"]["properties"]["description_id"] == "Kamar bersih"


def test_kmz_like_google_my_maps_exports(site):
    app, client, token = site
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("doc.kml", kml(ten_homestays(False, False)[:3]))
        archive.writestr("images/icon-1.png", b"\x89PNG")
    report = send(client, token, buffer.getvalue(), "Homestay Ciletuh.kmz").get_json()["report"]
    assert report["valid"] == 3


def test_csv_with_lat_lon_keeps_leading_zeros_and_reports_rows(site):
    app, client, token = site
    csv = (
        b"nama,lat,lon,kategori,wa\n"
        b"Warung Nasi Ibu Eti,-7.231,106.452,kuliner,081234567890\n"
        b"Warung Tanpa Titik,,,kuliner,\n"
        b"Toko Oleh-oleh,-7.25,106.47,toko-roti,\n"
    )
    report = send(client, token, csv, "umkm.csv").get_json()["report"]
    assert report["valid"] == 1
    problems = {(p["row"], p["field"]) for p in report["problems"] if p["severity"] == "error"}
    assert problems == {(2, "geometry"), (3, "category")}
    assert report["features"][0]["properties"]["whatsapp"] == "+6281234567890"


def test_csv_with_wkt_and_geojson_and_gpx(site):
    app, client, token = site
    wkt = b'name,wkt\nHomestay WKT,"POINT (106.46 -7.23)"\n'
    assert send(client, token, wkt, "a.csv").get_json()["report"]["valid"] == 1
    geojson = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [106.46, -7.23]},
                    "properties": {"name": "Homestay GeoJSON"},
                }
            ],
        }
    ).encode()
    assert send(client, token, geojson, "a.geojson").get_json()["report"]["valid"] == 1
    gpx = (
        b'<?xml version="1.0"?><gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">'
        b'<wpt lat="-7.23" lon="106.46"><name>Homestay GPX</name><desc>Dekat pantai</desc></wpt>'
        b'<trk><name>jalan</name><trkseg><trkpt lat="-7.2" lon="106.4"/><trkpt lat="-7.21" lon="106.41"/></trkseg></trk>'
        b"</gpx>"
    )
    report = send(client, token, gpx, "jalan.gpx").get_json()["report"]
    assert report["rows"] == 1 and report["features"][0]["properties"]["description_id"] == "Dekat pantai"


@pytest.mark.parametrize(
    "data, filename, status, words",
    [
        (
            b'{"type": "FeatureCollection", "features": [{"type": "Feat',
            "cut.geojson",
            400,
            "could not be read",
        ),
        (kml(ten_homestays())[:300], "cut.kml", 400, "could not be read"),
        (b"PK\x03\x04 not really", "cut.kmz", 400, "KMZ"),
        (b"name,city\nA,B\n", "nopos.csv", 400, "lat and lon"),
        (b"", "empty.geojson", 400, "empty"),
        (b"hello", "notes.docx", 400, ".geojson, .csv"),
        (b"x" * 2_000, "big.geojson", 413, "limit"),
    ],
)
def test_bad_files_get_a_400_that_explains(make_app, data, filename, status, words):
    app = make_app(GEOTOUR_IMPORT_MAX_BYTES="1500")
    make_users(app)
    response = send(app.test_client(), token_for(app, "kim1"), data, filename)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["field"] == "file" and words in error["message"]


def test_too_many_features_is_refused(make_app):
    app = make_app(GEOTOUR_IMPORT_MAX_FEATURES="5")
    make_users(app)
    response = send(app.test_client(), token_for(app, "kim1"), kml(ten_homestays(False, False)), "a.kml")
    assert response.status_code == 413 and "5" in response.get_json()["error"]["message"]


def test_duplicates_within_one_file_are_flagged(site):
    app, client, token = site
    rows = [("Homestay Pak Ujang", 106.46, -7.23), ("Homestay Pak Ujang", 106.4601, -7.2301)]
    report = send(client, token, kml(rows), "a.kml").get_json()["report"]
    assert report["valid"] == 2 and report["warnings"] == 1


def _duplicate_warnings(report):
    return [(p["row"], p["message"]) for p in report["problems"] if "similar name" in p["message"]]


def test_a_row_names_the_nearest_earlier_rows_like_it_and_not_the_ones_too_far(site):
    app, client, token = site
    rows = [
        ("Warung Bu Ani", 106.46, -7.23),  # row 1
        ("Warung Bu Ani", 106.4604, -7.23),  # row 2, 44 m east of row 1
        ("Homestay Pak Ujang", 106.4607, -7.23),  # row 3, near but another name
        ("Warung Bu Ani", 106.46073, -7.23),  # row 4, 36 m from row 2 and 81 m from row 1
        ("Warung Bu Ani", 106.4620, -7.23),  # row 5, 140 m east of row 4
    ]
    report = send(client, token, kml(rows), "a.kml").get_json()["report"]
    assert _duplicate_warnings(report) == [
        (2, "Row 1 has a similar name 44 m away."),
        (4, "Row 2 has a similar name 36 m away."),
        (4, "Row 1 has a similar name 81 m away."),
    ]
    assert report["valid"] == 5 and report["warnings"] == 3


def test_a_file_with_every_row_on_one_spot_names_three_duplicates_a_row(make_app):
    # A file whose rows all took a town's position (the author left the real ones for later) is checked
    # in one request; each row names the three rows before it, not all of them.
    app = make_app(GEOTOUR_IMPORT_MAX_FEATURES="3000")
    make_users(app)
    rows = [(f"Warung Palabuhanratu {n}", 106.5575, -6.99872) for n in range(1, 3001)]
    report = send(app.test_client(), token_for(app, "kim1"), kml(rows), "a.kml").get_json()["report"]
    assert report["valid"] == 3000
    assert report["warnings"] == 3 * 3000 - 3 - 2 - 1


def test_an_import_that_fails_halfway_stores_nothing_and_a_retry_succeeds(site):
    app, client, token = site
    fail_fifth_submission(app)
    with app.test_request_context(), pytest.raises(Exception, match="disk full"):
        user = current().storage.get_user_login("kim1")[0]
        bulk_import.import_file(
            current(),
            user,
            kml(ten_homestays(False, False)),
            "a.kml",
            "msmes",
            {"category": "penginapan", "owner_consent": True},
            False,
            10**7,
            1000,
        )
    assert pending_count(client, token) == 0
    stop_failing(app)
    retried = send(client, token, kml(ten_homestays(False, False)), "a.kml", dry_run="false")
    assert retried.status_code == 201 and pending_count(client, token) == 10


def test_import_pages_preview_then_confirm_without_sending_the_file_twice(site):
    """The member previews, fixes the swapped row with one tap, skips the outsider, and sees 9 pending."""
    import re

    from tests.contributions import login

    app, client, token = site
    web = app.test_client()
    csrf = login(web, "kim1")
    preview = _preview_homestays(web, csrf, "?lang=en")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "swapped" in page and "km outside the geopark" in page
    assert "Fix and send 9 places for review" in page
    assert "Send 8 places for review (without the fixes)" in page
    stash = re.search(r'name="stash_id" value="([0-9a-f]+)"', page).group(1)
    done = web.post("/contribute/import", data=_confirmation(page))
    assert done.status_code == 302 and pending_count(client, token) == 9
    mine = web.get(done.headers["Location"] + "&lang=en").get_data(as_text=True)
    assert "Homestay Ciletuh 10" in mine and "Row 4 of the file was skipped" in mine
    again = web.post("/contribute/import", data={"stash_id": stash, "layer": "msmes", "csrf_token": csrf})
    assert again.status_code == 409 and pending_count(client, token) == 9
    nothing_ready = web.post(
        "/contribute/import?lang=en",
        data={
            "file": upload(kml([("Homestay Jauh", 106.95, -7.05)]), "jauh.kml"),
            "layer": "msmes",
            "category": "penginapan",
            "owner_consent": "on",
            "csrf_token": csrf,
        },
        content_type="multipart/form-data",
    )
    assert 'name="stash_id"' not in nothing_ready.get_data(as_text=True)  # nothing to confirm


def _preview_homestays(web, csrf, query=""):
    """Send the ten homestays' KML as kim1 for a preview; return the answer."""
    return web.post(
        "/contribute/import" + query,
        data={
            "file": upload(my_maps_kml(ten_homestays()), "Homestay KIM.kml"),
            "layer": "msmes",
            "category": "",
            "owner_consent": "",
            "csrf_token": csrf,
        },
        content_type="multipart/form-data",
    )


def _confirmation(preview):
    """Return the form that confirms a preview page's rows, with the fixes."""
    import re

    from tests.contributions import csrf_from

    return {
        "stash_id": re.search(r'name="stash_id" value="([0-9a-f]+)"', preview).group(1),
        "layer": "msmes",
        "category": "",
        "owner_consent": "",
        "apply_fixes": "on",
        "csrf_token": csrf_from(preview),
    }


def _confirmation_form(web, csrf):
    """Preview the ten homestays as kim1; return the form that confirms them (with the fixes)."""
    return _confirmation(_preview_homestays(web, csrf).get_data(as_text=True))


def test_two_confirmations_at_once_store_the_file_once(site):
    """Confirming one preview twice at the same moment made two batches (issue 32, break 6): the
    confirmation takes the file atomically, and the other one is told so (409)."""
    import threading

    from tests.contributions import login

    app, client, token = site
    web = app.test_client()
    form = _confirmation_form(web, login(web, "kim1"))
    statuses, start = [], threading.Barrier(3)

    def confirm():
        start.wait()
        statuses.append(web.post("/contribute/import", data=form).status_code)

    threads = [threading.Thread(target=confirm) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 409, 409] and pending_count(client, token) == 9


def test_a_member_parks_one_preview_at_a_time(site):
    """Each preview parked its whole file for a day, with no cap (issue 32, break 11): a new one
    replaces the one before."""
    from tests.backends import run_sql
    from tests.contributions import login

    app, client, token = site
    web = app.test_client()
    csrf = login(web, "kim1")
    older, newer = _confirmation_form(web, csrf), _confirmation_form(web, csrf)
    assert run_sql(app, "SELECT count(*) FROM import_stash") == [(1,)]
    assert web.post("/contribute/import", data=older).status_code == 409
    assert web.post("/contribute/import", data=newer).status_code == 302 and pending_count(client, token) == 9


def test_a_confirmation_that_fails_keeps_the_file_for_another_try(site, monkeypatch):
    from geotour.contributions import bulk_import
    from tests.contributions import login

    app, client, token = site
    web = app.test_client()
    form = _confirmation_form(web, login(web, "kim1"))
    real = bulk_import.import_file
    monkeypatch.setattr(bulk_import, "import_file", lambda *a, **k: (_ for _ in ()).throw(OSError("disk")))
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert web.post("/contribute/import", data=form).status_code == 500
    monkeypatch.setattr(bulk_import, "import_file", real)
    assert web.post("/contribute/import", data=form).status_code == 302 and pending_count(client, token) == 9


def _kmz_of(kml_bytes):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", kml_bytes)
    return buffer.getvalue()


def _lying_about_sizes(kmz, declared):
    """Return the KMZ with its member's uncompressed size rewritten in both zip headers."""
    data = bytearray(kmz)
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    data[local + 22 : local + 26] = declared.to_bytes(4, "little")
    data[central + 24 : central + 28] = declared.to_bytes(4, "little")
    return bytes(data)


@pytest.mark.parametrize("declared", [None, 1_000])
def test_a_kmz_that_unpacks_to_too_much_is_refused_within_its_budget(make_app, declared):
    """Issue 15, break 3: the member is streamed out with a hard cap; the header's sizes are not trusted."""
    app = make_app()
    make_users(app)
    bomb = _kmz_of(kml([("Homestay", 106.46, -7.23)]) + b" " * 50_000_000)  # about 50 KB zipped, budget 11 MB
    if declared:
        bomb = _lying_about_sizes(bomb, declared)
    assert len(bomb) < 200_000
    response = send(app.test_client(), token_for(app, "kim1"), bomb, "rumah.kmz")
    error = response.get_json()["error"]
    assert error["field"] == "file"
    if declared:  # the header said 1 KB: reading stops there, and the CRC check refuses the member
        assert response.status_code == 400 and error["message"].startswith("This .kmz file is damaged")
    else:
        assert response.status_code == 413 and "KMZ" in error["message"]


def test_an_honest_kmz_still_reads(make_app):
    app = make_app()
    make_users(app)
    report = send(
        app.test_client(),
        token_for(app, "kim1"),
        _kmz_of(kml(ten_homestays(outside=False, swapped=False))),
        "rumah.kmz",
    ).get_json()["report"]
    assert report["rows"] == 10


def _wide_csv(extra_columns, rows):
    header = "name,lat,lon,category,owner_consent," + ",".join(f"kolom{i}" for i in range(extra_columns))
    lines = [
        f"Warung {r},-7.2{r % 10},106.4{r % 10},kuliner,true," + ",".join("x" * extra_columns)
        for r in range(rows)
    ]
    return ("\n".join([header, *lines]) + "\n").encode()


def test_a_file_wider_than_any_layer_is_refused_before_it_is_read(make_app):
    """Issue 15, break 4: a 1,000-column CSV made a 145 MB report; it is now refused by its header."""
    app = make_app()
    make_users(app)
    response = send(app.test_client(), token_for(app, "kim1"), _wide_csv(1_000, 50), "lebar.csv")
    error = response.get_json()["error"]
    assert (
        response.status_code == 400
        and error["field"] == "file"
        and "1003 columns; at most 100" in error["message"]
    )


def test_an_unknown_column_is_reported_once_per_file_and_the_report_stays_small(make_app):
    app = make_app()
    make_users(app)
    response = send(app.test_client(), token_for(app, "kim1"), _wide_csv(60, 300), "lebar.csv")
    report = response.get_json()["report"]
    ignored = [p for p in report["problems"] if p["field"].startswith("kolom")]
    assert len(ignored) == 60 and {p["count"] for p in ignored} == {300}
    assert report["warnings"] >= 60 * 300  # the counts stay whole
    assert len(response.get_data()) < 200_000


def _my_maps(site, **form):
    app, client, token = site
    fields = {"file": upload(my_maps_kml(ten_homestays()), "Homestay KIM.kml"), "layer": "msmes", **form}
    return client.post(
        "/api/v1/submissions", data=fields, headers=bearer(token), content_type="multipart/form-data"
    )


def test_a_google_my_maps_export_is_read_as_a_kim_member_wrote_it(site):
    """Issue 13: the category as the form shows it, HTML descriptions as text, the owner's consent column."""
    report = _my_maps(site).get_json()["report"]
    assert report["valid"] == 8 and report["rejected_rows"] == [4, 7] and report["fixable_rows"] == [7]
    first = report["features"][0]["properties"]
    assert first["category"] == "penginapan" and first["owner_consent"] is True
    assert (
        first["description_id"]
        == "Kamar 2, sarapan.\nWA 0812 0000 0001\n[Pesan di sini](https://example.com/1)"
    )
    assert not [
        p for p in report["problems"] if p["field"] in ("category", "pemilik_setuju", "owner_consent")
    ]
    # Rows that cannot be stored are on the preview map too (in red), with what is wrong.
    rejected = {f["row"]: f for f in report["rejected_features"]}
    assert set(rejected) == {4, 7} and "km outside the geopark" in rejected[4]["properties"]["problems"][0]


def test_the_member_stores_the_ready_rows_with_the_fix_and_skips_the_rest_in_one_transaction(site):
    app, client, token = site
    done = _my_maps(site, dry_run="false", on_error="skip", apply_fixes="true")
    assert done.status_code == 201, done.get_data(as_text=True)[:300]
    body = done.get_json()
    assert len(body["submissions"]) == 9 and body["report"]["skipped_rows"] == [4]
    assert body["report"]["fixed_rows"] == [7] and pending_count(client, token) == 9
    swapped = next(
        s for s in body["submissions"] if s["feature"]["properties"]["name"] == "Homestay Ciletuh 7"
    )
    assert swapped["feature"]["geometry"]["coordinates"] == [106.468, -7.234]
    assert len({s["batch"] for s in body["submissions"]}) == 1


def test_skipping_without_the_fix_stores_eight_and_failing_stores_none(site):
    app, client, token = site
    assert _my_maps(site, dry_run="false").status_code == 400  # on_error=fail is the default
    assert pending_count(client, token) == 0
    skipped = _my_maps(site, dry_run="false", on_error="skip").get_json()
    assert skipped["report"]["skipped_rows"] == [4, 7] and pending_count(client, token) == 8


@pytest.mark.parametrize(
    "form, field", [({"on_error": "lanjut"}, "on_error"), ({"apply_fixes": "mungkin"}, "apply_fixes")]
)
def test_a_commit_choice_it_does_not_know_is_refused_by_name(site, form, field):
    answer = _my_maps(site, dry_run="false", **form)
    assert answer.status_code == 400 and answer.get_json()["error"]["field"] == field


@pytest.mark.parametrize(
    "written, expected",
    [
        ("Penginapan", "penginapan"),
        ("PENGINAPAN", "penginapan"),
        ("homestay", "penginapan"),
        ("Guides & tours", "jasa-wisata"),
        ("jasa wisata", "jasa-wisata"),
        ("Oleh-Oleh", "oleh-oleh"),
        ("Hotel", None),
    ],
)
def test_categories_match_by_id_or_title_in_either_language_in_any_case(app, written, expected):
    layer = current_catalogue(app).get("msmes")
    found = layer.find_category(written)
    assert (found.id if found else None) == expected


def current_catalogue(app):
    with app.app_context():
        return current().catalogue


@pytest.mark.parametrize(
    "html, text",
    [
        ("Kamar 2<br>sarapan", "Kamar 2\nsarapan"),
        ("<p>Satu</p><p>Dua &amp; tiga</p>", "Satu\n\nDua & tiga"),
        ("<script>alert(1)</script>Teks", "Teks"),
        ("baris satu\nbaris dua", "baris satu\nbaris dua"),  # not HTML: kept as written
        ("a < b", "a < b"),
    ],
)
def test_html_from_kml_becomes_plain_text(html, text):
    from geotour.contributions.readers import html_to_text

    assert html_to_text(html) == text


def test_a_problem_on_every_row_is_listed_once_with_its_rows_and_how_to_fix_it(site):
    """Issue 13: "10 baris: persetujuan pemilik kosong — isi dari formulir", with the real errors listed first."""
    from tests.contributions import login

    app, client, token = site
    rows = "".join(
        f"Homestay Pak {n},{-7.22 - n * 0.002},{106.44 + n * 0.004},penginapan,0812 3456 78{n:02d}\n"
        for n in range(1, 11)
    )
    data = (
        "name,lat,lon,kategori,whatsapp\n" + rows.replace("Homestay Pak 5,", "Homestay Pak 5,x", 1)
    ).encode()
    report = send(client, token, data, "homestays.csv", owner_consent="").get_json()["report"]
    consent = [p for p in report["problems"] if p["field"] == "owner_consent"]
    assert len(consent) == 1 and consent[0]["count"] == 10 and consent[0]["rows"] == list(range(1, 11))
    severities = [p["severity"] for p in report["problems"]]
    assert severities == sorted(severities), "errors first"
    assert [p["rows"] for p in report["problems"] if p["field"] == "geometry"] == [[5]], (
        "row 5's own error, alone"
    )
    web = app.test_client()
    csrf = login(web, "kim1")
    page = web.post(
        "/contribute/import?lang=id",
        data={
            "file": upload(data, "homestays.csv"),
            "layer": "msmes",
            "category": "",
            "owner_consent": "",
            "csrf_token": csrf,
        },
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    text = " ".join(page.split())
    assert (
        '<span class="gt-problem__row">10 baris</span> <span class="gt-problem__rows">(1, 2, 3, 4, 5, 6, 7, 8, 9, '
        '10)</span>: <span class="gt-problem__field">Persetujuan pemilik</span>: Kosong: centang “setiap pemilik '
        "dalam berkas ini sudah setuju” di formulir"
    ) in text
