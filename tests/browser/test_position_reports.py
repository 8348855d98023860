"""A visitor at the Cisolok geyser, whose point is an estimate, taps "Saya di sini" on its page (issue 13)."""

from geotour.context import current

GEYSER = "geyser-cisolok"
STOOD_AT = {"latitude": -6.9301, "longitude": 106.4551}


def _visitor(browser, server, accuracy):
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale="id-ID",
        service_workers="block",
        geolocation={**STOOD_AT, "accuracy": accuracy},
        permissions=["geolocation"],
    )
    context.route(
        lambda url: not url.startswith(server.url),
        lambda route: route.fulfill(status=200, content_type="image/png", body=b""),
    )
    page = context.new_page()
    page.goto(server.url + f"/sites/{GEYSER}")
    return context, page


def test_a_visitor_sends_i_am_here_once_and_a_weak_fix_sends_nothing(browser, live_server, make_app):
    app = make_app()
    server = live_server(app)
    context, page = _visitor(browser, server, accuracy=120)
    page.click("text=Saya di sini")
    page.wait_for_selector(".gt-here__status:has-text('±120 m')")
    with app.app_context():
        assert current().storage.position_reports(GEYSER) == []  # too unsure: nothing was sent
    context.close()
    context, page = _visitor(browser, server, accuracy=8)
    page.click("text=Saya di sini")
    page.wait_for_selector(".gt-here__status:has-text('Terima kasih')")
    assert page.locator(".gt-here__send").is_disabled()  # once
    with app.app_context():
        [report] = current().storage.position_reports(GEYSER)
    assert abs(report["lon"] - STOOD_AT["longitude"]) < 1e-6 and report["accuracy_m"] == 8
    context.close()
