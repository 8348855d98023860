"""Issue 31, part 2, in Chromium on the emulated phone network: "save the whole geopark" before the trip shows
its measured size and the space the phone grants, then its progress; a second save fetches only what
changed; and what was saved survives closing the browser: the same profile, relaunched with the server out
of reach, opens pages the visitor never visited."""

from geotour.context import current
from geotour.domain.features import validate_feature
from tests.browser.conftest import BLANK_PNG, CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_weak_signal import PHONE_360, blank_tiles, phone_network, wait_for
from tests.test_save_geopark import listed as geopark_list

BUSINESSES = 6  # a small geopark: the save takes seconds on the emulated link, not minutes


def few_businesses(data):
    data["features"] = data["features"][:BUSINESSES]


def saved_count(page):
    return page.evaluate("async () => (await (await caches.open('geotour-saved-v1')).keys()).length")


def launch(browser, profile, offline=False):
    context = browser.browser_type.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        viewport=PHONE_360,
        locale="id-ID",
        offline=offline,
    )
    return context, context.pages[0] if context.pages else context.new_page()


def test_the_geopark_saved_before_the_trip_opens_after_a_restart_with_no_signal(
    live_server, browser, make_app, data_copy, tmp_path
):
    data_copy.edit("msmes.geojson", few_businesses)
    app = make_app(data_dir=data_copy.path)
    server = live_server(app)
    listed = geopark_list(app.test_client())
    pages = [f["url"] for f in listed["files"] if not f["url"].startswith("/photos/")]
    assert len(pages) == listed["pages"] and f"/msmes/{'msme-0003'}" in pages

    profile = tmp_path / "profile"
    context, page = launch(browser, profile)
    try:
        blank_tiles(context, server.url)
        phone_network(context, page)
        page.goto(server.url + "/places")
        page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=60000)
        page.click(".gt-save-geopark-box summary")
        size = page.locator(".gt-save-geopark__size")
        wait_for(page, lambda: "MB" in size.inner_text(), 120)
        mb = listed["bytes"] / 1e6
        assert f"{listed['pages']} halaman" in size.inner_text()
        assert f"{mb:.1f}".replace(".", ",") in size.inner_text()  # the measured size, in Indonesian
        assert "MB" in page.locator(".gt-save-geopark__space").inner_text()  # the space the phone grants
        page.click(".gt-save-geopark__start")
        page.wait_for_selector(".gt-save-geopark__bar:not([hidden])", timeout=30000)
        seen = []
        wait_for(
            page,
            lambda: (
                seen.append(page.locator(".gt-save-geopark__status").inner_text())
                or "tersimpan di ponsel" in seen[-1]
            ),
            240,
        )
        assert any(text.startswith("Tersimpan ") and " dari " in text for text in seen)  # its progress
        assert saved_count(page) == len(listed["files"])
        assert page.evaluate("document.querySelector('.gt-save-geopark__bar').value") == 1

        # A place changes: saving again fetches only the pages that show it.
        with app.app_context():
            storage = current().storage
            feature = storage.get_feature("curug-sodong")
            feature["properties"]["description_id"] = "Diperbarui."
            layer = current().catalogue.get(feature["properties"]["layer"])
            record = validate_feature(feature, layer)
            storage.publish_version("curug-sodong", layer.id, record, 1, "update")
        page.reload()
        page.click(".gt-save-geopark-box summary")  # the phone saved it: it refreshes by itself
        status = page.locator(".gt-save-geopark__status")
        wait_for(page, lambda: "diambil sekarang" in status.inner_text(), 240)
        fetched = int(status.inner_text().split("(")[1].split(" ")[0])
        changed = 1 + BUSINESSES + 4  # its page, the businesses' pages (they list it), the routes' pages
        assert fetched == changed < len(listed["files"])
    finally:
        context.close()

    server.stop()  # no signal at all, and the browser starts again from its profile
    context, page = launch(browser, profile, offline=True)
    try:
        page.goto(server.url + "/sites/pulau-kunti")  # never visited: saved with the geopark
        page.wait_for_selector("h1:has-text('Pulau Kunti')", timeout=30000)
        page.goto(server.url + "/msmes/msme-0004")
        page.wait_for_selector("main h1", timeout=30000)
        assert page.locator(".gt-offline").is_visible()  # says the page is the saved copy
        page.goto(server.url + "/sites/curug-sodong")
        assert "Diperbarui." in page.locator("main").inner_text()  # the refreshed copy
        page.goto(server.url + "/places")
        page.click(".gt-save-geopark-box summary")
        page.click(".gt-save-geopark__drop")
        wait_for(page, lambda: saved_count(page) == 0, 30)  # removed
    finally:
        context.close()


def test_where_the_tile_source_allows_it_the_geopark_is_saved_with_its_tiles_to_zoom_14(
    live_server, browser, make_app, data_copy, tmp_path
):
    from geotour.domain import routes
    from geotour.web import offline_set
    from tests.browser.test_routes import _TileServer

    tiles = _TileServer()
    data_copy.edit("msmes.geojson", few_businesses)
    app = make_app(data_dir=data_copy.path, GEOTOUR_TILES_OSM=tiles.template, GEOTOUR_TILES_BULK="1")
    server = live_server(app)
    with app.app_context():
        boundary = current().area().lonlat
    expected = {
        f"/{z}/{x}/{y}.png" for z, x, y in routes.area_tiles(boundary, offline_set.GEOPARK_ZOOMS, 10**6)
    }
    assert max(int(t.split("/")[1]) for t in expected) == 14
    listed = geopark_list(app.test_client())
    assert listed["tiles"] == len(expected)
    assert {f["bytes"] for f in listed["files"] if f["tag"] == "tile"} == {len(BLANK_PNG)}  # measured
    profile = tmp_path / "profile"
    context, page = launch(browser, profile)
    try:
        page.goto(server.url + "/places")
        page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=60000)
        page.click(".gt-save-geopark-box summary")
        size = page.locator(".gt-save-geopark__size")
        wait_for(page, lambda: "petak peta" in size.inner_text(), 120)
        assert f"{len(expected)} petak peta" in size.inner_text().replace(".", "")
        page.click(".gt-save-geopark__start")
        wait_for(
            page, lambda: "tersimpan di ponsel" in page.locator(".gt-save-geopark__status").inner_text(), 240
        )
        kept = page.evaluate(
            "async () => (await (await caches.open('geotour-tiles-saved-v1')).keys()).map(r => new URL(r.url).pathname)"
        )
        assert set(kept) == expected
    finally:
        context.close()
    server.stop()
    before = len(tiles.asked)
    context, page = launch(browser, profile, offline=True)
    try:
        page.goto(server.url + "/sites/pulau-kunti")
        wait_for(
            page,
            lambda: page.evaluate("[...document.querySelectorAll('img.leaflet-tile-loaded')].length") > 0,
        )
        assert len(tiles.asked) == before  # the map's tiles came from the phone
    finally:
        context.close()
        tiles.server.shutdown()


def test_on_the_map_the_save_box_comes_with_its_menu_or_at_once_where_the_geopark_is_saved(
    live_server, browser
):
    """Issue 34: the box's module (1.5 kB) is asked for when the "Download" menu opens, not with every map; on
    a phone that saved the geopark it comes at once, to refresh it when the signal returns."""
    server = live_server()
    context = browser.new_context(viewport=PHONE_360, locale="id-ID")
    try:
        blank_tiles(context, server.url)
        page = context.new_page()
        asked = []
        page.on("request", lambda request: asked.append(request.url))
        page.goto(server.url + "/")
        page.wait_for_selector(".gt-map[data-geotour-ready]", timeout=30000)
        page.wait_for_timeout(500)  # what came after the first markers has been asked for
        assert any("/static/js/trip.js" in url for url in asked)  # the other after-map modules came
        assert not any("save-geopark.js" in url for url in asked)
        assert page.locator(".gt-save-geopark").is_hidden()
        page.click(".gt-download summary")
        wait_for(page, lambda: page.locator(".gt-save-geopark").is_visible(), 30)  # the module shows its box
        assert any("save-geopark.js" in url for url in asked)

        page.evaluate(
            "localStorage.setItem('geotour-saved-geopark', JSON.stringify({at: new Date().toISOString(), count: 3}))"
        )
        asked.clear()
        page.reload()
        page.wait_for_selector(".gt-map[data-geotour-ready]", timeout=30000)
        wait_for(page, lambda: any("save-geopark.js" in url for url in asked), 10)
        assert page.evaluate("document.querySelector('.gt-download').open") is False
    finally:
        context.close()
