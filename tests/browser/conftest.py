"""Browser tests: Debian's headless Chromium driven by Playwright against a real server on a free port.

Tile requests never leave the machine: they are answered with a blank PNG.
"""

import base64
import os

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("GEOTOUR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
PHONE = {"width": 390, "height": 760}
SINGLE = ".leaflet-marker-icon[title]:not(.marker-cluster)"  # a marker, not a cluster


@pytest.fixture(scope="session")
def browser():
    """Return Debian's Chromium, launched once for the session."""
    assert os.path.exists(CHROMIUM), f"{CHROMIUM} is missing: `make test` installs Debian's chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageWatch:
    """A phone-sized page that records console errors, page errors, dialogs and off-machine requests."""

    def __init__(self, browser, origin):
        # Requests a service worker makes bypass page.route (so tiles would hit the network): these
        # pages run without one; tests/browser/test_offline.py tests the service worker itself.
        self.context = browser.new_context(
            viewport=PHONE, device_scale_factor=1, locale="id-ID", service_workers="block"
        )
        self.page = self.context.new_page()
        self.errors, self.dialogs, self.tiles = [], [], []
        self.page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("dialog", self._on_dialog)
        self.page.route("**/*", self._route(origin))

    def _on_dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, origin):
        def handle(route):
            url = route.request.url
            if url.startswith((origin, "http://127.0.0.1:", "http://localhost:")):  # our servers
                route.continue_()
            else:
                self.tiles.append(url)
                route.fulfill(status=200, content_type="image/png", body=BLANK_PNG)

        return handle

    def close(self):
        self.context.close()


@pytest.fixture
def watch(browser):
    """Return a factory for watched pages; pages are closed after the test."""
    pages = []

    def open_page(origin):
        pages.append(PageWatch(browser, origin))
        return pages[-1]

    yield open_page
    for page in pages:
        page.close()


def in_view(page, selector):
    """Return the first element matching selector well inside the screen (of a page or frame), or None."""
    index = page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)].findIndex((el) => {
            const r = el.getBoundingClientRect();
            return r.width > 0 && r.left > 70 && r.right < innerWidth - 70 && r.top > 120 && r.bottom < innerHeight - 40;
        })""",
        selector,
    )
    return None if index < 0 else page.locator(selector).nth(index)


# What a browser logs when a sandbox or a framing rule stops something (the embed tests allow none of it).
SANDBOX_OR_FRAMING_ERRORS = (
    "sandbox",
    "Blocked",
    "Refused to frame",
    "frame-ancestors",
    "Refused to display",
)


def host_page_context(browser, own_origins, user_agent=None):
    """Return (context, page, logged) for a desktop page on a host website: requests to other origins than
    `own_origins` (map tiles) are answered with an empty image; everything the page logs is kept. A
    user_agent other than headless Chromium's is counted as a visitor's (geotour.domain.counting)."""
    context = browser.new_context(
        viewport={"width": 900, "height": 800}, locale="id-ID", service_workers="block", user_agent=user_agent
    )
    context.route(
        lambda url: not url.startswith(tuple(own_origins)),
        lambda route: route.fulfill(status=200, content_type="image/png", body=b""),
    )
    page = context.new_page()
    logged = []
    page.on("console", lambda msg: logged.append(msg.text))
    page.on("pageerror", lambda exc: logged.append(str(exc)))
    return context, page, logged


def settled_popup(frame, nearby=True):
    """The card once it stands still, as a visitor taps it: a place's nearby list has come (the card grows
    then, and the map pans to keep it on screen; a tap in that moment can land on the map and close it), and
    no pan or zoom is under way. nearby=False: a card with no such list (an event's)."""
    popup = frame.locator(".leaflet-popup-content")
    if nearby:
        popup.locator(".gt-popup__nearby[data-loaded]").wait_for(timeout=15000)
    else:
        popup.locator(".gt-popup").wait_for(timeout=15000)
    frame.locator(".leaflet-map-pane:not(.leaflet-pan-anim):not(.leaflet-zoom-anim)").wait_for(
        state="attached", timeout=5000
    )
    return popup


def sandbox_errors(logged):
    """Return the logged lines that say a sandbox or framing rule stopped something."""
    return [line for line in logged if any(word in line for word in SANDBOX_OR_FRAMING_ERRORS)]
