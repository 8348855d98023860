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
from tests.contributions import bearer, make_users, token_for

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
