"""Every page on a 360 px phone (issue 13, part 5): no sideways scrolling, every control a thumb taps at least
44 px, and a way in for KIM members from every public page. Signed out, as a member and as the office."""

from datetime import datetime, timedelta

import pytest

from geotour.domain.visit import WIB
from tests.contributions import PASSWORD, approved, bearer, event, homestay, make_users, token_for

PHONE_360 = {"width": 360, "height": 740}
PUBLIC = [
    "/",
    "/?lang=en",
    "/sites/curug-sodong",
    "/sites/pantai-palangpang",  # sourced facts: parking, a boat charter, good to know
    "/sites/vihara-nam-hai-kwan-se-im-pu-sa?lang=en",
    "/msmes/msme-0001",
    "/places",
    "/routes",
    "/routes/ciletuh-river-three-waterfalls",
    "/routes/boat-ciletuh-batu-batik-pulau-kunti?lang=en",
    "/events",
    "/glosarium",
    "/keselamatan",
    "/glosarium?lang=en",
    "/privasi",
    "/perjalanan",
    "/perjalanan?p=curug-sodong,msme-0001,ciletuh-river-three-waterfalls",
    "/embed/builder",
    "/ogc?f=html",
    "/ogc/collections/geosites/items?f=html",
    "/ogc/collections/geosites/items/curug-sodong?f=html",
    "/api/docs",
    "/login",
    "/offline",
    "/tidak-ada",
]
PUBLIC_LATER = []  # a report's page for its sender: its link is made by the server fixture
NO_BAR = [
    "/embed",
    "/embed/places/curug-sodong",
    "/embed/routes/curug-sodong-cikanteh-walk",
    "/sites/curug-sodong/signboard",
]  # framed by other sites, or printed: no menu to sign in from
MEMBER = [
    "/contribute",
    "/contribute/new/geosites",
    "/contribute/new/msmes",
    "/contribute/new/events",
    "/contribute/import",
    "/contribute/routes/new",
    "/contribute/routes/curug-sodong-cikanteh-walk/edit",
    "/contribute/mine",
    "/contribute/figures",
    "/contribute/edit/curug-sodong",
    "/account",
    "/contribute/new/msmes?lang=en",
]
OFFICE = MEMBER + [
    "/moderation",
    "/moderation/alerts",
    "/moderation/reports",
    "/admin/figures",
    "/admin/figures/report",
    "/moderation/partners",
    "/moderation/1/edit",
    "/moderation/features/curug-sodong",
    "/admin/users",
]
# Controls smaller than 44 px. Exempt, as WCAG 2.5.5 exempts them: a link inside a sentence, and the map's
# attribution line. A checkbox or radio counts by its label, which is what a thumb taps.
SMALL_TARGETS = """() => {
  const small = [];
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    let box = el.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(el).visibility === 'hidden') continue;
    if (el.tagName === 'A' && getComputedStyle(el).display === 'inline'
        && el.closest('p, li, td, dd, figcaption, .leaflet-control-attribution')) continue;
    if (['checkbox', 'radio'].includes(el.type) && el.closest('label')) box = el.closest('label').getBoundingClientRect();
    if (box.height < 43.5 || box.width < 43.5) {
      small.push(`${el.tagName}.${el.className} "${(el.textContent || el.name || '').trim().slice(0, 20)}" ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}"""


def _phone(browser, server):
    context = browser.new_context(
        viewport=PHONE_360,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="id-ID",
        service_workers="block",
    )
    context.route(
        lambda url: not url.startswith(server.url),
        lambda route: route.fulfill(status=200, content_type="image/png", body=b""),
    )
    return context


def _check(page, url):
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)  # the map's controls are drawn after load
    page.evaluate("document.querySelectorAll('details.gt-report').forEach((d) => { d.open = true; })")
    width = page.evaluate("document.documentElement.scrollWidth")
    return width, page.evaluate(SMALL_TARGETS)


@pytest.fixture
def server(live_server, make_app):
    app = make_app()
    make_users(app)
    sent = app.test_client().post(
        "/api/v1/submissions", json=homestay(), headers=bearer(token_for(app, "kim1"))
    )
    assert (
        sent.get_json()["submissions"][0]["id"] == 1
    )  # the queue shows a card with its buttons; /moderation/1/edit
    report = app.test_client().post(
        "/api/v1/reports", data={"place": "curug-sodong", "category": "litter", "text": "Sampah plastik"}
    )
    assert report.status_code == 201  # the office's queue shows it; its sender's page is checked too
    starts = datetime.now(WIB).replace(second=0, microsecond=0) + timedelta(days=3)
    ends = starts + timedelta(days=2, hours=3)
    announced = approved(
        app,
        event(
            "Festival Budaya dan Pameran UMKM Geopark Ciletuh-Palabuhanratu Tahunan",
            starts.strftime("%Y-%m-%dT%H:%M"),
            ends.strftime("%Y-%m-%dT%H:%M"),
            category="budaya",
            place_id="curug-sodong",
            organiser="Kelompok Sadar Wisata Desa Ciwaru",
            ticket_price="15000",
            price_note="anak-anak di bawah lima tahun tidak dipungut biaya",
            capacity="2500",
            whatsapp="0812 3456 7890",
            owner_consent=True,
        ),
    )
    running = live_server(app)
    PUBLIC_LATER.append("/laporan/" + report.get_json()["link"].rsplit("/", 1)[1])
    PUBLIC_LATER.append(f"/events/{announced}")
    PUBLIC_LATER.append(f"/events/{announced}?lang=en")
    return running


def test_every_public_page_fits_a_360_px_phone_and_offers_a_way_in(browser, server):
    context = _phone(browser, server)
    page = context.new_page()
    for path in PUBLIC + PUBLIC_LATER + NO_BAR:
        width, small = _check(page, server.url + path)
        assert width <= PHONE_360["width"], (path, width)
        assert small == [], (path, small)
        if path not in NO_BAR:
            assert page.locator("a[href^='/login']").count() == 1, path  # "Masuk (KIM)"
    page.goto(server.url + "/sites/curug-sodong")
    page.click("a[href='/login']")
    page.wait_for_url("**/login")
    context.close()


@pytest.mark.parametrize("username, paths", [("kim1", MEMBER), ("mod", OFFICE)])
def test_every_signed_in_page_fits_a_360_px_phone(browser, server, username, paths):
    context = _phone(browser, server)
    page = context.new_page()
    page.goto(server.url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.gt-form button[type=submit]")
    page.wait_for_url("**/contribute")
    for path in paths:
        width, small = _check(page, server.url + path)
        assert width <= PHONE_360["width"], (path, width)
        assert small == [], (path, small)
    page.goto(server.url + "/login")  # the bar's link, for someone already signed in, goes straight on
    assert page.url.endswith("/contribute")
    context.close()
