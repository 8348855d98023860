"""Visitors' position reports, in one place: "I am here" sent from a phone at a place whose point is an estimate,
the agreement moderators see (geotour.domain.position_checks does the arithmetic), and marking a position
checked on site, by a moderator or from agreeing reports. The web's ends are the API's POST
/api/v1/features/<id>/here (geotour.web.api.write) and the moderation queue (geotour.web.contribute.moderation).
"""

from collections.abc import Mapping, Sequence
from typing import Any

from geotour.contributions import accounts
from geotour.contributions.field_rules import FIELDS
from geotour.contributions.workflow import (
    Context,
)
from geotour.domain import position_checks
from geotour.domain.features import Feature, finite_number, validate_feature
from geotour.domain.geodesy import distance_m
from geotour.domain.layers import Layer
from geotour.domain.places import require_feature
from geotour.errors import BadParameter, Conflict, Forbidden
from geotour.storage.records import User
from geotour.text import gettext as _


def _checkable_place(ctx: Context, feature_id: str) -> tuple[Feature, Layer]:
    """Return (feature, layer) of a place whose point can be checked on site, or raise saying why not."""
    feature = require_feature(ctx.storage, feature_id)
    layer = ctx.catalogue.get(feature["properties"]["layer"])
    if layer is None or layer.kind not in FIELDS or feature["geometry"]["type"] != "Point":
        raise BadParameter(_("Only places (attractions and businesses) have a position to check."), "id")
    if feature["properties"].get("coord_confidence") == "verified":
        raise Conflict(_("This position is already marked as checked on site."), "id")
    return feature, layer


def verified_properties(
    properties: Mapping[str, Any],
    checked_at: str | None,
    checked_by: str | None,
    method: str,
    previous: Sequence[float] | None = None,
) -> dict[str, Any]:
    """Return a place's properties with its position marked checked on site (the estimate's uncertainty gone),
    and the point it had before (`previous`, [lon, lat]) when the check moved it."""
    verified = {
        k: v for k, v in properties.items() if k not in ("coord_checked_on_site", "coord_uncertainty_m")
    }
    verified.update(
        coord_confidence="verified",
        coord_verified_at=checked_at,
        coord_verified_by=checked_by,
        coord_verified_method=method,
    )
    if previous is not None:
        verified["coord_previous"] = {"lon": previous[0], "lat": previous[1]}
    return verified


def _publish_verified(
    ctx: Context,
    moderator: User,
    feature: Feature,
    layer: Layer,
    checked_at: str,
    method: str,
    position: tuple[float, float] | None = None,
) -> int:
    """Publish a place's position as checked on site (moved to `position` when given); return the version."""
    geometry = feature["geometry"]
    properties = verified_properties(
        feature["properties"],
        checked_at,
        moderator["username"],
        method,
        geometry["coordinates"] if position is not None else None,
    )
    if position is not None:
        geometry = {"type": "Point", "coordinates": [round(position[0], 6), round(position[1], 6)]}
    record = validate_feature({**feature, "geometry": geometry, "properties": properties}, layer)
    return ctx.storage.publish_version(
        feature["id"], layer.id, record, moderator["id"], "verify", note="position checked on site"
    )


def verify_position(ctx: Context, moderator: User, feature_id: str, checked_at: str) -> int:
    """Record that a place's position was checked on the ground: a new version whose point is "verified".

    The "approximate" badge goes; the earlier confidence and uncertainty stay in the history. Return the new
    version's number.
    """
    if not accounts.can_moderate(moderator):
        raise Forbidden(_("Only moderators can mark a position as checked on site."))
    feature, layer = _checkable_place(ctx, feature_id)
    return _publish_verified(ctx, moderator, feature, layer, checked_at, "moderator")


def report_position(
    ctx: Context, feature_id: str, lon: Any, lat: Any, accuracy_m: Any, reporter: str
) -> None:
    """Keep a visitor's "I am here" at a place whose point is an estimate (no account needed).

    The phone's position must be good to MAX_ACCURACY_M and near enough the place to be there (twice the
    estimate's uncertainty, at least 2 km). The report is evidence for moderators, never shown in public.
    """
    if not all(finite_number(v) for v in (lon, lat)) or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise BadParameter(_("The position must be a longitude and a latitude."), "position")
    if not finite_number(accuracy_m) or accuracy_m < 0:
        raise BadParameter(_("Send the accuracy of the position in metres."), "accuracy_m")
    if accuracy_m > position_checks.MAX_ACCURACY_M:
        raise BadParameter(
            _(
                "Your phone knows its position only to ±%(got)d m; wait outside for a better GPS fix "
                "(±%(most)d m or better) and send again.",
                got=round(accuracy_m),
                most=position_checks.MAX_ACCURACY_M,
            ),
            "accuracy_m",
        )
    feature, _layer = _checkable_place(ctx, feature_id)
    if feature["properties"].get("coord_confidence") != "estimated":  # the page offers it for these only
        raise Conflict(
            _('This place\'s position is not an estimate, so there is nothing to check with "I am here".'),
            "id",
        )
    here = feature["geometry"]["coordinates"]
    away = distance_m(here[0], here[1], lon, lat)
    reach = max(2000, 2 * (feature["properties"].get("coord_uncertainty_m") or 0))
    if away > reach:
        raise BadParameter(
            _(
                "You seem to be %(km)s km from this place; send this when you are there.",
                km=round(away / 1000, 1),
            ),
            "position",
        )
    ctx.storage.add_position_report(feature_id, float(lon), float(lat), float(accuracy_m), reporter)


def position_suggestions(ctx: Context, moderator: User) -> list[dict[str, Any]]:
    """Return, for moderators, the places where visitors' reports agree: [{feature, agreement, moved_m}]."""
    if not accounts.can_moderate(moderator):
        raise Forbidden("only moderators see position reports")
    by_place: dict[str, list] = {}
    for report in ctx.storage.position_reports():
        by_place.setdefault(report["feature_id"], []).append(report)
    found = []
    for feature_id, reports in sorted(by_place.items()):
        agreed = position_checks.agreement(reports)
        feature = ctx.storage.get_feature(feature_id)
        if agreed is None or feature is None or feature["properties"].get("coord_confidence") == "verified":
            continue
        here = feature["geometry"]["coordinates"]
        found.append(
            {
                "feature": feature,
                "agreement": agreed,
                "moved_m": round(distance_m(here[0], here[1], agreed.lon, agreed.lat)),
            }
        )
    return found


def accept_reported_position(ctx: Context, moderator: User, feature_id: str, checked_at: str) -> int:
    """Move a place's point to where visitors' reports agree, and mark it checked on site; return the version."""
    if not accounts.can_moderate(moderator):
        raise Forbidden(_("Only moderators can mark a position as checked on site."))
    feature, layer = _checkable_place(ctx, feature_id)
    agreed = position_checks.agreement(ctx.storage.position_reports(feature_id))
    if agreed is None:
        raise Conflict(_("Not enough visitors' reports agree on this place's position yet."), "id")
    version = _publish_verified(
        ctx,
        moderator,
        feature,
        layer,
        checked_at,
        f"visitor reports ({agreed.reporters})",
        (agreed.lon, agreed.lat),
    )
    ctx.storage.use_position_reports(agreed.report_ids)
    return version


# Kept for Geotour's own bookkeeping: never shown as a change (photos are shown as pictures instead).
