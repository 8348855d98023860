"""Granting, renewing and withdrawing the geopark partner label ("Mitra Geopark"), and the checklist it is
granted against (geotour.domain.partners holds the rules). Only the office (moderators) does any of it; each
grant or withdrawal is a new version of the business, so the history says who did what and when."""

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from geotour.contributions import accounts
from geotour.contributions.workflow import Context
from geotour.domain import partners
from geotour.domain.features import Feature, validate_feature
from geotour.domain.layers import MSME, Layer
from geotour.domain.places import features_of_kind, require_feature
from geotour.errors import BadParameter, Conflict, Forbidden
from geotour.storage.records import User
from geotour.text import gettext as _

SETTING = "partner_criteria"  # the meta key of the office's checklist
_ID = re.compile(r"[a-z0-9_-]{1,40}")


def criteria(ctx: Context) -> list[dict[str, str]]:
    """Return the checklist the office grants the label against (the default until it edits it)."""
    kept = ctx.storage.setting(SETTING)
    return [dict(c) for c in kept] if isinstance(kept, list) else [dict(c) for c in partners.DEFAULT_CRITERIA]


def set_criteria(ctx: Context, moderator: User, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Keep the office's checklist: rows of {id (kept from an existing row, else made), text_id, text_en}; a row
    with both texts empty is dropped. Each kept row needs both languages."""
    _office_only(moderator)
    kept, used = [], set()
    for number, row in enumerate(rows, start=1):
        text_id, text_en = (str(row.get(k) or "").strip() for k in ("text_id", "text_en"))
        if not text_id and not text_en:
            continue
        if not text_id or not text_en:
            raise BadParameter(
                _("Criterion %(n)d: write it in Indonesian and in English.", n=number), "criteria"
            )
        if max(len(text_id), len(text_en)) > partners.MAX_CRITERION:
            raise BadParameter(
                _("Criterion %(n)d: at most %(most)d characters.", n=number, most=partners.MAX_CRITERION),
                "criteria",
            )
        given = str(row.get("id") or "")
        made = given if _ID.fullmatch(given) else re.sub(r"[^a-z0-9]+", "_", text_en.lower()).strip("_")[:40]
        criterion_id = made or f"c{number}"
        while criterion_id in used:
            criterion_id += "_"
        used.add(criterion_id)
        kept.append({"id": criterion_id, "text_id": text_id, "text_en": text_en})
    if not kept:
        raise BadParameter(_("Keep at least one criterion."), "criteria")
    if len(kept) > partners.MAX_CRITERIA:
        raise BadParameter(_("At most %(n)d criteria.", n=partners.MAX_CRITERIA), "criteria")
    ctx.storage.put_setting(SETTING, kept)
    return kept


def _office_only(user: User) -> None:
    if not accounts.can_moderate(user):
        raise Forbidden(_("Only the tourism office grants the geopark partner label."))


def _business(ctx: Context, feature_id: str) -> tuple[Feature, Layer]:
    feature = require_feature(ctx.storage, feature_id)
    layer = ctx.catalogue.get(feature["properties"]["layer"])
    if layer is None or layer.kind != MSME:
        raise BadParameter(_("Only businesses can be geopark partners."), "id")
    if feature["properties"].get("sample"):
        raise Conflict(_("A sample business is invented: it cannot be a partner."), "id")
    return feature, layer


def _day(text: object, name: str) -> date:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise BadParameter(_("Write the day as YYYY-MM-DD."), name) from None


def grant(
    ctx: Context,
    moderator: User,
    feature_id: str,
    met: Sequence[str],
    granted: object,
    expires: object,
    lang: str = "id",
) -> int:
    """Grant (or renew) a business's label: every criterion of the checklist must be met (a refusal names the
    ones not ticked, in `lang`). Return the version."""
    _office_only(moderator)
    feature, layer = _business(ctx, feature_id)
    checklist = criteria(ctx)
    missing = [c for c in checklist if c["id"] not in set(met)]
    if missing:
        raise BadParameter(
            _(
                "Every criterion must be met; not ticked: %(names)s.",
                names="; ".join(c["text_en" if lang == "en" else "text_id"] for c in missing),
            ),
            "criteria",
        )
    start = _day(granted, "granted")
    end = _day(expires, "expires") if expires else partners.default_expiry(start)
    if end < start:
        raise BadParameter(_("The label must expire after the day it is granted."), "expires")
    if (end - start).days > partners.MAX_TERM_DAYS:
        raise BadParameter(_("A label is granted for at most two years; renew it then."), "expires")
    stored = {"granted": start.isoformat(), "expires": end.isoformat(), "criteria": checklist}
    return _publish(ctx, moderator, feature, layer, stored, f"partner label until {end.isoformat()}")


def withdraw(ctx: Context, moderator: User, feature_id: str) -> int:
    """Take a business's label away now. Return the version."""
    _office_only(moderator)
    feature, layer = _business(ctx, feature_id)
    if partners.label(feature["properties"]) is None:
        raise Conflict(_("This business has no partner label."), "id")
    return _publish(ctx, moderator, feature, layer, None, "partner label withdrawn")


def _publish(
    ctx: Context, moderator: User, feature: Feature, layer: Layer, stored: dict[str, Any] | None, note: str
) -> int:
    properties = {k: v for k, v in feature["properties"].items() if k not in ("layer", partners.PROPERTY)}
    if stored is not None:
        properties[partners.PROPERTY] = stored
    record = validate_feature({**feature, "properties": properties}, layer)
    return ctx.storage.publish_version(feature["id"], layer.id, record, moderator["id"], "partner", note=note)


def labelled(ctx: Context, day: date) -> list[dict[str, Any]]:
    """Return every business with a label, soonest expiry first: {id, name, granted, expires, holds, soon}."""
    found = []
    for feature in features_of_kind(ctx.storage, ctx.catalogue, MSME, properties=("name", partners.PROPERTY)):
        stored = partners.label(feature["properties"])
        if stored is None:
            continue
        expires = date.fromisoformat(str(stored["expires"]))
        found.append(
            {
                "id": feature["id"],
                "name": feature["properties"].get("name") or feature["id"],
                "granted": date.fromisoformat(str(stored["granted"])),
                "expires": expires,
                "holds": partners.holds(feature["properties"], day),
                "soon": day <= expires <= day + timedelta(days=partners.REMIND_DAYS),
            }
        )
    return sorted(found, key=lambda p: (p["expires"], p["name"]))
