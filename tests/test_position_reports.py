"""Position checks on site (issue 13, part 3): visitors standing at a place whose point is an estimate send
"I am here"; when three independent reports agree within 50 m, the moderator can move the point there."""

import pytest
from pyproj import Geod

from geotour.context import current
from geotour.domain.position_checks import agreement
from tests.contributions import bearer, login, make_users, token_for

GEOD = Geod(ellps="WGS84")
GEYSER = "geyser-cisolok"  # estimated, ±1 km, at 106.453, -6.929
STOOD_AT = (106.4551, -6.9301)  # where the geyser really is, in this story: about 300 m away


def _near(lon, lat, east_m, north_m):
    lon2, lat2, _ = GEOD.fwd(lon, lat, 90, east_m)
    return GEOD.fwd(lon2, lat2, 0, north_m)[:2]


def _report(n, reporter, east_m=0, north_m=0):
    lon, lat = _near(*STOOD_AT, east_m, north_m)
    return {"id": n, "lon": lon, "lat": lat, "reporter": reporter}


def test_three_independent_reports_within_fifty_metres_agree():
    found = agreement([_report(1, "a"), _report(2, "b", 20, 10), _report(3, "c", -15, 20)])
    assert found is not None and found.reporters == 3 and set(found.report_ids) == {1, 2, 3}
    assert GEOD.inv(found.lon, found.lat, *STOOD_AT)[2] < 15 and found.spread_m <= 50


@pytest.mark.parametrize(
    "reports",
    [
        [_report(1, "a"), _report(2, "a", 5), _report(3, "a", 10)],  # one phone, three times
        [_report(1, "a"), _report(2, "b", 20), _report(3, "c", 400)],  # one of them elsewhere
        [_report(1, "a"), _report(2, "b", 20)],  # two are not enough
    ],
)
def test_reports_that_do_not_agree_suggest_nothing(reports):
    assert agreement(reports) is None


def _here(client, address, lon=STOOD_AT[0], lat=STOOD_AT[1], accuracy=12.0, feature=GEYSER, **kwargs):
    return client.post(
        f"/api/v1/features/{feature}/here",
        json={"lon": lon, "lat": lat, "accuracy_m": accuracy},
        environ_base={"REMOTE_ADDR": address},
        **kwargs,
    )


@pytest.mark.parametrize(
    "body, field",
    [
        ({"accuracy": 80}, "accuracy_m"),
        ({"accuracy": "dekat"}, "accuracy_m"),
        ({"lon": 106.9, "lat": -7.3}, "position"),
        ({"lon": "x"}, "position"),
    ],
)
def test_a_report_that_says_little_is_refused_by_name(client, body, field):
    answer = _here(client, "10.1.1.1", **body)
    assert answer.status_code == 400 and answer.get_json()["error"]["field"] == field


@pytest.mark.parametrize("feature", ["karang-hawu", "kasepuhan-ciptagelar"])
def test_a_place_whose_position_is_published_takes_no_reports(client, feature):
    """Only an estimated point asks "I am here", on the page and in the API (issue 32, break 9)."""
    answer = _here(client, "10.1.1.5", feature=feature, headers={"Accept-Language": "id"})
    assert answer.status_code == 409 and answer.get_json()["error"]["field"] == "id"
    assert "perkiraan" in answer.get_json()["error"]["message"]
    page = client.get(f"/sites/{feature}").get_data(as_text=True)
    assert "gt-here" not in page


def test_what_a_report_needs(client):
    assert _here(client, "10.1.1.2").status_code == 202  # no account needed
    assert _here(client, "10.1.1.2", feature="nope").status_code == 404
    plain = client.post(
        f"/api/v1/features/{GEYSER}/here",
        data='{"lon": 1}',
        content_type="text/plain",
        environ_base={"REMOTE_ADDR": "10.1.1.2"},
    )
    assert plain.status_code == 400  # JSON only: another site cannot make its visitors' browsers send one
    words = _here(client, "10.1.1.2", accuracy=80, headers={"Accept-Language": "id"}).get_json()["error"][
        "message"
    ]
    assert "±80 m" in words and "50" in words


def test_reports_are_limited_per_address(make_app):
    client = make_app(GEOTOUR_RATELIMIT_REPORTS="3 per hour").test_client()
    assert [_here(client, "10.2.2.2").status_code for _ in range(4)] == [202, 202, 202, 429]
    assert _here(client, "10.2.2.3").status_code == 202  # another phone


def test_one_ipv6_slash_64_is_one_sender(make_app):
    """A phone may send from any address of its /64 (issue 32, break 4): one limit, one reporter."""
    app = make_app(GEOTOUR_RATELIMIT_REPORTS="3 per hour")
    make_users(app)
    api = app.test_client()
    codes = [_here(api, f"2001:db8:5:7::{n}").status_code for n in (1, 2, 3, 4)]
    assert codes == [202, 202, 202, 429]
    assert _here(api, "2001:db8:5:8::1").status_code == 202  # another /64: another phone
    assert _here(api, "::ffff:10.9.9.9").status_code == 202 and _here(api, "10.9.9.9").status_code == 202
    with app.app_context():
        senders = {r["reporter"] for r in current().storage.position_reports(GEYSER)}
    assert len(senders) == 3  # 2001:db8:5:7::/64, 2001:db8:5:8::/64 and 10.9.9.9


def test_reports_kept_stay_bounded_newest_first(app):
    """Reports piled up without bound and the oldest 5,000 were read (issue 32, break 3)."""
    from geotour.storage.sql_files import REPORTS_PER_PLACE
    from tests.backends import run_sql

    with app.app_context():
        storage = current().storage
        run_sql(app, "DELETE FROM position_reports")
        storage.add_position_report(GEYSER, *STOOD_AT, 10.0, "old")
        run_sql(app, "UPDATE position_reports SET created_at = '2026-01-01T00:00:00Z'")
        for n in range(30):
            storage.add_position_report(GEYSER, *STOOD_AT, 10.0, f"phone-{n}")
        storage.add_position_report(GEYSER, *STOOD_AT, 5.0, "phone-29")  # the same phone again
        kept = storage.position_reports(GEYSER)
    assert len(kept) == REPORTS_PER_PLACE == 20
    assert [r["reporter"] for r in kept][:2] == ["phone-29", "phone-28"]  # newest first, one per sender
    assert "old" not in {r["reporter"] for r in kept} and kept[0]["accuracy_m"] == 5.0


def test_three_visitors_move_the_geyser_and_mark_it_checked_on_site(make_app):
    app = make_app()
    make_users(app)
    api = app.test_client()
    moderator = app.test_client()
    csrf = login(moderator, "mod")
    for _ in range(3):  # one phone, three times: not three visitors
        assert _here(api, "10.3.3.1").status_code == 202
    assert "Positions checked by visitors" not in moderator.get("/moderation?lang=en").get_data(as_text=True)
    _here(api, "10.3.3.2", *_near(*STOOD_AT, 20, 10))
    _here(api, "10.3.3.3", *_near(*STOOD_AT, -15, 20))
    page = moderator.get("/moderation?lang=en").get_data(as_text=True)
    assert "Positions checked by visitors" in page and "3 visitors stood within" in page
    # Public pages and the API never show the reports.
    assert "10.3.3" not in api.get(f"/api/v1/features/{GEYSER}").get_data(as_text=True)
    kim = app.test_client()
    login(kim, "kim1")
    assert kim.post(f"/moderation/features/{GEYSER}/reported-position").status_code in (302, 400, 403)
    moved = moderator.post(f"/moderation/features/{GEYSER}/reported-position", data={"csrf_token": csrf})
    assert moved.status_code == 302
    feature = api.get(f"/api/v1/features/{GEYSER}").get_json()
    props = feature["properties"]
    assert props["coord_confidence"] == "verified" and props["coord_verified_method"] == "visitor reports (3)"
    assert props["coord_previous"] == {"lon": 106.453, "lat": -6.929} and "coord_uncertainty_m" not in props
    assert GEOD.inv(*feature["geometry"]["coordinates"], *STOOD_AT)[2] < 15
    assert "Positions checked by visitors" not in moderator.get("/moderation?lang=en").get_data(as_text=True)
    assert _here(api, "10.3.3.4").status_code == 409  # checked on site: no more reports needed
    with app.app_context():
        assert current().storage.position_reports(GEYSER) == []  # used
    versions = api.get(
        f"/api/v1/features/{GEYSER}/versions", headers=bearer(token_for(app, "mod"))
    ).get_json()
    assert versions["versions"][-1]["action"] == "verify"


def test_a_members_correction_checked_on_site_marks_the_position_verified_once_approved(make_app):
    app = make_app()
    make_users(app)
    member = app.test_client()
    csrf = login(member, "kim1")
    form = member.get(f"/contribute/edit/{GEYSER}?lang=en").get_data(as_text=True)
    assert 'name="checked_on_site"' in form and "I checked this position standing at the place." in form
    lon, lat = STOOD_AT
    sent = member.post(
        f"/contribute/edit/{GEYSER}",
        data={
            "csrf_token": csrf,
            "name": "Geyser Cisolok",
            "category": "air-panas",
            "lat": str(lat),
            "lon": str(lon),
            "checked_on_site": "on",
        },
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)[:400]
    api = app.test_client()
    assert api.get(f"/api/v1/features/{GEYSER}").get_json()["properties"]["coord_confidence"] == "estimated"
    mod = bearer(token_for(app, "mod"))
    [pending] = api.get("/api/v1/submissions?status=pending", headers=mod).get_json()["submissions"]
    assert api.post(f"/api/v1/submissions/{pending['id']}/approve", headers=mod).status_code == 200
    props = api.get(f"/api/v1/features/{GEYSER}").get_json()["properties"]
    assert props["coord_confidence"] == "verified" and props["coord_verified_by"] == "kim1"
    assert props["coord_verified_method"] == "checked on site by a member" and props["coord_verified_at"]
    assert props["coord_previous"] == {"lon": 106.453, "lat": -6.929} and "coord_checked_on_site" not in props
    verified_form = member.get(f"/contribute/edit/{GEYSER}").get_data(as_text=True)
    assert 'name="checked_on_site"' not in verified_form  # nothing left to check


def test_checked_on_site_through_the_api_must_be_a_yes_or_no(make_app):
    app = make_app()
    make_users(app)
    answer = app.test_client().patch(
        f"/api/v1/features/{GEYSER}",
        json={"properties": {"checked_on_site": "mungkin"}},
        headers=bearer(token_for(app, "kim1")),
    )
    assert answer.status_code == 400 and answer.get_json()["error"]["field"] == "checked_on_site"
