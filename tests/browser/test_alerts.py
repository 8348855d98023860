"""Issue 29, part 1, in Chromium on the emulated phone network: an alert the office posts appears on the map
and on the page of the place it names (not on another place's), stays after the signal goes, with the time it
was saved, and leaves by itself at its end time, with no reload."""

from datetime import UTC, datetime, timedelta

from tests.browser.test_weak_signal import (
    PHONE_360,
    blank_tiles,
    phone_context,
    phone_network,
    signal,
    wait_for,
)
from tests.contributions import PASSWORD, bearer, make_users, token_for

READY = ".gt-map[data-geotour-ready]"


def post(client, token, **alert):
    body = {
        "level": "danger",
        "title_id": "Perahu ke Pulau Kunti dihentikan",
        "title_en": "Boats to Pulau Kunti stopped",
        "text_id": "Ombak tinggi; perahu tidak berangkat.",
        "text_en": "High waves; no boats leave.",
        "ends_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
        **alert,
    }
    sent = client.post("/api/v1/alerts", json=body, headers=bearer(token))
    assert sent.status_code == 201, sent.get_json()
    return sent.get_json()


def banner(page):
    return page.locator(".gt-alerts .gt-alert summary").all_inner_texts()


def test_an_alert_shows_where_it_applies_and_offline_after_one_visit(live_server, browser, make_app):
    app = make_app()
    make_users(app)
    client, mod = app.test_client(), token_for(app, "mod")
    post(client, mod, place_ids=["pulau-kunti"])
    post(
        client,
        mod,
        level="warning",
        title_id="Jalan Loji–Palangpang longsor",
        title_en="Landslide",
        text_id="x",
        text_en="x",
    )
    server = live_server(app)
    context = browser.new_context(viewport=PHONE_360, locale="id-ID")
    blank_tiles(context, server.url)
    page = context.new_page()
    try:
        cdp = phone_network(context, page)
        page.goto(server.url + "/")
        page.wait_for_selector(READY, timeout=60000)
        page.wait_for_selector(".gt-alerts .gt-alert", timeout=30000)
        assert sorted(banner(page)) == [
            "Bahaya: Pulau Kunti: Perahu ke Pulau Kunti dihentikan",
            "Waspada: Jalan Loji–Palangpang longsor",
        ]
        # The map sits below the banner: nothing of it is hidden behind.
        alerts_bottom = page.evaluate("document.querySelector('.gt-alerts').getBoundingClientRect().bottom")
        map_top = page.evaluate("document.querySelector('.gt-main--map').getBoundingClientRect().top")
        assert abs(map_top - alerts_bottom) < 1.5
        share = page.locator(".gt-alert--danger a[href^='https://wa.me/']").get_attribute("href")
        assert "Perahu%20ke%20Pulau%20Kunti%20dihentikan" in share and "%2Fsites%2Fpulau-kunti" in share

        page.goto(server.url + "/sites/pulau-kunti")
        page.wait_for_selector(".gt-alerts .gt-alert", timeout=30000)
        assert len(banner(page)) == 2
        page.goto(server.url + "/sites/curug-sodong")  # another place: only the geopark-wide alert
        page.wait_for_selector(".gt-alerts .gt-alert", timeout=30000)
        assert banner(page) == ["Waspada: Jalan Loji–Palangpang longsor"]
        wait_for(
            page,
            lambda: page.evaluate("""async () => {
            const c = await caches.open('geotour-data-v2');
            return !!(await c.match('/api/v1/alerts'));
        }"""),
        )

        signal(context, cdp, False)  # the signal goes, no reload before it
        page.goto(server.url + "/")
        page.wait_for_selector(READY, timeout=30000)
        page.wait_for_selector(".gt-alerts .gt-alert", timeout=30000)
        assert len(banner(page)) == 2
        details = page.locator(".gt-alert--danger")
        assert details.get_attribute("open") is not None  # danger opens by itself
        assert "per " in details.inner_text() and "Berlaku sampai" in details.inner_text()
    finally:
        context.close()


def test_an_alert_leaves_at_its_end_time_with_no_reload(live_server, browser, make_app):
    app = make_app()
    make_users(app)
    client, mod = app.test_client(), token_for(app, "mod")
    ends = datetime.now(UTC) + timedelta(seconds=8)
    post(client, mod, ends_at=ends.isoformat())
    server = live_server(app)
    context = phone_context(browser, server.url)  # 360 px, the page's own requests only
    page = context.new_page()
    try:
        page.goto(server.url + "/sites/pulau-kunti?lang=en")
        page.wait_for_selector(".gt-alerts .gt-alert", timeout=30000)
        assert banner(page) == ["Danger: Boats to Pulau Kunti stopped"]
        page.wait_for_selector(".gt-alerts", state="hidden", timeout=20000)  # it ended: gone by itself
        assert datetime.now(UTC) >= ends.replace(microsecond=0)  # stored to the second
        assert client.get("/api/v1/alerts").get_json()["alerts"] == []
    finally:
        context.close()


def test_a_seasonal_note_shows_in_its_month_and_not_in_another(live_server, browser, make_app):
    from geotour.domain.visit import WIB

    app = make_app()
    make_users(app)
    client, mod = app.test_client(), token_for(app, "mod")
    month = datetime.now(WIB).month
    ends = (datetime.now(UTC) + timedelta(days=700)).isoformat()
    post(
        client,
        mod,
        level="warning",
        title_id="Musim ombak tinggi",
        months=[month],
        ends_at=ends,
        place_ids=[],
    )
    post(
        client,
        mod,
        level="info",
        title_id="Pelepasan tukik",
        months=[month % 12 + 1],
        ends_at=ends,
        place_ids=[],
    )
    server = live_server(app)
    context = phone_context(browser, server.url)  # 360 px, the page's own requests only
    page = context.new_page()
    try:
        page.goto(server.url + "/places")
        page.wait_for_selector(".gt-alerts .gt-alert", timeout=30000)
        assert banner(page) == ["Waspada: Musim ombak tinggi"]
    finally:
        context.close()


def test_the_office_draws_an_area_and_visitors_see_it_on_the_pages_and_the_map_inside_it(
    live_server, browser, make_app
):
    app = make_app()
    make_users(app)
    server = live_server(app)
    context = phone_context(browser, server.url)  # 360 px, the page's own requests only
    page = context.new_page()
    try:
        page.goto(server.url + "/login?lang=id")
        page.fill("input[name=username]", "mod")
        page.fill("input[name=password]", PASSWORD)
        page.click("form.gt-form button[type=submit]")
        page.wait_for_url("**/contribute?lang=id")  # signed in, still in the language chosen
        page.goto(server.url + "/moderation/alerts?lang=id")
        page.wait_for_selector(".gt-area__map.leaflet-container", timeout=30000)
        page.locator(".gt-area__map").scroll_into_view_if_needed()
        box = page.locator(".gt-area__map").bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        for dx, dy in ((-60, -60), (60, -60), (60, 60), (-60, 60)):  # about 18 km across at zoom 10
            page.mouse.click(cx + dx, cy + dy)
        assert page.locator(".gt-area__count").inner_text() == "4 sudut"
        page.locator(".gt-area__undo").click()
        page.mouse.click(cx - 60, cy + 60)
        page.select_option("select[name=level]", "warning")
        page.fill("input[name=title_id]", "Longsor di jalan sekitar Ciletuh")
        page.fill("input[name=title_en]", "Landslides on the roads around Ciletuh")
        page.fill("textarea[name=text_id]", "Hati-hati.")
        page.fill("textarea[name=text_en]", "Take care.")
        ends = datetime.now(UTC) + timedelta(days=2)
        page.fill("input[name=ends_at]", (ends + timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M"))
        page.click("form.gt-form button[type=submit]")
        page.wait_for_selector(".gt-alert-item", timeout=30000)
        [posted] = app.test_client().get("/api/v1/alerts").get_json()["alerts"]
        assert len(posted["area"]["coordinates"][0]) == 5 and posted["places"]
        inside = next(p for p in posted["places"] if p["url"].startswith("/sites/"))
        outside = next(
            f["id"]
            for f in app.test_client().get("/api/v1/layers/geosites?limit=200").get_json()["features"]
            if f["id"] not in {p["id"] for p in posted["places"]}
        )

        page.goto(server.url + inside["url"] + "?lang=id")
        page.wait_for_selector(".gt-alerts .gt-alert", timeout=30000)
        assert banner(page) == ["Waspada: Di area yang ditandai di peta: Longsor di jalan sekitar Ciletuh"]
        page.wait_for_function(
            "() => [...document.querySelectorAll('.leaflet-overlay-pane path')].some((p) => p.getAttribute('stroke') === '#b45309' && p.getAttribute('fill-opacity') === '0.08')",
            timeout=30000,
        )
        page.goto(server.url + f"/sites/{outside}?lang=id")  # a place outside the area: nothing
        page.wait_for_load_state("load")
        page.wait_for_timeout(1500)
        assert banner(page) == []
    finally:
        context.close()


FIRST_MARKER = """window.firstMarkerAt = null;
new MutationObserver((_, observer) => {
  if (!document.querySelector('.gt-pin, .marker-cluster')) return;
  window.firstMarkerAt = performance.now();
  observer.disconnect();
}).observe(document, { subtree: true, childList: true });"""
AFTER_MAP = ("/static/js/alerts.js", "/static/js/trip.js")
SAVE_GEOPARK = "/static/js/save-geopark.js"  # in the closed "Download" menu: asked for when it opens


def asked_for(page, path):
    """When the page asked for the files under `path` (ms since it opened), from its resource timings."""
    return page.evaluate(
        "(path) => performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname === path)"
        ".map((e) => e.startTime)",
        path,
    )


def phone_with_an_alert(live_server, browser, make_app):
    """A server with one geopark-wide alert, and a 360 px phone's browser context for it."""
    app = make_app()
    make_users(app)
    post(app.test_client(), token_for(app, "mod"))
    server = live_server(app)
    context = browser.new_context(viewport=PHONE_360, locale="id-ID")
    blank_tiles(context, server.url)
    return server, context


def test_on_the_phone_link_the_map_page_asks_for_its_other_scripts_after_the_first_markers(
    live_server, browser, make_app
):
    """Issue 34: the alerts and "+ My trip" wait for the first markers (on a weak link they shared it with
    Leaflet, the first marker's largest file), then come once each and work: the alert shows, a popup offers
    its place for the trip. "Save the geopark" waits for its menu to open."""
    server, context = phone_with_an_alert(live_server, browser, make_app)
    context.add_init_script(FIRST_MARKER)
    page = context.new_page()
    try:
        phone_network(context, page)
        page.goto(server.url + "/")
        page.wait_for_selector(".gt-alerts .gt-alert", timeout=60000)
        assert banner(page) == ["Bahaya: Perahu ke Pulau Kunti dihentikan"]
        page.wait_for_selector(READY, timeout=60000)
        first_marker = page.evaluate("window.firstMarkerAt")
        assert first_marker, "a marker was drawn"
        for path in AFTER_MAP:
            wait_for(page, lambda path=path: asked_for(page, path))
            starts = asked_for(page, path)
            assert len(starts) == 1 and starts[0] > first_marker, (path, starts, first_marker)
        assert page.locator("script[type='geotour/after-map']").count() == 3
        assert asked_for(page, SAVE_GEOPARK) == []
        page.click(".gt-download summary")
        wait_for(page, lambda: asked_for(page, SAVE_GEOPARK))
        assert len(asked_for(page, SAVE_GEOPARK)) == 1
        # A popup opened from the link: its "+ My trip" button shows once trip.js is in.
        page.goto(server.url + "/?site=curug-sodong")
        page.locator(".leaflet-popup-content [data-trip]:not([hidden])").wait_for(timeout=60000)
    finally:
        context.close()


def test_the_alerts_come_to_the_map_page_when_its_data_does_not(live_server, browser, make_app):
    """The alerts wait for the first markers, but not for a map whose data never comes."""
    server, context = phone_with_an_alert(live_server, browser, make_app)
    context.route("**/api/v1/layers/**", lambda route: route.fulfill(status=503, body="down"))
    page = context.new_page()
    try:
        page.goto(server.url + "/")
        page.wait_for_selector(".gt-status:not([hidden])", timeout=30000)  # "could not load", with a retry
        page.wait_for_selector(".gt-alerts .gt-alert", timeout=5000)  # not the 10 s at the latest
        assert banner(page) == ["Bahaya: Perahu ke Pulau Kunti dihentikan"]
    finally:
        context.close()
