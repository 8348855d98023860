"""Issue 30, part 4: the geopark partner label ("Mitra Geopark"). The office grants it to a business against a
checklist it edits, from a day granted to an expiry; partners get a badge on their page, in the map's popup
and in the list, a "partners only" filter, and a field in the API; an expired label goes by itself, and the
office is reminded a month before."""

import re
from datetime import date, timedelta

import pytest

from geotour.domain import counting, partners
from tests.contributions import approved_business, bearer, login, make_users, token_for

ALL = [c["id"] for c in partners.DEFAULT_CRITERIA]


def _today():
    return date.fromisoformat(counting.day_of())


@pytest.fixture
def office(make_app):
    """An app with a real business (kim1's homestay, approved) and the office signed in: (app, client, csrf,
    business id)."""
    app = make_app()
    make_users(app)
    business = approved_business(app)
    client = app.test_client()
    return app, client, login(client, "mod"), business


def _grant(client, csrf, business, met=ALL, granted=None, expires=None, lang="en"):
    data = {"csrf_token": csrf, "met": list(met), "granted": (granted or _today()).isoformat()}
    if expires is not None:
        data["expires"] = expires.isoformat()
    return client.post(f"/moderation/features/{business}/partner?lang={lang}", data=data)


def _flashes(client, business):
    html = client.get(f"/moderation/features/{business}?lang=en").get_data(as_text=True)
    return re.findall(r'gt-flash--(\w+)" role="status">([^<]*)<', html)


def test_the_office_grants_the_label_and_the_business_shows_it_everywhere(office):
    app, client, csrf, business = office
    assert _grant(client, csrf, business).status_code == 302
    assert _flashes(client, business)[-1][0] == "ok"
    page = client.get(f"/msmes/{business}?lang=en").get_data(as_text=True)
    assert "gt-badge--partner" in page and "Locally owned and run" in page
    expiry = partners.default_expiry(_today())
    assert expiry == _today() + timedelta(days=364)
    stored = app.extensions["geotour"].storage.get_feature(business)["properties"]["partner"]
    assert stored["granted"] == _today().isoformat() and stored["expires"] == expiry.isoformat()
    assert [c["id"] for c in stored["criteria"]] == ALL  # the checklist as it stood when granted
    # the API: a field, and a filter
    public = client.get("/api/v1/layers/msmes?partner=true").get_json()
    assert [f["id"] for f in public["features"]] == [business] and public["numberMatched"] == 1
    assert client.get("/api/v1/layers/msmes?partner=false").get_json()["numberMatched"] > 1
    # the map's snapshot carries it, for the popup's badge (static/js/geotour-map.js, partnerNow)
    from geotour.domain.places import layer_snapshot

    ctx = app.extensions["geotour"]
    snapshot = layer_snapshot(ctx.storage, ctx.catalogue, "msmes", "map")
    assert next(f for f in snapshot["features"] if f["id"] == business)["properties"]["partner"] == stored
    # the list: a tag and "partners only" without JavaScript
    listed = client.get("/places?partner=1&lang=en").get_data(as_text=True)
    shown = re.findall(r'<li class="gt-places__item"[^>]*>', listed)
    assert [item for item in shown if "hidden" not in item] == [
        item for item in shown if "data-partner" in item and "hidden" not in item
    ]
    assert any("data-partner" in item and "hidden" not in item for item in shown)
    # the history says who granted it and until when
    history = client.get(f"/moderation/features/{business}?lang=en").get_data(as_text=True)
    assert "Geopark partner label until" in history


def test_every_criterion_must_be_ticked_and_the_dates_make_sense(office):
    app, client, csrf, business = office
    _grant(client, csrf, business, met=ALL[:1])
    kind, said = _flashes(client, business)[-1]
    assert kind == "error" and "Shows geopark information to its guests" in said
    _grant(client, csrf, business, expires=_today() - timedelta(days=1))
    assert "expire after" in _flashes(client, business)[-1][1]
    _grant(client, csrf, business, expires=_today() + timedelta(days=800))
    assert "two years" in _flashes(client, business)[-1][1]
    bad = client.post(
        f"/moderation/features/{business}/partner?lang=en",
        data={"csrf_token": csrf, "met": ALL, "granted": "03/12/2026"},
    )
    assert bad.status_code == 302 and "YYYY-MM-DD" in _flashes(client, business)[-1][1]
    assert "partner" not in app.extensions["geotour"].storage.get_feature(business)["properties"]


def test_an_expired_label_goes_by_itself_and_the_office_is_reminded_a_month_before(office):
    app, client, csrf, business = office
    _grant(
        client, csrf, business, granted=_today() - timedelta(days=400), expires=_today() - timedelta(days=1)
    )
    assert "gt-badge--partner" not in client.get(f"/msmes/{business}").get_data(as_text=True)
    assert client.get("/api/v1/layers/msmes?partner=true").get_json()["numberMatched"] == 0
    queue = client.get("/moderation?lang=en").get_data(as_text=True)
    assert "Geopark partner labels to renew" in queue and "no longer shown" in queue
    # renewed, expiring in three weeks: shown, and the office is reminded
    _grant(
        client, csrf, business, granted=_today() - timedelta(days=300), expires=_today() + timedelta(days=21)
    )
    assert "gt-badge--partner" in client.get(f"/msmes/{business}").get_data(as_text=True)
    queue = client.get("/moderation?lang=en").get_data(as_text=True)
    assert "Geopark partner labels to renew" in queue and "expires on" in queue
    # renewed for a year: no reminder
    _grant(client, csrf, business)
    assert "Geopark partner labels to renew" not in client.get("/moderation?lang=en").get_data(as_text=True)
    # a label that starts tomorrow is not shown yet
    _grant(client, csrf, business, granted=_today() + timedelta(days=1))
    assert "gt-badge--partner" not in client.get(f"/msmes/{business}").get_data(as_text=True)


def test_the_office_withdraws_a_label(office):
    app, client, csrf, business = office
    _grant(client, csrf, business)
    assert (
        client.post(
            f"/moderation/features/{business}/partner/withdraw", data={"csrf_token": csrf}
        ).status_code
        == 302
    )
    assert "partner" not in app.extensions["geotour"].storage.get_feature(business)["properties"]
    assert "gt-badge--partner" not in client.get(f"/msmes/{business}").get_data(as_text=True)
    client.post(f"/moderation/features/{business}/partner/withdraw?lang=en", data={"csrf_token": csrf})
    assert "no partner label" in _flashes(client, business)[-1][1]


def test_only_the_office_grants_it_and_a_member_cannot_give_it_to_themselves(office):
    app, client, csrf, business = office
    member = app.test_client()
    member_csrf = login(member, "kim1")
    refused = member.post(
        f"/moderation/features/{business}/partner", data={"csrf_token": member_csrf, "met": ALL}
    )
    assert refused.status_code == 403
    # sent in a correction, the property is ignored (and said so), never published
    correction = member.patch(
        f"/api/v1/features/{business}",
        json={
            "type": "Feature",
            "properties": {"partner": {"granted": "2026-01-01", "expires": "2030-01-01"}},
        },
        headers={**bearer(token_for(app, "kim1")), "Idempotency-Key": "partner-1"},
    )
    assert correction.status_code in (201, 202, 400), correction.get_json()
    assert "partner" not in app.extensions["geotour"].storage.get_feature(business)["properties"]


def test_a_sample_business_or_an_attraction_cannot_be_a_partner(office):
    app, client, csrf, _business = office
    _grant(client, csrf, "msme-0001")  # invented by the sample data
    assert "sample" in _flashes(client, "msme-0001")[-1][1]
    _grant(client, csrf, "curug-sodong")
    assert "Only businesses" in _flashes(client, "curug-sodong")[-1][1]


def test_the_office_edits_the_checklist_and_labels_keep_the_one_they_were_granted_on(office):
    app, client, csrf, business = office
    _grant(client, csrf, business)
    page = client.get("/moderation/partners?lang=en").get_data(as_text=True)
    assert "Homestay Ciletuh Asri" in page and "Locally owned and run" in page
    saved = client.post(
        "/moderation/partners",
        data={
            "csrf_token": csrf,
            "id": ["local", ""],
            "text_id": ["Milik warga setempat", "<b>Tanpa</b> plastik sekali pakai"],
            "text_en": ["Owned by local people", "<b>No</b> single-use plastic"],
        },
    )
    assert saved.status_code == 302
    page = client.get("/moderation/partners?lang=en").get_data(as_text=True)
    assert "&lt;b&gt;No&lt;/b&gt; single-use plastic" in page and "<b>No</b>" not in page
    history = client.get(f"/moderation/features/{business}?lang=en").get_data(as_text=True)
    assert re.findall(r'name="met" value="([^"]+)"', history) == ["local", "b_no_b_single_use_plastic"]
    shown = client.get(f"/msmes/{business}?lang=en").get_data(as_text=True)
    assert "Locally owned and run" in shown and "single-use plastic" not in shown  # as granted
    # one language missing: refused, nothing changed
    client.post(
        "/moderation/partners", data={"csrf_token": csrf, "id": [""], "text_id": ["Hanya"], "text_en": [""]}
    )
    assert [c["id"] for c in app.extensions["geotour"].storage.setting("partner_criteria")] == [
        "local",
        "b_no_b_single_use_plastic",
    ]


def test_partner_filter_is_checked_like_every_parameter(office):
    app, client, csrf, business = office
    wrong = client.get("/api/v1/layers/msmes?partner=maybe")
    assert wrong.status_code == 400 and wrong.get_json()["error"]["field"] == "partner"
