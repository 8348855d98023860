"""QR codes and printable A4 signboards that lead from a geosite to its page."""

import io

import segno
from flask import Blueprint, Response, current_app, render_template, url_for
from flask.typing import ResponseReturnValue

from geotour.context import current as _ctx
from geotour.domain import counting, places
from geotour.domain.features import Feature
from geotour.domain.layers import ATTRACTION
from geotour.errors import Conflict, NotFound
from geotour.web.public_address import unreachable_reason

bp = Blueprint("signboards", __name__, url_prefix="/sites/<feature_id>")
QR_CACHE_SECONDS = 86400


def _attraction(feature_id: str) -> Feature:
    feature = places.require_feature(_ctx().storage, feature_id)
    if places.require_layer(_ctx().catalogue, feature["properties"]["layer"]).kind != ATTRACTION:
        raise NotFound("signboards are for attractions", "id")
    return feature


STORY_ANCHOR = "cerita"  # templates/_story.html


def site_link(feature_id: str) -> str:
    """Return the public URL a signboard's QR code opens: the site page at its story (GEOTOUR_PUBLIC_URL when
    set: see public_address)."""
    return url_for(
        "pages.site", feature_id=feature_id, lang=None, src=counting.QR, _anchor=STORY_ANCHOR, _external=True
    )


def _unprintable() -> str | None:
    """Return why a QR code made now would lead nowhere, or None (see public_address.unreachable_reason)."""
    return unreachable_reason(current_app.config["GEOTOUR_PUBLIC_URL"])


def _qr(feature_id: str) -> segno.QRCode:
    feature = _attraction(feature_id)
    reason = _unprintable()
    if reason:
        raise Conflict(reason, "GEOTOUR_PUBLIC_URL")
    return segno.make(site_link(feature["id"]), error="m")


def _image(body: bytes, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.cache_control.public = True
    response.cache_control.max_age = QR_CACHE_SECONDS
    return response


@bp.get("/qr.svg")
def qr_svg(feature_id: str) -> Response:
    """Return the site's QR code as SVG (for print)."""
    out = io.BytesIO()
    _qr(feature_id).save(out, kind="svg", scale=10, border=2, xmldecl=False, title="QR")
    return _image(out.getvalue(), "image/svg+xml")


@bp.get("/qr.png")
def qr_png(feature_id: str) -> Response:
    """Return the site's QR code as PNG."""
    out = io.BytesIO()
    _qr(feature_id).save(out, kind="png", scale=10, border=2)
    return _image(out.getvalue(), "image/png")


@bp.get("/signboard")
def signboard(feature_id: str) -> ResponseReturnValue:
    """Show a printable A4 signboard: the site's name, its QR code and a short bilingual text; or, while the
    public address is not one phones can reach, a warning saying what to set, and nothing to print (409)."""
    feature = _attraction(feature_id)
    layer = _ctx().catalogue.get(feature["properties"]["layer"])
    reason = _unprintable()
    page = render_template(
        "signboard.html",
        feature=feature,
        props=feature["properties"],
        layer=layer,
        link=site_link(feature["id"]),
        unprintable=reason,
    )
    return page, 409 if reason else 200
