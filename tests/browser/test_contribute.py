"""A KIM member on a phone adds a waterfall with a photo and imports homestays; a moderator publishes them."""

from geotour.context import current
from geotour.contributions import accounts
from geotour.domain.layers import LayerQuery
from tests.contributions import PASSWORD, bearer, my_maps_kml, ten_homestays, token_for, waterfall
from tests.test_photos import jpeg_with_gps

READY = ".gt-map[data-geotour-ready]"
HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_TEXT = "\"';</script><script>alert(2)</script>"


def sign_in(page, url, username):
    page.goto(url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.gt-form button[type=submit]")
    page.wait_for_url("**/contribute")


def test_member_adds_a_waterfall_and_imports_homestays_then_a_moderator_publishes(
    live_server, watch, make_app, tmp_path
):
    app = make_app()
    with app.app_context():
        accounts.create_user(current().storage, "anggota_baru", PASSWORD, "contributor")
        accounts.create_user(current().storage, "dinas", PASSWORD, "moderator")
    server = live_server(app)
    member = watch(server.url)
    page = member.page
    sign_in(page, server.url, "anggota_baru")

    # One waterfall from the field: the photo's GPS places the point before sending.
    page.goto(server.url + "/contribute/new/geosites")
    page.fill("input[name=name]", "Curug Cibeureum Leutik")
    page.select_option("select[name=category]", "air-terjun")
    photo = tmp_path / "IMG_2041.jpg"
    photo.write_bytes(jpeg_with_gps(106.4712, -7.2105))
    page.set_input_files("#gt-photos", str(photo))
    page.wait_for_function("() => document.querySelector('#gt-lat').value !== ''", timeout=5000)
    assert abs(float(page.input_value("#gt-lat")) + 7.2105) < 1e-4
    assert page.locator("#gt-pick-map .leaflet-marker-icon").count() == 1  # the preview before sending
    page.click("#gt-feature-form button[type=submit]")
    page.wait_for_url("**/contribute/mine?sent=*")
    assert page.locator(".gt-status--pending").count() == 1

    # Ten homestays exported from Google My Maps: the outside one and the swapped one are explained by row,
    # the swap is fixed with one tap, and the outsider is skipped.
    export = tmp_path / "Homestay KIM.kml"
    export.write_bytes(my_maps_kml(ten_homestays()))
    page.goto(server.url + "/contribute/import")
    page.select_option("select[name=layer]", "msmes")
    page.set_input_files("input[name=file]", str(export))
    page.click("form[enctype] button[type=submit]")
    page.wait_for_selector(".gt-report")
    errors = page.locator(".gt-problem--error")
    assert errors.count() == 2
    assert "Baris 4" in errors.nth(0).inner_text() and "di luar geopark" in errors.nth(0).inner_text()
    assert "Baris 7" in errors.nth(1).inner_text() and "ditukar" in errors.nth(1).inner_text()
    # 8 ready rows in blue, the outsider in red (the swapped row's latitude of 106 is on no map).
    page.wait_for_function(
        "() => document.querySelectorAll('#gt-preview-map .leaflet-interactive').length === 9", timeout=10000
    )
    assert page.locator("#gt-preview-map .gt-preview-b91c1c").count() == 1
    assert page.locator(".gt-table tbody tr").first.inner_text().count("Penginapan") == 1
    page.click("button[name=apply_fixes]")
    page.wait_for_url("**/contribute/mine?batch=*")
    assert page.locator(".gt-status--pending").count() == 10  # the waterfall and 9 homestays
    assert "Baris 4 dari berkas dilewati" in page.locator(".gt-flash--warn").inner_text()
    assert member.errors == [] and member.dialogs == []

    # The moderator approves each with one click; the waterfall is on the public map at once.
    moderator = watch(server.url)
    sign_in(moderator.page, server.url, "dinas")
    moderator.page.goto(server.url + "/moderation")
    for _ in range(10):
        moderator.page.locator(".gt-submission form[action$='/approve'] button").first.click()
        moderator.page.wait_for_load_state()
    assert moderator.page.locator(".gt-submission").count() == 0
    with app.app_context():
        [waterfall_id] = [
            f["id"] for f in current().storage.query_layer("geosites", LayerQuery(q="cibeureum leutik"))[0]
        ]
    tourist = watch(server.url)
    tourist.page.goto(server.url + f"/?site={waterfall_id}")
    tourist.page.wait_for_selector(READY, timeout=15000)
    popup = tourist.page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=10000)
    assert popup.locator(".gt-popup__name").inner_text() == "Curug Cibeureum Leutik"
    assert popup.locator("img.gt-popup__photo").count() == 1
    assert moderator.errors == [] and tourist.errors == []


def test_hostile_contributions_stay_plain_text_everywhere(live_server, watch, make_app):
    app = make_app()
    with app.app_context():
        accounts.create_user(current().storage, "kim1", PASSWORD, "contributor")
        accounts.create_user(current().storage, "mod", PASSWORD, "moderator")
    client = app.test_client()
    kim, mod = token_for(app, "kim1"), token_for(app, "mod")
    site = client.post(
        "/api/v1/submissions",
        headers=bearer(kim),
        json=waterfall(HOSTILE, 106.4985, -7.1850, description_id=HOSTILE_TEXT, access=HOSTILE_TEXT),
    ).get_json()["submissions"][0]
    client.post(f"/api/v1/submissions/{site['id']}/approve", headers=bearer(mod))
    pending = client.post("/api/v1/submissions", headers=bearer(kim), json=waterfall(HOSTILE_TEXT)).get_json()
    assert pending["submissions"][0]["status"] == "pending"
    server = live_server(app)
    view = watch(server.url)
    page = view.page
    page.goto(server.url + f"/?site={site['feature_id']}")
    page.wait_for_selector(READY, timeout=15000)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=10000)
    assert popup.locator(".gt-popup__name").inner_text() == HOSTILE
    page.goto(server.url + f"/sites/{site['feature_id']}")
    page.wait_for_selector(READY, timeout=15000)
    assert HOSTILE in page.locator("h1").inner_text()
    page.goto(server.url + "/places")
    assert HOSTILE in page.locator("body").inner_text()
    sign_in(page, server.url, "mod")
    page.goto(server.url + "/moderation")
    assert HOSTILE_TEXT in page.locator(".gt-submission h2").first.inner_text()
    page.goto(server.url + f"/moderation/features/{site['feature_id']}")
    assert HOSTILE in page.locator("body").inner_text()
    assert page.locator("img[src='x']").count() == 0
    assert view.dialogs == [] and view.errors == []
