"""Who may do what: the authorization matrix, sign-in, CSRF, tokens and rate limits."""

import json
import re

import pytest

from geotour.context import current
from geotour.contributions import accounts
from tests.backends import run_sql
from tests.contributions import PASSWORD, bearer, csrf_from, login, make_users, token_for, upload, waterfall
from tests.test_photos import jpeg_with_gps

ANON, KIM1, KIM2, MOD, ADMIN = "anonymous", "kim1", "kim2", "mod", "admin"


@pytest.fixture
def world(make_app):
    """Return (app, tokens, ids): a pending submission by kim1, published features to edit."""
    app = make_app()
    make_users(app)
    tokens = {name: token_for(app, name) for name in (KIM1, KIM2, MOD, ADMIN)}
    client = app.test_client()
    own = client.post("/api/v1/submissions", json=waterfall(), headers=bearer(tokens[KIM1])).get_json()
    photo = client.post(
        "/api/v1/photos",
        data={"photo": upload(jpeg_with_gps(), "IMG_0001.jpg")},
        headers=bearer(tokens[KIM1]),
        content_type="multipart/form-data",
    ).get_json()
    return app, tokens, {"sub": own["submissions"][0]["id"], "photo": photo["id"]}


def _fresh_pending(app, tokens):
    client = app.test_client()
    return client.post("/api/v1/submissions", json=waterfall(), headers=bearer(tokens[KIM1])).get_json()[
        "submissions"
    ][0]["id"]


# (method, path, json body, {role: expected status}); the submission in paths belongs to kim1.
MATRIX = [
    ("POST", "/api/v1/submissions", waterfall(), {ANON: 401, KIM1: 201, KIM2: 201, MOD: 201, ADMIN: 201}),
    (
        "PATCH",
        "/api/v1/features/curug-sodong",
        {"properties": {"name": "Curug Sodong 2"}},
        {ANON: 401, KIM1: 201, KIM2: 201, MOD: 201, ADMIN: 201},
    ),
    (
        "DELETE",
        "/api/v1/features/curug-sodong",
        None,
        {ANON: 401, KIM1: 201, KIM2: 201, MOD: 201, ADMIN: 201},
    ),
    ("GET", "/api/v1/submissions", None, {ANON: 401, KIM1: 200, KIM2: 200, MOD: 200, ADMIN: 200}),
    ("GET", "/api/v1/submissions/{sub}", None, {ANON: 401, KIM1: 200, KIM2: 404, MOD: 200, ADMIN: 200}),
    (
        "POST",
        "/api/v1/submissions/{sub}/approve",
        None,
        {ANON: 401, KIM1: 403, KIM2: 403, MOD: 200, ADMIN: 200},
    ),
    (
        "POST",
        "/api/v1/submissions/{sub}/reject",
        {"reason": "no"},
        {ANON: 401, KIM1: 403, KIM2: 403, MOD: 200, ADMIN: 200},
    ),
    (
        "GET",
        "/api/v1/features/curug-sodong/versions",
        None,
        {ANON: 401, KIM1: 403, KIM2: 403, MOD: 200, ADMIN: 200},
    ),
    (
        "POST",
        "/api/v1/features/curug-sodong/revert",
        {"version": 1},
        {ANON: 401, KIM1: 403, KIM2: 403, MOD: 409, ADMIN: 409},
    ),
    ("POST", "/api/v1/photos", None, {ANON: 401, KIM1: 400, KIM2: 400, MOD: 400, ADMIN: 400}),
    # kim1's photo, not yet on a published feature: theirs and the moderators' to see, theirs alone to attach.
    ("GET", "/photos/{photo}-thumb.webp", None, {ANON: 404, KIM1: 200, KIM2: 404, MOD: 200, ADMIN: 200}),
    (
        "POST",
        "/api/v1/submissions",
        waterfall(photos=["{photo}"]),
        {ANON: 401, KIM1: 201, KIM2: 400, MOD: 400, ADMIN: 400},
    ),
]


@pytest.mark.parametrize("role", [ANON, KIM1, KIM2, MOD, ADMIN])
@pytest.mark.parametrize("method, path, body, expected", MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX])
def test_authorization_matrix(world, role, method, path, body, expected):
    app, tokens, ids = world
    client = app.test_client()
    headers = bearer(tokens[role]) if role != ANON else {}
    url = path.format(sub=_fresh_pending(app, tokens) if "{sub}" in path else "", photo=ids["photo"])
    body = json.loads(json.dumps(body).replace("{photo}", ids["photo"]))
    response = client.open(url, method=method, json=body, headers=headers)
    assert response.status_code == expected[role], response.get_data(as_text=True)[:300]
    assert response.is_json or not url.startswith("/api/")


@pytest.mark.parametrize(
    "path, allowed",
    [
        ("/contribute", (KIM1, MOD, ADMIN)),
        ("/contribute/import", (KIM1, MOD, ADMIN)),
        ("/moderation", (MOD, ADMIN)),
        ("/admin/users", (ADMIN,)),
        ("/account", (KIM1, MOD, ADMIN)),
    ],
)
@pytest.mark.parametrize("role", [ANON, KIM1, MOD, ADMIN])
def test_pages_need_the_right_role(world, path, allowed, role):
    app, tokens, ids = world
    client = app.test_client()
    if role != ANON:
        login(client, role)
    response = client.get(path)
    if role == ANON:
        assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    else:
        assert response.status_code == (200 if role in allowed else 403)


def test_session_writes_need_the_csrf_token(world):
    app, tokens, ids = world
    client = app.test_client()
    token = login(client, KIM1)
    refused = client.post("/api/v1/submissions", json=waterfall())
    assert refused.status_code == 400 and "CSRF" in refused.get_json()["error"]["message"]
    accepted = client.post("/api/v1/submissions", json=waterfall(), headers={"X-CSRFToken": token})
    assert accepted.status_code == 201
    form = client.post("/contribute/new/geosites", data={"name": "x"})
    assert form.status_code == 400


def test_a_request_sent_before_a_form_page_cannot_undo_its_csrf_token(world):
    """A signed-in phone's service worker fills its caches while the member opens a form: an answer to a
    request sent with the older cookie wrote that session back, and the form then failed as "CSRF missing"."""
    app, _, _ = world
    client = app.test_client()
    login(client, KIM1)
    before = client.get_cookie("geotour_session").value
    form = client.get("/contribute/new/geosites")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.get_data(as_text=True)).group(1)
    after = client.get_cookie("geotour_session").value
    for path in ("/", "/glosarium?lang=en", "/offline?lang=id", "/api/v1/layers", "/sites/curug-sodong"):
        client.set_cookie("geotour_session", before)  # sent before the form page's answer came
        answer = client.get(path)
        assert "geotour_session" not in answer.headers.get("Set-Cookie", ""), path  # writes nothing back
    client.set_cookie("geotour_session", after)
    sent = client.post("/contribute/new/geosites", data={"csrf_token": token, "name": ""})
    assert "CSRF" not in sent.get_data(as_text=True)


def test_a_request_sent_before_signing_in_does_not_sign_the_member_out(world):
    """A phone's pages and service worker still fetch layers while a member signs in: an answer to a request
    sent with the sign-in page's cookie wrote that anonymous session back (Flask-Login marked it "not
    fresh"), and the member, just signed in, was signed out again."""
    app, _, _ = world
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    before = client.get_cookie("geotour_session").value  # the sign-in page's session: a CSRF token only
    signed_in = client.post("/login", data={"username": KIM1, "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    after = client.get_cookie("geotour_session").value
    snapshot = client.get("/api/v1/layers").get_json()["layers"][0]["map_snapshot_url"]
    paths = ("/", "/api/v1/layers", "/api/v1/alerts", "/api/v1/account", snapshot, "/sites/curug-sodong")
    for path in paths:
        client.set_cookie("geotour_session", before)  # sent before the sign-in's answer came
        answer = client.get(path)
        assert "geotour_session" not in answer.headers.get("Set-Cookie", ""), path  # writes nothing back
    client.set_cookie("geotour_session", after)
    assert client.get("/contribute/mine").status_code == 200


@pytest.mark.parametrize("authorization", ["Bearer nonsense", "Bearer ", "bearer gtk_not-a-real-token"])
def test_a_bad_bearer_header_does_not_let_a_session_skip_csrf(world, authorization):
    """Issue 15, break 8: a request that sends a token is the token's alone; the cookie does not sign it in."""
    app, tokens, ids = world
    client = app.test_client()
    login(client, KIM1)
    forged = client.post("/api/v1/submissions", json=waterfall(), headers={"Authorization": authorization})
    assert forged.status_code == 401 and forged.get_json()["error"]["field"] == "Authorization"
    page = client.post(
        "/contribute/new/geosites", data={"name": "x"}, headers={"Authorization": authorization}
    )
    assert page.status_code in (302, 401) and "/login" in page.headers.get("Location", "/login")
    with app.app_context():
        assert current().storage.list_submissions(None, None, 10, 0)[1] == 1  # only the world's own
    valid = client.post("/api/v1/submissions", json=waterfall(), headers=bearer(tokens[KIM1]))
    assert valid.status_code == 201  # a valid token needs no CSRF token


def test_login_rejects_wrong_passwords_and_foreign_redirects(world):
    app, tokens, ids = world
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    wrong = client.post(
        "/login?lang=en", data={"username": KIM1, "password": "nope-nope-nope", "csrf_token": token}
    )
    assert wrong.status_code == 401 and "do not match" in wrong.get_data(as_text=True)
    ok = client.post(
        "/login?next=//evil.example/x", data={"username": KIM1, "password": PASSWORD, "csrf_token": token}
    )
    assert ok.headers["Location"] == "/contribute"
    cookie = ok.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_secure_behind_https(make_app):
    app = make_app(GEOTOUR_PUBLIC_URL="https://geotour.example.id")
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_passwords_are_stored_with_scrypt(world):
    app, tokens, ids = world
    from geotour.context import current

    with app.app_context():
        _, hashed = current().storage.get_user_login(KIM1)
    assert hashed.startswith("scrypt:") and PASSWORD not in hashed


def test_tokens_are_kept_as_hashes_and_can_be_revoked(world):
    app, tokens, ids = world
    client = app.test_client()
    stored = run_sql(app, "SELECT * FROM api_tokens")
    assert stored and tokens[KIM1] not in repr(stored)
    csrf = login(client, KIM1)
    page = client.post("/account/tokens", data={"name": "laptop", "csrf_token": csrf}).get_data(as_text=True)
    import re

    new = re.search(r'<code class="gt-token">([^<]+)</code>', page).group(1)
    assert app.test_client().get("/api/v1/submissions", headers=bearer(new)).status_code == 200
    token_id = re.findall(r"/account/tokens/(\d+)/revoke", page)[0]
    client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert app.test_client().get("/api/v1/submissions", headers=bearer(new)).status_code == 401


def test_tokens_and_accounts_are_managed_signed_in_never_with_a_token(world):
    """A leaked token must not make itself a successor that outlives its revocation (issue 32, break 10)."""
    app, tokens, ids = world
    client = app.test_client()
    before = run_sql(app, "SELECT count(*) FROM api_tokens")
    made = client.post("/account/tokens", data={"name": "successor"}, headers=bearer(tokens[KIM1]))
    assert made.status_code == 403 and made.mimetype == "text/html"
    assert "situs web" in made.get_data(as_text=True)  # said in the visitor's language, Indonesian first
    revoked = client.post("/account/tokens/1/revoke", headers=bearer(tokens[KIM1]))
    added = client.post(
        "/admin/users",
        data={"username": "shadow", "password": "panjang-sekali-123", "role": "admin"},
        headers=bearer(tokens[ADMIN]),
    )
    changed = client.post("/admin/users/2", data={"role": "admin"}, headers=bearer(tokens[ADMIN]))
    assert (revoked.status_code, added.status_code, changed.status_code) == (403, 403, 403)
    assert run_sql(app, "SELECT count(*) FROM api_tokens") == before
    assert app.test_client().get("/api/v1/submissions", headers=bearer(tokens[KIM1])).status_code == 200


def test_login_is_rate_limited(make_app):
    app = make_app(GEOTOUR_RATELIMIT_LOGIN="3 per minute")
    make_users(app)
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    codes = [
        client.post(
            "/login", data={"username": KIM1, "password": "wrong-wrong-wrong", "csrf_token": token}
        ).status_code
        for _ in range(4)
    ]
    assert codes == [401, 401, 401, 429]


def test_uploads_are_rate_limited_per_user(make_app):
    app = make_app(GEOTOUR_RATELIMIT_UPLOADS="2 per hour")
    make_users(app)
    client = app.test_client()
    first, second = token_for(app, KIM1), token_for(app, KIM2)
    answers = [client.post("/api/v1/submissions", json=waterfall(), headers=bearer(first)) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 429]
    # Only the refusal says when to try again (within the hour); an accepted upload carries no Retry-After.
    assert "Retry-After" not in answers[0].headers and 0 < int(answers[2].headers["Retry-After"]) <= 3600
    assert client.post("/api/v1/submissions", json=waterfall(), headers=bearer(second)).status_code == 201
    assert client.post("/api/v1/submissions", json=waterfall(), headers=bearer(first)).get_json()["error"]


def test_admin_page_creates_users_and_changes_roles(world):
    app, tokens, ids = world
    client = app.test_client()
    csrf = login(client, ADMIN)
    response = client.post(
        "/admin/users",
        data={"username": "kim3", "password": "short", "role": "contributor", "csrf_token": csrf},
    )
    assert response.status_code == 400 and "10" in response.get_data(as_text=True)
    client.post(
        "/admin/users",
        data={"username": "kim3", "password": PASSWORD, "role": "contributor", "csrf_token": csrf},
    )
    other = app.test_client()
    login(other, "kim3")
    assert other.get("/moderation").status_code == 403
    with app.app_context():
        kim3 = current().storage.get_user_login("kim3")[0]
    client.post(f"/admin/users/{kim3['id']}", data={"role": "moderator", "csrf_token": csrf})
    assert other.get("/moderation").status_code == 302  # a new role ends the sessions: sign in again
    login(other, "kim3")
    assert other.get("/moderation").status_code == 200
    client.post(f"/admin/users/{kim3['id']}", data={"active": "0", "csrf_token": csrf})
    assert other.get("/moderation").status_code == 302  # a disabled account is signed out


def _session_cookie(client):
    return client.get_cookie("geotour_session").value


def _replayed(app, cookie):
    """Return a new client (another device, or a thief) holding a copy of a saved session cookie."""
    thief = app.test_client()
    thief.set_cookie("geotour_session", cookie)
    return thief


def test_a_saved_session_cookie_stops_working_after_signing_out(world):
    """Issue 15, break 7: signing out ends every copy of the session, not only the browser's own."""
    app, tokens, ids = world
    client = app.test_client()
    csrf = login(client, KIM1)
    saved = _session_cookie(client)
    assert _replayed(app, saved).get("/contribute/mine").status_code == 200
    signed_out = client.post("/logout", data={"csrf_token": csrf})
    # The browser's copies of private answers go too (issue 32, break 2): a shared phone keeps none.
    assert signed_out.headers["Clear-Site-Data"] == '"cache"'
    assert _replayed(app, saved).get("/contribute/mine").status_code == 302
    assert _replayed(app, saved).get("/api/v1/submissions").status_code == 401


@pytest.mark.parametrize("change", [{"active": "0"}, {"role": "moderator"}])
def test_disabling_or_a_new_role_ends_sessions_and_re_enabling_does_not_bring_them_back(world, change):
    app, tokens, ids = world
    kim = app.test_client()
    login(kim, KIM1)
    saved = _session_cookie(kim)
    admin = app.test_client()
    csrf = login(admin, ADMIN)
    with app.app_context():
        kim1 = current().storage.get_user_login(KIM1)[0]
    admin.post(f"/admin/users/{kim1['id']}", data={**change, "csrf_token": csrf})
    admin.post(f"/admin/users/{kim1['id']}", data={"active": "1", "csrf_token": csrf})
    assert _replayed(app, saved).get("/contribute/mine").status_code == 302
    login(kim, KIM1)  # signing in again works, with a new session
    assert kim.get("/contribute/mine").status_code == 200


def test_a_new_password_ends_the_old_sessions(world):
    app, tokens, ids = world
    kim = app.test_client()
    login(kim, KIM1)
    saved = _session_cookie(kim)
    with app.app_context():
        kim1 = current().storage.get_user_login(KIM1)[0]
        accounts.set_password(current().storage, kim1["id"], "a-new-long-password")
    assert _replayed(app, saved).get("/contribute/mine").status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example",
        "/%0d%0a/x",
        "/%0a/evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "//evil.example",
        "/%e2%80%8b/evil.example",
    ],
)
def test_sign_in_never_redirects_off_site_nor_fails_on_a_hostile_next(world, target):
    app, tokens, ids = world
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    answer = client.post(
        f"/login?next={target}", data={"username": KIM1, "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/contribute"


def test_sign_in_keeps_a_next_on_this_site(world):
    app, tokens, ids = world
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    answer = client.post(
        "/login?next=/contribute/import%3Flayer%3Dmsmes",
        data={"username": KIM1, "password": PASSWORD, "csrf_token": token},
    )
    assert answer.headers["Location"] == "/contribute/import?layer=msmes"


@pytest.mark.parametrize(
    "author, approver, allowed, expected",
    [
        (MOD, MOD, "0", 403),
        (MOD, MOD, "1", 403),  # a moderator never approves their own change
        (ADMIN, ADMIN, "0", 403),
        (ADMIN, ADMIN, "1", 200),  # an admin may, when the setting allows it
        (MOD, ADMIN, "0", 200),
        (KIM1, MOD, "0", 200),
    ],
)
def test_no_one_approves_their_own_submission_unless_an_admin_is_allowed_to(
    make_app, author, approver, allowed, expected
):
    """Issue 15, break 12: the authorisation matrix's own-approval rule."""
    app = make_app(GEOTOUR_ADMIN_SELF_APPROVAL=allowed)
    make_users(app)
    client = app.test_client()
    sent = client.post(
        "/api/v1/submissions", json=waterfall(), headers=bearer(token_for(app, author))
    ).get_json()
    submission_id = sent["submissions"][0]["id"]
    answer = client.post(
        f"/api/v1/submissions/{submission_id}/approve", headers=bearer(token_for(app, approver))
    )
    assert answer.status_code == expected
    if expected == 403:
        assert answer.get_json()["error"]["field"] == "id"
        page = app.test_client()
        login(page, approver)
        queue = page.get("/moderation").get_data(as_text=True)
        assert f'action="/moderation/{submission_id}/approve"' not in queue
