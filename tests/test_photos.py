"""Photos: re-encoded by Pillow, EXIF (GPS included) stripped after reading, bombs and liars refused."""

import io
from pathlib import Path

import pytest
from PIL import Image

from geotour.contributions.photo_cleaning import MAX_PHOTOS, gps_position, process_photo
from geotour.errors import BadParameter, TooLarge
from geotour.web import photo_uploads
from tests.contributions import bearer, login, make_users, token_for, upload, waterfall


def gps_exif(lon, lat, camera="Test Camera"):
    """Return EXIF that holds a GPS position (degrees, minutes, seconds) and a camera model."""
    exif = Image.Exif()
    exif[0x0110] = camera

    def dms(value):
        value = abs(value)
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
        return (float(degrees), float(minutes), seconds)

    exif[0x8825] = {1: "S" if lat < 0 else "N", 2: dms(lat), 3: "E" if lon > 0 else "W", 4: dms(lon)}
    return exif


def jpeg_with_gps(lon=106.47, lat=-7.21, size=(1200, 900)):
    """Return JPEG bytes whose EXIF holds a GPS position (and a camera model)."""
    image = Image.new("RGB", size, (30, 120, 200))
    out = io.BytesIO()
    image.save(out, "JPEG", exif=gps_exif(lon, lat))
    return out.getvalue()


def test_gps_is_read_and_every_exif_tag_is_gone():
    photo = process_photo(jpeg_with_gps(), 10_000_000)
    assert photo.gps == pytest.approx((106.47, -7.21), abs=1e-5)
    for data, longest in ((photo.display, 1600), (photo.thumb, 400)):
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "WEBP" and max(image.size) <= longest
            assert not image.getexif() and gps_position(image.getexif()) is None
            assert "exif" not in image.info
    assert b"Test Camera" not in photo.display


def test_png_and_webp_are_accepted():
    for fmt in ("PNG", "WEBP"):
        out = io.BytesIO()
        Image.new("RGBA", (50, 40), (0, 0, 0, 0)).save(out, fmt)
        assert process_photo(out.getvalue(), 10_000_000).width == 50


@pytest.mark.parametrize(
    "data, error",
    [
        (b"<?php system($_GET['c']); ?>", BadParameter),
        (b"\xff\xd8\xff\xe0 cut short", BadParameter),
        (b"", BadParameter),
    ],
)
def test_files_that_are_not_photos_are_refused(data, error):
    with pytest.raises(error):
        process_photo(data, 10_000_000)


def test_gif_is_refused_by_its_content_not_its_name():
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, "GIF")
    with pytest.raises(BadParameter, match="JPEG, PNG or WebP"):
        process_photo(out.getvalue(), 10_000_000)


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")  # 400 megapixels in a few hundred kilobytes
    assert len(out.getvalue()) < 2_000_000
    with pytest.raises((BadParameter, TooLarge)):
        process_photo(out.getvalue(), 10_000_000)


def test_the_size_cap_is_per_file():
    with pytest.raises(TooLarge):
        process_photo(jpeg_with_gps(), 10_000)


def test_api_photo_upload_returns_gps_and_long_cached_urls(make_app):
    app = make_app()
    make_users(app)
    client, token = app.test_client(), token_for(app, "kim1")
    sent = client.post(
        "/api/v1/photos",
        data={"photo": upload(jpeg_with_gps(), "IMG_0001.jpg")},
        headers=bearer(token),
        content_type="multipart/form-data",
    )
    assert sent.status_code == 201
    body = sent.get_json()
    assert body["gps"] == pytest.approx({"lon": 106.47, "lat": -7.21}, abs=1e-5)
    served = client.get(body["thumb"], headers=bearer(token))
    assert served.status_code == 200 and served.mimetype == "image/webp"
    created = client.post("/api/v1/submissions", json=waterfall(photos=[body["id"]]), headers=bearer(token))
    assert created.get_json()["submissions"][0]["feature"]["properties"]["photo"] == body["url"]
    fake = client.post("/api/v1/submissions", json=waterfall(photos=["0" * 32]), headers=bearer(token))
    assert fake.status_code == 400 and fake.get_json()["error"]["field"] == "photos"
    too_many = client.post(
        "/api/v1/submissions", json=waterfall(photos=[body["id"]] * (MAX_PHOTOS + 1)), headers=bearer(token)
    )
    assert too_many.status_code == 400


def test_the_phone_form_takes_the_location_from_the_photo(make_app):
    app = make_app()
    make_users(app)
    client = app.test_client()
    csrf = login(client, "kim1")
    response = client.post(
        "/contribute/new/geosites",
        data={
            "name": "Curug Foto",
            "category": "air-terjun",
            "lat": "",
            "lon": "",
            "csrf_token": csrf,
            "photos": upload(jpeg_with_gps(106.471, -7.211), "IMG_0002.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and "/contribute/mine?sent=" in response.headers["Location"]
    mine = client.get("/api/v1/submissions", headers={"X-CSRFToken": csrf}).get_json()["submissions"][0]
    assert mine["feature"]["geometry"]["coordinates"] == pytest.approx([106.471, -7.211], abs=1e-5)
    assert len(mine["feature"]["properties"]["photos"]) == 1


def test_the_phone_form_shows_problems_and_keeps_what_was_typed(make_app):
    app = make_app()
    make_users(app)
    client = app.test_client()
    csrf = login(client, "kim1")
    response = client.post(
        "/contribute/new/msmes?lang=en",
        data={
            "name": "Warung <b>Bu Eti</b>",
            "category": "kuliner",
            "lat": "106.47",
            "lon": "-7.21",
            "csrf_token": csrf,
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "swapped" in html and "owner agreed" in html
    assert 'value="Warung &lt;b&gt;Bu Eti&lt;/b&gt;"' in html


@pytest.mark.parametrize("lat, lon", [("-7,18527", "106,49785"), ("−7.18527", " 106.49785 ")])
def test_the_phone_form_takes_a_decimal_comma_as_indonesian_keyboards_write_it(make_app, lat, lon):
    app = make_app()
    make_users(app)
    client = app.test_client()
    csrf = login(client, "kim1")
    response = client.post(
        "/contribute/new/geosites",
        data={"name": "Curug Koma", "category": "air-terjun", "lat": lat, "lon": lon, "csrf_token": csrf},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    mine = client.get("/api/v1/submissions", headers={"X-CSRFToken": csrf}).get_json()["submissions"][0]
    assert mine["feature"]["geometry"]["coordinates"] == pytest.approx([106.49785, -7.18527])
    wrong = client.post(
        "/contribute/new/geosites",
        data={
            "name": "Curug Salah",
            "category": "air-terjun",
            "lat": "-7,1,2",
            "lon": "106",
            "csrf_token": csrf,
        },
    )
    assert wrong.status_code == 400 and "-7,0123" in wrong.get_data(as_text=True)


def _big_png(width, height):
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG")  # millions of pixels in a few kilobytes
    return out.getvalue()


def test_photos_are_counted_and_their_pixels_summed_before_any_is_decoded(make_app, monkeypatch):
    """Issue 15, break 5: eight 39-megapixel PNGs were decoded and written before the form refused them."""
    app = make_app()
    make_users(app)
    client = app.test_client()
    csrf = login(client, "kim1")
    decoded = []
    real_process = photo_uploads.process_photo
    monkeypatch.setattr(
        photo_uploads, "process_photo", lambda *a, **k: decoded.append(1) or real_process(*a, **k)
    )
    big = _big_png(7_200, 5_400)  # 38.9 megapixels, under the per-photo limit
    form = {
        "name": "Curug Koma",
        "category": "air-terjun",
        "lat": "-7,0123",
        "lon": "106,45",
        "csrf_token": csrf,
    }
    many = client.post(
        "/contribute/new/geosites",
        content_type="multipart/form-data",
        data={**form, "photos": [(io.BytesIO(big), f"{i}.png") for i in range(8)]},
    )
    assert many.status_code == 400 and "Maksimal 5 foto" in many.get_data(as_text=True)
    heavy = client.post(
        "/contribute/new/geosites",
        content_type="multipart/form-data",
        data={**form, "photos": [(io.BytesIO(big), f"{i}.png") for i in range(3)]},
    )
    assert heavy.status_code == 413 and "116 megapiksel" in heavy.get_data(as_text=True)
    assert decoded == []  # neither sending decoded a photo
    assert not any(Path(app.config["GEOTOUR_PHOTO_DIR"]).rglob("*.webp"))  # nor wrote one


def upload_as(client, token, data):
    """Send a photo as the token's member; return the stored photo (id, URLs, GPS)."""
    sent = client.post(
        "/api/v1/photos",
        data={"photo": upload(data, "IMG_0003.jpg")},
        headers=bearer(token),
        content_type="multipart/form-data",
    )
    assert sent.status_code == 201
    return sent.get_json()


def test_a_photo_is_public_only_once_a_published_feature_shows_it(make_app):
    """Issue 15, break 10: /photos/<id>-display.webp answered anyone, and anyone could attach any photo id."""
    import hashlib

    app = make_app()
    make_users(app)
    client = app.test_client()
    kim1, kim2, mod = (token_for(app, name) for name in ("kim1", "kim2", "mod"))
    data = jpeg_with_gps(106.4711, -7.2111)
    photo = upload_as(client, kim1, data)
    for headers in ({}, bearer(kim2)):  # nobody else sees it, as if it did not exist
        assert client.get(photo["url"], headers=headers).status_code == 404
        assert client.get(photo["url"] + "x", headers=headers).status_code == 404
    for headers in (bearer(kim1), bearer(mod)):  # its sender and moderators do, privately
        seen = client.get(photo["url"], headers=headers)
        assert seen.status_code == 200 and "private" in seen.headers["Cache-Control"]
        assert "public" not in seen.headers["Cache-Control"]
    # Another contributor can neither attach it nor learn that it is stored.
    stolen = client.post("/api/v1/submissions", json=waterfall(photos=[photo["id"]]), headers=bearer(kim2))
    assert stolen.status_code == 400 and stolen.get_json()["error"]["field"] == "photos"
    source = "/api/v1/photos/sources/" + hashlib.sha256(data).hexdigest()
    assert client.get(source, headers=bearer(kim2)).get_json() == {"stored": False}
    assert client.get(source, headers=bearer(kim1)).get_json()["stored"] is True
    # Sent and rejected: still hidden.
    rejected = client.post(
        "/api/v1/submissions", json=waterfall("Curug Ditolak", photos=[photo["id"]]), headers=bearer(kim1)
    ).get_json()["submissions"][0]["id"]
    assert (
        client.post(
            f"/api/v1/submissions/{rejected}/reject", json={"reason": "duplikat"}, headers=bearer(mod)
        ).status_code
        == 200
    )
    assert client.get(photo["url"]).status_code == 404
    # Sent and approved: public, cached for a year by anyone.
    approved = client.post(
        "/api/v1/submissions", json=waterfall(photos=[photo["id"]]), headers=bearer(kim1)
    ).get_json()["submissions"][0]
    assert (
        client.post(f"/api/v1/submissions/{approved['id']}/approve", headers=bearer(mod)).status_code == 200
    )
    public = client.get(photo["thumb"])
    assert public.status_code == 200 and public.headers["Cache-Control"] == "public, max-age=86400"
    # Taken off the map again: the app no longer sends it to anyone but its sender and moderators.
    feature_id = approved["feature_id"]
    gone = client.delete(f"/api/v1/features/{feature_id}", json={"reason": "tutup"}, headers=bearer(kim1))
    deletion = gone.get_json()["submissions"][0]["id"]
    assert client.post(f"/api/v1/submissions/{deletion}/approve", headers=bearer(mod)).status_code == 200
    assert client.get(photo["url"]).status_code == 404
    assert client.get(photo["url"], headers=bearer(kim1)).status_code == 200


def test_the_same_picture_sent_by_two_people_is_theirs_to_attach_each(make_app):
    app = make_app()
    make_users(app)
    client = app.test_client()
    kim1, kim2 = token_for(app, "kim1"), token_for(app, "kim2")
    data = jpeg_with_gps()
    first, second = upload_as(client, kim1, data), upload_as(client, kim2, data)
    assert first["id"] == second["id"]  # one stored photo, named by its content
    created = client.post("/api/v1/submissions", json=waterfall(photos=[second["id"]]), headers=bearer(kim2))
    assert created.status_code == 201
    assert client.get(second["url"], headers=bearer(kim2)).status_code == 200
