"""Contributor pages: add or edit one place from a phone, import a file, and follow your submissions."""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from geotour.context import current as _ctx
from geotour.contributions import bulk_import, workflow
from geotour.contributions.field_rules import FIELDS, Problem, field_choices, field_kinds, problem
from geotour.contributions.photo_cleaning import Photo
from geotour.contributions.rules import contributable_layers
from geotour.domain import places
from geotour.domain.features import Feature, typed_decimal
from geotour.domain.layers import ATTRACTION, EVENT, MSME, Layer
from geotour.errors import BadParameter, Conflict, GeotourError, ValidationFailed
from geotour.storage.records import Submission
from geotour.storage.stash import ImportStash
from geotour.text import gettext as _
from geotour.web import params, views
from geotour.web.auth import requires, upload_limit, user_record
from geotour.web.photo_uploads import save_photos

bp = Blueprint("uploads", __name__)


def _stash() -> ImportStash:
    return ImportStash(_ctx().storage)


@bp.get("/contribute")
@requires("can_contribute")
def hub() -> ResponseReturnValue:
    """Show what a member can do: add a place, import a file, see their submissions."""
    return render_template("contrib/hub.html", layers=contributable_layers(_ctx().catalogue))


def place_form_values(layer: Layer) -> tuple[dict[str, str | bool], str, str]:
    """Return (fields sent, lat, lon) from a posted place form (a member's, or a moderator's edit)."""
    sent: dict[str, str | bool] = {name: request.form.get(name, "") for name in FIELDS[layer.kind]}
    if "owner_consent" in sent:
        sent["owner_consent"] = request.form.get("owner_consent") == "on"
    if request.form.get("checked_on_site") == "on":  # a correction made standing at the place
        sent["checked_on_site"] = True
    if request.form.get("photo_caption", "").strip():  # what the photos sent with it show
        sent["photo_caption"] = request.form["photo_caption"]
    lat, lon = request.form.get("lat", "").strip(), request.form.get("lon", "").strip()
    return sent, lat, lon


def form_point(lat: str, lon: str, photos: Sequence[Photo]) -> dict[str, Any] | None:
    """Return the Point from the form's lat/lon, else from the first photo that has GPS, else None."""
    if lat or lon:
        try:
            return {"type": "Point", "coordinates": [typed_decimal(lon), typed_decimal(lat)]}
        except ValueError:
            message = _(
                "Write latitude and longitude as numbers, such as -7,0123 and 106,4512 (a decimal comma "
                "or point)."
            )
            raise ValidationFailed(message, [problem("geometry", message)]) from None
    gps = next((p.gps for p in photos if p.gps), None)
    return {"type": "Point", "coordinates": list(gps)} if gps else None


def _save_photos() -> list[Photo]:
    return save_photos([f for f in request.files.getlist("photos") if f and f.filename])


def _render_form(
    layer: Layer,
    feature: Feature | None = None,
    values: dict[str, Any] | None = None,
    problems: Iterable[Problem] = (),
    status: int = 200,
) -> ResponseReturnValue:
    return render_template(
        "contrib/form.html",
        layer=layer,
        fields=field_kinds(layer),
        feature=feature,
        choices=field_choices(layer),
        values=values or {},
        problems=list(problems),
        photo_caption_max=workflow.PHOTO_CAPTION_MAX,
        place_options=_place_options() if layer.kind == EVENT else [],
    ), status


def _place_options() -> list[dict[str, str]]:
    """Return the places an event can be held at: every published attraction and business (not samples),
    by name."""
    found = [
        {"id": f["id"], "name": f["properties"]["name"]}
        for kind in (ATTRACTION, MSME)
        for f in places.features_of_kind(_ctx().storage, _ctx().catalogue, kind, ("name", "sample"))
        if not f["properties"].get("sample")
    ]
    return sorted(found, key=lambda p: p["name"])


def _send_form(
    layer: Layer,
    feature: Feature | None,
    submit: Callable[[dict[str, Any], dict[str, Any] | None, list[str]], Submission],
) -> ResponseReturnValue:
    """Read the posted form and photos, call submit(sent, geometry, photo_ids), then go to "my submissions";
    on problems, show the form again with them and with what was typed."""
    sent, lat, lon = place_form_values(layer)
    values = {**sent, "lat": lat, "lon": lon}
    try:
        photos = _save_photos()
        created = submit(sent, form_point(lat, lon, photos), [p.id for p in photos])
    except ValidationFailed as exc:
        return _render_form(layer, feature, values, exc.problems, 400)
    except GeotourError as exc:
        return _render_form(layer, feature, values, [problem(exc.field, exc.message)], exc.status)
    return redirect(url_for("uploads.mine", sent=created["id"]))


@bp.route("/contribute/new/<layer_id>", methods=["GET", "POST"])
@requires("can_contribute")
@upload_limit(["POST"])
def new_feature(layer_id: str) -> ResponseReturnValue:
    """Add a place: the form, and sending it."""
    layer = workflow.contributable_layer(_ctx(), layer_id)
    if layer.geometry == "LineString":  # a route comes from a recorded track, not a point on a map
        return redirect(url_for("route_uploads.new_route"))
    if request.method == "GET":
        return _render_form(layer)
    return _send_form(
        layer,
        None,
        lambda sent, geometry, photo_ids: workflow.submit_create(
            _ctx(), user_record(), layer.id, sent, geometry, photo_ids
        ),
    )


@bp.route("/contribute/edit/<feature_id>", methods=["GET", "POST"])
@requires("can_contribute")
@upload_limit(["POST"])
def edit_feature(feature_id: str) -> ResponseReturnValue:
    """Correct a published place: the form filled in, and sending the changes."""
    feature = workflow.require_feature(_ctx().storage, feature_id)
    layer = workflow.contributable_layer(_ctx(), feature["properties"]["layer"])
    if layer.geometry == "LineString":
        return redirect(url_for("route_uploads.edit_route", route_id=feature_id))
    lon, lat = feature["geometry"]["coordinates"][:2]
    if request.method == "GET":
        return _render_form(layer, feature, {**feature["properties"], "lat": lat, "lon": lon})
    return _send_form(
        layer,
        feature,
        lambda sent, geometry, photo_ids: workflow.submit_edit(
            _ctx(), user_record(), feature_id, sent, geometry, photo_ids
        ),
    )


@bp.post("/contribute/delete/<feature_id>")
@requires("can_contribute")
@upload_limit()
def delete_feature(feature_id: str) -> ResponseReturnValue:
    """Ask for a place to be taken off the map."""
    created = workflow.submit_delete(_ctx(), user_record(), feature_id, request.form.get("reason"))
    return redirect(url_for("uploads.mine", sent=created["id"]))


def _import_page(
    report: dict[str, Any] | None = None,
    error: str | None = None,
    stash_id: str | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    layers = [layer for layer in contributable_layers(_ctx().catalogue) if layer.geometry == "Point"]
    return render_template(
        "contrib/import.html",
        layers=layers,
        report=report,
        error=error,
        stash_id=stash_id,
        form=form or {},
        max_features=current_app.config["GEOTOUR_IMPORT_MAX_FEATURES"],
    ), status


class ImportLayer(params.Unchecked):
    layer = params.text("Layer id of the file's rows", 40)


def _import_settings() -> tuple[dict[str, str], str, dict[str, Any]]:
    form = {k: request.form.get(k, "") for k in ("layer", "category", "owner_consent")}
    layer_id = views.read(ImportLayer, form).get("layer") or ""
    defaults = {"category": form["category"] or None, "owner_consent": form["owner_consent"] == "on"}
    return form, layer_id, defaults


@bp.route("/contribute/import", methods=["GET", "POST"])
@requires("can_contribute")
@upload_limit(["POST"])
def import_file() -> ResponseReturnValue:
    """Import a file: first a preview listing every problem, then (confirmed) the ready rows, with the
    suggested position fixes or without; the preview says which rows would be skipped."""
    if request.method == "GET":
        return _import_page()
    form, layer_id, defaults = _import_settings()
    user = user_record()
    limits = (
        current_app.config["GEOTOUR_IMPORT_MAX_BYTES"],
        current_app.config["GEOTOUR_IMPORT_MAX_FEATURES"],
    )
    stash_id = request.form.get("stash_id")
    try:
        if stash_id:  # the confirmation: the file sent with the preview, taken once
            kept = _stash().claim(user["id"], stash_id)
            if kept is None:
                raise Conflict(
                    _(
                        "This preview was sent for review already, or has expired: see your submissions, "
                        "or send the file again."
                    ),
                    "file",
                )
            # The member's choice: the ready rows (the others skipped), with the suggested fixes or without.
            try:
                report = bulk_import.import_file(
                    _ctx(),
                    user,
                    kept[1],
                    kept[0],
                    layer_id,
                    defaults,
                    False,
                    *limits,
                    on_error="skip",
                    apply_fixes=request.form.get("apply_fixes") == "on",
                )
            except BaseException:
                _stash().put_back(user["id"], stash_id, kept)  # nothing was stored: it may be confirmed again
                raise
            skipped = ",".join(str(n) for n in report["skipped_rows"]) or None
            return redirect(url_for("uploads.mine", batch=report["submissions"][0]["batch"], skipped=skipped))
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise BadParameter(_("Choose a file to import."), "file")
        data = upload.read()
        report = bulk_import.import_file(
            _ctx(), user, data, upload.filename, layer_id, defaults, True, *limits
        )
    except ValidationFailed as exc:
        return _import_page(exc.report, exc.message, None, form, 400)
    except GeotourError as exc:
        return _import_page(None, exc.message, None, form, exc.status)
    ready = report["valid"] or report["fixable_rows"]  # something can be stored, now or with the fixes
    keep = _stash().put(user["id"], upload.filename, data) if ready else None
    return _import_page(report, None, keep, form)


@bp.get("/contribute/mine")
@requires("can_contribute")
def mine() -> ResponseReturnValue:
    """Show your submissions, newest first, with their status and the moderator's reason."""
    found, total = workflow.list_submissions(_ctx(), user_record(), limit=200, own_only=True)
    skipped = [int(n) for n in request.args.get("skipped", "").split(",")[:200] if n.isdigit() and len(n) < 7]
    return render_template(
        "contrib/mine.html",
        submissions=found,
        total=total,
        sent=request.args.get("sent", type=int),
        batch=request.args.get("batch"),
        skipped=skipped,
    )
