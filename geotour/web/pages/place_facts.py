"""What a tourist page shows of one place: only tourist-facing fields, in the page's language.

Provenance and research fields (coord_note, coord_method, doubts, notes inside name_alt or desa) stay in the
data and the API; nothing here passes them to a template. The recorded `facts` reach the page only through
domain.practical: each with its year and its source.
"""

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from babel.numbers import format_decimal
from flask import url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from geotour.context import current as _ctx
from geotour.domain import counting, partners, places, practical, stories, visit
from geotour.domain.contact import directions, tel_url, whatsapp_url
from geotour.domain.features import Feature, fold
from geotour.domain.layers import EVENT, MSME, ROUTE
from geotour.domain.openstreetmap import LICENCE_URL, object_url
from geotour.domain.places import area_of

SPEECH_LANG = {"id": "id-ID", "en": "en-US"}  # the voice a story is read aloud in
_NOTE = re.compile(r"\s*[(\[].*$|\s*;.*$")
_OR = re.compile(r"\s+(?:or|atau)\s+", re.IGNORECASE)


def lang() -> str:
    """Return the page's language code."""
    return str(get_locale())


def title(titles: Mapping[str, str]) -> str:
    """Return a {"id": .., "en": ..} title in the page's language."""
    return titles.get(lang()) or titles.get("id") or ""


def localized(properties: Mapping[str, Any], name: str) -> str:
    """Return properties[name_<lang>], falling back to the other language, or ''."""
    other = "en" if lang() == "id" else "id"
    return properties.get(f"{name}_{lang()}") or properties.get(f"{name}_{other}") or ""


def plain_place_name(text: object) -> str:
    """Return a village or alternative name without the research note that may follow it.

    "Sidamulya or Pangumbahan (not confirmed)" -> "Sidamulya / Pangumbahan"; "Cisolok (wartaparahyangan.com,
    ...)" -> "Cisolok".
    """
    if not isinstance(text, str):
        return ""
    return _OR.sub(" / ", _NOTE.sub("", text)).strip(" ,")


def position(props: Mapping[str, Any]) -> dict[str, Any]:
    """Return how far a place's point can be trusted: approximate (with metres), verified on site, or exact."""
    confidence = props.get("coord_confidence")
    approximate = confidence == "estimated"
    return {
        "approximate": approximate,
        "verified": confidence == "verified",
        "uncertainty_m": int(props.get("coord_uncertainty_m") or 1000) if approximate else None,
    }


def format_rupiah(amount: int) -> str:
    """Return "Rp 10.000" (id) or "Rp 10,000" (en); "Gratis"/"Free" for 0."""
    if amount == 0:
        return _("Free")
    return "Rp " + format_decimal(amount, format="#,##0", locale=lang())


def status_view(props: Mapping[str, Any], reported: Mapping[str, str]) -> dict[str, Any] | None:
    """Return a place's closure or limit as it stands today (WIB), or None when it is open: its word, the last
    day (as the page's language writes it), the reason, and when the office approved it (`reported`, from
    _reported_on)."""
    state, until = visit.place_status(props)
    if state == "open":
        return None
    reason = props.get("status_reason")
    return {
        "state": state,
        "title": title(visit.PLACE_STATUS[state]),
        "until": format_date(until, "full") if until else None,
        "reason": reason if isinstance(reason, str) and reason.strip() else None,
        "reported": reported.get("status"),
    }


def _sourced(fact: practical.SourcedFact) -> dict[str, Any]:
    text, shown = practical.wording_text(fact.part, lang(), format_rupiah)
    return {"text": text, "lang": shown, "year": fact.year, "source": fact.source}


def _reported_on(props: Mapping[str, Any]) -> dict[str, str]:
    """Return {page field: the date its contributor's value was approved, as the page's language writes it}."""
    recorded = props.get("reported_on")
    dates: Mapping[str, Any] = recorded if isinstance(recorded, dict) else {}
    shown: dict[str, str] = {}
    for page_field, names in practical.CONTRIBUTED.items():
        found = sorted((d for n in names if isinstance(d := dates.get(n), str)), reverse=True)
        try:
            when = date.fromisoformat(found[0]) if found else None
        except ValueError:
            when = None
        if when is not None:
            shown[page_field] = format_date(when, "medium")
    return shown


def visit_info(props: Mapping[str, Any], reported: Mapping[str, str]) -> dict[str, Any]:
    """Return the practical facts of a visit: what contributors reported (each None when unknown, with the date it
    was approved: `reported`, from _reported_on), what the sources say per field (`sourced`), and the rest of the
    sources (`good_to_know`)."""
    price = visit.parse_rupiah(props.get("ticket_price"))
    hours_text = props.get("opening_hours")
    hours = visit.parse_hours(hours_text)
    known, other = visit.sort_facilities(props.get("facilities")) if props.get("facilities") else ([], [])
    road = visit.ACCESS_ROADS.get(props.get("access_road") or "")
    walk = props.get("walk_minutes")
    found = practical.by_field(practical.sourced_facts(props.get("facts"), _ctx().wording))
    sourced = {about: [_sourced(f) for f in facts] for about, facts in found.items()}
    return {
        "ticket": format_rupiah(price) if price is not None else (props.get("ticket_price") or None),
        "parking": props.get("parking_fee") or None,
        "boat": props.get("boat_fare") or None,
        "hours": (hours.label() if hours else hours_text) or None,
        "open_now": visit.open_now(hours_text) if hours else None,
        "road": title(road) if road else None,
        "walk_minutes": walk if isinstance(walk, int) and not isinstance(walk, bool) else None,
        "access_notes": props.get("access") or None,
        "facilities": [title(visit.FACILITIES[key][0]) for key in known] + other
        if props.get("facilities")
        else None,
        "reported_on": reported,
        "sourced": {about: views for about, views in sourced.items() if about != "note"},
        "good_to_know": sourced["note"],
    }


def story(props: Mapping[str, Any]) -> dict[str, Any] | None:
    """Return the place's story in the page's language (else the other one) as clean HTML with its first use
    of each glossary term linked; a place with no story yet starts from its description. None: nothing to tell."""
    other = "en" if lang() == "id" else "id"
    shown = next((code for code in (lang(), other) if (props.get(f"story_{code}") or "").strip()), None)
    written = shown is not None
    if shown is None:
        shown = next(
            (code for code in (lang(), other) if (props.get(f"description_{code}") or "").strip()), None
        )
        if shown is None:
            return None
        text = stories.seeded(props[f"description_{shown}"], shown)
    else:
        text = props[f"story_{shown}"]
    glossary_url = url_for("pages.glossary", lang=shown)
    html = stories.link_terms(
        stories.to_html(text), _ctx().glossary, shown, lambda term: f"{glossary_url}#{term}"
    )
    return {"html": Markup(html), "lang": shown, "written": written, "speech": SPEECH_LANG[shown]}


def photos(props: Mapping[str, Any]) -> list[dict[str, str | None]]:
    """Return the place's approved photos as the gallery shows them: the thumbnail, the full size, the caption
    and the credit (a group, never a person); only photos Geotour itself serves."""
    shown = []
    for photo in props.get("photos") or ():
        if not isinstance(photo, dict):
            continue
        url, thumb = photo.get("url"), photo.get("thumb")
        if (
            isinstance(url, str)
            and isinstance(thumb, str)
            and url.startswith("/photos/")
            and thumb.startswith("/photos/")
        ):
            caption, credit = photo.get("caption"), photo.get("credit")
            shown.append(
                {
                    "url": url,
                    "thumb": thumb,
                    "caption": caption if isinstance(caption, str) else None,
                    "credit": credit if isinstance(credit, str) else None,
                }
            )
    return shown


def osm_source(props: Mapping[str, Any]) -> dict[str, str] | None:
    """Return {url, licence, what} when a place, or its position, comes from OpenStreetMap (ODbL asks us to
    say so on every page that shows it)."""
    url = object_url(props.get("osm_id") or props.get("coord_osm_id"))
    if url is None:
        return None
    return {"url": url, "licence": LICENCE_URL, "what": "place" if props.get("osm_id") else "position"}


def page_url(kind: str, feature_id: str, **values: Any) -> str:
    """Return the page of an attraction, a business or a route (`values` go to url_for: lang, _external)."""
    if kind == ROUTE:
        return url_for("route_pages.route", route_id=feature_id, **values)
    if kind == EVENT:
        return url_for("events_pages.event", event_id=feature_id, **values)
    return url_for("pages.msme" if kind == MSME else "pages.site", feature_id=feature_id, **values)


def partner_view(props: Mapping[str, Any]) -> dict[str, Any] | None:
    """Return a business's geopark partner label as pages show it while it holds today (WIB): its days and
    criteria in the page's language; None when it has none, or it has expired (it goes by itself)."""
    label = partners.label(props) if partners.holds(props, counting.today()) else None
    if label is None:
        return None
    return {
        "granted": date.fromisoformat(str(label["granted"])),
        "expires": date.fromisoformat(str(label["expires"])),
        "criteria": [
            str(c.get("text_en" if lang() == "en" else "text_id") or c.get("text_id") or "")
            for c in label.get("criteria") or []
            if isinstance(c, Mapping)
        ],
    }


def directions_to(props: Mapping[str, Any], lat: float, lon: float, name: str) -> dict[str, str] | None:
    """Return the maps apps' links to a place (contact.directions), or None for a sample business: its place is
    made up, as its number is, and no link may lead there (its page, a nearby list, a trip list, /go/)."""
    return None if props.get("sample") else directions(lat, lon, name)


def place_facts(feature: Feature, origin_approximate: bool = False) -> dict[str, Any]:
    """Return what the tourist templates show of a feature (see the module docstring).

    origin_approximate: the place its distance_m was measured from has only an estimated position.
    """
    props = feature["properties"]
    lon, lat = feature["geometry"]["coordinates"][:2]
    catalogue = _ctx().catalogue
    layer = places.require_layer(catalogue, props["layer"])
    category = layer.category(props.get("category"))
    kind = catalogue.type_of(layer.id, props.get("category"))
    style = kind or category or layer
    where = position(props)
    reported = _reported_on(
        props
    )  # the days contributors' values were approved: the visit facts and the status
    sample = bool(props.get("sample"))
    aliases = [n for n in (plain_place_name(a) for a in props.get("name_alt") or []) if n]
    if layer.kind == EVENT:
        message = _("Hello, I saw %(name)s on Geotour and would like to book a place.", name=props["name"])
    else:
        message = _("Hello, I saw %(name)s on the Geotour map and would like to ask.", name=props["name"])
    return {
        "id": feature["id"],
        "name": props["name"],
        "layer": layer,
        "sample": sample,
        "layer_title": title(layer.title),
        "category_title": title(category.title) if category else "",
        "color": style.color,
        "glyph": style.glyph,
        "icon": getattr(style, "icon", "") or "",
        "lat": lat,
        "lon": lon,
        "description": localized(props, "description"),
        "village": plain_place_name(props.get("desa")),
        "district": plain_place_name(props.get("kecamatan")),
        "area": area_of(props),
        "aliases": aliases,
        "credit": props.get("contributed_by"),
        "osm": osm_source(props),
        "photo": props.get("photo"),
        "photos": photos(props),
        "price_range": props.get("price_range"),
        "position": where,
        # A sample business has an invented place and number: no link may lead there, dial or message it.
        "directions": directions_to(props, lat, lon, props["name"]),
        "whatsapp": None if sample else whatsapp_url(props.get("whatsapp"), message),
        "tel": None if sample else tel_url(props.get("phone")),
        "distance_m": props.get("distance_m"),
        "bearing_deg": props.get("bearing_deg"),
        "distance_about": where["approximate"] or origin_approximate,
        "visit": visit_info(props, reported),
        "status": status_view(props, reported),
        "partner": partner_view(props),
        "url": page_url(layer.kind, feature["id"]),
        # What the filters and the search match: the attraction type (or business category), and every name.
        "filter_key": kind.id if kind else props.get("category") or "",
        "search_text": fold(" | ".join([props["name"], *aliases])),
    }


def route_name(props: Mapping[str, Any]) -> str:
    """Return a route's name in the page's language."""
    return str(props.get("name_en") or props["name"]) if lang() == "en" else str(props["name"])


def routes_of_stop(site_id: str) -> list[dict[str, Any]]:
    """Return [{"name", "url", "number", "of"}] for every route that stops at this site ("stop 2 of 3 on …")."""
    found = []
    for feature in places.features_of_kind(_ctx().storage, _ctx().catalogue, ROUTE):
        listed = feature["properties"].get("stops")
        stops = [s for s in listed if isinstance(s, dict)] if isinstance(listed, list) else []
        for number, stop in enumerate(stops, start=1):
            if stop.get("site_id") == site_id:
                found.append(
                    {
                        "name": route_name(feature["properties"]),
                        "url": url_for("route_pages.route", route_id=feature["id"]),
                        "number": number,
                        "of": len(stops),
                    }
                )
    return found


def dated_source(text: str, date: object, source: object) -> dict[str, Any]:
    """Return one sourced line as templates/_sourced.html shows it: its text (in the page's language), the year
    its recorded date starts with (None when it starts with none: "undated"), and its source when that is a
    well-formed http(s) address (practical.source_link)."""
    written = str(date or "")
    year = int(written[:4]) if written[:4].isdigit() else None
    return {"text": text, "lang": lang(), "year": year, "source": practical.source_link(source)}


def approaches_to(site_id: str) -> list[dict[str, Any]]:
    """Return the road approaches that lead to this site ("getting there"), in the page's language, each line
    with its source and year."""
    found = []
    for approach in _ctx().approaches:
        if site_id in approach["leads_to"]:
            lines = [dated_source(line[lang()], line["date"], line["source"]) for line in approach["lines"]]
            found.append({"name": route_name(approach), "lines": lines})
    return found
