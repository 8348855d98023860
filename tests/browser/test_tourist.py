"""A tourist on a phone finds, trusts and reaches places (issue 12), in both languages and at 360 and 390 px.

Every step is one a person takes: type in the search box, tap a suggestion or a chip, tap "near me", tap a
marker. The assertions read what is on screen (and, for "is it on screen", the map's own bounds).
"""

import pytest

from tests.browser.conftest import settled_popup
from tests.browser.test_weak_signal import READY, marker_count, phone_network, signal

SCREENS = [({"width": 360, "height": 740}, "id"), ({"width": 390, "height": 844}, "en")]
PALABUHANRATU = {"latitude": -6.9875, "longitude": 106.5440}
WORDS = {
    "id": {
        "approx": "Perkiraan ±1 km",
        "sample": "Data contoh — bukan usaha nyata: tanpa nomor dan petunjuk arah",
        "attractions": "Tempat wisata terdekat",
        "saved": "Dari data yang tersimpan di ponsel ini.",
        "waterfall": "Air terjun",
    },
    "en": {
        "approx": "Approximate ±1 km",
        "sample": "Sample data — not a real business: no number, no directions",
        "attractions": "Nearest attractions",
        "saved": "From the data saved on this phone.",
        "waterfall": "Waterfalls",
    },
}


def phone_context(browser, origin, viewport, lang):
    """Return a browser context for a phone of one size reading one language; map tiles are answered locally."""
    context = browser.new_context(
        viewport=viewport,
        locale="id-ID" if lang == "id" else "en-GB",
        geolocation=PALABUHANRATU,
        permissions=["geolocation"],
        service_workers="block",
    )
    context.route(
        lambda url: not url.startswith(origin),
        lambda route: route.fulfill(status=200, content_type="image/png", body=b""),
    )
    return context


@pytest.fixture(params=SCREENS, ids=["360-id", "390-en"])
def phone(request, browser, live_server):
    """Return (page, context, server url, language) for a phone of one size reading one language."""
    viewport, lang = request.param
    server = live_server()
    context = phone_context(browser, server.url, viewport, lang)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page, context, server.url, lang
    context.close()
    assert not errors


def open_map(page, url, lang, query=""):
    page.goto(f"{url}/?lang={lang}{query}")
    page.wait_for_selector(READY, timeout=60000)


def suggestions(page, text):
    page.locator(".gt-find__q").fill("")
    page.locator(".gt-find__q").press_sequentially(text, delay=30)
    page.wait_for_selector(".gt-suggest:not([hidden]) li", timeout=10000)
    return page.locator(".gt-suggest__name").all_inner_texts()


def test_search_finds_by_part_of_a_name_any_case_accents_and_other_names_then_opens_it(phone):
    page, _context, url, lang = phone
    open_map(page, url, lang)
    assert "Curug Sodong" in suggestions(page, "sodong")
    curug = suggestions(page, "CURUG")
    assert len(curug) >= 5 and all(name.startswith("Curug") for name in curug[:5])
    assert suggestions(page, "Cimarinjúng")[0] == "Curug Cimarinjung"  # an accent typed, none in the name
    assert "Curug Sodong" in suggestions(page, "curug kembar")  # one of its other names
    page.locator(".gt-suggest__item", has_text="Curug Sodong").first.click()
    page.wait_for_selector(".leaflet-popup .gt-popup__name", timeout=20000)
    assert page.locator(".leaflet-popup .gt-popup__name").inner_text() == "Curug Sodong"
    assert "site=curug-sodong" in page.url  # a shared link opens the same place


def test_a_type_filter_shows_only_waterfalls_and_the_link_keeps_it(phone):
    page, _context, url, lang = phone
    open_map(page, url, lang)
    everything = marker_count(page)
    page.locator(".gt-chip", has_text=WORDS[lang]["waterfall"]).click()
    assert marker_count(page) == 8  # the 8 waterfalls of the seed data
    titles = page.evaluate(
        """() => [...document.querySelectorAll('.leaflet-marker-icon[title]')].map(m => m.title)"""
    )
    assert titles and all(t.startswith("Curug") for t in titles)
    assert "type=waterfall" in page.url
    open_map(page, url, lang, "&type=waterfall")  # the shared link
    assert marker_count(page) == 8 < everything
    # Every icon is our own SVG, inline in the page (a sandboxed embed refuses a <use> of another file).
    assert page.locator(".gt-pin svg use").count() >= 1
    href = page.locator(".gt-pin svg use").first.get_attribute("href")
    assert href == "#icon-droplets" and page.locator("svg.gt-sprite symbol#icon-droplets").count() == 1


def test_near_me_lists_attractions_and_businesses_and_keeps_the_nearest_on_screen(phone):
    page, _context, url, lang = phone
    open_map(page, url, lang)
    page.locator(".leaflet-control-locate a").click()
    page.wait_for_selector(".gt-sheet:not([hidden]) .gt-sheet__list--attraction li a", timeout=30000)
    assert page.locator(".gt-sheet__group").first.inner_text() == WORDS[lang]["attractions"]
    assert page.locator(".gt-sheet__list--msme li").count() >= 1
    first = page.locator(".gt-sheet__list--attraction li a").first.inner_text()
    shown = page.evaluate(
        """(name) => {
        const app = document.querySelector('.gt-map').geotour, map = app.map;
        const place = app.places.find(p => p.feature.properties.name === name);
        const c = place.feature.geometry.coordinates;
        return { zoom: map.getZoom(), inside: map.getBounds().contains([c[1], c[0]]) };
    }""",
        first,
    )
    assert shown["inside"] and shown["zoom"] < 16  # never a 200 m close-up of nothing
    for text in page.locator(".gt-sheet__list--msme li").all_inner_texts():
        assert (
            WORDS[lang]["sample"].split(" — ")[0] in text
        )  # every business of the seed is a sample, and says so


def test_an_estimated_site_shows_its_badge_and_uncertainty_circle_in_the_popup(phone):
    page, _context, url, lang = phone
    open_map(page, url, lang, "&site=geyser-cisolok")
    page.wait_for_selector(".leaflet-popup .gt-badge--approx", timeout=20000)
    assert page.locator(".leaflet-popup .gt-badge--approx").inner_text() == WORDS[lang]["approx"]
    assert page.locator("path.gt-uncertainty").count() == 1
    settled_popup(page)  # closed as a visitor closes it: once the card stands still
    page.locator(".leaflet-popup-close-button").click()
    page.wait_for_function("() => !document.querySelector('path.gt-uncertainty')", timeout=5000)


def test_a_sample_business_has_no_link_to_its_invented_number(phone):
    page, _context, url, lang = phone
    open_map(page, url, lang, "&site=msme-0001")
    page.wait_for_selector(".leaflet-popup .gt-notice--sample", timeout=20000)
    assert page.locator(".leaflet-popup .gt-notice--sample").inner_text() == WORDS[lang]["sample"]
    assert page.locator(".leaflet-popup a[href*='wa.me'], .leaflet-popup a[href^='tel:']").count() == 0
    page.goto(f"{url}/msmes/msme-0001?lang={lang}")
    assert page.locator("a[href*='wa.me'], a[href^='tel:'], a[href^='geo:'][href*='62000']").count() == 0
    assert page.locator(".gt-notice--sample").first.is_visible()


def test_the_map_says_it_is_loading_on_a_slow_link_and_the_offline_banner_covers_no_control(
    browser, live_server
):
    server = live_server()
    context = phone_context(browser, server.url, {"width": 360, "height": 740}, "id")
    try:
        page = context.new_page()
        cdp = phone_network(context, page)
        page.goto(server.url + "/", wait_until="commit")
        # Waited for with its words: on this link the page arrives in pieces, and the status may show while
        # its text is still coming ("M", once in CI).
        loading = page.locator(".gt-status--loading", has_text="Memuat data peta")
        loading.wait_for(state="visible", timeout=20000)
        page.wait_for_selector(READY, timeout=60000)
        assert page.locator(".gt-status").is_hidden()

        # The signal goes, with no reload: the banner shows and every control stays clear of it.
        signal(context, cdp, False)
        page.wait_for_selector(".gt-offline:not([hidden])", timeout=10000)
        page.wait_for_timeout(500)
        overlaps = page.evaluate("""() => {
            const banner = document.querySelector('.gt-offline').getBoundingClientRect();
            return [...document.querySelectorAll('.leaflet-control a, .gt-find__q, .gt-chip')].filter(el => {
                const r = el.getBoundingClientRect();
                return r.width && !(r.bottom <= banner.top || r.top >= banner.bottom);
            }).map(el => el.className || el.tagName);
        }""")
        assert overlaps == []

        # Offline, a popup lists what is near from the data on the phone, and says so.
        page.locator(".gt-find__q").fill("sodong")
        page.locator(".gt-suggest__item").first.click()
        page.wait_for_selector(".leaflet-popup .gt-popup__saved", timeout=20000)
        assert page.locator(".leaflet-popup .gt-popup__saved").inner_text() == WORDS["id"]["saved"]
        assert page.locator(".leaflet-popup .gt-popup__nearby li a").count() >= 1
        assert "gagal" not in page.locator(".leaflet-popup").inner_text()
    finally:
        context.close()


def test_search_finds_a_name_written_with_accents_by_typing_it_without(
    browser, live_server, make_app, data_copy
):
    def accented(data):
        data["features"][0]["properties"]["name"] = "Curug Ciléngkrang Sodong"

    data_copy.edit("geosites.geojson", accented)
    server = live_server(make_app(data_dir=data_copy.path))
    context = phone_context(browser, server.url, {"width": 360, "height": 740}, "id")
    try:
        page = context.new_page()
        open_map(page, server.url, "id")
        assert suggestions(page, "cilengkrang") == ["Curug Ciléngkrang Sodong"]
        page.goto(server.url + "/places?q=CILENGKRANG")
        assert page.locator(".gt-places__item:not([hidden]) a").all_inner_texts() == [
            "Curug Ciléngkrang Sodong"
        ]
    finally:
        context.close()


def test_an_estimated_site_page_draws_its_uncertainty_circle(phone):
    page, _context, url, lang = phone
    page.goto(f"{url}/sites/geyser-cisolok?lang={lang}")
    page.wait_for_selector(READY, timeout=60000)
    assert page.locator("path.gt-uncertainty").count() == 1
    assert page.locator(".gt-place .gt-badge--approx").inner_text() == WORDS[lang]["approx"]
    page.goto(f"{url}/sites/curug-sodong?lang={lang}")  # a published position: no circle, no badge
    page.wait_for_selector(READY, timeout=60000)
    assert (
        page.locator("path.gt-uncertainty").count() == 0
        and page.locator(".gt-place .gt-badge--approx").count() == 0
    )
