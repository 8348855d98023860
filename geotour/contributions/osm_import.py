"""OpenStreetMap in, through moderation: an extract becomes one batch of pending submissions.

- Businesses (guest houses, places to eat, souvenir and craft shops) and places like our sites (waterfalls,
  beaches, caves, viewpoints, heritage places of worship) become new places, each keeping its `osm_id` and the
  ODbL attribution. Contact details are not taken: the owner has not agreed to them being on our map.
- An OSM object whose name matches one of our sites whose position is an estimate (case, accents and the
  alternative names ignored), within that site's uncertainty, becomes a position suggestion for the site;
  approving it moves the point and marks it verified.
- Re-running with a newer extract proposes only what changed in OSM since the last run: a field OSM changed
  (and nothing a member or moderator changed since), a place gone from OSM (when the extract covers the whole
  geopark). What was rejected stays rejected until OSM changes it.
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geotour.contributions import accounts
from geotour.contributions.field_rules import Notice, Problem
from geotour.contributions.osm_extract import Extract, OsmPlace, name_variants, read_extract
from geotour.contributions.rules import Proposal, propose
from geotour.contributions.workflow import (
    Action,
    BatchItem,
    Context,
    latest_version,
    nearby_finder,
    submit_changes,
)
from geotour.domain.features import Feature
from geotour.domain.geodesy import distance_m
from geotour.domain.layers import ATTRACTION, MSME
from geotour.domain.moments import now_utc
from geotour.domain.openstreetmap import ATTRIBUTION, object_url
from geotour.domain.places import require_layer, whole_layer
from geotour.errors import NotFound
from geotour.storage.records import Submission, User

IMPORTER = "openstreetmap"
IMPORTER_GROUP = "OpenStreetMap"
# What the import takes from OSM; a re-run compares these, and only these.
TAKEN = ("name", "category", "description_id", "description_en", "opening_hours")
NO_CONTACT = ("whatsapp", "phone", "owner_consent")
PAGE = 1000


@dataclass
class Plan:
    """What an extract proposes, and what it leaves out and why."""

    read: Extract  # what the extract held
    items: list[BatchItem] = field(default_factory=list)
    lines: list[tuple[str, str, str]] = field(default_factory=list)  # (what, name, detail) for the report
    unchanged: int = 0
    not_taken: list[tuple[OsmPlace, list[Problem]]] = field(default_factory=list)

    def count(self, what: str) -> int:
        """Return how many lines of the report are of this kind."""
        return sum(line[0] == what for line in self.lines)


def importer_account(ctx: Context, username: str = IMPORTER) -> User:
    """Return the account OSM submissions are made by: created when missing, in the group public pages credit,
    and disabled, so that nobody signs in with it."""
    user, _hash = ctx.storage.get_user_login(username)
    if user is None:
        user = accounts.create_user(
            ctx.storage, username, secrets.token_urlsafe(32), accounts.Role.CONTRIBUTOR.value
        )
        accounts.set_group(ctx.storage, user["id"], IMPORTER_GROUP)
        ctx.storage.update_user(user["id"], active=False)
        user = accounts.require_user(ctx.storage, user["id"])
    return user


def _latest_submissions(ctx: Context, user_id: int) -> dict[str | None, Submission]:
    """Return {feature_id: the newest submission this account made for it}."""
    latest: dict[str | None, Submission] = {}
    offset = 0
    while True:
        found, total = ctx.storage.list_submissions(None, user_id, PAGE, offset)
        for submission in found:
            newest = latest.get(submission["feature_id"])
            if newest is None or submission["id"] > newest["id"]:
                latest[submission["feature_id"]] = submission
        offset += len(found)
        if not found or offset >= total:
            return latest


def _content(feature: Feature | None) -> dict[str, Any]:
    """Return what the import takes from OSM, as a feature holds it."""
    if feature is None:
        return {**{key: None for key in TAKEN}, "at": None}
    props = feature["properties"] or {}
    return {**{key: props.get(key) for key in TAKEN}, "at": (feature["geometry"] or {}).get("coordinates")}


def _sent(place: OsmPlace) -> dict[str, str | None]:
    """Return the form fields an OSM object fills."""
    tags = place.tags
    return {
        "name": place.name,
        "category": place.category,
        "description_id": tags.get("description:id") or tags.get("description"),
        "description_en": tags.get("description:en"),
        "opening_hours": tags.get("opening_hours"),
    }


def _with_source(proposal: Proposal, place: OsmPlace) -> Proposal:
    if proposal.feature is not None:
        proposal.feature["properties"].update(osm_id=place.key, attribution=ATTRIBUTION)
    return proposal


def _osm_flag(place: OsmPlace, **extra: Any) -> Notice:
    return {"kind": "osm", "osm_id": place.key, "url": place.url, "name": place.name, **extra}


class _Planner:
    def __init__(self, ctx: Context, user_id: int, extract: Extract) -> None:
        self.ctx, self.plan = ctx, Plan(extract)
        self.latest = _latest_submissions(ctx, user_id)
        self.find_near = nearby_finder(ctx)
        published = {
            layer.id: whole_layer(ctx.storage, layer.id)
            for layer in ctx.catalogue.layers
            if layer.kind in (ATTRACTION, MSME)
        }  # each layer read once
        self.sites = [
            f for layer in ctx.catalogue.layers if layer.kind == ATTRACTION for f in published[layer.id]
        ]
        self.site_names = [  # (site, its names, lon, lat)
            (
                site,
                name_variants(site["properties"].get("name"), *(site["properties"].get("name_alt") or ())),
                *site["geometry"]["coordinates"][:2],
            )
            for site in self.sites
        ]
        self.from_osm = {
            f["properties"]["osm_id"]: f
            for features in published.values()
            for f in features
            if f["properties"].get("osm_id")
        }

    def same_site(self, place: OsmPlace) -> tuple[Feature, float] | None:
        """Return (site, distance) for our site this object names, the nearest when several do; or None."""
        found = [
            (site, distance_m(lon, lat, place.lon, place.lat))
            for site, names, lon, lat in self.site_names
            if names & place.names and site["properties"].get("osm_id") != place.key
        ]
        return min(found, key=lambda hit: hit[1]) if found else None

    def suggest_position(self, place: OsmPlace, site: Feature, away: float) -> None:
        """Propose moving an estimated site to where OSM has it, unless that was proposed already."""
        props = site["properties"]
        if props.get("coord_confidence") != "estimated" or away < 1:
            return
        at = [place.lon, place.lat]
        last = self.latest.get(site["id"])
        if (
            last
            and last["action"] == "edit"
            and last["feature"]
            and last["feature"]["geometry"]["coordinates"] == at
        ):
            self.plan.unchanged += 1
            return
        layer = require_layer(self.ctx.catalogue, site["properties"]["layer"])
        proposal = propose(
            layer,
            {},
            {"type": "Point", "coordinates": at},
            self.ctx.area(),
            self.find_near,
            feature_id=site["id"],
            base=site,
        )
        if not proposal.ok or proposal.feature is None:  # a proposal without errors has its feature
            self.plan.not_taken.append((place, proposal.problems))
            return
        proposal.feature["properties"].update(
            coord_osm_id=place.key,
            attribution=ATTRIBUTION,
            coord_source=f"OpenStreetMap {place.key} ({ATTRIBUTION}, ODbL)",
            coord_checked_on_site={
                "by": IMPORTER_GROUP,
                "at": now_utc(),
                "method": f"OpenStreetMap {place.key}",
            },
        )
        flag = _osm_flag(
            place, kind="osm_position", distance_m=round(away), uncertainty_m=props.get("coord_uncertainty_m")
        )
        self.plan.items.append(
            BatchItem(Action.EDIT, proposal, site["id"], latest_version(self.ctx, site["id"]), [flag])
        )
        self.plan.lines.append(("position", props["name"], f"{round(away)} m → {place.url}"))

    def _as_last_seen(self, feature_id: str, published: Feature | None) -> dict[str, Any] | None:
        """Return what OSM had of a place when this account last proposed it (None: never, or nothing kept)."""
        last = self.latest.get(feature_id)
        if last is None:
            return _content(published) if published is not None else None
        seen = next((f.get("seen") for f in last["flags"] if f.get("kind") == "osm"), None)
        return seen if isinstance(seen, dict) else _content(last["feature"])

    def take(self, place: OsmPlace) -> None:
        """Propose a new place for an OSM object, or the fields OSM changed since the last run."""
        layer = self.ctx.catalogue.get(place.layer) if place.layer else None
        if layer is None:
            return
        fid = f"osm-{place.osm_type}-{place.osm_id}"
        geometry = {"type": "Point", "coordinates": [place.lon, place.lat]}
        fresh = propose(
            layer,
            _sent(place),
            geometry,
            self.ctx.area(),
            self.find_near,
            feature_id=fid,
            leave_out=NO_CONTACT,
        )
        if not fresh.ok:
            self.plan.not_taken.append((place, fresh.problems))
            return
        published = self.ctx.storage.get_feature(fid)
        old, new = self._as_last_seen(fid, published), _content(fresh.feature)
        flag = _osm_flag(place, seen=new)  # what OSM had, for the next run to compare with
        if old == new:
            self.plan.unchanged += 1  # pending, published or rejected as OSM has it now
            return
        if published is None:
            self.plan.items.append(BatchItem(Action.CREATE, _with_source(fresh, place), flags=[flag]))
            self.plan.lines.append(("new", place.name, f"{layer.id}/{place.category} {place.url}"))
            return
        old = old or _content(published)
        sent = {key: new[key] if new[key] is not None else "" for key in TAKEN if old[key] != new[key]}
        moved = geometry if old["at"] != new["at"] else None
        edit = propose(
            layer,
            sent,
            moved,
            self.ctx.area(),
            self.find_near,
            feature_id=fid,
            base=published,
            leave_out=NO_CONTACT,
        )
        if not edit.ok:
            self.plan.not_taken.append((place, edit.problems))
            return
        self.plan.items.append(BatchItem(Action.EDIT, edit, fid, latest_version(self.ctx, fid), [flag]))
        self.plan.lines.append(
            ("changed", place.name, ", ".join(sorted(sent) + (["location"] if moved else [])))
        )

    def gone(self, seen: Iterable[str]) -> None:
        """Propose taking off the map the places whose OSM object is no longer in the extract."""
        for key, feature in sorted(self.from_osm.items()):
            last = self.latest.get(feature["id"])
            if key in seen or (last and last["action"] == "delete" and last["status"] == "pending"):
                continue
            self.plan.items.append(
                BatchItem(
                    Action.DELETE,
                    feature["properties"]["layer"],
                    feature["id"],
                    latest_version(self.ctx, feature["id"]),
                    [{"kind": "osm_gone", "osm_id": key, "url": object_url(key)}],
                )
            )
            self.plan.lines.append(("gone", feature["properties"]["name"], key))


def covers(
    bounds: tuple[float, float, float, float] | None, area_bounds: tuple[float, float, float, float]
) -> bool:
    """Return whether an extract's (west, south, east, north) holds the whole of another such box."""
    return (
        bounds is not None
        and bounds[0] <= area_bounds[0]
        and bounds[1] <= area_bounds[1]
        and bounds[2] >= area_bounds[2]
        and bounds[3] >= area_bounds[3]
    )


def plan_extract(ctx: Context, user_id: int, extract: Extract) -> Plan:
    """Return the Plan for an Extract, against what is published and what the account `user_id` proposed
    before (-1: none)."""
    planner = _Planner(ctx, user_id, extract)
    for place in extract.places:
        same = planner.same_site(place) if place.layer != "msmes" else None
        if same is not None:
            site, away = same
            reach = site["properties"].get("coord_uncertainty_m") or 0
            if away <= reach:
                planner.suggest_position(place, site, away)
            else:
                planner.plan.lines.append(
                    ("far", place.name, f"{site['properties']['name']}: {round(away)} m")
                )
            continue
        if place.layer is not None:
            planner.take(place)
    area = ctx.area()
    if area is not None and covers(extract.bounds, area.bounds_lonlat):
        planner.gone({place.key for place in extract.places if place.layer is not None})
    else:
        planner.plan.lines.append(("no-removals", "", "the extract does not say it covers the whole geopark"))
    return planner.plan


def import_extract(
    ctx: Context, path: str | Path, username: str = IMPORTER, dry_run: bool = False
) -> tuple[Plan, list[Submission]]:
    """Read an OSM extract and send what it proposes to moderation as one batch; return (plan, submissions)."""
    area = ctx.area()
    if area is None:
        raise NotFound("The geopark boundary layer is empty: nothing tells what lies inside.", "boundary")
    extract = read_extract(path, lambda lon, lat: area.place(lon, lat).inside)
    if dry_run:  # what the importer's account would propose, without making it
        known, _hash = ctx.storage.get_user_login(username)
        return plan_extract(ctx, known["id"] if known else -1, extract), []
    user = importer_account(ctx, username)
    plan = plan_extract(ctx, user["id"], extract)
    return plan, submit_changes(ctx, user, plan.items) if plan.items else []
