"""Issue 29, part 4: the safety card opens offline after one visit, with no reload, and the phone's own position
can be read out, copied and sent."""

from urllib.parse import unquote

from tests.browser.test_weak_signal import PHONE_360, blank_tiles, phone_network, signal, wait_for

READY = ".gt-map[data-geotour-ready]"
SHELL_HAS = """async (url) => {
  for (const key of await caches.keys())
    if (key.startsWith('geotour-shell') && await (await caches.open(key)).match(url)) return true;
  return false;
}"""


def test_the_safety_card_opens_offline_and_its_position_can_be_copied_and_sent(live_server, browser):
    server = live_server()
    context = browser.new_context(
        viewport=PHONE_360,
        locale="id-ID",
        geolocation={"latitude": -7.26781, "longitude": 106.40123, "accuracy": 12},
        permissions=["geolocation", "clipboard-read", "clipboard-write"],
    )
    blank_tiles(context, server.url)
    page = context.new_page()
    try:
        cdp = phone_network(context, page)
        page.goto(server.url + "/sites/curug-awang")  # one visit, from a signboard
        page.wait_for_selector(READY, timeout=60000)
        wait_for(page, lambda: page.evaluate(SHELL_HAS, "/keselamatan?lang=id"))

        signal(context, cdp, False)  # the signal goes; no reload before it
        page.click(".gt-bar-sos")
        page.wait_for_url("**/keselamatan?lang=id", timeout=30000)
        assert page.locator("h1").inner_text() == "Keselamatan dan nomor darurat"
        assert (
            page.locator("a[href='tel:112']").is_visible() and page.locator("a[href='tel:115']").is_visible()
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_360["width"]

        page.click(".gt-safety__locate")  # the phone knows where it is without signal
        page.wait_for_selector(".gt-safety__position:not([hidden])", timeout=15000)
        assert page.locator(".gt-safety__decimal").inner_text() == "-7.26781, 106.40123"
        assert page.locator(".gt-safety__dms").inner_text() == "7°16'04.1\" S, 106°24'04.4\" E"
        assert page.locator(".gt-safety__accuracy").inner_text() == "(ketelitian sekitar 12 m)"
        page.click(".gt-safety__copy")
        page.wait_for_selector(".gt-safety__status:has-text('Tersalin')", timeout=5000)
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith("Posisi saya: -7.26781, 106.40123 (ketelitian sekitar 12 m)")
        assert "https://www.google.com/maps?q=-7.26781,106.40123" in copied
        for link in (".gt-safety__sms", ".gt-safety__wa"):
            assert unquote(page.locator(link).get_attribute("href")).endswith(copied)
    finally:
        context.close()


def test_a_phone_that_may_not_locate_says_how_to_allow_it(live_server, browser):
    server = live_server()
    context = browser.new_context(viewport=PHONE_360, locale="en-US", service_workers="block")
    page = context.new_page()
    try:
        page.goto(server.url + "/keselamatan?lang=en")
        page.click(".gt-safety__locate")
        page.wait_for_selector(
            ".gt-safety__status:has-text('Allow it in the browser settings')", timeout=15000
        )
        assert page.locator(".gt-safety__position").is_hidden()
    finally:
        context.close()
