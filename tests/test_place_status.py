"""Issue 29, part 2: a place is open, closed until a day, or limited, with a reason: said on its page, in the
place list and the lists of places near others, greyed on the map; a closure ends by itself after its last day."""

import re
from datetime import date, datetime, timedelta

import pytest

from geotour.context import current
from geotour.contributions import decisions, workflow
from geotour.domain import visit
from geotour.domain.visit import WIB
from tests.contributions import make_users


def set_status(app, users, feature_id, **sent):
    with app.test_request_context():
        submission = workflow.submit_edit(current(), users["kim1"], feature_id, sent)
        decisions.approve(current(), users["mod"], submission["id"])


def test_a_closed_place_says_so_on_its_page_in_the_list_and_near_others(make_app):
    app = make_app()
    users = make_users(app)
    last_day = datetime.now(WIB).date() + timedelta(days=3)
    set_status(
        app,
        users,
        "pulau-kunti",
        status="closed",
        status_until=last_day.isoformat(),
        status_reason="Perahu berhenti selama ombak tinggi",
    )
    client = app.test_client()
    page = client.get("/sites/pulau-kunti?lang=id").get_data(as_text=True)
    status = re.search(r'<p class="gt-status gt-status--closed">(.*?)</p>', page, re.S).group(1)
    assert status.startswith("<strong>Tutup</strong> sampai ") and str(last_day.year) in status
    assert "Perahu berhenti selama ombak tinggi" in status and "dilaporkan" in status
    english = client.get("/sites/pulau-kunti?lang=en").get_data(as_text=True)
    assert '<p class="gt-status gt-status--closed"><strong>Closed</strong> until ' in english
    places = client.get("/places?lang=id").get_data(as_text=True)
    item = re.search(
        r'<li class="gt-places__item"[^>]*>(?:(?!</li>).)*pulau-kunti(?:(?!</li>).)*</li>', places, re.S
    )
    assert 'gt-tag--closed">Tutup sampai' in item.group(0)
    near = client.get("/sites/pulau-mandra?lang=id&radius_m=25000").get_data(as_text=True)
    assert "gt-status" not in near.split('id="nearby-title"')[0]  # another place is not closed
    props = client.get("/api/v1/features/pulau-kunti").get_json()["properties"]
    assert props["status"] == "closed" and props["status_until"] == last_day.isoformat()


def test_the_map_snapshot_carries_the_status_for_the_markers(make_app):
    app = make_app()
    users = make_users(app)
    set_status(app, users, "curug-awang", status="limited", status_reason="Jalan setapak licin")
    client = app.test_client()
    url = next(
        layer["map_snapshot_url"]
        for layer in client.get("/api/v1/layers").get_json()["layers"]
        if layer["id"] == "geosites"
    )
    features = client.get(url).get_json()["features"]
    awang = next(f for f in features if f["id"] == "curug-awang")
    assert (
        awang["properties"]["status"] == "limited"
        and awang["properties"]["status_reason"] == "Jalan setapak licin"
    )


def test_a_closure_is_over_by_itself_after_its_last_day():
    today = date(2026, 12, 5)
    props = {"status": "closed", "status_until": "2026-12-05"}
    assert visit.place_status(props, today) == ("closed", date(2026, 12, 5))  # closed on its last day
    assert visit.place_status(props, today + timedelta(days=1)) == ("open", None)
    assert visit.place_status({"status": "limited"}, today) == ("limited", None)  # until the office says
    assert visit.place_status({"status": "open", "status_until": "2027-01-01"}, today) == ("open", None)
    assert visit.place_status({"status": "nonsense"}, today) == ("open", None)


@pytest.mark.parametrize(
    "sent, field",
    [
        ({"status": "shut"}, "status"),
        ({"status": "closed", "status_until": "05-12-2026"}, "status_until"),
        ({"status": "closed", "status_until": "2020-01-01"}, "status_until"),
        ({"status": "closed", "status_until": "2099-01-01"}, "status_until"),
        ({"status_reason": "x" * 301}, "status_reason"),
    ],
)
def test_a_bad_status_is_refused_naming_the_field(make_app, sent, field):
    app = make_app()
    users = make_users(app)
    with app.test_request_context(), pytest.raises(Exception) as refused:
        workflow.submit_edit(current(), users["kim1"], "curug-awang", sent)
    assert field in [p["field"] for p in refused.value.problems]
