"""/go/<what>/<id>: a contact or directions tap that is counted, then sent on (WhatsApp, the dialler, a maps
app). The places' pages write their contact links this way, so a phone without JavaScript is counted too
(with it, static/js/count.js sends the tap straight to its address and counts it on the side). Inside a
WordPress embed, the frame cannot open WhatsApp itself: WordPress opens a link of our own host in the top
window, and this one sends it on, so a tap there reaches WhatsApp in one go."""

from typing import Any

from flask import Blueprint, redirect, request
from flask.typing import ResponseReturnValue

from geotour.context import current as _ctx
from geotour.domain import contact, counting, places
from geotour.domain.features import Feature
from geotour.domain.layers import ROUTE
from geotour.errors import NotFound
from geotour.web.counting import count
from geotour.web.pages.place_facts import place_facts

bp = Blueprint("go", __name__)
DIRECTIONS = ("google", "geo", "osm", "search_google", "search_geo")  # contact.directions' links


def _links(feature: Feature) -> dict[str, Any]:
    """Return a place's links out: whatsapp and call (None when it has no usable number) and directions; a
    route's directions lead to its start."""
    layer = places.require_layer(_ctx().catalogue, feature["properties"]["layer"])
    if layer.kind == ROUTE:
        lon, lat = feature["geometry"]["coordinates"][0][:2]
        return {"directions": contact.directions(lat, lon, feature["properties"]["name"])}
    facts = place_facts(feature)
    return {"whatsapp": facts["whatsapp"], "call": facts["tel"], "directions": facts["directions"]}


@bp.get("/go/<any(whatsapp, call, directions):what>/<feature_id>")
def go(what: str, feature_id: str) -> ResponseReturnValue:
    """Count a tap on a place's WhatsApp, call or directions link and send it on (?to= picks the maps
    link: google, geo, osm, search_google or search_geo; ?src=embed: tapped in an embed)."""
    feature = places.require_feature(_ctx().storage, feature_id)
    links = _links(feature)
    if what == counting.DIRECTIONS:
        if links["directions"] is None:
            raise NotFound("This business is a made-up sample: there is no place to go to.", "id")
        to = request.args.get("to", "google")
        target = links["directions"].get(to) if to in DIRECTIONS else None
        if target is None:
            raise NotFound("No such directions link: use to=%(allowed)s.", "to", allowed="|".join(DIRECTIONS))
    else:
        target = links.get(what)
        if target is None:
            raise NotFound("This place has no number to contact.", "id")
    embedded = request.args.get("src") == counting.EMBED
    source = counting.EMBED if embedded else counting.DIRECT
    host = counting.host_detail(request.referrer) if embedded else ""
    count(counting.Hit(what, feature["id"], source, host))
    response = redirect(target, 302)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
