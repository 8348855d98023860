"""Issue 27 in the browser: a route's page on a phone (360 px, on the emulated phone link), saved for the trip
with one tap and opened offline with its stops, and printed on at most two A4 pages."""

import re

from tests.browser.test_weak_signal import PHONE_360, blank_tiles, phone_network, signal, wait_for

ROUTE = "/routes/ciletuh-river-three-waterfalls"
STATUS = ".gt-save-route__status"


def test_a_route_is_read_on_a_phone_saved_and_walked_offline(live_server, browser):
    server = live_server()
    context = browser.new_context(viewport=PHONE_360, locale="id-ID")
    blank_tiles(context, server.url)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        cdp = phone_network(context, page)
        page.goto(server.url + ROUTE)  # from a signboard at the start, on a weak link
        page.wait_for_selector(".gt-stop-number", timeout=60000)
        assert page.locator(".gt-stop-number").all_inner_texts() == ["1", "2", "3"]
        assert page.locator("h1").inner_text().startswith("Tiga curug Sungai Ciletuh")
        assert "setidaknya" in page.locator(".gt-facts").inner_text()  # a straight-line minimum, said so
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_360["width"]

        page.click(".gt-save-route")  # "Simpan rute"
        wait_for(page, lambda: "Tersimpan di ponsel" in page.locator(STATUS).inner_text(), timeout_s=120)

        signal(context, cdp, False)  # in the valley, no signal: the stops open from the phone
        page.click(".gt-stops a:has-text('Curug Tengah')")
        page.wait_for_url("**/sites/curug-tengah", timeout=30000)
        assert page.locator("h1").inner_text() == "Curug Tengah"
        assert "Perhentian 2 dari 3 di" in page.locator(".gt-on-routes").inner_text()
        page.go_back()
        page.wait_for_selector(".gt-stops", timeout=30000)
        gpx = page.evaluate(
            "async (url) => { const r = await caches.match(url, {ignoreVary: true}); return r ? r.text() : null; }",
            server.url + ROUTE + ".gpx",
        )
        assert gpx and "<rtept" in gpx  # the file for OsmAnd is on the phone too
        assert not errors
    finally:
        context.close()


def test_the_printed_route_fits_two_a4_pages(live_server, browser):
    server = live_server()
    context = browser.new_context(locale="en-GB", service_workers="block")
    blank_tiles(context, server.url)
    page = context.new_page()
    try:
        for route in ("ciletuh-river-three-waterfalls", "boat-ciletuh-batu-batik-pulau-kunti"):
            page.goto(f"{server.url}/routes/{route}?lang=en")
            page.wait_for_selector(".gt-stop-number")
            page.emulate_media(media="print")
            assert page.locator(".gt-print-only svg").is_visible()  # the QR code back to the page
            assert page.locator(".gt-print-only").inner_text().count("112") == 1  # and the emergency numbers
            assert page.locator(".gt-nearby").is_hidden() and page.locator(".gt-bar").is_hidden()
            pdf = page.pdf(format="A4", print_background=True)
            pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
            assert 1 <= pages <= 2, (route, pages)
            page.emulate_media(media="screen")
    finally:
        context.close()


def test_the_map_draws_the_routes_under_the_places_dashed_while_only_their_stops_are_known(
    live_server, browser
):
    server = live_server()
    context = browser.new_context(viewport=PHONE_360, locale="en-GB", service_workers="block")
    blank_tiles(context, server.url)
    page = context.new_page()
    try:
        page.goto(server.url + "/?lang=en")
        page.wait_for_selector(".gt-map[data-geotour-ready]", timeout=60000)
        lines = page.locator("path[stroke='#b45309']")
        wait_for(page, lambda: lines.count() == 4)
        assert all(
            dash == "8 8"
            for dash in lines.evaluate_all("ps => ps.map(p => p.getAttribute('stroke-dasharray'))")
        )
        lines.first.dispatch_event("click")  # a tap on a line: its name, that the path is not mapped, a link
        page.wait_for_selector(".leaflet-popup-content a[href^='/routes/']", timeout=10000)
        text = page.locator(".leaflet-popup-content").inner_text()
        assert "Stops only: the path itself is not mapped yet." in text and "See the route" in text
    finally:
        context.close()


def test_a_route_shows_the_alerts_on_it_and_on_its_stops_not_others(live_server, browser, make_app):
    from tests.browser.test_alerts import banner, post
    from tests.contributions import make_users, token_for

    app = make_app()
    make_users(app)
    client, mod = app.test_client(), token_for(app, "mod")
    on_route = post(
        client, mod, place_ids=["ciletuh-river-three-waterfalls"], title_id="Tali di Curug Tengah putus"
    )
    assert on_route["places"][0]["url"] == "/routes/ciletuh-river-three-waterfalls"
    post(client, mod, place_ids=["curug-puncak-manik"], title_id="Curug Puncak Manik banjir")
    post(client, mod, place_ids=["pulau-kunti"], title_id="Perahu ke Pulau Kunti dihentikan")
    server = live_server(app)
    context = browser.new_context(viewport=PHONE_360, locale="id-ID", service_workers="block")
    blank_tiles(context, server.url)
    page = context.new_page()
    try:
        page.goto(server.url + ROUTE)
        wait_for(page, lambda: len(banner(page)) == 2)
        assert sorted(banner(page)) == [
            "Bahaya: Curug Puncak Manik banjir",
            "Bahaya: Tali di Curug Tengah putus",
        ]
        page.goto(server.url + "/sites/curug-awang")  # a stop the alerts do not name
        page.wait_for_timeout(1500)
        assert banner(page) == []
    finally:
        context.close()


class _TileServer:
    """A tile source of our own that allows saving many tiles (as GEOTOUR_TILES_BULK says): it counts what it
    is asked for."""

    def __init__(self):
        import http.server
        import threading

        from tests.browser.conftest import BLANK_PNG

        asked = self.asked = []

        class Tiles(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                asked.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(BLANK_PNG)))
                self.end_headers()
                self.wfile.write(BLANK_PNG)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.template = f"http://127.0.0.1:{self.server.server_port}/{{z}}/{{x}}/{{y}}.png"


def test_where_the_tile_source_allows_it_a_saved_route_keeps_its_corridor_tiles(
    live_server, browser, make_app
):
    from geotour.domain import routes

    tiles = _TileServer()
    app = make_app(GEOTOUR_TILES_OSM=tiles.template, GEOTOUR_TILES_BULK="1")
    server = live_server(app)
    with app.app_context():
        from geotour.context import current

        line = current().storage.get_feature("curug-sodong-cikanteh-walk")["geometry"]["coordinates"]
    expected = {f"/{z}/{x}/{y}.png" for z, x, y in routes.corridor_tiles(line, 500)}
    context = browser.new_context(viewport=PHONE_360, locale="id-ID")
    page = context.new_page()
    try:
        cdp = phone_network(context, page)
        page.goto(server.url + "/routes/curug-sodong-cikanteh-walk")
        hint = page.locator(".gt-hint:has-text('petak peta')").inner_text()
        assert f"{len(expected)} petak peta" in hint and "MB" in hint  # the size is said before saving
        page.click(".gt-save-route")
        wait_for(page, lambda: "Tersimpan di ponsel" in page.locator(STATUS).inner_text(), timeout_s=120)
        assert expected <= set(tiles.asked)  # every corridor tile was fetched from the source that allows it
        kept = page.evaluate(
            "async () => (await (await caches.open('geotour-tiles-saved-v1')).keys()).map(r => new URL(r.url).pathname)"
        )
        assert set(kept) == expected
        signal(context, cdp, False)
        before = len(tiles.asked)
        page.reload()
        page.wait_for_selector(".gt-stop-number", timeout=30000)
        wait_for(
            page,
            lambda: page.evaluate("[...document.querySelectorAll('img.leaflet-tile-loaded')].length") > 0,
        )
        assert len(tiles.asked) == before  # offline, the map's tiles came from the phone
    finally:
        context.close()
        tiles.server.shutdown()


def test_by_default_no_tile_is_saved_in_bulk(client):
    page = client.get("/routes/curug-sodong-cikanteh-walk?lang=en").get_data(as_text=True)
    assert 'data-tiles="[]"' in page and "map tiles around the route" not in page
