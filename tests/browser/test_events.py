"""Issue 30, part 1, on a phone: the map draws the events not yet over by the phone's own clock (so a map saved
for offline drops an event once it ends), and an event's popup says when, in WIB, and links to its page."""

from datetime import datetime, timedelta

from geotour.domain.visit import WIB
from tests.browser.conftest import settled_popup
from tests.browser.test_weak_signal import PHONE_360, blank_tiles
from tests.contributions import approved, event, make_users

# Undefined until the map script has mounted (the container is made a step before the app).
EVENTS_DRAWN = "() => document.querySelector('.leaflet-container')?.geotour?.groups.events.getLayers().length"


def _publish(app, name, starts, hours):
    ends = starts + timedelta(hours=hours)
    return approved(app, event(name, starts.strftime("%Y-%m-%dT%H:%M"), ends.strftime("%Y-%m-%dT%H:%M")))


def test_the_map_shows_coming_events_and_drops_one_once_it_is_over(browser, make_app, live_server):
    app = make_app()
    make_users(app)
    now = datetime.now(WIB).replace(second=0, microsecond=0)
    _publish(app, "Festival Layang-layang <b>Palabuhanratu</b>", now + timedelta(days=1), 3)
    later = _publish(app, "Seren Taun Sirnaresmi", now + timedelta(days=10), 6)
    server = live_server(app)
    context = browser.new_context(viewport=PHONE_360, locale="id-ID", service_workers="block")
    blank_tiles(context, server.url)
    page = context.new_page()
    page.goto(server.url + "/")
    page.wait_for_function(EVENTS_DRAWN + " === 2", timeout=30000)
    page.wait_for_selector(
        ".gt-map[data-geotour-ready]", timeout=30000
    )  # the page done: nothing shifts it now
    page.evaluate(
        "() => document.querySelector('.leaflet-container').geotour.groups.events.getLayers()[0].openPopup() && true"
    )
    popup = settled_popup(page, nearby=False)
    assert popup.locator("strong").inner_text() == "Festival Layang-layang <b>Palabuhanratu</b>"  # as text
    assert popup.inner_text().count("WIB") == 1
    # "+ My trip" in the popup, as on the event's page: the trip keeps it as an event, its name as text
    popup.locator("button.gt-trip-add").click()
    popup.locator("button.gt-trip-add", has_text="✓").wait_for(timeout=5000)
    kept = page.evaluate("() => JSON.parse(localStorage.getItem('geotour-trip'))")
    assert [(e["kind"], e["name"]) for e in kept] == [
        ("event", "Festival Layang-layang <b>Palabuhanratu</b>")
    ]
    assert kept[0]["url"].startswith("/events/")

    context.close()
    # The same map on a phone whose clock reads two days later: its own context, the clock set before any page
    later_phone = browser.new_context(viewport=PHONE_360, locale="id-ID", service_workers="block")
    later_phone.clock.install(time=(now + timedelta(days=2)).timestamp())
    blank_tiles(later_phone, server.url)
    two_days_on = later_phone.new_page()
    two_days_on.goto(server.url + "/")
    two_days_on.wait_for_function(EVENTS_DRAWN + " === 1", timeout=30000)
    two_days_on.evaluate(
        "() => document.querySelector('.leaflet-container').geotour.groups.events.getLayers()[0].openPopup() && true"
    )
    link = two_days_on.locator(".leaflet-popup-content a")
    assert link.get_attribute("href") == f"/events/{later}" and link.inner_text() == "Lihat acaranya"
    later_phone.close()
