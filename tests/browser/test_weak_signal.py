"""A phone on a weak, intermittent link, as people in Ciletuh have it.

Chromium's own network emulation (CDP Network.emulateNetworkConditions: about 400 kbps down, 100 kbps
up, 400 ms round trip) on a 360 px screen; the network is cut and restored as a person walks in and out
of coverage, with no step a person would not take (no reload before going offline, no script calls).
"""

import io
import json
import time
import urllib.request

import pytest
from PIL import Image, ImageChops

from geotour.context import current
from geotour.contributions import accounts
from tests.browser.conftest import BLANK_PNG
from tests.contributions import PASSWORD, bearer, make_users, token_for, waterfall
from tests.tcp_proxy import TcpProxy
from tests.test_photos import gps_exif, jpeg_with_gps, upload_as

READY = ".gt-map[data-geotour-ready]"
PHONE_360 = {"width": 360, "height": 740}
WEAK_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 100_000 / 8,
}
WATERFALL_GPS = (106.4712, -7.2105)  # lon, lat, inside the geopark


def phone_network(context, page):
    """Give the page a weak phone link, through Chromium's own network emulation."""
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", WEAK_3G)
    return cdp


def signal(context, cdp, on):
    """Lose or regain the signal: the page (with its weak-link emulation) and its service worker alike."""
    context.set_offline(not on)
    cdp.send(
        "Network.emulateNetworkConditions",
        WEAK_3G if on else {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )


def blank_tiles(context, origin):
    """Answer map tile requests locally, so nothing leaves the machine."""
    context.route(
        lambda url: not url.startswith(origin),
        lambda route: route.fulfill(status=200, content_type="image/png", body=BLANK_PNG),
    )


def saved_on_phone(page, snapshots):
    """Wait until the service worker holds the map page and `snapshots` layer snapshots."""
    page.wait_for_function(
        """async (wanted) => {
        const count = async (name) => (await caches.has(name)) ? (await (await caches.open(name)).keys()).length : 0;
        return (await count('geotour-snapshots-v1')) >= wanted && (await count('geotour-pages-v1')) >= 1
            && (await count('geotour-data-v2')) >= 1;
    }""",
        arg=snapshots,
        timeout=60000,
        polling=500,
    )


def marker_count(page):
    """Return how many places the map shows: single markers plus the number written on each cluster."""
    page.wait_for_timeout(1000)  # clusters are added in chunks
    return page.evaluate("""() => [...document.querySelectorAll('.leaflet-marker-icon')].reduce((sum, icon) =>
        sum + (icon.classList.contains('marker-cluster') ? parseInt(icon.textContent, 10) : 1), 0)""")


def test_one_visit_then_no_signal_keeps_the_map_the_places_and_near_me(live_server, browser, tmp_path):
    server = live_server()
    context = browser.new_context(
        viewport=PHONE_360,
        locale="id-ID",
        geolocation={"latitude": -7.1853, "longitude": 106.4979},
        permissions=["geolocation"],
    )
    try:
        page = context.new_page()
        cdp = phone_network(context, page)
        started = time.monotonic()
        page.goto(server.url + "/")
        page.wait_for_selector(READY, timeout=60000)
        first_marker_s = time.monotonic() - started
        online_markers = marker_count(page)
        assert online_markers > 5
        # Every layer of the catalogue: the worker keeps them all as it installs, and steps in only once it has.
        # (A fixed 6 let the wait end while it still fetched the routes, the 7th, and offline found no worker.)
        with urllib.request.urlopen(server.url + "/api/v1/layers") as answer:
            layers = len(json.load(answer)["layers"])
        assert layers >= 7  # geosites, biosites, cultural sites, businesses, routes, boundary, villages
        saved_on_phone(page, layers)

        # No signal, and no reload before it: the map opens from the phone with every layer it showed.
        signal(context, cdp, False)
        page.goto(server.url + "/")
        page.wait_for_selector(READY, timeout=30000)
        assert marker_count(page) == online_markers
        assert page.locator(".leaflet-overlay-pane path").count() >= 1  # the geopark boundary
        # Village names, for when tiles fail: made the first time the visitor zooms in far enough to read them.
        assert page.locator(".gt-village-label").count() == 0
        page.locator(".leaflet-control-zoom-in").click()
        page.wait_for_selector(".gt-village-label", state="visible", timeout=10000)
        assert page.locator(".gt-village-label").count() > 50
        banner = page.locator(".gt-offline")
        assert banner.is_visible() and "Data tersimpan" in banner.inner_text()
        page.screenshot(path=str(tmp_path / "offline-map.png"))

        # A page never opened here: a clear offline page, not the overview map.
        page.goto(server.url + "/sites/curug-sodong")
        assert page.locator("h1").inner_text() == "Halaman ini belum tersimpan di ponsel Anda"
        assert page.locator(".gt-map").count() == 0

        # Back in coverage: open a site and ask "near me"; then the signal goes again.
        signal(context, cdp, True)
        page.goto(server.url + "/sites/curug-sodong")
        page.wait_for_selector(READY, timeout=60000)
        page.goto(server.url + "/")
        page.wait_for_selector(READY, timeout=60000)
        page.locator(".leaflet-control-locate a").click()
        page.wait_for_selector(".gt-sheet:not([hidden]) .gt-sheet__list li a", timeout=60000)
        near_me = page.locator(".gt-sheet__list li").all_inner_texts()
        signal(context, cdp, False)

        page.goto(server.url + "/sites/curug-sodong")
        page.wait_for_selector(READY, timeout=30000)
        assert page.locator("h1").inner_text() == "Curug Sodong"
        assert page.locator(".gt-list__item").count() >= 1
        assert "Data tersimpan" in page.locator(".gt-offline").inner_text()

        context.set_geolocation({"latitude": -7.1880, "longitude": 106.4985})  # walked on ~300 m
        page.goto(server.url + "/")
        page.wait_for_selector(READY, timeout=30000)
        page.locator(".leaflet-control-locate a").click()
        page.wait_for_selector(".gt-sheet:not([hidden]) .gt-sheet__list li a", timeout=30000)
        # Near me, worked out on the phone from the places it saved, for where the visitor stands now.
        assert page.locator(".gt-sheet__saved").inner_text() == "Dari data yang tersimpan di ponsel ini."
        offline_near_me = page.locator(".gt-sheet__list li").all_inner_texts()
        assert offline_near_me[0].startswith("Curug Sodong · Air terjun · 3") and offline_near_me != near_me
        assert [t.split(" · ")[0] for t in offline_near_me][:1] == [t.split(" · ")[0] for t in near_me][:1]

        page.goto(server.url + "/msmes/never-opened")
        page.wait_for_selector(".gt-saved-places li a", timeout=10000)
        assert "Curug Sodong" in page.locator(".gt-saved-places").inner_text()
    finally:
        context.close()
    (tmp_path / "first-marker-seconds.txt").write_text(f"{first_marker_s:.2f}")


@pytest.mark.parametrize("tap", ["at_load", "at_first_marker"])
def test_a_place_tapped_at_once_still_leaves_the_whole_map_offline(live_server, browser, make_app, tap):
    """Issue 31: a visitor who taps a place before the service worker has installed leaves the first page
    before it can hand its data to the worker, and found a map with no marker offline."""
    app = make_app()

    @app.before_request
    def slow_install():  # only the worker asks for the offline page: its install takes a while, as on 3G
        from flask import request

        if request.path == "/offline":
            time.sleep(4)

    server = live_server(app)
    context = browser.new_context(viewport=PHONE_360, locale="id-ID")
    blank_tiles(context, server.url)
    try:
        page = context.new_page()
        cdp = phone_network(context, page)
        page.goto(server.url + "/", wait_until="load")
        if tap == "at_first_marker":
            page.wait_for_selector(READY, timeout=60000)
        online_markers = marker_count(page) if tap == "at_first_marker" else None
        page.goto(server.url + "/sites/curug-sodong")  # the tap, before the worker took over
        page.wait_for_selector(READY, timeout=60000)
        # Reading the page a while: the worker installs meanwhile (no step a person would not take). It
        # may not control this page (its request left before the worker took over): it is active, though.
        active = "() => navigator.serviceWorker.getRegistration().then(r => !!(r && r.active && r.active.state === 'activated'))"
        wait_for(page, lambda: page.evaluate(active), 90)
        signal(context, cdp, False)
        page.goto(server.url + "/")
        page.wait_for_selector(READY, timeout=30000)
        offline_markers = marker_count(page)
        assert offline_markers > 5
        if online_markers is not None:
            assert offline_markers == online_markers
        assert page.locator(".leaflet-overlay-pane path").count() >= 1  # the geopark boundary
    finally:
        context.close()


def test_the_data_cache_has_a_limit_as_near_me_moves(live_server, browser):
    server = live_server()
    context = browser.new_context(viewport=PHONE_360, locale="id-ID")
    try:
        page = context.new_page()
        page.goto(server.url + "/")
        page.wait_for_selector(READY, timeout=30000)
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=15000)
        # A tourist driving along the coast: a new "near me" every few hundred metres.
        page.evaluate("""async () => {
            for (let i = 0; i < 40; i++) {
                await fetch(`/api/v1/nearby?lat=${(-7.10 - i * 0.003).toFixed(6)}&lon=106.500000&radius_m=5000&limit=5`);
            }
        }""")
        kept = page.evaluate("""async () => {
            await new Promise((r) => setTimeout(r, 1000));
            return (await (await caches.open('geotour-nearby-v1')).keys()).length;
        }""")
        assert 1 <= kept <= 12
    finally:
        context.close()


def camera_jpeg(lon, lat):
    """Return a 12-megapixel camera photo (4000x3000, about 5-6 MB) whose EXIF holds its GPS position."""
    width, height = 4000, 3000
    base = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 25)
    image = Image.merge("RGB", (base, noise, ImageChops.add(base.transpose(Image.FLIP_LEFT_RIGHT), noise, 2)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=gps_exif(lon, lat, "Phone Camera"))
    return out.getvalue()


def form_ready(page):
    """Wait until the contribution form's map and outbox are running (its scripts are deferred)."""
    page.wait_for_function(
        "() => !!document.querySelector('#gt-pick-map.leaflet-container') && !!(window.Geotour && window.Geotour.outboxPanel)",
        timeout=60000,
    )


def member_app(make_app):
    app = make_app()
    with app.app_context():
        accounts.create_user(current().storage, "anggota", PASSWORD, "contributor")
    return app


def sign_in(page, url):
    page.goto(url + "/login")
    page.fill("input[name=username]", "anggota")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.gt-form button[type=submit]")
    page.wait_for_url("**/contribute", timeout=60000)


def pending(app):
    with app.app_context():
        return current().storage.list_submissions(status="pending")[0]


def wait_for(page, condition, timeout_s=60):
    """Wait until condition() holds, letting the browser work meanwhile (Playwright serves its routes)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(300)


def phone_context(browser, origin):
    # The outbox is the page's own (IndexedDB); with no service worker, every request is seen by route.
    context = browser.new_context(viewport=PHONE_360, locale="id-ID", service_workers="block")
    blank_tiles(context, origin)
    return context


def open_form(browser, origin):
    """Return (context, page, cdp): a member signed in on a phone on a weak link, the add-a-waterfall form open."""
    context = phone_context(browser, origin)
    page = context.new_page()
    cdp = phone_network(context, page)
    sign_in(page, origin)
    page.goto(origin + "/contribute/new/geosites")
    form_ready(page)
    return context, page, cdp


def add_by_hand(page, name):
    """Add a waterfall on the open form, its position typed as Indonesian phones write it, and wait until
    the phone has kept it."""
    page.fill("input[name=name]", name)
    page.select_option("select[name=category]", "air-terjun")
    page.fill("#gt-lat", "-7,2105")
    page.fill("#gt-lon", "106,4712")
    page.click("#gt-feature-form button[type=submit]")
    page.wait_for_selector("#gt-send-status:has-text('Tersimpan di ponsel')", timeout=60000)


def sent_bodies(page, path):
    """Collect the body sizes of the POSTs the page makes to `path`."""
    sizes = []
    page.on(
        "request",
        lambda r: (
            r.method == "POST" and r.url.endswith(path) and sizes.append(len(r.post_data_buffer or b""))
        ),
    )
    return sizes


def test_a_waterfall_added_with_no_signal_waits_on_the_phone_and_is_sent_once(
    live_server, browser, make_app, tmp_path
):
    app = member_app(make_app)
    server = live_server(app)
    context, page, cdp = open_form(browser, server.url)
    try:
        signal(context, cdp, False)  # at the waterfall: no signal
        page.fill("input[name=name]", "Curug Cibeureum Leutik")
        page.select_option("select[name=category]", "air-terjun")
        photo = tmp_path / "IMG_20261130_101500.jpg"
        photo.write_bytes(camera_jpeg(*WATERFALL_GPS))
        assert photo.stat().st_size > 4_000_000
        page.set_input_files("#gt-photos", str(photo))
        page.wait_for_function("() => document.querySelector('#gt-lat').value !== ''", timeout=20000)
        page.click("#gt-feature-form button[type=submit]")
        page.wait_for_selector("#gt-send-status:has-text('Tersimpan di ponsel')", timeout=60000)
        assert page.locator(".gt-outbox").inner_text().startswith("1 kiriman menunggu sinyal")
        page.close()  # the member puts the phone away
        assert pending(app) == []

        context.set_offline(False)  # back in coverage: the next visit sends it
        page = context.new_page()
        cdp = phone_network(context, page)
        photos = sent_bodies(page, "/api/v1/photos")
        page.goto(server.url + "/contribute/mine")
        wait_for(page, lambda: len(pending(app)) == 1, 120)
        page.wait_for_selector(".gt-outbox", state="hidden", timeout=30000)
        page.reload()
        page.wait_for_selector(".gt-outbox", state="hidden", timeout=30000)
        [submission] = pending(app)
        feature = submission["feature"]
        assert feature["properties"]["name"] == "Curug Cibeureum Leutik"
        lon, lat = feature["geometry"]["coordinates"]
        assert abs(lon - WATERFALL_GPS[0]) < 1e-4 and abs(lat - WATERFALL_GPS[1]) < 1e-4  # the photo's GPS
        assert len(feature["properties"]["photos"]) == 1
        assert len(photos) == 1 and photos[0] <= 500 * 1024, photos  # shrunk from ~5.5 MB before sending
        page.wait_for_timeout(2000)
        assert len(pending(app)) == 1  # sent once, never twice
    finally:
        context.close()


def test_a_contribution_left_with_no_signal_is_sent_by_background_sync_after_the_page_is_gone(
    live_server, browser, make_app
):
    """Issue 34, part 4: the phone is put away with a contribution waiting; when the signal returns, the
    browser fires the outbox's Background Sync (the tag of the worker's Workbox Queue), and the service
    worker sends it, with no page of ours open."""
    app = member_app(make_app)
    server = live_server(app)
    context = browser.new_context(viewport=PHONE_360, locale="id-ID")  # the service worker runs
    blank_tiles(context, server.url)
    try:
        page = context.new_page()
        sign_in(page, server.url)
        page.goto(server.url + "/contribute/new/geosites")
        form_ready(page)
        # The worker installs in full for a signed-in member too (it once waited for ever on their private
        # answers' unread bodies), and takes the page.
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=60000)
        context.set_offline(True)
        add_by_hand(page, "Curug Cimarinjung Hilir")
        tag = page.evaluate("() => window.GeotourOutbox.TAG")
        wait_for(
            page,
            lambda: tag in page.evaluate("async () => (await navigator.serviceWorker.ready).sync.getTags()"),
        )
        page.close()  # the member puts the phone away
        assert pending(app) == []

        context.set_offline(False)
        elsewhere = context.new_page()  # no page of ours: the worker alone can send it
        cdp = context.new_cdp_session(elsewhere)
        registrations = []
        cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"]))
        cdp.send("ServiceWorker.enable")
        wait_for(elsewhere, lambda: any(r["scopeURL"] == server.url + "/" for r in registrations))
        [registration] = {r["registrationId"] for r in registrations if r["scopeURL"] == server.url + "/"}
        cdp.send(
            "ServiceWorker.dispatchSyncEvent",
            {"origin": server.url, "registrationId": registration, "tag": tag, "lastChance": False},
        )
        wait_for(elsewhere, lambda: len(pending(app)) == 1, 60)
        elsewhere.wait_for_timeout(1500)
        [submission] = pending(app)
        assert submission["feature"]["properties"]["name"] == "Curug Cimarinjung Hilir"
        assert submission["feature"]["geometry"]["coordinates"] == [106.4712, -7.2105]
    finally:
        context.close()


def test_a_send_whose_answer_is_lost_is_stored_exactly_once(live_server, browser, make_app):
    app = member_app(make_app)
    server = live_server(app)
    context, page, cdp = open_form(browser, server.url)
    try:
        keys = []

        def lose_the_first_answer(route):
            keys.append(route.request.headers.get("idempotency-key"))
            if len(keys) == 1:
                route.fetch()  # the server stores it...
                route.abort("connectionreset")  # ...and the answer never reaches the phone
            else:
                route.continue_()

        page.route("**/api/v1/submissions", lose_the_first_answer)
        add_by_hand(page, "Curug Cikanteh")
        assert len(pending(app)) == 1

        signal(context, cdp, False)  # the signal flickers, and returns
        signal(context, cdp, True)
        page.wait_for_selector(".gt-outbox", state="hidden", timeout=60000)
        assert len(keys) == 2 and keys[0] and keys[0] == keys[1]
        page.wait_for_timeout(1000)
        assert len(pending(app)) == 1
    finally:
        context.close()


def test_an_upload_cut_mid_send_is_retried_when_the_signal_returns(live_server, browser, make_app, tmp_path):
    app = member_app(make_app)
    server = live_server(app)
    # The phone reaches the server through a link the test can cut in the middle of a send.
    link = TcpProxy("127.0.0.1", int(server.url.rsplit(":", 1)[1]))
    origin = f"http://127.0.0.1:{link.port}"
    context, page, cdp = open_form(browser, origin)
    try:
        photos = sent_bodies(page, "/api/v1/photos")
        page.fill("input[name=name]", "Curug Cimarinjung Leutik")
        page.select_option("select[name=category]", "air-terjun")
        photo = tmp_path / "IMG_0002.jpg"
        photo.write_bytes(camera_jpeg(*WATERFALL_GPS))
        page.set_input_files("#gt-photos", str(photo))
        page.wait_for_function("() => document.querySelector('#gt-lat').value !== ''", timeout=20000)
        page.click("#gt-feature-form button[type=submit]")
        # At 100 kbps the photo takes about half a minute: the signal drops while it is on its way.
        page.wait_for_selector("#gt-send-status:has-text('Mengirim foto 1 dari 1')", timeout=60000)
        page.wait_for_timeout(3000)
        link.cut()
        signal(context, cdp, False)
        page.wait_for_selector("#gt-send-status:has-text('Tersimpan di ponsel')", timeout=60000)
        assert pending(app) == []
        link.restore()
        signal(context, cdp, True)
        wait_for(page, lambda: len(pending(app)) == 1, 120)
        page.wait_for_selector(".gt-outbox", state="hidden", timeout=30000)
        assert len(photos) == 2  # the cut send, then one whole send
        page.wait_for_timeout(1000)
        [submission] = pending(app)
        assert len(submission["feature"]["properties"]["photos"]) == 1
    finally:
        context.close()
        link.cut()


def test_a_phone_two_members_share_sends_each_ones_contribution_only_as_theirs(
    live_server, browser, make_app
):
    """Issue 32, break 2: what A left in the outbox was sent by B, as B's, and B's panel listed it."""
    app = member_app(make_app)
    with app.app_context():
        accounts.create_user(current().storage, "kedua", PASSWORD, "contributor")
    busy = {"on": True}

    @app.before_request
    def server_busy():  # the server cannot take submissions for a while (a transient 503, kept for later)
        from flask import request

        if busy["on"] and request.method == "POST" and request.path == "/api/v1/submissions":
            return {"error": {"code": "unavailable", "message": "busy"}}, 503

    server = live_server(app)
    # The phone as it is: its service worker runs, and sends the outbox itself when a page asks.
    context = browser.new_context(viewport=PHONE_360, locale="id-ID")
    blank_tiles(context, server.url)
    page = context.new_page()
    try:
        sign_in(page, server.url)
        page.goto(server.url + "/contribute/new/geosites")
        form_ready(page)
        add_by_hand(page, "Curug Milik Anggota")
        page.click(".gt-contrib-nav form button[type=submit]")  # A signs out; the item waits on the phone
        page.wait_for_url(server.url + "/", timeout=60000)
        busy["on"] = False

        page.goto(server.url + "/login")  # B signs in on the same phone
        page.fill("input[name=username]", "kedua")
        page.fill("input[name=password]", PASSWORD)
        page.click("form.gt-form button[type=submit]")
        page.wait_for_url("**/contribute", timeout=60000)
        form_ready_panel = "() => !!(window.Geotour && window.Geotour.outboxPanel)"
        page.wait_for_function(form_ready_panel, timeout=60000)
        page.goto(server.url + "/")  # a tourist page: it asks the service worker to send what waits
        page.wait_for_selector(READY, timeout=60000)
        page.goto(server.url + "/contribute/mine")
        page.wait_for_function(form_ready_panel, timeout=60000)
        page.wait_for_timeout(4000)
        assert pending(app) == []  # not sent as B's
        assert page.locator(".gt-outbox").is_hidden()  # and not listed to B
        assert "Curug Milik Anggota" not in page.content()

        page.click(".gt-contrib-nav form button[type=submit]")
        page.wait_for_url(server.url + "/", timeout=60000)
        sign_in(page, server.url)  # A is back: it goes, as A's
        wait_for(page, lambda: len(pending(app)) == 1, 60)
        [submission] = pending(app)
        assert submission["username"] == "anggota"
        assert submission["feature"]["properties"]["name"] == "Curug Milik Anggota"
    finally:
        context.close()


def test_a_pending_photo_a_moderator_saw_is_not_kept_by_the_phone(live_server, browser, make_app):
    """Issue 32, break 2: the service worker kept private answers (a pending photo) for anyone after."""
    app = make_app()
    make_users(app)
    client, token = app.test_client(), token_for(app, "kim1")
    photo = upload_as(client, token, jpeg_with_gps())
    client.post("/api/v1/submissions", json=waterfall(photos=[photo["id"]]), headers=bearer(token))
    server = live_server(app)
    context = browser.new_context(viewport=PHONE_360, locale="id-ID")  # the office's shared phone
    blank_tiles(context, server.url)
    page = context.new_page()
    try:
        page.goto(server.url + "/")  # a first visit installs the service worker
        page.wait_for_selector(READY, timeout=60000)
        page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=60000)
        page.goto(server.url + "/login")
        page.fill("input[name=username]", "mod")
        page.fill("input[name=password]", PASSWORD)
        page.click("form.gt-form button[type=submit]")
        page.goto(server.url + "/moderation")
        thumb = page.locator("img.gt-thumb").first
        thumb.wait_for(timeout=60000)
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
        page.wait_for_timeout(1000)
        kept = page.evaluate("""async () => {
            const found = [];
            for (const name of await caches.keys()) {
                for (const key of await (await caches.open(name)).keys()) found.push(key.url);
            }
            return found;
        }""")
        assert [url for url in kept if "/photos/" in url] == []
        page.click(".gt-contrib-nav form button[type=submit]")
        page.wait_for_url(server.url + "/", timeout=60000)
        status = page.evaluate("(url) => fetch(url).then(r => r.status)", photo["thumb"])
        assert status == 404  # signed out, the phone has no copy to give
    finally:
        context.close()
