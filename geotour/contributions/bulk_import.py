"""Bulk imports: read a file, check every row, and either report (dry run) or store the rows the member chose:
all or none, or the ready ones with the rest skipped, with suggested position fixes applied or not."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from geotour.contributions.field_rules import Problem, problem
from geotour.contributions.readers import Row, read_rows
from geotour.contributions.rules import DUPLICATE_RADIUS_M, Proposal, propose, similar_names
from geotour.contributions.workflow import (
    Context,
    contributable_layer,
    nearby_finder,
    place_finder,
    submit_batch,
)
from geotour.domain.geodesy import nearest_earlier
from geotour.domain.layers import Layer
from geotour.errors import BadParameter, ValidationFailed
from geotour.storage.records import User
from geotour.text import gettext as _

MAX_REPORTED_PROBLEMS = 200  # errors first; the counts in the report stay whole


MAX_SAME_FILE_DUPLICATES = 3  # flagged on a row: the nearest rows before it with a similar name
MAX_SAME_FILE_NEIGHBOURS = 50  # whose names are compared, nearest first; a file of one spot stays quick


def _same_file_duplicates(checked: Sequence["CheckedRow"]) -> None:
    """Flag each row whose name is like an earlier row's within DUPLICATE_RADIUS_M (the nearest few)."""
    placed = [row for row in checked if row.proposal.feature is not None]
    points = [row.proposal.feature["geometry"]["coordinates"] for row in placed]  # type: ignore[index]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    near = nearest_earlier(lons, lats, DUPLICATE_RADIUS_M, MAX_SAME_FILE_NEIGHBOURS)
    for j, others in near.items():
        row = placed[j]
        name = row.proposal.feature["properties"]["name"]  # type: ignore[index]
        flagged = 0
        for metres, i in others:
            other = placed[i]
            other_name = other.proposal.feature["properties"]["name"]  # type: ignore[index]
            if not similar_names(name, other_name):
                continue
            row.proposal.flags.append(
                {
                    "kind": "possible_duplicate",
                    "row": other.number,
                    "name": other_name,
                    "distance_m": round(metres),
                }
            )
            row.proposal.problems.append(
                problem(
                    "name",
                    _(
                        "Row %(other)d has a similar name %(m)d m away.",
                        other=other.number,
                        m=round(metres),
                    ),
                    row.number,
                    "warning",
                )
            )
            flagged += 1
            if flagged == MAX_SAME_FILE_DUPLICATES:
                break


MAX_LISTED_ROWS = 20  # of a problem that repeats: its first rows, and the count of all


def reported_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Return the problems a report lists: errors first, then warnings; a problem that repeats row after row
    (the same field and words) once, with its count and its first rows ("10 rows: the owner's consent is
    empty"); at most MAX_REPORTED_PROBLEMS in all."""
    grouped: dict[tuple[bool, str, str], Problem] = {}
    for found in problems:
        key = (found["severity"] == "error", found["field"], found["message"])
        if key in grouped:
            grouped[key]["count"] += 1
            rows = grouped[key]["rows"]
            if found.get("row") is not None and len(rows) < MAX_LISTED_ROWS:
                rows.append(found["row"])
        else:
            grouped[key] = {
                **found,
                "count": 1,
                "rows": [found["row"]] if found.get("row") is not None else [],
            }
    ordered = sorted(
        grouped.values(), key=lambda p: p["severity"] != "error"
    )  # stable: file order within each
    return ordered[:MAX_REPORTED_PROBLEMS]


ON_ERROR = ("fail", "skip")


@dataclass
class CheckedRow:
    """One row of the file as checked: its Proposal, what was sent, and whether its position was fixed."""

    number: int
    proposal: Proposal
    sent: Row
    fixable: bool = False  # a suggested position fix makes it ready
    fixed: bool = False  # and was applied

    @property
    def ok(self) -> bool:
        """Return whether the row can be stored."""
        return self.proposal.ok


def _suggested_position(proposal: Proposal) -> list[float] | None:
    """Return the [lon, lat] a geometry problem suggests (swapped, or a missing minus sign), or None."""
    return next(
        (p["suggestion"] for p in proposal.problems if p["field"] == "geometry" and p.get("suggestion")), None
    )


def _check_row(
    ctx: Context, layer: Layer, row: Row, defaults: Mapping[str, Any], apply_fixes: bool
) -> "CheckedRow":
    """Return the CheckedRow. A row whose position has a suggested fix is proposed again at the fixed
    position: it is `fixable` when that makes it ready, and taken so when apply_fixes."""
    sent = {**{k: v for k, v in defaults.items() if v not in (None, "")}, **row.properties}
    place_of = place_finder(ctx)
    proposal = propose(
        layer, sent, row.geometry, ctx.area(), nearby_finder(ctx), row=row.number, place_of=place_of
    )
    checked = CheckedRow(row.number, proposal, row)
    suggestion = _suggested_position(proposal)
    if suggestion is not None:
        fixed = propose(
            layer,
            sent,
            {"type": "Point", "coordinates": suggestion},
            ctx.area(),
            nearby_finder(ctx),
            row=row.number,
            place_of=place_of,
        )
        checked.fixable = fixed.ok
        if fixed.ok and apply_fixes:
            lon, lat = suggestion
            fixed.problems.append(
                problem(
                    "geometry",
                    _("Fixed as suggested: latitude %(lat)s, longitude %(lon)s.", lat=lat, lon=lon),
                    row.number,
                    "warning",
                )
            )
            checked.proposal, checked.fixed = fixed, True
    for found in checked.proposal.problems:
        found["row"] = row.number
        if (
            found["field"] == "owner_consent" and found["severity"] == "error"
        ):  # a file has one tick for all rows
            found["message"] = _(
                "Empty: tick “every owner in this file agreed” on the form, or write yes in the "
                "pemilik_setuju column."
            )
    return checked


def _rejected_point(checked: "CheckedRow") -> dict[str, Any] | None:
    """Return a row that cannot be stored as a Feature for the preview map, when it has a point at all."""
    geometry = checked.sent.geometry
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        return None
    errors = [p["message"] for p in checked.proposal.problems if p["severity"] == "error"]
    return {
        "type": "Feature",
        "geometry": geometry,
        "row": checked.number,
        "properties": {"name": str(checked.sent.properties.get("name") or "")[:120], "problems": errors[:3]},
    }


def import_file(
    ctx: Context,
    user: User,
    data: bytes,
    filename: str | None,
    layer_id: str,
    defaults: Mapping[str, Any],
    dry_run: bool,
    max_bytes: int,
    max_features: int,
    on_error: str = "fail",
    apply_fixes: bool = False,
) -> dict[str, Any]:
    """Return the import report; unless dry_run, also store rows as pending submissions, in one transaction.

    `defaults` fills fields a row leaves empty (the form's category, or the owner-consent tick for the whole
    file). With apply_fixes, a row whose position has a suggested fix (latitude and longitude swapped, a
    missing minus sign) is taken at the fixed position. With on_error="fail", any error in any row stores
    nothing and raises ValidationFailed with the report; with "skip", the rows that are ready are stored and
    the report lists the rows skipped (still nothing when no row is ready).
    """
    if on_error not in ON_ERROR:
        raise BadParameter("on_error must be fail or skip", "on_error")
    layer = contributable_layer(ctx, layer_id)
    if layer.geometry != "Point":
        raise BadParameter(
            "Routes are sent one at a time, as a recorded track (Contribute, Add a route).", "layer"
        )
    checked = [
        _check_row(ctx, layer, row, defaults, apply_fixes)
        for row in read_rows(data, filename, max_bytes, max_features)
    ]
    _same_file_duplicates(checked)
    problems = [p for row in checked for p in row.proposal.problems]
    listed = reported_problems(problems)
    rejected = [row for row in checked if not row.ok]
    report = {
        "layer": layer.id,
        "filename": filename,
        "dry_run": dry_run,
        "rows": len(checked),
        "valid": len(checked) - len(rejected),
        "errors": sum(p["severity"] == "error" for p in problems),
        "warnings": sum(p["severity"] == "warning" for p in problems),
        "problems": listed,
        "problems_left_out": len(problems) - sum(p.get("count", 1) for p in listed),
        "rejected_rows": [row.number for row in rejected],
        "fixable_rows": [row.number for row in checked if row.fixable and not row.fixed],
        "fixed_rows": [row.number for row in checked if row.fixed],
        "features": [
            {**row.proposal.feature, "row": row.number} for row in checked if row.ok and row.proposal.feature
        ],
        "rejected_features": [f for f in map(_rejected_point, rejected) if f is not None],
        "on_error": on_error,
        "apply_fixes": apply_fixes,
    }
    if dry_run:
        return report
    if rejected and (on_error == "fail" or not report["valid"]):
        message = (
            _("Nothing was saved: fix the rows listed and send the file again.")
            if on_error == "fail"
            else _("Nothing was saved: no row is ready. Fix the rows listed and send the file again.")
        )
        raise ValidationFailed(message, listed, report=report)
    report["skipped_rows"] = report["rejected_rows"]
    report["submissions"] = submit_batch(ctx, user, [row.proposal for row in checked if row.ok])
    return report
