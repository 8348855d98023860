"""Issue 31, part 1, in Chromium on the emulated phone network at 360 px: a visitor adds places and a route to
their trip from the pages and from a map popup, loses the signal, opens the list and reorders it, opens a
place saved on the phone; back online, the list's link opens the same list on another phone."""

import re

from tests.browser.conftest import settled_popup
from tests.browser.test_weak_signal import PHONE_360, blank_tiles, phone_network, signal, wait_for

READY = ".gt-map[data-geotour-ready]"


def saved(page, path):
    """Whether the trip's own cache (never trimmed by browsing) holds a page."""
    return page.evaluate(
        """async (path) => {
        const cache = await caches.open('geotour-trip-v1');
        return (await cache.keys()).some((request) => new URL(request.url).pathname === path);
    }""",
        path,
    )


def bar(page):
    return " ".join(page.locator(".gt-bar-trip").text_content().split())


def order(page):
    return page.locator(".gt-trip__mine .gt-trip__item").evaluate_all(
        "(items) => items.map((i) => i.dataset.id)"
    )


def test_a_trip_made_on_the_phone_works_offline_and_its_link_opens_it_on_another_phone(live_server, browser):
    server = live_server()
    context = browser.new_context(viewport=PHONE_360, locale="id-ID")
    blank_tiles(context, server.url)
    page = context.new_page()
    try:
        cdp = phone_network(context, page)
        page.goto(server.url + "/sites/curug-sodong")
        page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=60000)
        add = page.locator("main .gt-trip-add")
        assert add.inner_text() == "+ Perjalanan saya"
        add.click()
        assert add.inner_text() == "✓ Ada di perjalanan saya"
        assert bar(page) == "Perjalanan 1"
        for lang in ("en", "id"):  # the bar, with the trip's flag in it, still fits a 360 px phone
            page.goto(server.url + f"/sites/curug-sodong?lang={lang}")
            assert page.evaluate("document.querySelector('.gt-bar').scrollWidth") <= PHONE_360["width"]
            assert page.locator(".gt-bar-trip").is_visible()

        page.goto(server.url + "/routes/ciletuh-river-three-waterfalls")
        page.locator("main .gt-trip-add").click()
        assert page.locator("main .gt-trip-add").inner_text() == "✓ Ada di perjalanan saya"
        assert bar(page) == "Perjalanan 2"
        page.goto(server.url + "/?site=pantai-palangpang")  # from the map: the place's popup
        page.wait_for_selector(READY, timeout=60000)
        # The map page counts the route too: at once, or when the route page's write reaches this page's
        # copy of the storage (its "storage" event), if the map opened before it did.
        page.wait_for_function(
            "() => document.querySelector('.gt-bar-trip__n').textContent === '2'", timeout=10000
        )
        settled_popup(page).locator(".gt-trip-add").click()  # the card stands still: its nearby list is in
        assert bar(page) == "Perjalanan 3"
        for path in (
            "/sites/curug-sodong",
            "/routes/ciletuh-river-three-waterfalls",
            "/sites/pantai-palangpang",
        ):
            wait_for(page, lambda path=path: saved(page, path))  # each page kept as it was added

        signal(context, cdp, False)  # no signal, and no reload
        page.locator(".gt-bar-trip").click()
        page.wait_for_selector(".gt-trip__mine .gt-trip__item", timeout=30000)
        assert order(page) == ["curug-sodong", "ciletuh-river-three-waterfalls", "pantai-palangpang"]
        page.locator(".gt-trip__item[data-id='pantai-palangpang'] button[aria-label='Naikkan']").click()
        page.locator(".gt-trip__item[data-id='pantai-palangpang'] button[aria-label='Naikkan']").click()
        assert order(page) == ["pantai-palangpang", "curug-sodong", "ciletuh-river-three-waterfalls"]
        page.locator(".gt-trip__item[data-id='curug-sodong'] button[aria-label='Hapus']").click()
        assert order(page) == ["pantai-palangpang", "ciletuh-river-three-waterfalls"]
        link = page.locator(".gt-trip__link").get_attribute("href")
        assert link.endswith("/perjalanan?p=pantai-palangpang,ciletuh-river-three-waterfalls")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE_360["width"]
        page.locator(".gt-trip__item[data-id='pantai-palangpang'] a").click()  # a saved page, offline
        page.wait_for_selector("h1:has-text('Pantai Palangpang')", timeout=30000)

        signal(context, cdp, True)
        other = browser.new_context(viewport=PHONE_360, locale="id-ID", service_workers="block")
        blank_tiles(other, server.url)
        friend = other.new_page()
        friend.goto(server.url + link)
        names = friend.locator(".gt-trip__list .gt-trip__item strong").all_inner_texts()
        assert names[0] == "Pantai Palangpang" and names[1].startswith("Tiga curug Sungai Ciletuh")
        friend.locator(".gt-trip__keep").click()  # the friend keeps it as theirs
        friend.goto(server.url + "/perjalanan")
        friend.wait_for_selector(".gt-trip__mine .gt-trip__item")
        assert order(friend) == ["pantai-palangpang", "ciletuh-river-three-waterfalls"]
        gpx = other.request.get(server.url + friend.locator(".gt-trip__gpx").get_attribute("href"))
        assert gpx.ok and b"<wpt" in gpx.body()
        other.close()
    finally:
        context.close()


def test_a_trip_prints_on_one_page(live_server, browser, make_app):
    server = live_server(make_app(GEOTOUR_PUBLIC_URL="https://geotour.example"))  # with its QR code
    context = browser.new_context(viewport=PHONE_360, locale="id-ID", service_workers="block")
    blank_tiles(context, server.url)
    page = context.new_page()
    try:
        ids = (
            "curug-sodong,curug-cikanteh,msme-0001,msme-0002,pantai-palangpang,ciletuh-river-three-waterfalls"
        )
        page.goto(server.url + f"/perjalanan?p={ids}")
        assert page.locator(".gt-trip__qr svg").count() == 1
        pdf = page.pdf(format="A4")
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        assert pages == 1, pages
        page.goto(server.url + "/glosarium")  # the count can tell: a long page prints on several
        assert len(re.findall(rb"/Type\s*/Page[^s]", page.pdf(format="A4"))) > 1
    finally:
        context.close()
