"""Issue 30, part 4, on a phone: a geopark partner's badge in the map's popup, and "Geopark partners only" on
the list filtering as the visitor taps it (with the choice kept in the address)."""

from datetime import date

from geotour.domain import counting, partners
from tests.browser.test_weak_signal import PHONE_360, blank_tiles
from tests.contributions import approved_business, login, make_users


def test_a_partner_shows_its_badge_in_the_popup_and_the_list_filters_partners(browser, make_app, live_server):
    app = make_app()
    make_users(app)
    business = approved_business(app)
    office = app.test_client()
    csrf = login(office, "mod")
    today = date.fromisoformat(counting.day_of())
    granted = office.post(
        f"/moderation/features/{business}/partner",
        data={
            "csrf_token": csrf,
            "met": [c["id"] for c in partners.DEFAULT_CRITERIA],
            "granted": today.isoformat(),
        },
    )
    assert granted.status_code == 302
    server = live_server(app)
    context = browser.new_context(viewport=PHONE_360, locale="id-ID", service_workers="block")
    blank_tiles(context, server.url)
    page = context.new_page()
    page.goto(server.url + f"/?site={business}")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=30000)
    assert popup.locator(".gt-badge--partner").inner_text() == "Mitra Geopark"
    on_map = """() => { let n = 0; Geotour.map.eachLayer((l) => { if (l instanceof L.MarkerClusterGroup)
        n += l.getLayers().length; }); return n; }"""
    everywhere = page.evaluate(on_map)
    page.keyboard.press("Escape")  # the popup closes
    page.locator(".gt-chip--partner").click()  # the map's "Mitra Geopark saja"
    page.wait_for_function(on_map.replace("return n;", "return n === 1;"))
    assert "partner=1" in page.url and everywhere > 1
    page.locator(".gt-chip--partner").click()
    page.wait_for_function(on_map.replace("return n;", f"return n === {everywhere};"))

    page.goto(server.url + "/places")
    items = page.locator(".gt-places__item")
    everyone = items.count()
    page.locator(".gt-chip--partner").click()
    page.wait_for_function("() => document.querySelectorAll('.gt-places__item:not([hidden])').length === 1")
    shown = page.locator(".gt-places__item:not([hidden])")
    assert "Homestay Ciletuh Asri" in shown.inner_text() and shown.get_attribute("data-partner") is not None
    assert "partner=1" in page.url and everyone > 1
    context.close()
