"""Sign-in for the web (Flask-Login sessions) and for scripts (Bearer tokens), CSRF, rate limits,
and the decorators that apply the role rules written once in accounts.py."""

import hashlib
import hmac
import ipaddress
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from flask import Flask, current_app, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter, RouteLimit
from flask_limiter.util import get_remote_address
from flask_login import AnonymousUserMixin, LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

from geotour.context import current
from geotour.contributions import accounts
from geotour.errors import Forbidden, Unauthorized
from geotour.storage.records import User as UserRecord
from geotour.web.params import View
from geotour.web.views import Blueprint


class _LoginManager(LoginManager):
    """Flask-Login, with its session protection for sessions someone signed in with only.

    Flask-Login marks as "not fresh" any session without the sign-in's mark of address and browser, and a
    sign-in page's session never has one (it holds a CSRF token and no one's id). That mark changes it, so the
    answer carries it back as a cookie: an answer to a request sent before a sign-in (a layer the page or
    the service worker still fetched on a weak link) came after it and signed the member out again.
    """

    def _session_protection_failed(self) -> bool:
        if "_user_id" not in session:
            return False  # nobody's session: nothing to protect, and nothing to write back
        return super()._session_protection_failed()


login_manager = _LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=lambda: address_limit_key(), default_limits=[])
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
API_PREFIX = "/api/"


class User(UserMixin):
    """A signed-in person, wrapping the storage's user dict."""

    def __init__(self, record: UserRecord) -> None:
        self.record = record
        self.id = record["id"]
        self.username = record["username"]
        self.role = record["role"]
        self.session_version = record["session_version"]
        self.active = record["active"]

    def get_id(self) -> str:
        """Return what the session keeps: the user's id and session version ("12.3")."""
        return f"{self.id}.{self.session_version}"

    @property
    def is_active(self) -> bool:
        """Return whether the account may sign in."""
        return self.active

    def can(self, rule: str, *args: Any) -> bool:
        """Return rule(user, *args) for a rule in accounts (used by templates)."""
        return bool(getattr(accounts, rule)(self.record, *args))


class Anonymous(AnonymousUserMixin):
    """Nobody signed in: every rule says no."""

    record = None

    def can(self, rule: str, *args: Any) -> bool:
        """Return False: anonymous visitors may not do anything that needs a rule."""
        return False


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    # A session saved before the user signed out, changed password or role, or was disabled carries an
    # older session version, and signs no one in.
    user_id, _, version = str(session_id).partition(".")
    if not user_id.isdigit() or not version.isdigit():
        return None
    record = current().storage.get_user(int(user_id))
    if not record or not record["active"] or record["session_version"] != int(version):
        return None
    return User(record)


def _sign_in_by_token() -> bool:
    """A request that sends a Bearer token is the token's alone: its user, or nobody when the token is bad.

    The session cookie is then ignored, so a bad token can never ride on a signed-in browser's cookie past
    the CSRF check (which only a valid token skips). Returns whether a token was sent.
    """
    token = _bearer_token()
    if token is None:
        return False
    g.signed_in_by_token = True
    record = accounts.user_for_token(current().storage, token)
    if record is None:
        g.bad_token = True  # the views that need a user say so (401), the public ones ignore it
    # Flask-Login keeps the request's user in g._login_user; set first, the session is never read.
    g._login_user = User(record) if record else login_manager.anonymous_user()
    return True


@login_manager.unauthorized_handler
def _unauthorized() -> ResponseReturnValue:
    if request.path.startswith(API_PREFIX):
        if g.get("bad_token"):
            raise Unauthorized("the API token is unknown or revoked", "Authorization")
        raise Unauthorized("sign in, or send Authorization: Bearer <token>", "Authorization")
    return redirect(url_for("account_pages.login", next=request.full_path if request.args else request.path))


def user_record() -> UserRecord:
    """Return the signed-in user's record (views behind `requires` have one; without, this is a 401)."""
    if not current_user.is_authenticated:
        raise Unauthorized("sign in, or send Authorization: Bearer <token>", "Authorization")
    return cast(UserRecord, current_user.record)


# What the OpenAPI document says of a view that needs someone signed in (geotour.web.api.openapi)
SIGNED_IN = Blueprint.doc(security=[{"bearer": []}, {"session": []}])


def requires(rule: str, session_only: bool = False) -> Callable[[View], View]:
    """Decorate a view so that only users passing accounts.<rule> reach it (401 or sign-in first, else 403).

    With `session_only`, a request signed in by an API token is refused too: managing tokens and accounts
    needs the person, signed in in a browser, so a leaked token cannot make itself a successor that outlives
    its revocation.
    """
    check = getattr(accounts, rule)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if session_only and g.get("signed_in_by_token"):
                raise Forbidden(
                    "Tokens and accounts are managed signed in on the website, not with an API token.", None
                )
            if not check(current_user.record):
                raise Forbidden("Your role may not do this.", None)
            return view(*args, **kwargs)

        return cast(View, SIGNED_IN(wrapper))

    return decorator


# Views anyone may call, signed in or not, that take only a JSON body: another site cannot make a browser send
# one (a cross-site JSON POST needs a CORS preflight, which we never grant), so they need no CSRF token.
NO_SESSION_NEEDED = {"api_writes.report_here"}
# Visitors' problem reports are sent by anyone, with no account, as a form (a photo rides along), and the
# view ignores who is signed in: a forged one is only a report anyone could send, bounded per sender.
ANYONE_MAY_SEND = {"api_reports.file_report", "report_pages.send"}
# A page's count (navigator.sendBeacon sends a form, with the cookies): a forged one only adds one to a count,
# bounded per sender like any visitor's.
ANYONE_MAY_COUNT = {"api_counts.add_count"}


def _csrf_unless_token() -> None:
    # A request signed in by its token uses no cookie, so there is nothing to forge; sessions need the CSRF token.
    if (
        _sign_in_by_token()
        or request.method not in WRITE_METHODS
        or request.endpoint in NO_SESSION_NEEDED | ANYONE_MAY_SEND | ANYONE_MAY_COUNT
    ):
        return
    if request.routing_exception is not None:
        return  # no such address or method: its 404 or 405 (with Allow) says so, and nothing is written
    if request.path.startswith(API_PREFIX) and not current_user.is_authenticated:
        return  # the view answers 401; a CSRF error first would hide that
    csrf.protect()


def _private_pages(response: Response) -> Response:
    # Pages shown to signed-in people must not be kept by shared caches or the browser's back-forward cache.
    if (
        current_user.is_authenticated
        or request.path.startswith(API_PREFIX)
        and request.method in WRITE_METHODS
    ):
        response.headers["Cache-Control"] = "private, no-store"
        response.vary.add("Cookie")
    return response


def _scoped(key: str) -> str:
    # Flask-Limiter keeps the first app's key prefix, so the site's own prefix goes into every key:
    # two sites (or test apps) sharing one Redis never share a counter.
    return f"{current_app.config['GEOTOUR_CACHE_PREFIX']}{key}"


def sender() -> str:
    """Return who sent the request, as far as its address tells: an IPv4 address, or the /64 network of an
    IPv6 one. A phone (or a home router) is given a whole /64 and may send from any address in it, so every
    address of a /64 is one sender, for every rate limit and for telling reporters apart."""
    raw = get_remote_address() or ""
    try:
        address = ipaddress.ip_address(raw.split("%", 1)[0])
    except ValueError:
        return raw
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def address_limit_key() -> str:
    """Rate-limit by the client's address (sign-in attempts), an IPv6 /64 counting as one."""
    return _scoped(f"addr:{sender()}")


def upload_limit_key() -> str:
    """Rate-limit uploads per signed-in user (per address for anyone else)."""
    return _scoped(f"user:{current_user.id}" if current_user.is_authenticated else f"addr:{sender()}")


def upload_limit(methods: list[str] | None = None) -> RouteLimit:
    """Decorate an upload view with the per-user GEOTOUR_RATELIMIT_UPLOADS limit (only for `methods`, if given)."""
    return limiter.limit(
        lambda: current_app.config["GEOTOUR_RATELIMIT_UPLOADS"], key_func=upload_limit_key, methods=methods
    )


def report_limit() -> RouteLimit:
    """Decorate the "I am here" view with GEOTOUR_RATELIMIT_REPORTS per address (anyone may send one)."""
    return limiter.limit(lambda: current_app.config["GEOTOUR_RATELIMIT_REPORTS"], key_func=address_limit_key)


def visitor_report_limit() -> RouteLimit:
    """Decorate the "report a problem" views with GEOTOUR_RATELIMIT_VISITOR_REPORTS per address."""
    return limiter.limit(
        lambda: current_app.config["GEOTOUR_RATELIMIT_VISITOR_REPORTS"], key_func=address_limit_key
    )


def count_limit_key() -> str:
    """Rate-limit a visitor's counts by a keyed hash of their address: the limiter's store (Redis, for the
    window) never holds the address itself."""
    return _scoped(f"count:{reporter_key()}")


def count_limit() -> RouteLimit:
    """Decorate the counting view with GEOTOUR_RATELIMIT_COUNTS per sender."""
    return limiter.limit(lambda: current_app.config["GEOTOUR_RATELIMIT_COUNTS"], key_func=count_limit_key)


def reporter_key() -> str:
    """Return who sent a report, as a keyed hash of their address (an IPv6 /64 is one sender): independent
    reports come from different senders, and no address is kept."""
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), sender().encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def init_app(app: Flask) -> None:
    """Attach Flask-Login, CSRF checks and Flask-Limiter."""
    login_manager.init_app(app)
    login_manager.anonymous_user = Anonymous
    login_manager.session_protection = "basic"
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)
    app.before_request(_csrf_unless_token)
    limiter.init_app(app)
    # Only views decorated with a limit (sign-in, uploads) are limited, and their decorators check on their
    # own. The limiter's own check before every request is there for app-wide limits, which we do not set;
    # it cost about 30 % of the time of a cached API answer, so it is taken out.
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:
        hooks.remove(limiter._check_request_limit)
    app.after_request(_private_pages)
