"""Two machines, one site: two app processes with their own photo and snapshot folders share one database
(PostgreSQL on the second pass of .ci/run; one SQLite file on the first) and, when configured, Redis.

Checked from outside, over HTTP, as the README sets machines up: an import previewed on A is confirmed on
B, and a photo uploaded on A is shown and attached on B, with GEOTOUR_PHOTO_STORE=database.
"""

import hashlib
import re

import pytest
import requests

from bench.servers import Gunicorn
from tests import backends
from tests.contributions import (
    PASSWORD,
    bearer,
    csrf_from,
    kml,
    make_users,
    ten_homestays,
    token_for,
    waterfall,
)
from tests.test_photos import jpeg_with_gps


@pytest.fixture
def two_machines(make_app, tmp_path):
    """Return (machine A, machine B, token of kim1) serving one site."""
    if backends.on_postgres():
        database = backends.pg_url(backends.new_database())
    else:
        database = f"sqlite:///{tmp_path}/shared.sqlite3"
    shared = {
        "GEOTOUR_DATABASE_URL": database,
        "GEOTOUR_SECRET_KEY": "the-same-on-every-machine-" + "x" * 20,
        "GEOTOUR_PHOTO_STORE": "database",
    }
    if backends.REDIS_URL:
        shared |= {"GEOTOUR_CACHE_URL": backends.REDIS_URL, "GEOTOUR_CACHE_PREFIX": f"two-{tmp_path.name}:"}
    app = make_app(**shared)
    make_users(app)
    token = token_for(app, "kim1")
    machines = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        machines.append(
            Gunicorn(folder, {**shared, "GEOTOUR_INSTANCE_DIR": str(folder / "instance")}, workers=1)
        )
    yield machines[0], machines[1], token
    for machine in machines:
        machine.stop()


def signed_in(machine):
    session = requests.Session()
    page = session.get(machine.url + "/login").text
    answer = session.post(
        machine.url + "/login",
        data={"username": "kim1", "password": PASSWORD, "csrf_token": csrf_from(page)},
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:300]
    return session


def test_an_import_previewed_on_one_machine_is_confirmed_on_the_other(two_machines):
    a, b, token = two_machines
    session = signed_in(a)
    csrf = csrf_from(session.get(a.url + "/contribute/import").text)
    preview = session.post(
        a.url + "/contribute/import",
        data={"layer": "msmes", "category": "penginapan", "owner_consent": "on", "csrf_token": csrf},
        files={"file": ("homestays.kml", kml(ten_homestays(False, False)))},
    )
    assert preview.status_code == 200, preview.text[:500]
    stash = re.search(r'name="stash_id" value="([0-9a-f]+)"', preview.text).group(1)

    done = session.post(
        b.url + "/contribute/import",
        data={  # the same person's next tap lands on machine B
            "stash_id": stash,
            "layer": "msmes",
            "category": "penginapan",
            "owner_consent": "on",
            "csrf_token": csrf_from(preview.text),
        },
        allow_redirects=False,
    )
    assert done.status_code == 302, done.text[:800]
    pending = requests.get(a.url + "/api/v1/submissions?status=pending", headers=bearer(token)).json()
    assert pending["numberMatched"] == 10
    assert not (
        a.log_path.parent / "instance" / "pending-imports"
    ).exists()  # nothing kept on one machine's disk


def test_a_photo_uploaded_on_one_machine_is_shown_and_attached_on_the_other(two_machines):
    a, b, token = two_machines
    data = jpeg_with_gps()
    sent = requests.post(
        a.url + "/api/v1/photos", headers=bearer(token), files={"photo": ("curug.jpg", data, "image/jpeg")}
    )
    assert sent.status_code == 201, sent.text[:300]
    photo = sent.json()
    on_a, on_b = (requests.get(machine.url + photo["thumb"], headers=bearer(token)) for machine in (a, b))
    assert (
        on_b.status_code == 200
        and on_b.content == on_a.content
        and on_b.headers["Content-Type"] == "image/webp"
    )
    # Machine B asked first: "is this photo stored?" — yes, so the phone need not send it again.
    asked = requests.get(
        b.url + "/api/v1/photos/sources/" + hashlib.sha256(data).hexdigest(), headers=bearer(token)
    )
    assert asked.json()["stored"] is True and asked.json()["id"] == photo["id"]

    created = requests.post(
        b.url + "/api/v1/submissions",
        headers=bearer(token),
        json=waterfall("Curug Dua Mesin", photos=[photo["id"]]),
    )
    assert created.status_code == 201, created.text[:300]
