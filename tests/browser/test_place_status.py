"""Issue 29, part 2, in Chromium at 360 px: a closed place is greyed on the map and its popup says why."""

from datetime import datetime, timedelta

from geotour.context import current
from geotour.contributions import decisions, workflow
from geotour.domain.visit import WIB
from tests.browser.test_weak_signal import phone_context
from tests.contributions import make_users


def test_a_closed_place_is_greyed_on_the_map_and_its_popup_says_why(live_server, browser, make_app):
    app = make_app()
    users = make_users(app)
    last_day = (datetime.now(WIB).date() + timedelta(days=2)).isoformat()
    with app.test_request_context():
        sent = {"status": "closed", "status_until": last_day, "status_reason": "Ombak tinggi"}
        submission = workflow.submit_edit(current(), users["kim1"], "pulau-kunti", sent)
        decisions.approve(current(), users["mod"], submission["id"])
    server = live_server(app)
    context = phone_context(browser, server.url)  # 360 px, the page's own requests only
    page = context.new_page()
    try:
        page.goto(server.url + "/sites/pulau-kunti")
        page.wait_for_selector(".gt-map[data-geotour-ready]", timeout=30000)
        closed = page.locator(".leaflet-marker-icon[title='Pulau Kunti (Tutup)'] .gt-pin--closed")
        closed.wait_for(timeout=15000)
        assert (
            page.evaluate("getComputedStyle(document.querySelector('.gt-pin--closed')).filter")
            == "grayscale(1)"
        )
        page.locator(".leaflet-marker-icon[title='Pulau Kunti (Tutup)']").click()
        status = page.locator(".gt-popup__status--closed")
        status.wait_for(timeout=10000)
        assert status.inner_text() == f"Tutup sampai {last_day}: Ombak tinggi"
        assert page.locator(".leaflet-marker-icon[title='Pulau Mandra'] .gt-pin--closed").count() == 0
    finally:
        context.close()
