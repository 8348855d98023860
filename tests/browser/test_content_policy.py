"""The Content-Security-Policy in a real Chromium (issue 15, break 12): every page works under it, with no
violation reported, and a script injected into a page does not run."""

import pytest

from geotour.context import current
from geotour.contributions import accounts
from tests.browser.test_contribute import READY, sign_in
from tests.contributions import PASSWORD

# Each violation the page reports is kept, from before the page's own scripts run.
RECORD_VIOLATIONS = """window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});"""
PUBLIC_PAGES = [
    ("/", READY),
    ("/?lang=en", READY),
    ("/sites/curug-sodong", READY),
    ("/places", "main"),
    ("/embed?layers=geosites", READY),
    ("/embed/places/curug-sodong", "main"),
    ("/embed/builder", "main"),
    ("/ogc?f=html", "main"),
    ("/ogc/collections/geosites/items?f=html", "main"),
    ("/sites/curug-sodong/signboard", ".sign-warning"),
    ("/offline", "main"),
    ("/login", "form"),
    ("/tidak-ada", "main"),
]
SIGNED_IN_PAGES = [
    ("/contribute", "main"),
    ("/contribute/new/geosites", "#gt-photos"),
    ("/contribute/import", "form"),
    ("/contribute/mine", "main"),
    ("/moderation", "main"),
    ("/account", "main"),
]


def _violations(page):
    return page.evaluate("window.__violations")


def _visit(page, url, ready):
    page.goto(url)
    page.wait_for_selector(ready, state="attached", timeout=10_000)
    page.wait_for_load_state("load")


@pytest.fixture
def server(live_server, make_app):
    app = make_app()
    with app.app_context():
        accounts.create_user(current().storage, "dinas", PASSWORD, "moderator")
    return live_server(app)


def test_every_page_works_under_the_policy(server, watch):
    visitor = watch(server.url)
    visitor.page.add_init_script(RECORD_VIOLATIONS)
    for path, ready in PUBLIC_PAGES:
        _visit(visitor.page, server.url + path, ready)
        assert _violations(visitor.page) == [], path
    sign_in(visitor.page, server.url, "dinas")
    for path, ready in SIGNED_IN_PAGES:
        _visit(visitor.page, server.url + path, ready)
        assert _violations(visitor.page) == [], path
    assert not [e for e in visitor.errors if "Content Security Policy" in e], visitor.errors
    # The maps drew: markers are on the overview map.
    _visit(visitor.page, server.url + "/", READY)
    assert visitor.page.locator(".leaflet-marker-icon").count() > 0


def test_an_injected_script_does_not_run(server, watch):
    visitor = watch(server.url)
    visitor.page.add_init_script(RECORD_VIOLATIONS)
    _visit(visitor.page, server.url + "/sites/curug-sodong", READY)
    ran = visitor.page.evaluate("""() => {
      const s = document.createElement("script");
      s.textContent = "window.__injected = true";
      document.body.appendChild(s);
      const d = document.createElement("div");
      d.innerHTML = '<img src="x.png" onerror="window.__handler = true">';
      document.body.appendChild(d);
      return new Promise(r => setTimeout(() => r([!!window.__injected, !!window.__handler]), 300));
    }""")
    assert ran == [False, False]
    assert any(v.startswith("script-src") for v in _violations(visitor.page))
