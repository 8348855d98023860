"""What the API answers, as marshmallow schemas: the response schemas of the OpenAPI document.

tests/test_openapi.py checks real answers against the document, so these cannot drift from the code.
Every schema lets through properties it does not name (a feature's properties vary by layer).
"""

from typing import Any

from marshmallow import INCLUDE, Schema, fields
from marshmallow.validate import OneOf

from geotour.contributions.workflow import ACTION_NAMES, STATUS_NAMES
from geotour.domain.layers import KINDS


class Open(Schema):
    class Meta:
        unknown = INCLUDE


def _text(description: str | None = None, **kwargs: Any) -> fields.String:
    return fields.String(metadata={"description": description} if description else {}, **kwargs)


class ErrorDetail(Open):
    code = _text("A stable code: invalid_parameter, not_found, …", required=True)
    message = _text("A sentence for a person, in the request's language", required=True)
    field = _text("The parameter or field at fault", allow_none=True)


class Error(Open):
    error = fields.Nested(ErrorDetail, required=True)


class Link(Open):
    rel = _text(required=True)
    type = _text()
    title = _text()
    href = _text(required=True)


class Geometry(Open):
    type = _text("Point (places) or Polygon/MultiPolygon (areas)", required=True)
    coordinates = fields.List(fields.Raw(), required=True, metadata={"description": "lon, lat (RFC 7946)"})


class Feature(Open):
    type = _text(required=True, validate=OneOf(["Feature"]))
    id = _text(required=True)
    geometry = fields.Nested(Geometry, required=True, allow_none=True)
    properties = fields.Dict(
        required=True,
        metadata={
            "description": "layer, name, category, … (nearby answers add distance_m, and bearing_deg from a place or along_m along a route)"
        },
    )


class FeatureCollection(Open):
    type = _text(required=True, validate=OneOf(["FeatureCollection"]))
    features = fields.List(fields.Nested(Feature), required=True)
    numberReturned = fields.Integer(required=True)
    numberMatched = fields.Integer()
    links = fields.List(fields.Nested(Link))


class NearbyCollection(FeatureCollection):
    radius_m = fields.Float(required=True)
    origin = fields.Dict(required=True, metadata={"description": "The point (or feature) searched around"})


class Title(Open):
    id = _text(required=True)
    en = _text(required=True)


class Category(Open):
    id = _text(required=True)
    title = fields.Nested(Title, required=True)


class Layer(Open):
    id = _text(required=True)
    title = fields.Nested(Title, required=True)
    kind = _text(required=True, validate=OneOf(KINDS))
    geometry_type = _text(required=True)
    count = fields.Integer(required=True)
    bbox = fields.List(fields.Float(), allow_none=True, required=True)
    updated_at = _text(allow_none=True)
    categories = fields.List(fields.Nested(Category))
    links = fields.List(fields.Nested(Link), required=True)
    snapshot_url = _text("The whole layer at this data version, cached for a year", required=True)
    map_snapshot_url = _text(
        "The same with only the properties the map shows; the collection names the layer once, and each "
        "place's id is its feature's id alone",
        required=True,
    )
    map_snapshot_urls = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={
            "description": "The map's view in one language, by language code: each place keeps the one "
            "description its card shows in that language"
        },
    )


class Layers(Open):
    layers = fields.List(fields.Nested(Layer), required=True)
    attraction_types = fields.List(fields.Dict(), required=True)
    data_version = _text("Grows with every published change (digits, as text)", required=True)
    snapshot = _text(required=True)


class Account(Open):
    id = fields.Integer(required=True)
    username = _text(required=True)
    role = _text(required=True)


class Submission(Open):
    id = fields.Integer(required=True)
    batch = _text("The import it came in, if any", allow_none=True)
    username = _text(required=True)
    action = _text(required=True, validate=OneOf(ACTION_NAMES))
    layer = _text(required=True)
    feature_id = _text(allow_none=True, required=True)
    feature = fields.Nested(Feature, allow_none=True, required=True)
    status = _text(required=True, validate=OneOf(STATUS_NAMES))
    reason = _text(allow_none=True)
    created_at = _text(required=True)
    decided_at = _text(allow_none=True)
    decided_by = _text(allow_none=True)


class Submissions(Open):
    submissions = fields.List(fields.Nested(Submission), required=True)
    numberMatched = fields.Integer()
    numberReturned = fields.Integer()


class Texts(Open):
    id = _text("Bahasa Indonesia", required=True)
    en = _text("English", required=True)


class AlertPlace(Open):
    id = _text(required=True)
    name = _text(required=True)
    url = _text("The place's page", required=True)


class Alert(Open):
    id = fields.Integer(required=True)
    level = _text("info, warning or danger", required=True, validate=OneOf(("info", "warning", "danger")))
    title = fields.Nested(Texts, required=True)
    text = fields.Nested(Texts, required=True)
    places = fields.List(
        fields.Nested(AlertPlace),
        required=True,
        metadata={"description": "The places named and those inside its area; empty: the whole geopark"},
    )
    area = fields.Dict(
        allow_none=True,
        metadata={
            "description": "A GeoJSON Polygon (lon/lat) the office drew; null when it names places or none"
        },
    )
    months = fields.List(
        fields.Integer(),
        required=True,
        metadata={
            "description": "A seasonal note: shown only in these months (1-12, WIB); empty: every month"
        },
    )
    starts_at = _text("UTC, RFC 3339", required=True)
    ends_at = _text("UTC, RFC 3339; the alert ends by itself then", required=True)
    withdrawn_at = _text("When the office took it back early", allow_none=True)


class OfflineFile(Open):
    url = _text("A page or a photo of this site", required=True)
    tag = _text("Changes when what the file shows changes", required=True)
    bytes = fields.Integer(required=True, metadata={"description": "Its size as this server sends it"})


class OfflineSet(Open):
    lang = _text("The pages' language", required=True)
    files = fields.List(fields.Nested(OfflineFile), required=True)
    bytes = fields.Integer(required=True, metadata={"description": "All the files together, in bytes"})
    pages = fields.Integer(required=True)
    photos = fields.Integer(required=True)
    tiles = fields.Integer(
        required=True, metadata={"description": "Map tiles to zoom 14 (only where the tile source allows it)"}
    )
    left_out = fields.Integer(
        required=True, metadata={"description": "Business pages over the limit, not saved"}
    )


class Alerts(Open):
    alerts = fields.List(fields.Nested(Alert), required=True)
    as_of = _text("When the server answered (UTC)", required=True)
