"""A route as a file for the visitor's own navigation app: GPX 1.1 (OsmAnd, Organic Maps, Garmin) and KML
(Google My Maps, Google Earth). Pure: no Flask, no I/O.

A recorded track is written as a GPX track (`trk`), with heights when it has them. A route known only by its
stops is written as a GPX route (`rte`): ordered points for the app to route between, which is what they
are; its description says the path itself is not mapped. Either way the stops with a known position are
waypoints. Text is escaped by ElementTree; element order follows the GPX 1.1 schema's sequences.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from geotour.domain.routes import RECORDED

GPX_NS = "http://www.topografix.com/GPX/1/1"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
KML_NS = "http://www.opengis.net/kml/2.2"


@dataclass(frozen=True)
class FileStop:
    """A stop as the files show it: its number on the route, name, position and page."""

    number: int
    name: str
    lon: float
    lat: float
    url: str


@dataclass(frozen=True)
class RouteFile:
    """What goes into a route's files, already in the visitor's language."""

    name: str
    description: str  # includes, for a route known by its stops, that the path is not mapped
    url: str
    track: str
    line: Sequence[Sequence[float]]
    stops: Sequence[FileStop]


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element


def _coordinate(value: float) -> str:
    return f"{value:.7f}"


@dataclass(frozen=True)
class TripFile:
    """A visitor's trip list as a file: its places as numbered waypoints, then its routes."""

    name: str
    description: str
    url: str
    places: Sequence[FileStop]
    routes: Sequence[RouteFile]


def _gpx_route(root: ET.Element, route: RouteFile, q: Callable[[str], str]) -> None:
    if route.track == RECORDED:
        track = ET.SubElement(root, q("trk"))
        _text(track, q("name"), route.name)
        _text(track, q("desc"), route.description)
        segment = ET.SubElement(track, q("trkseg"))
        for position in route.line:
            point = ET.SubElement(
                segment, q("trkpt"), {"lat": _coordinate(position[1]), "lon": _coordinate(position[0])}
            )
            if len(position) > 2 and position[2] is not None:
                _text(point, q("ele"), f"{position[2]:.1f}")
    else:
        path = ET.SubElement(root, q("rte"))
        _text(path, q("name"), route.name)
        _text(path, q("desc"), route.description)
        for stop in route.stops:
            point = ET.SubElement(
                path, q("rtept"), {"lat": _coordinate(stop.lat), "lon": _coordinate(stop.lon)}
            )
            _text(point, q("name"), f"{stop.number}. {stop.name}")


def gpx(route: RouteFile, now: datetime | None = None) -> bytes:
    """Return the route as a GPX 1.1 document (UTF-8): its stops as waypoints, then its track or route."""
    return trip_gpx(TripFile(route.name, route.description, route.url, route.stops, [route]), now)


def trip_gpx(trip: TripFile, now: datetime | None = None) -> bytes:
    """Return a trip as a GPX 1.1 document (UTF-8): its places as waypoints, in order, then each route (the
    schema's order: metadata, wpt, rte, trk)."""
    ET.register_namespace("", GPX_NS)
    ET.register_namespace("xsi", XSI_NS)
    root = ET.Element(
        f"{{{GPX_NS}}}gpx",
        {
            "version": "1.1",
            "creator": "Geotour (Ciletuh-Palabuhanratu UNESCO Global Geopark)",
            f"{{{XSI_NS}}}schemaLocation": f"{GPX_NS} http://www.topografix.com/GPX/1/1/gpx.xsd",
        },
    )
    q = lambda tag: f"{{{GPX_NS}}}{tag}"  # noqa: E731 (a local shorthand)
    metadata = ET.SubElement(root, q("metadata"))
    _text(metadata, q("name"), trip.name)
    _text(metadata, q("desc"), trip.description)
    link = ET.SubElement(metadata, q("link"), {"href": trip.url})
    _text(link, q("text"), "Geotour")
    _text(metadata, q("time"), (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    for stop in trip.places:
        point = ET.SubElement(root, q("wpt"), {"lat": _coordinate(stop.lat), "lon": _coordinate(stop.lon)})
        _text(point, q("name"), f"{stop.number}. {stop.name}")
        ET.SubElement(point, q("link"), {"href": stop.url})
    for route in sorted(trip.routes, key=lambda r: r.track == RECORDED):  # every rte before any trk
        _gpx_route(root, route, q)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _kml_route(document: ET.Element, route: RouteFile, q: Callable[[str], str]) -> None:
    placemark = ET.SubElement(document, q("Placemark"))
    _text(placemark, q("name"), route.name)
    _text(placemark, q("description"), route.description)
    _text(placemark, q("styleUrl"), "#route")
    line = ET.SubElement(placemark, q("LineString"))
    _text(line, q("tessellate"), "1")
    with_heights = route.track == RECORDED and all(len(p) > 2 and p[2] is not None for p in route.line)
    if with_heights:
        _text(line, q("altitudeMode"), "clampToGround")
    _text(
        line,
        q("coordinates"),
        " ".join(
            ",".join([_coordinate(p[0]), _coordinate(p[1])] + ([f"{p[2]:.1f}"] if with_heights else []))
            for p in route.line
        ),
    )


def kml(route: RouteFile) -> bytes:
    """Return the route as a KML 2.2 document: the line (dashed in name only: KML has no dashes) and stops."""
    return trip_kml(TripFile(route.name, route.description, route.url, route.stops, [route]))


def trip_kml(trip: TripFile) -> bytes:
    """Return a trip as a KML 2.2 document: each route's line, then its places, numbered in order."""
    ET.register_namespace("", KML_NS)
    q = lambda tag: f"{{{KML_NS}}}{tag}"  # noqa: E731 (a local shorthand)
    root = ET.Element(q("kml"))
    document = ET.SubElement(root, q("Document"))
    _text(document, q("name"), trip.name)
    _text(document, q("description"), f"{trip.description}\n{trip.url}")
    style = ET.SubElement(document, q("Style"), {"id": "route"})
    line_style = ET.SubElement(style, q("LineStyle"))
    _text(line_style, q("color"), "ff0953b4")  # aabbggrr: the routes layer's #b45309
    _text(line_style, q("width"), "4")
    for route in trip.routes:
        _kml_route(document, route, q)
    for stop in trip.places:
        mark = ET.SubElement(document, q("Placemark"))
        _text(mark, q("name"), f"{stop.number}. {stop.name}")
        _text(mark, q("description"), stop.url)
        point = ET.SubElement(mark, q("Point"))
        _text(point, q("coordinates"), f"{_coordinate(stop.lon)},{_coordinate(stop.lat)}")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
