"""The service worker is the app's, never an embed's. (One visit then offline, with no reload: test_weak_signal.py.)"""

from tests.browser.conftest import CHROMIUM_ARGS, PHONE  # noqa: F401

READY = ".gt-map[data-geotour-ready]"


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
