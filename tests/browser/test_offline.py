"""After one visit, the map and the visited site pages still open with the network off."""
from tests.browser.conftest import CHROMIUM_ARGS, PHONE  # noqa: F401

READY = ".gt-map[data-geotour-ready]"


def test_map_and_visited_site_work_offline(live_server, browser):
    server = live_server()
    context = browser.new_context(viewport=PHONE, locale="id-ID")
    try:
        page = context.new_page()
        page.goto(server.url + "/")
        page.wait_for_selector(READY, timeout=15000)
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()  # now the service worker controls the page and stores what it loads
        page.wait_for_selector(READY, timeout=15000)
        assert page.evaluate("!!navigator.serviceWorker.controller")
        page.goto(server.url + "/sites/curug-sodong")
        page.wait_for_selector(READY, timeout=15000)

        context.set_offline(True)
        page.goto(server.url + "/")
        page.wait_for_selector(READY, timeout=15000)
        assert page.locator(".marker-cluster, .gt-pin").count() > 5
        assert page.locator(".gt-offline").is_visible()
        assert "offline" in page.locator(".gt-offline").inner_text()
        page.goto(server.url + "/sites/curug-sodong")
        page.wait_for_selector(READY, timeout=15000)
        assert page.locator("h1").inner_text() == "Curug Sodong"
        assert page.locator(".gt-list__item").count() >= 1

        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        page.wait_for_selector(".gt-offline", state="hidden", timeout=5000)
    finally:
        context.close()


def test_embed_registers_no_service_worker(live_server, browser):
    server = live_server()
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(server.url + "/embed")
        page.wait_for_selector(READY, timeout=15000)
        page.wait_for_timeout(500)
        assert page.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0
    finally:
        context.close()
