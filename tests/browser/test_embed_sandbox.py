"""Issue 14: the embed inside a frame sandboxed as WordPress does it (sandbox="allow-scripts", on another
origin, with WordPress's secret), in Chromium: the frame reveals itself through the secret, a place's details
open inside the frame, "Open on Geotour" reaches the top window through the host page, and nothing logs a
sandbox or framing error. tests/browser/test_wordpress.py does the same inside a real WordPress."""

import http.server
import threading

import pytest

from tests.browser.conftest import host_page_context, sandbox_errors, settled_popup

SECRET = "Ab12Cd34Ef"
# What WordPress 6.1 makes of our oEmbed (wp_filter_oembed_result) and what its wp-embed.js does with messages.
HOST_PAGE = """<!doctype html><html><body><h1>Dinas Pariwisata</h1>
<blockquote class="wp-embedded-content" data-secret="{secret}"><a href="{page}">Curug Sodong</a></blockquote>
<iframe class="wp-embedded-content" sandbox="allow-scripts" security="restricted" title="Curug Sodong"
  style="position: absolute; clip: rect(1px, 1px, 1px, 1px);" src="{src}#?secret={secret}" data-secret="{secret}"
  width="600" height="420" frameborder="0"></iframe>
<script>
window.got = [];
window.addEventListener("message", function (e) {{
  var d = e.data, frame = document.querySelector("iframe");
  if (!d || d.secret !== "{secret}" || e.source !== frame.contentWindow) return;
  window.got.push(d);
  document.querySelector("blockquote").style.display = "none";
  frame.removeAttribute("style");
  if (d.message === "height") frame.height = Math.min(1000, Math.max(200, parseInt(d.value, 10)));
  if (d.message === "link" && new URL(d.value).host === new URL(frame.src).host
      && document.activeElement === frame) window.top.location.href = d.value;
}});
</script></body></html>"""


def serve_host_page(html):
    """Serve the host page from its own loopback port: another origin, as the office's website is."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server name)
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://localhost:{server.server_port}"  # localhost: not the embed's 127.0.0.1 origin


@pytest.fixture
def host(browser, live_server):
    server = live_server()
    html = HOST_PAGE.format(
        secret=SECRET, page=f"{server.url}/sites/curug-sodong", src=f"{server.url}/embed?site=curug-sodong"
    )
    office, office_url = serve_host_page(html)
    context, page, logged = host_page_context(browser, (server.url, office_url))
    yield server, page, logged, office_url
    context.close()
    office.shutdown()


def test_a_sandboxed_embed_opens_details_in_the_frame_and_the_full_page_on_top(host):
    server, page, logged, office = host
    page.goto(f"{office}/post")
    page.wait_for_function("() => window.got.some((m) => m.message === 'height')", timeout=15000)
    assert page.locator("iframe").get_attribute("style") is None, "the frame shows once it spoke"
    frame = page.frame_locator("iframe")
    details = settled_popup(frame).locator("a.gt-btn--primary")  # ?site= opens the site's card
    assert "/embed/places/curug-sodong" in details.get_attribute("href")
    details.click()
    frame.locator("h1", has_text="Curug Sodong").wait_for(timeout=10000)
    inner = next(f for f in page.frames if "/embed/places/" in f.url)
    assert inner.url.endswith(f"#?secret={SECRET}"), "the secret travels with the details"
    assert page.url == f"{office}/post", "the host page stays"
    frame.locator("a[data-top]", has_text="Buka di Geotour").click()
    # The top window goes to the place's page: waited for until it is there (its whole "load", with the map's
    # scripts, took over 10 s once on a loaded CI run), then its heading.
    page.wait_for_url(f"{server.url}/sites/curug-sodong", wait_until="commit", timeout=30000)
    page.locator("h1", has_text="Curug Sodong").wait_for(timeout=30000)
    assert not sandbox_errors(logged), logged


def test_back_to_the_map_keeps_the_frame_and_the_secret(host):
    server, page, logged, office = host
    page.goto(f"{office}/post")
    frame = page.frame_locator("iframe")
    settled_popup(frame).locator("a.gt-btn--primary").click()
    frame.locator("h1", has_text="Curug Sodong").wait_for(timeout=30000)
    # the frame's script gives the link the secret as it runs (a tap before that reloads the map without it)
    frame.locator("a[data-in-frame][href*='secret=']").click(timeout=10000)
    frame.locator(".gt-map[data-geotour-ready]").wait_for(timeout=15000)
    inner = next(f for f in page.frames if f != page.main_frame)
    assert "/embed?site=curug-sodong" in inner.url and inner.url.endswith(f"#?secret={SECRET}")
    assert not sandbox_errors(logged), logged


def test_copy_number_works_inside_the_sandboxed_frame(browser, live_server, make_app):
    """The embed's script is an ES module now (it shares the copy helper with the safety card): inside a
    frame with an opaque origin it must still load and copy, through the fallback the sandbox leaves."""
    from tests.contributions import bearer, homestay, make_users, token_for

    app = make_app()
    make_users(app)
    client = app.test_client()
    sent = client.post(
        "/api/v1/submissions", json=homestay(), headers=bearer(token_for(app, "kim1"))
    ).get_json()
    approved = client.post(
        f"/api/v1/submissions/{sent['submissions'][0]['id']}/approve", headers=bearer(token_for(app, "mod"))
    )
    assert approved.status_code == 200
    feature_id = sent["submissions"][0]["feature_id"]
    server = live_server(app)
    html = HOST_PAGE.format(
        secret=SECRET, page=f"{server.url}/msmes/{feature_id}", src=f"{server.url}/embed/places/{feature_id}"
    )
    office, office_url = serve_host_page(html)
    context, page, logged = host_page_context(browser, (server.url, office_url))
    try:
        page.goto(f"{office_url}/post")
        frame = page.frame_locator("iframe")
        frame.locator("button[data-copy]").click(timeout=15000)
        frame.locator(".gt-embed-contact__status", has_text="Tersalin.").wait_for(timeout=5000)
        assert not sandbox_errors(logged), logged
    finally:
        context.close()
        office.shutdown()
