"""Issue 13, part 4: a moderator corrects a submission before approving it, in one step, through the real
pages; the contributor stays its author and the moderator its approver."""

import re

import pytest
from pyproj import Geod

from .contributions import bearer, csrf_from, homestay, login, make_users, token_for

GEOD = Geod(ellps="WGS84")


@pytest.fixture
def office(app):
    make_users(app)
    return app


def sent_by_kim(app, feature):
    client = app.test_client()
    answer = client.post("/api/v1/submissions", json=feature, headers=bearer(token_for(app, "kim1")))
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return answer.get_json()["submissions"][0]


def moderator_page(app, user="mod"):
    client = app.test_client()
    login(client, user)
    return client


def send_edit(client, submission_id, form, fields, **options):
    """Post the moderator's edit form (its CSRF token taken from the form page), in Indonesian."""
    return client.post(
        f"/moderation/{submission_id}/edit",
        headers={"Accept-Language": "id"},
        data={"csrf_token": csrf_from(form), **fields},
        **options,
    )


def test_a_moderator_corrects_then_approves_in_one_step(office):
    submission = sent_by_kim(
        office, homestay(name="Homestay Ciletuh Asri (typo", description_id="Kamar bersih.")
    )
    mod = moderator_page(office)
    queue = mod.get("/moderation", headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert f'href="/moderation/{submission["id"]}/edit"' in queue and "Ubah, lalu setujui" in queue
    form = mod.get(f"/moderation/{submission['id']}/edit", headers={"Accept-Language": "id"}).get_data(
        as_text=True
    )
    assert (
        'value="Homestay Ciletuh Asri (typo"' in form
        and 'name="lat" inputmode="decimal" required value="-7.23"' in form
    )
    assert 'id="gt-feature-form"' not in form, "the phone outbox must not take the moderator's form"
    answer = send_edit(
        mod,
        submission["id"],
        form,
        {
            "name": "Homestay Ciletuh Asri",
            "category": "penginapan",
            "description_id": "Kamar bersih, dekat Curug Sodong.",
            "whatsapp": "0812 3456 7890",
            "owner_consent": "on",
            "lat": "-7,2305",
            "lon": "106,4603",
        },
    )
    assert answer.status_code == 302
    published = office.test_client().get(f"/api/v1/features/{submission['feature_id']}").get_json()
    assert published["properties"]["name"] == "Homestay Ciletuh Asri"
    assert published["properties"]["description_id"] == "Kamar bersih, dekat Curug Sodong."
    assert published["geometry"]["coordinates"] == [106.4603, -7.2305]
    kept = mod.get(f"/api/v1/submissions/{submission['id']}").get_json()
    assert (
        kept["status"] == "approved"
        and kept["feature"]["properties"]["name"] == "Homestay Ciletuh Asri (typo"
    ), "the submission keeps what the contributor sent"
    history = mod.get(
        f"/moderation/features/{submission['feature_id']}", headers={"Accept-Language": "id"}
    ).get_data(as_text=True)
    assert "oleh kim1, disetujui oleh mod" in history and "Diubah oleh moderator sebelum disetujui" in history
    versions = (
        office.test_client()
        .get(
            f"/api/v1/features/{submission['feature_id']}/versions", headers=bearer(token_for(office, "mod"))
        )
        .get_json()
    )
    assert versions["versions"][-1]["note"] == "edited by the moderator before approval"


def test_a_bad_correction_shows_the_form_again_and_approves_nothing(office):
    submission = sent_by_kim(office, homestay())
    mod = moderator_page(office)
    form = mod.get(f"/moderation/{submission['id']}/edit").get_data(as_text=True)
    answer = send_edit(
        mod,
        submission["id"],
        form,
        {
            "name": "Homestay Ciletuh Asri",
            "category": "hotel-bintang-lima",
            "lat": "-7.05",
            "lon": "106.95",
        },
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "bukan kategori" in page and "di luar geopark" in page
    assert 'value="Homestay Ciletuh Asri"' in page, "what the moderator typed is shown again"
    assert mod.get(f"/api/v1/submissions/{submission['id']}").get_json()["status"] == "pending"
    assert office.test_client().get(f"/api/v1/features/{submission['feature_id']}").status_code == 404


def test_only_another_moderator_may_edit_and_approve(office):
    own = sent_by_kim(office, homestay())
    kim = moderator_page(office, "kim1")
    assert kim.get(f"/moderation/{own['id']}/edit").status_code == 403
    mods_own = (
        office.test_client()
        .post(
            "/api/v1/submissions", json=homestay(name="Warung Mod"), headers=bearer(token_for(office, "mod"))
        )
        .get_json()["submissions"][0]
    )
    mod = moderator_page(office)
    form = mod.get(f"/moderation/{mods_own['id']}/edit").get_data(as_text=True)
    answer = send_edit(
        mod,
        mods_own["id"],
        form,
        {"name": "Warung Mod Asri", "category": "penginapan", "lat": "-7.23", "lon": "106.46"},
        follow_redirects=True,
    )
    assert re.search("another moderator|moderator lain", answer.get_data(as_text=True))
    assert mod.get(f"/api/v1/submissions/{mods_own['id']}").get_json()["status"] == "pending"


def test_a_removal_has_nothing_to_edit(office):
    client = office.test_client()
    answer = client.delete(
        "/api/v1/features/curug-sodong", json={"reason": "Tutup."}, headers=bearer(token_for(office, "kim1"))
    )
    removal = answer.get_json()["submissions"][0]
    mod = moderator_page(office)
    answer = mod.get(
        f"/moderation/{removal['id']}/edit", follow_redirects=True, headers={"Accept-Language": "id"}
    )
    assert answer.status_code == 200 and "Hanya tempat baru atau koreksi" in answer.get_data(as_text=True)
    assert mod.get(f"/api/v1/submissions/{removal['id']}").get_json()["status"] == "pending"


def test_the_api_approves_with_corrections_too(office):
    submission = sent_by_kim(office, homestay(name="Homestay Typo"))
    client, mod = office.test_client(), bearer(token_for(office, "mod"))
    bad = client.post(
        f"/api/v1/submissions/{submission['id']}/approve",
        headers=mod,
        json={"properties": {"category": "kastil"}},
    )
    assert bad.status_code == 400 and bad.get_json()["error"]["problems"][0]["field"] == "category"
    done = client.post(
        f"/api/v1/submissions/{submission['id']}/approve",
        headers=mod,
        json={
            "properties": {"name": "Homestay Rapi"},
            "geometry": {"type": "Point", "coordinates": [106.4611, -7.2302]},
        },
    )
    assert done.status_code == 200 and done.get_json()["status"] == "approved"
    published = client.get(f"/api/v1/features/{submission['feature_id']}").get_json()
    assert (
        published["properties"]["name"] == "Homestay Rapi"
        and published["properties"]["whatsapp"] == "+6281234567890"
    )
    assert published["geometry"]["coordinates"] == [106.4611, -7.2302]
