"""Visitors' reports of problems ("Laporkan masalah", issue 29 part 5): a damaged path, a dangerous spot,
litter, a broken signboard, a place closed, wrong information, or something else, at a place or on a route.

Anyone may send one, with no account: a category, a few words, at most one photo and the phone's position
(optional). The sender gets a link (its token is kept only as a hash) where the office's reply reaches them.
What is kept stays bounded, as for "I am here": each sender (an address's keyed hash) may have PER_SENDER open
reports and each place PER_PLACE, beyond that a clear refusal; closed reports are deleted KEEP_CLOSED after
the office closed them and any report KEEP_ANY after it last changed. The office's queue moves a report from
new to seen, fixed or not a problem; a report the office has seen in a category it chose to show says
"reported on <date>, being handled" on the place's page (only its category and date: never its words).
"""

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from geotour.contributions import accounts
from geotour.contributions.field_rules import Problem, TextField, check_text, problem
from geotour.contributions.photo_cleaning import Photo
from geotour.contributions.workflow import Context
from geotour.domain.features import finite_number
from geotour.domain.layers import ATTRACTION, MSME, ROUTE
from geotour.domain.places import require_feature
from geotour.errors import (
    BadParameter,
    Conflict,
    Forbidden,
    KeyReused,
    NotFound,
    TooManyReports,
    ValidationFailed,
)
from geotour.storage.records import NewVisitorReport, User, VisitorReport
from geotour.storage.sql_reports import OPEN, ReportRefused
from geotour.text import gettext as _

CATEGORIES = (
    "path_damaged",
    "dangerous_spot",
    "litter",
    "signboard_broken",
    "closed",
    "wrong_information",
    "other",
)  # their words: geotour.web.contribute.labels.report_category_label
NEEDS_WORDS = ("wrong_information", "other")  # the category alone does not say what is wrong
STATUSES = ("new", "seen", "fixed", "not_a_problem")  # words: labels.report_status_label
DEFAULT_PUBLIC = ["path_damaged", "dangerous_spot", "closed"]
MAX_TEXT = 1000
MAX_REPLY = 1000
MAX_ACCURACY_M = 5000  # a position only good to kilometres says nothing about where the problem is
PER_SENDER = 5
PER_PLACE = 30
KEEP_CLOSED = timedelta(days=90)
KEEP_ANY = timedelta(days=365)
TOKEN_BYTES = 18


def token_hash(token: str) -> str:
    """Return what is stored of a sender's token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def _token(secret: str, client_key: str | None) -> str:
    # A retry with the same Idempotency-Key must get the same link back, so a keyed report's token is derived
    # from its key with the site's secret; any other is random.
    if client_key is None:
        return secrets.token_urlsafe(TOKEN_BYTES)
    digest = hmac.new(secret.encode(), f"report:{client_key}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:TOKEN_BYTES]).decode().rstrip("=")


def _position(
    ctx: Context, sent: Mapping[str, Any]
) -> tuple[tuple[float, float, float] | None, list[Problem]]:
    raw = [sent.get(name) for name in ("lon", "lat", "accuracy_m")]
    if all(value in (None, "") for value in raw):
        return None, []
    try:
        lon, lat, accuracy = (float(value) for value in raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None, [
            problem("position", _("The position must be a longitude, a latitude and its accuracy."))
        ]
    if not all(finite_number(v) for v in (lon, lat, accuracy)) or accuracy < 0:
        return None, [
            problem("position", _("The position must be a longitude, a latitude and its accuracy."))
        ]
    if accuracy > MAX_ACCURACY_M:
        return None, [
            problem(
                "position",
                _(
                    "Your phone knows its position only to ±%(got)s km; send the report without it, or wait "
                    "for a better fix.",
                    got=round(accuracy / 1000, 1),
                ),
            )
        ]
    area = ctx.area()
    inside = area.place(lon, lat).inside if area is not None else (-180 <= lon <= 180 and -90 <= lat <= 90)
    if not inside:
        return None, [
            problem(
                "position",
                _("This position is outside the geopark; send the report without it, or from the place."),
            )
        ]
    return (round(lon, 6), round(lat, 6), round(accuracy, 1)), []


def check_report(
    ctx: Context, feature_id: str, sent: Mapping[str, Any], photos: int
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Return ({feature_id, category, text, lon, lat, accuracy_m}, []) or (None, the problems, each naming its
    field) for what a visitor sent; raise NotFound for an unknown place."""
    feature = require_feature(ctx.storage, feature_id)
    layer = ctx.catalogue.get(feature["properties"]["layer"])
    if layer is None or layer.kind not in (ATTRACTION, MSME, ROUTE):
        raise BadParameter(_("Problems can be reported at attractions, businesses and routes."), "place")
    problems: list[Problem] = []
    category = sent.get("category")
    if category not in CATEGORIES:
        problems.append(problem("category", _("Choose what kind of problem it is.")))
    text, found = check_text("text", sent.get("text"), TextField(MAX_TEXT, required=category in NEEDS_WORDS))
    if found and found[0]["message"] == _("This field is required."):
        found = [problem("text", _("Say in a few words what is wrong."))]
    problems += found
    if photos > 1:
        problems.append(problem("photo", _("Send one photo at most with a report.")))
    position, found = _position(ctx, sent)
    problems += found
    if problems:
        return None, problems
    return {
        "feature_id": feature["id"],
        "category": str(category),
        "text": text or "",
        "lon": position[0] if position else None,
        "lat": position[1] if position else None,
        "accuracy_m": position[2] if position else None,
    }, []


def _refused(which: str) -> TooManyReports:
    if which == "sender":
        return TooManyReports(
            "You have already sent %(n)d reports that the tourism office has not handled yet. Thank you: "
            "please wait for their answers (your links show them) before sending more.",
            None,
            n=PER_SENDER,
        )
    return TooManyReports(
        "This place already has many reports waiting for the tourism office, so it knows. Thank you; try "
        "again after the office has handled them.",
        "place",
    )


def file_report(
    ctx: Context,
    feature_id: str,
    sent: Mapping[str, Any],
    photos: list[bytes],
    photo_store: tuple[Callable[[bytes], Photo], Callable[[Photo], None]],
    who: Mapping[str, str | None],
) -> tuple[VisitorReport, str, bool]:
    """Keep a visitor's report; return (it, the sender's token, whether it was stored by an earlier try).

    `who` holds reporter (the keyed hash of the sender), lang, secret (the site's), client_key (the
    Idempotency-Key, or None) and fingerprint (of the request). Every field is checked before anything is
    stored; the photo is cleaned (photo_store[0]) once the fields are good, and stored (photo_store[1]) only
    once the report may be kept. Raise ValidationFailed
    naming each field at fault, TooManyReports at a bound, KeyReused for a key sent with another report.
    """
    client_key, fingerprint = who.get("client_key"), str(who.get("fingerprint") or "")
    if client_key is not None:
        earlier = _earlier(ctx, client_key, fingerprint)
        if earlier is not None:
            return earlier, _token(str(who["secret"]), client_key), True
    checked, problems = check_report(ctx, feature_id, sent, len(photos))
    if checked is None:
        raise ValidationFailed(_("The report has problems; each one says what to fix."), problems)
    clean, keep_photo = photo_store
    photo = clean(photos[0]) if photos else None
    report: NewVisitorReport = {
        **checked,  # type: ignore[typeddict-item]
        "photo_id": photo.id if photo is not None else None,
        "lang": str(who.get("lang") or "id"),
        "reporter": str(who["reporter"]),
    }
    now = datetime.now(UTC)
    for photo_id in ctx.storage.expire_visitor_reports(_utc(now - KEEP_CLOSED), _utc(now - KEEP_ANY)):
        ctx.photos.discard(photo_id)  # a visitor's photo goes with its report
    token = _token(str(who["secret"]), client_key)
    if photo is not None:
        _precheck(ctx, report)
        keep_photo(photo)
    try:
        stored, earlier_print = ctx.storage.add_visitor_report(
            report, token_hash(token), client_key, fingerprint, (PER_SENDER, PER_PLACE)
        )
    except ReportRefused as exc:
        raise _refused(exc.which) from None
    if earlier_print is not None and earlier_print != fingerprint:
        raise _key_reused()
    return stored, token, earlier_print is not None


def _key_reused() -> KeyReused:
    return KeyReused(_("This Idempotency-Key was already used for a different request."), "Idempotency-Key")


def _earlier(ctx: Context, client_key: str, fingerprint: str) -> VisitorReport | None:
    found = ctx.storage.visitor_report_by_key(client_key)
    if found is None:
        return None
    report, earlier_print = found
    if earlier_print != fingerprint:
        raise _key_reused()
    return report


def _precheck(ctx: Context, report: NewVisitorReport) -> None:
    # Before a photo is stored: would the report be refused? (The insert checks again, in its transaction.)
    which = ctx.storage.report_bound_reached(
        report["reporter"], report["feature_id"], (PER_SENDER, PER_PLACE)
    )
    if which is not None:
        raise _refused(which)


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def sender_view(ctx: Context, token: str) -> VisitorReport:
    """Return the report a sender's link names, or raise NotFound (unknown, or expired)."""
    found = ctx.storage.visitor_report(token_hash=token_hash(token)) if 10 <= len(token) <= 64 else None
    if found is None:
        raise NotFound(
            _(
                "There is no report at this link: it may have been handled and removed after %(days)d days.",
                days=KEEP_CLOSED.days,
            ),
            "token",
        )
    return found


def answer(ctx: Context, moderator: User, report_id: int, status: Any, reply: Any) -> VisitorReport:
    """Set a report's status and reply to its sender (the office); return the report."""
    if not accounts.can_moderate(moderator):
        raise Forbidden(_("Only the tourism office handles visitors' reports."))
    if status not in STATUSES:
        raise BadParameter(_("Choose a status: %(allowed)s.", allowed=", ".join(STATUSES)), "status")
    text, problems = check_text("reply", reply, TextField(MAX_REPLY))
    if problems:
        raise ValidationFailed(_("The reply has problems; each one says what to fix."), problems)
    if not ctx.storage.answer_visitor_report(report_id, str(status), text or "", moderator["id"]):
        raise NotFound(_("There is no report %(id)s.", id=report_id), "id")
    found = ctx.storage.visitor_report(report_id)
    if found is None:  # removed between the two statements: as good as never there
        raise Conflict(_("There is no report %(id)s.", id=report_id), "id")
    return found


def public_categories(ctx: Context) -> list[str]:
    """Return the categories the office shows on places' pages (DEFAULT_PUBLIC until it chooses)."""
    chosen = ctx.storage.public_report_categories()
    return [c for c in chosen if c in CATEGORIES] if chosen is not None else list(DEFAULT_PUBLIC)


def choose_public(ctx: Context, moderator: User, categories: list[str]) -> list[str]:
    """Keep the categories shown on places' pages (the office); return them."""
    if not accounts.can_moderate(moderator):
        raise Forbidden(_("Only the tourism office handles visitors' reports."))
    unknown = [c for c in categories if c not in CATEGORIES]
    if unknown:
        raise BadParameter(_("There is no report category %(name)s.", name=unknown[0][:40]), "categories")
    chosen = [c for c in CATEGORIES if c in categories]
    ctx.storage.set_public_report_categories(chosen)
    return chosen


def being_handled(ctx: Context, feature_id: str) -> list[dict[str, Any]]:
    """Return what a place's page says of reports the office has seen in its public categories:
    [{category, reported_at}] (the first report of each category; never the words or the sender)."""
    shown = set(public_categories(ctx))
    firsts: dict[str, str] = {}
    for report in ctx.storage.visitor_reports_of(feature_id, ("seen",)):
        if report["category"] in shown:
            firsts[report["category"]] = min(
                firsts.get(report["category"], report["created_at"]), report["created_at"]
            )
    return [{"category": c, "reported_at": firsts[c]} for c in CATEGORIES if c in firsts]


def queue(
    ctx: Context, moderator: User, status: str, limit: int, offset: int
) -> tuple[list[VisitorReport], int]:
    """Return (a page of reports with a status, "open" meaning new and seen; how many) for the office."""
    if not accounts.can_moderate(moderator):
        raise Forbidden(_("Only the tourism office handles visitors' reports."))
    statuses = OPEN if status == "open" else (status,)
    if status != "open" and status not in STATUSES:
        raise BadParameter(
            _("Choose a status: %(allowed)s.", allowed=", ".join(["open", *STATUSES])), "status"
        )
    return ctx.storage.visitor_reports(statuses, limit, offset)
