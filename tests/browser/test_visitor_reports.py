"""Issue 29, part 5, in Chromium on the emulated phone network: a visitor at a waterfall, with no signal,
reports a broken signboard with a photo and their position. The report waits on the phone, is sent once when
the signal returns (with no reload), and the office's "fixed" and reply reach the visitor at their link."""

from geotour.context import current
from geotour.contributions import visitor_reports
from tests.browser.test_weak_signal import PHONE_360, blank_tiles, phone_network, signal, wait_for
from tests.contributions import bearer, make_users, token_for
from tests.test_visitor_reports import jpeg

PLACE = "curug-sodong"
STANDING = (106.4695, -7.2526)  # lon, lat: by the waterfall, inside the geopark


def reports(app):
    with app.app_context():
        return current().storage.visitor_reports(visitor_reports.STATUSES, limit=50)[0]


def test_a_report_made_offline_is_sent_once_when_the_signal_returns_and_the_answer_reaches_its_link(
    live_server, browser, make_app, tmp_path
):
    app = make_app()
    make_users(app)
    server = live_server(app)
    context = browser.new_context(
        viewport=PHONE_360,
        locale="id-ID",
        geolocation={"longitude": STANDING[0], "latitude": STANDING[1], "accuracy": 12},
        permissions=["geolocation"],
    )
    blank_tiles(context, server.url)
    page = context.new_page()
    try:
        cdp = phone_network(context, page)
        page.goto(server.url + f"/sites/{PLACE}")  # one visit, from the signboard's QR code
        page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=60000)
        page.click(".gt-report summary")
        assert page.locator(".gt-report__where").is_visible()  # this phone can tell its position

        signal(context, cdp, False)  # at the waterfall: no signal, and no reload
        page.check("input[name=category][value=signboard_broken]")
        page.fill("textarea[name=text]", "Papan <b>nama</b> curug roboh")
        photo = tmp_path / "papan.jpg"
        photo.write_bytes(jpeg((1600, 1200)))
        page.set_input_files(".gt-report input[name=photo]", str(photo))
        page.check("input[name=with_position]")
        page.click(".gt-report__form button[type=submit]")
        page.wait_for_selector(".gt-report__status:has-text('Tidak ada sinyal')", timeout=60000)
        assert page.locator(".gt-report__mine li").count() == 1
        page.wait_for_timeout(1000)
        assert reports(app) == []  # nothing reached the office yet

        signal(context, cdp, True)  # the signal returns: the phone sends it by itself
        wait_for(page, lambda: len(reports(app)) == 1, 120)
        page.wait_for_selector(".gt-report__mine a[href*='/laporan/']", timeout=60000)
        page.wait_for_timeout(3000)  # the page and the service worker both try: still one
        [kept] = reports(app)
        assert kept["category"] == "signboard_broken" and kept["text"] == "Papan <b>nama</b> curug roboh"
        assert kept["photo_id"] and kept["lang"] == "id"
        assert abs(kept["lon"] - STANDING[0]) < 1e-5 and abs(kept["lat"] - STANDING[1]) < 1e-5
        link = page.locator(".gt-report__mine a").get_attribute("href")

        mod = token_for(app, "mod")
        answer = app.test_client().patch(
            f"/api/v1/reports/{kept['id']}",
            json={"status": "fixed", "reply": "Papan sudah dipasang lagi."},
            headers=bearer(mod),
        )
        assert answer.status_code == 200
        page.goto(link)
        status = page.locator(".gt-report-sent__status").inner_text()
        assert status == "Diperbaiki"
        assert page.locator(".gt-report-sent__reply").inner_text() == "Papan sudah dipasang lagi."
        assert "Papan <b>nama</b> curug roboh" in page.locator(".gt-report-sent__text").inner_text()
    finally:
        context.close()


def test_a_refused_report_says_why_in_the_visitors_language(live_server, browser, make_app):
    app = make_app()
    server = live_server(app)
    context = browser.new_context(viewport=PHONE_360, locale="id-ID", service_workers="block")
    blank_tiles(context, server.url)
    page = context.new_page()
    try:
        phone_network(context, page)
        page.goto(server.url + f"/sites/{PLACE}?lang=id")
        page.click(".gt-report summary")
        page.check("input[name=category][value=other]")
        page.evaluate("document.querySelector('.gt-report textarea').value = ' '")
        page.evaluate("document.querySelector('.gt-report textarea').removeAttribute('maxlength')")
        page.fill("textarea[name=text]", "x" * 1001)
        page.click(".gt-report__form button[type=submit]")
        page.wait_for_selector(".gt-report__status:has-text('tidak terkirim')", timeout=60000)
        assert "Maksimal 1000 karakter" in page.locator(".gt-report__mine").inner_text()
        assert reports(app) == []
    finally:
        context.close()
