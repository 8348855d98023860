"""Sign in and out, personal API tokens, and the admin's user list."""

import unicodedata
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from geotour.context import current as _ctx
from geotour.contributions import accounts
from geotour.errors import GeotourError
from geotour.web.auth import User, limiter, requires, user_record

bp = Blueprint("account_pages", __name__)


def _safe_next(target: str | None) -> str:
    """Return `target` when it is a path on this site, else the contributor hub.

    "//evil.example", "https://...", "/\\evil.example" and "/<tab>/evil.example" (browsers drop tabs and
    newlines from URLs, leaving "//evil.example") would send a fresh sign-in elsewhere; CR/LF would split
    the Location header. So: no whitespace or control character, no backslash, and after parsing no scheme
    and no host.
    """
    default = url_for("uploads.hub")
    if not target or not target.startswith("/") or "\\" in target:
        return default
    if any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return default
    return target


def _login_limit() -> str:
    return current_app.config["GEOTOUR_RATELIMIT_LOGIN"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> ResponseReturnValue:
    """Show the sign-in form, and sign in. Someone already signed in (the bar's "Masuk (KIM)" link is the same on
    every public page) goes straight on."""
    error = None
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    if request.method == "POST":
        user = accounts.authenticate(
            _ctx().storage, request.form.get("username", "").strip(), request.form.get("password", "")
        )
        if user is not None:
            session.clear()  # a new session id on sign-in
            login_user(User(user))
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
        error = _("That username and password do not match an active account.")
    return render_template("account/login.html", error=error), 401 if error else 200


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out, on every device: a copy of the session cookie saved before stops working too."""
    if current_user.is_authenticated:
        _ctx().storage.end_sessions(current_user.id)
    logout_user()
    session.clear()
    response = redirect(url_for("pages.index"))
    # The browser's own copies of private answers (a pending photo, a signed-in page) go too; the service
    # worker never keeps them (templates/sw.js), and the outbox keeps what waits locked to its owner.
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


def _account_page(
    new_token: str | None = None, error: str | None = None, status: int = 200
) -> ResponseReturnValue:
    tokens = _ctx().storage.list_tokens(user_record()["id"])
    return render_template("account/account.html", tokens=tokens, new_token=new_token, error=error), status


@bp.get("/account")
@requires("can_contribute")
def account() -> ResponseReturnValue:
    """Show the signed-in user's tokens."""
    return _account_page()


@bp.post("/account/tokens")
@requires("can_contribute", session_only=True)
def create_token() -> ResponseReturnValue:
    """Make a new API token and show it once."""
    try:
        _id, token = accounts.create_token(_ctx().storage, user_record()["id"], request.form.get("name"))
    except GeotourError as exc:
        return _account_page(error=exc.message, status=400)
    return _account_page(new_token=token)


@bp.post("/account/tokens/<int:token_id>/revoke")
@requires("can_contribute", session_only=True)
def revoke_token(token_id: int) -> ResponseReturnValue:
    """Revoke one of your tokens."""
    _ctx().storage.revoke_token(user_record()["id"], token_id)
    return redirect(url_for("account_pages.account"))


def _users_page(error: str | None = None, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "account/users.html", users=_ctx().storage.list_users(), roles=accounts.ROLE_NAMES, error=error
    ), status


@bp.get("/admin/users")
@requires("can_manage_users")
def users() -> ResponseReturnValue:
    """List accounts, with a form to add one."""
    return _users_page()


@bp.post("/admin/users")
@requires("can_manage_users", session_only=True)
def create_user() -> ResponseReturnValue:
    """Create an account."""
    try:
        user = accounts.create_user(
            _ctx().storage,
            request.form.get("username", "").strip(),
            request.form.get("password"),
            request.form.get("role"),
        )
        if request.form.get("group", "").strip():
            accounts.set_group(_ctx().storage, user["id"], request.form.get("group"))
    except GeotourError as exc:
        return _users_page(error=exc.message, status=exc.status)
    return redirect(url_for("account_pages.users"))


@bp.post("/admin/users/<int:user_id>")
@requires("can_manage_users", session_only=True)
def update_user(user_id: int) -> ResponseReturnValue:
    """Change an account's role or group, or disable or enable it."""
    accounts.require_user(_ctx().storage, user_id)
    role = request.form.get("role")
    if user_id == user_record()["id"] and (
        role or "active" in request.form
    ):  # a group is no right: it may change
        return _users_page(error=_("You cannot change your own account here."), status=400)
    try:
        if "group" in request.form:
            accounts.set_group(_ctx().storage, user_id, request.form.get("group"))
        if role or "active" in request.form:
            _ctx().storage.update_user(
                user_id,
                role=accounts.check_role(role) if role else None,
                active=request.form.get("active") == "1" if "active" in request.form else None,
            )
    except GeotourError as exc:
        return _users_page(error=exc.message, status=exc.status)
    return redirect(url_for("account_pages.users"))
