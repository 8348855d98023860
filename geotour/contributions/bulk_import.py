"""Bulk imports: read a file, check every row, and either report (dry run) or store all rows or none."""
from pyproj import Geod

from geotour.errors import ValidationFailed
from geotour.contributions.readers import read_rows
from geotour.contributions.rules import DUPLICATE_RADIUS_M, problem, propose, similar_names
from geotour.contributions.workflow import contributable_layer, nearby_finder, submit_batch
from geotour.text import gettext as _

GEOD = Geod(ellps="WGS84")
MAX_REPORTED_PROBLEMS = 200  # errors first; the counts in the report stay whole


def _same_file_duplicates(proposals):
    seen = []
    for proposal in proposals:
        if proposal.feature is None:
            continue
        props, (lon, lat) = proposal.feature["properties"], proposal.feature["geometry"]["coordinates"]
        row = proposal.row
        for name, other_lon, other_lat, other_row in seen:
            distance = GEOD.inv(lon, lat, other_lon, other_lat)[2]
            if distance <= DUPLICATE_RADIUS_M and similar_names(props["name"], name):
                proposal.flags.append({"kind": "possible_duplicate", "row": other_row, "name": name,
                                       "distance_m": round(distance)})
                proposal.problems.append(problem("name", _("Row %(other)d has a similar name %(m)d m away.",
                                                           other=other_row, m=round(distance)), row, "warning"))
        seen.append((props["name"], lon, lat, row))


def reported_problems(problems):
    """Return the problems a report lists: errors first, a warning that repeats row after row (the same
    field and words) once with its count, and at most MAX_REPORTED_PROBLEMS in all."""
    errors = [p for p in problems if p["severity"] == "error"]
    warnings = {}
    for found in (p for p in problems if p["severity"] != "error"):
        key = (found["field"], found["message"])
        if key in warnings:
            warnings[key]["count"] += 1
        else:
            warnings[key] = {**found, "count": 1}
    return (errors + list(warnings.values()))[:MAX_REPORTED_PROBLEMS]


def import_file(ctx, user, data, filename, layer_id, defaults, dry_run, max_bytes, max_features):
    """Return the import report; unless dry_run, also store every row as a pending submission, or none.

    `defaults` fills fields a row leaves empty (the form's category, or the owner-consent tick for
    the whole file). Any error in any row stores nothing and raises ValidationFailed with the report.
    """
    layer = contributable_layer(ctx, layer_id)
    rows = read_rows(data, filename, max_bytes, max_features)
    proposals = []
    for row in rows:
        sent = {**{k: v for k, v in defaults.items() if v not in (None, "")}, **row.properties}
        proposal = propose(layer, sent, row.geometry, ctx.area(), nearby_finder(ctx), row=row.number)
        for found in proposal.problems:
            found["row"] = row.number
        proposal.row = row.number
        proposals.append(proposal)
    _same_file_duplicates(proposals)
    problems = [p for proposal in proposals for p in proposal.problems]
    listed = reported_problems(problems)
    report = {
        "layer": layer.id, "filename": filename, "dry_run": dry_run, "rows": len(rows),
        "valid": sum(p.ok for p in proposals), "errors": sum(p["severity"] == "error" for p in problems),
        "warnings": sum(p["severity"] == "warning" for p in problems), "problems": listed,
        "problems_left_out": len(problems) - sum(p.get("count", 1) for p in listed),
        "features": [{**p.feature, "row": p.row} for p in proposals if p.ok],
    }
    if dry_run:
        return report
    if report["errors"]:
        error = ValidationFailed(_("Nothing was saved: fix the rows listed and send the file again."), listed)
        error.report = report
        raise error
    report["submissions"] = submit_batch(ctx, user, proposals)
    return report
