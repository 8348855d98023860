"""Request parameters and bodies, declared once: marshmallow schemas that flask-smorest reads both to parse
each request (`@bp.query`, `@bp.body`) and to write the OpenAPI document.

The fields are marshmallow's and webargs' own, checked by marshmallow's validators (Range, OneOf, Length);
what is ours is the wording. Each message is a catalogue id (`Says`), and the one error handler
(`Parser.handle_error`) turns the first fault into a BadParameter that names the parameter, translated
where it is read. An unknown query parameter is refused (marshmallow's RAISE), an empty one is absent (as
an HTML form sends it).
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NoReturn, TypeVar

import flask_smorest
from flask import Request, request
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load
from marshmallow.validate import Length, OneOf, Range
from webargs.fields import DelimitedList
from webargs.flaskparser import FlaskParser
from werkzeug.routing import IntegerConverter, Map

from geotour.config import LOCALES
from geotour.errors import BadParameter
from geotour.text import FALSE_WORDS, TRUE_WORDS

MAX_Q_LENGTH = 100
View = TypeVar("View", bound=Callable[..., Any])


class Says(str):
    """A message id where marshmallow takes a message: marshmallow fills it in with .format(**values), which
    here keeps the id and the values, so that the message is translated where it is read (geotour.errors).
    The values keep marshmallow's names but two, which the catalogue calls `got` (the value sent, cut short)
    and `allowed` (the choices)."""

    values: Mapping[str, Any] = {}

    def format(self, *args: Any, **values: Any) -> "Says":
        said = Says(self)
        if "input" in values:
            sent = values.pop("input")
            values["got"] = repr(sent[:40]) if isinstance(sent, str) else sent
        if "choices" in values:
            values["allowed"] = values.pop("choices")
        said.values = values
        return said


REQUIRED = Says("%(name)s is required")
UNKNOWN = Says("unknown parameter %(name)s; this API takes %(allowed)s")
NOT_VALID = Says("%(name)s is not valid")


def _field(kind: type[fields.Field], description: str, messages: Mapping[str, str], **kwargs: Any) -> Any:
    """Return a field of `kind` described for the document, saying what it says in the catalogue's words. An
    optional field without a load_default is left out of what the view gets when it is not sent."""
    metadata = {"description": description, **kwargs.pop("metadata", {})}
    return kind(metadata=metadata, error_messages={"required": REQUIRED, **messages}, **kwargs)


def _range(minimum: float | None, maximum: float | None, whole: bool) -> Range:
    if minimum is not None and maximum is not None:
        if whole:
            return Range(
                minimum, maximum, error=Says("%(name)s must be between %(min)d and %(max)d, got %(got)d")
            )
        return Range(
            minimum, maximum, error=Says("%(name)s must be between %(min)s and %(max)s, got %(got)s")
        )
    if minimum is not None:
        return Range(min=minimum, error=Says("%(name)s must be at least %(min)s, got %(got)s"))
    return Range(max=maximum, error=Says("%(name)s must be at most %(max)s, got %(got)s"))


NUMBER_MESSAGES: dict[str, Any] = {
    "invalid": Says("%(name)s must be a number, got %(got)s"),
    "special": Says("%(name)s must be a finite number"),
    "too_large": Says("%(name)s must be a finite number"),
}


def number(
    description: str, minimum: float | None = None, maximum: float | None = None, **kwargs: Any
) -> Any:
    """A finite number within [minimum, maximum]."""
    bounds = [_range(minimum, maximum, whole=False)] if (minimum, maximum) != (None, None) else []
    return _field(fields.Float, description, NUMBER_MESSAGES, validate=bounds, **kwargs)


class WholeNumber(fields.Integer):
    """A whole number, sent as a JSON number or as digits (a query, a form). A fraction is refused, where
    marshmallow's non-strict Integer would cut 1.5 to 1."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Any:
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


def whole(description: str, minimum: int = 0, maximum: int | None = None, **kwargs: Any) -> Any:
    """A whole number within [minimum, maximum]."""
    messages = {"invalid": Says("%(name)s must be a whole number, got %(got)s")}
    return _field(
        WholeNumber, description, messages, validate=[_range(minimum, maximum, whole=True)], **kwargs
    )


ONE_OF = Says("%(name)s %(got)s is not one of: %(allowed)s")


def _one_of(allowed: Iterable[str] | Callable[[], Sequence[str]]) -> OneOf:
    """Return the check that a word is one of `allowed` (a function: the words the app's catalogue has now)."""
    return AskedOneOf(allowed) if callable(allowed) else OneOf(list(allowed), error=ONE_OF)


def choice(description: str, allowed: Iterable[str] | Callable[[], Sequence[str]], **kwargs: Any) -> Any:
    """One of a list of words."""
    return text(description, None, validate=[_one_of(allowed)], **kwargs)


def choices(description: str, allowed: Iterable[str] | Callable[[], Sequence[str]], **kwargs: Any) -> Any:
    """A comma-separated list of words from `allowed`."""
    item = fields.String(validate=_one_of(allowed), error_messages={"invalid": Says("%(name)s must be text")})
    return _field(DelimitedList, description, {}, cls_or_instance=item, **kwargs)


class AskedOneOf(OneOf):
    """OneOf whose choices are asked for each time they are read (the app's catalogue), not fixed when declared;
    the OpenAPI document reads them while it is written, in the app's context."""

    def __init__(self, allowed: Callable[[], Sequence[str]]) -> None:
        self.allowed = allowed
        self.labels, self.labels_text = [], ""
        self.error = ONE_OF

    @property
    def choices(self) -> list[str]:  # type: ignore[override]
        return list(self.allowed())

    @property
    def choices_text(self) -> str:  # type: ignore[override]
        return ", ".join(self.choices)


def text(description: str, max_length: int | None = MAX_Q_LENGTH, **kwargs: Any) -> Any:
    """Free text, trimmed, at most `max_length` characters."""
    validate = kwargs.pop("validate", [])
    if max_length is not None:
        validate.append(Length(max=max_length, error=Says("%(name)s must be at most %(max)d characters")))
    messages = {"invalid": Says("%(name)s must be text")}
    return _field(fields.String, description, messages, validate=validate, **kwargs)


def names(description: str, max_length: int, **kwargs: Any) -> Any:
    """A comma-separated list of names (any names: unknown ones are ignored)."""
    item = fields.String(
        validate=Length(max=max_length, error=Says("%(name)s must be at most %(max)d characters"))
    )
    return _field(DelimitedList, description, {}, cls_or_instance=item, **kwargs)


def flag(description: str, **kwargs: Any) -> Any:
    """true or false (also yes/no, ya/tidak, 1/0, on/off)."""
    messages = {"invalid": Says("%(name)s must be true or false")}
    truthy, falsy = fields.Boolean.truthy | _cased(TRUE_WORDS), fields.Boolean.falsy | _cased(FALSE_WORDS)
    return _field(fields.Boolean, description, messages, truthy=truthy, falsy=falsy, **kwargs)


def _cased(words: Iterable[str]) -> set[str]:
    """Return words as people type them: ya, Ya, YA."""
    return {cased for word in words if word for cased in (word, word.capitalize(), word.upper())}


def ids(description: str, **kwargs: Any) -> Any:
    """A JSON list of row ids (whole numbers)."""
    says = Says("%(name)s must be a list of ids (whole numbers)")
    item = fields.Integer(strict=True, error_messages={"invalid": says})
    return _field(fields.List, description, {"invalid": says}, cls_or_instance=item, **kwargs)


def value(description: str, **facets: Any) -> Any:
    """A JSON value passed on as sent, for a domain function that checks it with its own rules and words (a
    visitor's position: geotour.contributions.position_reports). `facets` describe it (type, maximum)."""
    return fields.Raw(required=True, metadata={"description": description, **facets})


def numbers(description: str, **kwargs: Any) -> Any:
    """A comma-separated list of finite numbers (a `validate` function says how many, and where)."""
    item = fields.Float(error_messages=NUMBER_MESSAGES)
    return _field(DelimitedList, description, {}, cls_or_instance=item, **kwargs)


BBOX_NUMBERS = Says("bbox must be four numbers: minLon,minLat,maxLon,maxLat")


def _check_bbox(allow_3d: bool) -> Callable[[list[float]], None]:
    def check(numbers: list[float]) -> None:
        if len(numbers) != 4 and not (allow_3d and len(numbers) == 6):
            raise ValidationError(Says("bbox must be minLon,minLat,maxLon,maxLat (four numbers)"))
        min_lon, min_lat, max_lon, max_lat = _corners(numbers)
        if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
            raise ValidationError(Says("bbox longitudes must be within -180..180"))
        if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
            raise ValidationError(
                Says("bbox latitudes must be within -90..90 (order is minLon,minLat,maxLon,maxLat)")
            )
        if min_lon > max_lon or min_lat > max_lat:
            raise ValidationError(
                Says("bbox minimum must not exceed maximum (order is minLon,minLat,maxLon,maxLat)")
            )

    return check


def bbox(description: str, allow_3d: bool = False) -> Any:
    """minLon,minLat,maxLon,maxLat in WGS84; with allow_3d, also six numbers with heights (ignored: every
    feature lies on the ground). Loaded as four numbers."""
    # What OpenAPI 3.0 can say of it; the order of the numbers and the latitudes' range, _check_bbox says.
    item = fields.Float(
        error_messages={"invalid": BBOX_NUMBERS, "special": Says("bbox must be four finite numbers")},
        metadata={"minimum": -180, "maximum": 180},
    )
    sizes: dict[str, Any] = {"minItems": 4, "maxItems": 4}
    if allow_3d:  # OGC API - Features' own bbox: four numbers, or six with heights
        sizes = {"oneOf": [{"minItems": 4, "maxItems": 4}, {"minItems": 6, "maxItems": 6}]}
    return _field(
        DelimitedList, description, {}, cls_or_instance=item, validate=_check_bbox(allow_3d), metadata=sizes
    )


def _corners(numbers: Sequence[float]) -> tuple[float, float, float, float]:
    """Return (minLon, minLat, maxLon, maxLat) of four numbers, or of six with heights (dropped)."""
    west, south, east, north = list(numbers[0:2]) + list(numbers[-3:-1]) if len(numbers) == 6 else numbers
    return (west, south, east, north)


def plain_bbox(numbers: Sequence[float] | None) -> tuple[float, float, float, float] | None:
    """Return a loaded bbox as (minLon, minLat, maxLon, maxLat), heights dropped; None when absent."""
    return None if numbers is None else _corners(numbers)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))


def _check_interval(raw: str) -> None:
    parts = raw.split("/")
    try:
        if len(parts) == 1:
            _instant(parts[0])
        elif len(parts) == 2 and parts != ["..", ".."]:
            ends = [None if p in ("..", "") else _instant(p) for p in parts]
            if ends[0] and ends[1] and ends[0] > ends[1]:
                raise ValueError("interval ends before it starts")
        else:
            raise ValueError("too many parts")
    except (ValueError, TypeError):
        raise ValidationError(
            Says("datetime must be an RFC 3339 date-time or an interval like 2024-01-01T00:00:00Z/..")
        ) from None


def interval(description: str) -> Any:
    """An RFC 3339 instant or interval (a/b, ../b, a/..)."""
    return text(description, None, validate=[_check_interval])


class Query(Schema):
    """The query parameters of a view: a subclass declares its fields. `lang` is taken everywhere; a
    parameter it does not declare is refused (a typo such as catgory= would otherwise answer everything)."""

    class Meta:
        unknown = RAISE

    lang = fields.String(
        metadata={
            "description": f"Language of the messages: {' or '.join(LOCALES)}; with another value (or none) "
            "Accept-Language decides",
            "example": LOCALES[0],
        },
    )

    @pre_load
    def _absent_when_empty(self, data: Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Read an empty or blank value as absent, and trim the rest (as a form sends them)."""
        declared = {f.data_key or name for name, f in self.load_fields.items()}
        kept = {}
        for name in data:
            sent = data[name]
            if isinstance(sent, str):
                sent = sent.strip()
                if not sent and name in declared:
                    continue
            kept[name] = sent
        return kept


class Unchecked(Query):
    """Parameters of a view that ignores ones it does not know (a format chosen by ?f= or Accept)."""

    class Meta:
        unknown = EXCLUDE


class Body(Schema):
    """The fields of a JSON body (or of a form sent instead, where a view takes one): a subclass declares them.
    Names it does not declare are ignored, as a JSON API's clients expect."""

    class Meta:
        unknown = EXCLUDE


def _has_lone_surrogate(value: object) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    return isinstance(value, list) and any(_has_lone_surrogate(v) for v in value)


def json_body(form_too: bool = False) -> Mapping[str, Any]:
    """Return the request's JSON object (or, with form_too, its form when no JSON was sent); a 400 names
    "body" for anything else: a list, JSON nested too deeply, or text that is not Unicode."""
    if form_too and not request.is_json:
        return request.form
    try:
        sent = request.get_json(silent=True)
    except RecursionError:
        raise BadParameter("the JSON is nested too deeply", "body") from None
    if sent is None and form_too and not request.get_data():
        return {}
    if not isinstance(sent, dict):
        raise BadParameter("send a JSON object (Content-Type: application/json)", "body")
    if _has_lone_surrogate(sent):
        raise BadParameter("the JSON holds a lone surrogate (\\ud800-\\udfff), which is not text", "body")
    return sent


def _first_fault(messages: Mapping[Any, Any]) -> Any:
    """Return the first message of a field's errors (a list, or a dict of a list's items)."""
    while isinstance(messages, Mapping):
        messages = next(iter(messages.values()))
    return messages[0] if isinstance(messages, list) else messages


class Parser(FlaskParser):
    """webargs' Flask parser: bodies read as json_body reads them, faults raised as one BadParameter."""

    DEFAULT_VALIDATION_STATUS = 400

    def load_json(self, req: Request, schema: Schema) -> Any:
        return json_body()

    def load_json_or_form(self, req: Request, schema: Schema) -> Any:
        return json_body(form_too=True)

    def handle_error(
        self,
        error: ValidationError,
        req: Request,
        schema: Schema,
        *,
        error_status_code: int | None,
        error_headers: Mapping[str, str] | None,
    ) -> NoReturn:
        """Raise the first fault as a BadParameter naming its parameter (webargs namespaces the faults by
        where they were read: the query, the body)."""
        raise_first_fault(next(iter(error.normalized_messages().values())), schema)


def raise_first_fault(faults: Any, schema: Schema) -> NoReturn:
    """Raise a schema's first fault as a BadParameter naming its parameter: an unknown one first, then in the
    order the schema declares them; a body that is no object names "body"."""
    if not isinstance(faults, Mapping):
        faults = {"_schema": faults}
    declared = [f.data_key or n for n, f in schema.load_fields.items()]
    unknown = sorted(str(name) for name in set(faults) - set(declared) - {"_schema"})
    if unknown:
        name = unknown[0][:40]
        raise BadParameter(UNKNOWN, name, name=repr(name), allowed=", ".join(sorted(declared)))
    at_fault = next((n for n in declared if n in faults), None)
    if at_fault is None:
        raise BadParameter("send a JSON object (Content-Type: application/json)", "body")
    said = _first_fault(faults[at_fault])
    if not isinstance(said, Says):
        said = NOT_VALID
    raise BadParameter(said, at_fault, name=at_fault, **said.values)


parser = Parser(unknown=None)  # each schema's Meta says what an unknown name means


class Blueprint(flask_smorest.Blueprint):
    """A flask-smorest Blueprint that reads parameters and bodies with our Parser."""

    ARGUMENTS_PARSER = parser
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "json_or_form": "application/json",
    }

    def query(self, schema: type[Query] = Query) -> Callable[[View], View]:
        """Declare a view's query parameters: read with `schema`, passed to the view as `args`."""
        return self.arguments(schema, location="query", arg_name="args")

    def body(self, schema: type[Body], form_too: bool = False) -> Callable[[View], View]:
        """Declare a view's body: a JSON object (or, with form_too, a form) read with `schema`, passed to the
        view as `body`; the document lists both media types a page's <form> and a script may send."""
        required = any(field.required for field in schema._declared_fields.values())
        read = self.arguments(
            schema, location="json_or_form" if form_too else "json", arg_name="body", required=required
        )
        if not form_too:
            return read
        form = self.doc(requestBody={"content": {"application/x-www-form-urlencoded": {"schema": schema}}})
        return lambda view: read(form(view))

    def answers(
        self,
        schema: type[Schema] | dict[str, Any] | None = None,
        media: str = "application/json",
        status: int = 200,
        html: bool = False,
        cacheable: bool = False,
    ) -> Callable[[View], View]:
        """Document what a view answers (the view's own return value is sent as it is): `schema` as `media`, an
        HTML page too with `html`, and 304 for a client whose ETag matches with `cacheable`."""
        text = media.startswith("text/")
        documented = [
            self.alt_response(
                status,
                schema=schema or {"type": "string" if text else "object"},
                content_type=media,
                success=True,
            )
        ]
        if html:
            documented.append(
                self.alt_response(status, schema={"type": "string"}, content_type="text/html", success=True)
            )
        if cacheable:
            documented.append(
                self.alt_response(304, description="Not modified (the If-None-Match ETag matches)")
            )

        def decorator(view: View) -> View:
            for document in reversed(documented):  # the main media type first in the document
                view = document(view)
            return view

        return decorator


def path(name: str, description: str, pattern: str | None = None) -> dict[str, Any]:
    """Describe a route's path parameter for the document (its type comes from the route's converter)."""
    described: dict[str, Any] = {"in": "path", "name": name, "required": True, "description": description}
    if pattern:
        described["schema"] = {"type": "string", "pattern": pattern}
    return described


def parse(schema: type[Schema], location: str = "query") -> dict[str, Any]:
    """Return the request's query (or form) read with `schema`, for a view that reads it itself."""
    return parser.parse(schema, request, location=location)


def read(schema_cls: type[Schema], source: Mapping[str, Any]) -> dict[str, Any]:
    """Return `source` (a query taken from another URL) read with `schema_cls`, faults raised as `parse` does."""
    schema = schema_cls()
    try:
        return schema.load(source)
    except ValidationError as error:
        raise_first_fault(error.normalized_messages(), schema)


class RowIdConverter(IntegerConverter):
    """<int:…> in a route: a database row id, so a number past 64 bits matches no route (404), instead
    of reaching the database and failing there."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, *args, **kwargs)
