"""A route from the ground: a KIM member sends the track they recorded (GPX, KML or GeoJSON), sees it on a map
with its length, its jumps and the sites along it to pick as stops, then sends it for moderation.

The prepared line is kept in the import stash between the two steps, so a member on a slow link uploads the
file once; a bad file is refused with the line or point at fault, and nothing is stored.
"""

import json
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from geotour.context import current as _ctx
from geotour.contributions import tracks, workflow
from geotour.contributions.field_rules import FIELDS, ROUTE_DIFFICULTIES, Problem, problem
from geotour.domain import routes
from geotour.domain.features import Feature
from geotour.domain.layers import ROUTE, Layer
from geotour.errors import BadParameter, GeotourError, ValidationFailed
from geotour.storage.stash import ImportStash
from geotour.text import gettext as _
from geotour.web import maps
from geotour.web.auth import requires, upload_limit, user_record
from geotour.web.i18n import format_distance
from geotour.web.pages import place_facts
from geotour.web.pages.map_setup import map_spec, static_url

bp = Blueprint("route_uploads", __name__)
STASH_NAME = "track.geojson"


def route_layer() -> Layer:
    """Return the layer routes are contributed to (the first of kind route), or raise BadParameter."""
    layer_id = next(iter(_ctx().catalogue.ids(ROUTE)), None)
    if layer_id is None:
        raise BadParameter("This site has no routes layer.", "layer")
    return workflow.contributable_layer(_ctx(), layer_id)


def _fields_sent(layer: Layer) -> dict[str, Any]:
    sent: dict[str, Any] = {
        name: request.form.get(name, "") for name in FIELDS[layer.kind] if name != "stops"
    }
    sent["stops"] = request.form.getlist("stops")
    return sent


def _offered_stops(line: list[list[float]], chosen: list[str], tick_all: bool) -> list[dict[str, Any]]:
    """Return the sites along the line (workflow.sites_along), ticked when chosen (all of them, for a track
    just read), then the chosen stops that are not along it (an edit's stops stay offered)."""
    lang = place_facts.lang()
    offered = [
        {
            **site,
            "away": format_distance(site["distance_m"], lang),
            "along": format_distance(site["along_m"], lang),
            "checked": tick_all or site["id"] in chosen,
        }
        for site in workflow.sites_along(_ctx(), line)
    ]
    known = {o["id"] for o in offered}
    for site_id in chosen:
        site = _ctx().storage.get_feature(site_id) if site_id not in known else None
        if site is not None:
            offered.append({"id": site_id, "name": site["properties"]["name"], "checked": True})
    return offered


def _preview_map(line: list[list[float]]) -> maps.RenderedMap:
    spec = map_spec([], {}, center=(line[0][1], line[0][0]))
    spec["aria_label"] = _("Map of the track you sent")
    return maps.render(maps.route_map(spec, static_url, line, [], dashed=False))


def _page(
    layer: Layer,
    base: Feature | None,
    values: dict[str, Any],
    problems: list[Problem] | None = None,
    prepared: dict[str, Any] | None = None,
    stash_id: str | None = None,
    status: int = 200,
    tick_all: bool = False,
) -> ResponseReturnValue:
    line = (
        prepared["geometry"]["coordinates"]
        if prepared
        else (base["geometry"]["coordinates"] if base else None)
    )
    chosen = [s["site_id"] if isinstance(s, dict) else s for s in values.get("stops") or []]
    return render_template(
        "contrib/route.html",
        layer=layer,
        base=base,
        values=values,
        problems=problems or [],
        prepared=prepared,
        stash_id=stash_id,
        difficulties=ROUTE_DIFFICULTIES,
        offered=_offered_stops(line, chosen, tick_all) if line else [],
        map=_preview_map(line) if line else None,
        length=format_distance(routes.line_length_m(line), place_facts.lang()) if line else None,
        format_distance=lambda m: format_distance(m, place_facts.lang()),
    ), status


def _stash() -> ImportStash:
    return ImportStash(_ctx().storage)


def _mapped_stops(route: Feature) -> list[str]:
    listed = route["properties"].get("stops")
    stops = listed if isinstance(listed, list) else []
    return [s["site_id"] for s in stops if isinstance(s, dict) and isinstance(s.get("site_id"), str)]


def _claim_track(user_id: int, stash_id: str) -> tuple[str, bytes]:
    claimed = _stash().claim(user_id, stash_id)
    if claimed is None:
        raise BadParameter("The track you sent has expired or was already used; send the file again.", "file")
    return claimed


def _route_form(base: Feature | None) -> ResponseReturnValue:
    layer = route_layer()
    if request.method == "GET":
        return _page(layer, base, dict(base["properties"]) if base else {})
    sent = _fields_sent(layer)
    if base is not None and sent["stops"] == _mapped_stops(base):
        del sent["stops"]  # unchanged: the route keeps its stops as they are, those with no position too
    user = user_record()
    upload = request.files.get("track")
    stash_id = request.form.get("stash_id") or None
    claimed: tuple[str, bytes] | None = None
    try:
        if upload is not None and upload.filename:  # step 1: read the file, show it, keep it for step 2
            prepared = tracks.prepare(tracks.read_track(upload.read(), upload.filename)).to_dict()
            kept = _stash().put(user["id"], STASH_NAME, json.dumps(prepared).encode())
            return _page(layer, base, sent, prepared=prepared, stash_id=kept, tick_all=True)
        geometry = None
        if stash_id:  # step 2: the track shown in step 1, taken once
            claimed = _claim_track(user["id"], stash_id)
            geometry = json.loads(claimed[1])["geometry"]
        elif base is None:
            raise BadParameter("The route needs its track: send a GPX, KML or GeoJSON file.", "file")
        if base is None:
            created = workflow.submit_create(_ctx(), user, layer.id, sent, geometry)
        else:
            created = workflow.submit_edit(_ctx(), user, base["id"], sent, geometry)
    except ValidationFailed as exc:
        prepared_again = None
        if stash_id and claimed is not None:  # nothing the member sent is lost: the track is kept again
            _stash().put_back(user["id"], stash_id, claimed)
            prepared_again = json.loads(claimed[1])
        return _page(layer, base, sent, exc.problems, prepared_again, stash_id if claimed else None, 400)
    except GeotourError as exc:
        return _page(layer, base, sent, [problem(exc.field, exc.message)], status=exc.status)
    return redirect(url_for("uploads.mine", sent=created["id"]))


@bp.route("/contribute/routes/new", methods=["GET", "POST"])
@requires("can_contribute")
@upload_limit(["POST"])
def new_route() -> ResponseReturnValue:
    """Add a route from a recorded track: send the file, check it on a map and pick its stops, then send it."""
    return _route_form(None)


@bp.route("/contribute/routes/<route_id>/edit", methods=["GET", "POST"])
@requires("can_contribute")
@upload_limit(["POST"])
def edit_route(route_id: str) -> ResponseReturnValue:
    """Correct a route: its words and stops, or its whole track from a new recording."""
    base = workflow.require_feature(_ctx().storage, route_id)
    if _ctx().catalogue.get(base["properties"]["layer"]) != route_layer():
        raise BadParameter("This is not a route.", "id")
    return _route_form(base)
