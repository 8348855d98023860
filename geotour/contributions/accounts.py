"""Users, roles, passwords and API tokens: the rules, with no web framework in them."""

import enum
import hashlib
import re
import secrets
from typing import TypeGuard

from werkzeug.security import check_password_hash, generate_password_hash

from geotour.contributions.field_rules import clean_text
from geotour.errors import BadParameter, Conflict, NotFound
from geotour.storage import AlreadyExists, Storage
from geotour.storage.records import Submission, User

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,39}$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
TOKEN_PREFIX = "gtk_"
MAX_TOKEN_NAME_LENGTH = 60
# Checked against when a username is unknown, so that a wrong name and a wrong password take equally long.
_DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")


class Role(enum.Enum):
    """What a person may do: contribute, also moderate, or also manage users."""

    CONTRIBUTOR = "contributor"
    MODERATOR = "moderator"
    ADMIN = "admin"


ROLE_NAMES = tuple(role.value for role in Role)


def can_contribute(user: User | None) -> TypeGuard[User]:
    """Return whether this user may send submissions (every active account may)."""
    return user is not None and user["active"]


def can_moderate(user: User | None) -> TypeGuard[User]:
    """Return whether this user may approve, reject and revert."""
    return can_contribute(user) and user["role"] in (Role.MODERATOR.value, Role.ADMIN.value)


def can_approve(user: User | None, submission: Submission, admin_may_approve_own: bool = False) -> bool:
    """Return whether this user may approve this submission: a moderator, and never their own one (an admin
    may, when GEOTOUR_ADMIN_SELF_APPROVAL allows it: a small office with one person)."""
    if not can_moderate(user):
        return False
    if submission["user_id"] != user["id"]:
        return True
    return bool(admin_may_approve_own) and user["role"] == Role.ADMIN.value


def can_manage_users(user: User | None) -> TypeGuard[User]:
    """Return whether this user may create users and change roles."""
    return can_contribute(user) and user["role"] == Role.ADMIN.value


def can_view_submission(user: User | None, submission: Submission) -> bool:
    """Return whether this user may see a submission: its author, or a moderator."""
    return can_moderate(user) or (can_contribute(user) and submission["user_id"] == user["id"])


def check_role(role: object) -> str:
    """Return a valid role name, or raise BadParameter."""
    if role not in ROLE_NAMES:
        raise BadParameter("role must be one of %(allowed)s", "role", allowed=", ".join(ROLE_NAMES))
    return str(role)


def check_password(password: object) -> str:
    """Return the password if it is long enough, or raise BadParameter."""
    if not isinstance(password, str) or not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise BadParameter(
            "A password needs %(min)d to %(max)d characters.",
            "password",
            min=MIN_PASSWORD_LENGTH,
            max=MAX_PASSWORD_LENGTH,
        )
    return password


def create_user(storage: Storage, username: object, password: object, role: object) -> User:
    """Create a user with a scrypt-hashed password; return it."""
    if not isinstance(username, str) or not USERNAME.match(username):
        raise BadParameter(
            "A username is 3 to 40 letters, digits, '.', '_' or '-', starting with a letter or digit.",
            "username",
        )
    hashed = generate_password_hash(check_password(password), method="scrypt")
    try:
        return storage.create_user(username, hashed, check_role(role))
    except AlreadyExists:
        raise Conflict("The username %(name)s is taken; choose another.", "username", name=username) from None


MAX_GROUP_LENGTH = 80


def set_group(storage: Storage, user_id: int, group: object) -> User:
    """Set the group a contributor belongs to ("KIM MyPalabuhanratu"), which public pages credit; an empty
    name removes it. Return the user."""
    require_user(storage, user_id)
    if group is not None and not isinstance(group, str):
        raise BadParameter("the group must be text", "group")
    name = " ".join(clean_text(group or "").split())
    if len(name) > MAX_GROUP_LENGTH:
        raise BadParameter("At most %(n)d characters.", "group", n=MAX_GROUP_LENGTH)
    return _known(storage.set_user_group(user_id, name or None), user_id)


def authenticate(storage: Storage, username: str | None, password: str | None) -> User | None:
    """Return the active user with this name and password, or None."""
    user, hashed = storage.get_user_login(username or "")
    if not check_password_hash(hashed or _DUMMY_HASH, password or ""):
        return None
    return user if user and user["active"] else None


def set_password(storage: Storage, user_id: int, password: object) -> None:
    """Give a user a new password."""
    storage.update_user(
        user_id, password_hash=generate_password_hash(check_password(password), method="scrypt")
    )


def require_user(storage: Storage, user_id: int) -> User:
    """Return the user, or raise NotFound."""
    return _known(storage.get_user(user_id), user_id)


def _known(user: User | None, user_id: int) -> User:
    if user is None:
        raise NotFound("No user with id %(id)s.", "user", id=user_id)
    return user


def token_hash(token: str) -> str:
    """Return the stored form of a token: its SHA-256 (tokens are random, so no slow KDF is needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(storage: Storage, user_id: int, name: str | None) -> tuple[int, str]:
    """Make a new API token for a user; return (token id, the token, shown this once only)."""
    name = (name or "").strip() or "token"
    if len(name) > MAX_TOKEN_NAME_LENGTH:
        raise BadParameter("A token name has at most %(n)d characters.", "name", n=MAX_TOKEN_NAME_LENGTH)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return storage.add_token(user_id, name, token_hash(token)), token


def user_for_token(storage: Storage, token: str) -> User | None:
    """Return the user a bearer token belongs to, or None when it is unknown or revoked."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    return storage.user_for_token(token_hash(token))
