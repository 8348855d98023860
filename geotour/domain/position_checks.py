"""Positions checked on site by visitors: when enough independent "I am here" reports agree, where they put
the place. Pure: no Flask, no I/O. Distances are metres on the WGS84 ellipsoid."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from geotour.domain.geodesy import distance_m

MAX_ACCURACY_M = 50  # a report from a phone less sure than this says little about a point
AGREE_WITHIN_M = 50  # reports agree when each lies this close to the others' centre
NEEDED_REPORTERS = 3  # independent senders (one phone reporting three times counts once)


@dataclass(frozen=True)
class Agreement:
    """Reports that agree: the point they give (their centre), the reports, and how many people sent them."""

    lon: float
    lat: float
    report_ids: tuple
    reporters: int
    spread_m: float  # the farthest report from the centre


def _centre(reports: Sequence[Mapping[str, Any]]) -> tuple[float, float]:
    return (sum(r["lon"] for r in reports) / len(reports), sum(r["lat"] for r in reports) / len(reports))


def agreement(
    reports: Sequence[Mapping[str, Any]], within_m: float = AGREE_WITHIN_M, needed: int = NEEDED_REPORTERS
) -> Agreement | None:
    """Return the Agreement of the largest group of reports lying within `within_m` of their centre and sent by
    at least `needed` different reporters, or None. Each report is {"id", "lon", "lat", "reporter"}.

    Every report is tried as a seed: the reports within `within_m` of it form a group, whose centre is then
    checked (every member within `within_m` of it). The group with the most reporters wins, then the tightest.
    """
    best = None
    for seed in reports:
        group = [r for r in reports if distance_m(seed["lon"], seed["lat"], r["lon"], r["lat"]) <= within_m]
        lon, lat = _centre(group)
        spread = max(distance_m(lon, lat, r["lon"], r["lat"]) for r in group)
        reporters = len({r["reporter"] for r in group})
        if spread > within_m or reporters < needed:
            continue
        found = Agreement(lon, lat, tuple(r["id"] for r in group), reporters, spread)
        if best is None or (found.reporters, -found.spread_m) > (best.reporters, -best.spread_m):
            best = found
    return best
