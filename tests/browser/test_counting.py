"""Issue 30, part 2, the path a visitor takes: a phone scans a signboard's QR code, reads the page, opens a
popup on the map, taps WhatsApp and searches for something the map lacks; each is counted once, per place and
day, and nothing is kept on the phone or set as a cookie. Two gunicorn machines on one database count a visit
once and add up to the site's totals."""

import concurrent.futures
import time
import urllib.request

import pytest

from tests.browser.conftest import BLANK_PNG, settled_popup
from tests.browser.test_weak_signal import PHONE_360, blank_tiles, wait_for
from tests.contributions import approved_business, make_users

# A phone's browser: Chromium headless says "HeadlessChrome", which is counted as a robot (scrapers use it).
ANDROID = (
    "Mozilla/5.0 (Linux; Android 11; SM-A115F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile "
    "Safari/537.36"
)
EVER = ("2000-01-01", "2100-12-31")


def _totals(storage, **where):
    rows = storage.count_totals(*EVER, ("place", "event", "source", "detail"), where or None)
    return {tuple(r[:4]): r[4] for r in rows}


def _phone(browser, *origins):
    context = browser.new_context(
        viewport=PHONE_360, locale="id-ID", user_agent=ANDROID, service_workers="block"
    )
    context.route(  # map tiles never leave the machine
        lambda url: not url.startswith(origins),
        lambda route: route.fulfill(status=200, content_type="image/png", body=BLANK_PNG),
    )
    context.route(
        "https://wa.me/**", lambda route: route.fulfill(status=200, content_type="text/html", body="WhatsApp")
    )
    return context


@pytest.fixture
def counting_site(make_app, live_server):
    app = make_app(GEOTOUR_COUNT_FLUSH_SECONDS="0")
    make_users(app)
    return app, live_server(app), approved_business(app)


def test_a_visitor_is_counted_place_by_place_and_nothing_is_kept_on_the_phone(browser, counting_site):
    app, server, business = counting_site
    storage = app.extensions["geotour"].storage
    context = _phone(browser, server.url)
    page = context.new_page()

    # a signboard's QR code: one view from "qr", and the address loses ?src=qr (a reload is no second scan)
    page.goto(server.url + "/sites/curug-sodong?src=qr#cerita")
    wait_for(page, lambda: _totals(storage).get(("curug-sodong", "view", "qr", "")) == 1)
    assert "src=qr" not in page.url and page.url.endswith("#cerita")
    page.reload()
    wait_for(page, lambda: _totals(storage).get(("curug-sodong", "view", "direct", "")) == 1)

    # the business's page: its WhatsApp link goes straight to wa.me (no round trip), and is counted
    page.goto(server.url + f"/msmes/{business}")
    whatsapp = page.locator(f'main a[data-count="whatsapp"][data-place="{business}"]')
    wait_for(page, lambda: (whatsapp.get_attribute("href") or "").startswith("https://wa.me/62812"))
    with context.expect_page() as opened:
        whatsapp.click()
    opened.value.wait_for_load_state()
    assert opened.value.url.startswith("https://wa.me/6281234567890?text=")
    wait_for(page, lambda: _totals(storage).get((business, "whatsapp", "direct", "")) == 1)

    # the map: a popup opened is counted for its place; the map's own view for the map
    page.goto(server.url + f"/?site={business}")
    page.locator(".leaflet-popup-content").wait_for(timeout=30000)
    wait_for(page, lambda: _totals(storage).get((business, "popup", "direct", "")) == 1)
    wait_for(page, lambda: _totals(storage).get(("", "view", "direct", "")) == 1)

    # a search that settles on nothing is counted once, with its words
    page.goto(server.url + "/places")
    page.locator(".gt-find__q").fill("kolam renang air panas")
    wait_for(page, lambda: ("", "search_empty", "direct", "kolam renang air panas") in _totals(storage))

    assert context.cookies() == []  # no cookie, from any answer
    kept = page.evaluate("() => Object.keys(localStorage).concat(Object.keys(sessionStorage))")
    assert not [k for k in kept if "count" in k.lower()], kept
    assert _totals(storage)[(business, "whatsapp", "direct", "")] == 1  # each thing once
    assert _totals(storage)[("curug-sodong", "view", "qr", "")] == 1
    context.close()


def test_a_robot_running_the_page_is_not_counted(browser, counting_site):
    app, server, business = counting_site
    context = browser.new_context(viewport=PHONE_360, service_workers="block")  # HeadlessChrome says so
    blank_tiles(context, server.url)
    page = context.new_page()
    beacons = []
    page.on("request", lambda r: r.url.endswith("/api/v1/counts") and beacons.append(r))
    page.goto(server.url + f"/msmes/{business}")
    wait_for(page, lambda: beacons)  # the page sent its view
    page.wait_for_timeout(500)
    assert _totals(app.extensions["geotour"].storage) == {}
    context.close()


def test_two_gunicorn_machines_on_one_database_count_a_visit_once(browser, make_app, tmp_path):
    from bench.servers import Gunicorn
    from tests import backends

    database = backends.new_database() if backends.on_postgres() else None
    url = backends.pg_url(database) if database else f"sqlite:///{tmp_path}/shared.sqlite3"
    setup = make_app(GEOTOUR_DATABASE_URL=url)
    storage = setup.extensions["geotour"].storage
    env = {"GEOTOUR_DATABASE_URL": url, "GEOTOUR_COUNT_FLUSH_SECONDS": "1"}
    machines = [Gunicorn(tmp_path, env, workers=2), Gunicorn(tmp_path, env, workers=2)]
    try:
        # one visitor, whose pages the load balancer sends to one machine and then the other
        context = _phone(browser, machines[0].url, machines[1].url)
        page = context.new_page()
        page.goto(machines[0].url + "/sites/curug-sodong")
        wait_for(page, lambda: _totals(storage).get(("curug-sodong", "view", "direct", "")) == 1)
        page.goto(machines[1].url + "/sites/curug-awang")
        wait_for(page, lambda: _totals(storage).get(("curug-awang", "view", "direct", "")) == 1)
        context.close()

        # and many visitors at once, spread over both machines and their workers
        def beacon(i):
            request = urllib.request.Request(
                machines[i % 2].url + "/api/v1/counts",
                data=b"event=popup&place=curug-sodong",
                headers={"User-Agent": ANDROID, "Content-Type": "application/x-www-form-urlencoded"},
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            assert set(pool.map(beacon, range(60))) == {204}
        want = {
            ("curug-sodong", "view", "direct", ""): 1,
            ("curug-awang", "view", "direct", ""): 1,
            ("curug-sodong", "popup", "direct", ""): 60,
        }
        deadline = time.monotonic() + 30  # each machine writes its tallies every second
        while _totals(storage) != want:
            assert time.monotonic() < deadline, _totals(storage)
            time.sleep(0.3)
    finally:
        for machine in machines:
            machine.stop()
    assert _totals(storage) == want  # stopping wrote nothing twice
    storage.close()
    if database:
        backends.drop_database(database)


@pytest.mark.parametrize(
    ("site", "maps_link", "title"),
    [
        # A point measured or published: the maps app's directions to it.
        (
            "curug-sodong",
            "https://www.google.com/maps/dir/?api=1&destination=-7.185270%2C106.497850",
            "Petunjuk arah di aplikasi peta",
        ),
        # An estimate: the maps app looks for it by its name (the place page's first choice too).
        (
            "goa-lalay",
            "https://www.google.com/maps/search/?api=1&query=Goa+Lalay",
            "Posisinya hanya perkiraan: aplikasi peta mencari tempat ini menurut namanya.",
        ),
    ],
)
def test_a_card_on_the_map_takes_the_tourist_to_the_maps_app_and_the_tap_is_counted(
    browser, make_app, live_server, site, maps_link, title
):
    app = make_app(GEOTOUR_COUNT_FLUSH_SECONDS="0")
    server = live_server(app)
    context = _phone(browser, server.url)
    page = context.new_page()
    page.goto(server.url + "/?site=" + site)
    go = settled_popup(page).locator("a.gt-btn", has_text="Ke sana")  # beside "Lihat detail"
    assert go.get_attribute("title") == title
    details = page.locator(".leaflet-popup a.gt-btn--primary").bounding_box()
    assert go.bounding_box()["y"] == details["y"]  # one row on a 360 px phone
    # Straight to the maps app, which opens with no signal too (a link through /go/ would not): the tap opens
    # it (a new tab here; the app, on a phone) and is counted on the side.
    assert go.get_attribute("href") == maps_link
    asked = []  # (the maps site is out of reach here)
    context.on("request", lambda request: asked.append(request.url))
    with context.expect_page() as opened:
        go.click()
    opened.value.wait_for_load_state()
    assert maps_link in asked and not [url for url in asked if "/go/" in url]
    assert page.url == server.url + "/?site=" + site  # the map stays as it was
    wait_for(
        page, lambda: _totals(app.extensions["geotour"].storage).get((site, "directions", "direct", "")) == 1
    )
    context.close()
