"""Request parameters and bodies: each declared once, as a field of a marshmallow Schema, which both parses
the request (every fault a BadParameter naming its parameter) and describes it in the OpenAPI document
(geotour.web.api.openapi reads the same fields). The parse_* functions do the checking; pages that take
one parameter call them directly.
"""

import json
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from functools import cache, wraps
from typing import Any, TypeVar, cast

from flask import request
from marshmallow import EXCLUDE, Schema, ValidationError, fields
from werkzeug.routing import IntegerConverter, Map

from geotour.config import LOCALES
from geotour.errors import BadParameter
from geotour.text import read_bool

MAX_Q_LENGTH = 100
View = TypeVar("View", bound=Callable[..., Any])


def parse_float(
    name: str,
    raw: str | None,
    minimum: float | None = None,
    maximum: float | None = None,
    default: float | None = None,
) -> float:
    """Return raw as a finite float within [minimum, maximum], or raise BadParameter naming `name`."""
    if raw is None or raw == "":
        if default is None:
            raise BadParameter("%(name)s is required", name, name=name)
        return default
    try:
        value = float(raw)
    except ValueError:
        raise BadParameter(
            "%(name)s must be a number, got %(got)s", name, name=name, got=repr(raw[:40])
        ) from None
    if not math.isfinite(value):
        raise BadParameter("%(name)s must be a finite number", name, name=name)
    if minimum is not None and value < minimum:
        raise BadParameter(
            "%(name)s must be at least %(min)s, got %(got)s",
            name,
            name=name,
            min=format(minimum, "g"),
            got=format(value, "g"),
        )
    if maximum is not None and value > maximum:
        raise BadParameter(
            "%(name)s must be at most %(max)s, got %(got)s",
            name,
            name=name,
            max=format(maximum, "g"),
            got=format(value, "g"),
        )
    return value


def parse_int(name: str, raw: str | None, minimum: int, maximum: int, default: int | None) -> int | None:
    """Return raw as a whole number within [minimum, maximum] (default when absent)."""
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(
            "%(name)s must be a whole number, got %(got)s", name, name=name, got=repr(raw[:40])
        ) from None
    if not minimum <= value <= maximum:
        raise BadParameter(
            "%(name)s must be between %(min)d and %(max)d, got %(got)d",
            name,
            name=name,
            min=minimum,
            max=maximum,
            got=value,
        )
    return value


def parse_bbox(raw: str | None, allow_3d: bool = False) -> tuple[float, float, float, float] | None:
    """Return bbox=minLon,minLat,maxLon,maxLat as a tuple of floats, or None when absent.

    With allow_3d (OGC API), six numbers minLon,minLat,minZ,maxLon,maxLat,maxZ are taken too; heights
    are ignored because every feature lies on the ground.
    """
    if raw is None or raw == "":
        return None
    parts = raw.split(",")
    if allow_3d and len(parts) == 6:
        parts = parts[0:2] + parts[3:5]
    if len(parts) != 4:
        raise BadParameter("bbox must be minLon,minLat,maxLon,maxLat (four numbers)", "bbox")
    try:
        min_lon, min_lat, max_lon, max_lat = (float(p) for p in parts)
    except ValueError:
        raise BadParameter("bbox must be four numbers: minLon,minLat,maxLon,maxLat", "bbox") from None
    if not all(math.isfinite(v) for v in (min_lon, min_lat, max_lon, max_lat)):
        raise BadParameter("bbox must be four finite numbers", "bbox")
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise BadParameter("bbox longitudes must be within -180..180", "bbox")
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise BadParameter(
            "bbox latitudes must be within -90..90 (order is minLon,minLat,maxLon,maxLat)", "bbox"
        )
    if min_lon > max_lon or min_lat > max_lat:
        raise BadParameter(
            "bbox minimum must not exceed maximum (order is minLon,minLat,maxLon,maxLat)", "bbox"
        )
    return (min_lon, min_lat, max_lon, max_lat)


def parse_choice(name: str, raw: str | None, choices: Sequence[str]) -> str | None:
    """Return raw if it is one of choices, None when absent; otherwise raise BadParameter."""
    if raw is None or raw == "":
        return None
    if raw not in choices:
        if not choices:
            raise BadParameter("%(name)s takes no value for this layer", name, name=name)
        raise BadParameter(
            "%(name)s %(got)s is not one of: %(allowed)s",
            name,
            name=name,
            got=repr(raw[:40]),
            allowed=", ".join(choices),
        )
    return raw


def parse_list(name: str, raw: str | None, choices: Sequence[str]) -> tuple[str, ...] | None:
    """Return a comma-separated list of choices as a tuple, None when absent."""
    if raw is None or raw == "":
        return None
    values = tuple(v.strip() for v in raw.split(",") if v.strip())
    unknown = [v for v in values if v not in choices]
    if unknown or not values:
        raise BadParameter(
            "%(name)s must be a comma-separated list of: %(allowed)s",
            name,
            name=name,
            allowed=", ".join(choices),
        )
    return values


def parse_text(name: str, raw: str | None, max_length: int = MAX_Q_LENGTH) -> str | None:
    """Return a trimmed search text, None when absent; reject one that is too long."""
    if raw is None or not raw.strip():
        return None
    if len(raw) > max_length:
        raise BadParameter("%(name)s must be at most %(n)d characters", name, name=name, n=max_length)
    return raw.strip()


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))


def parse_datetime(raw: str | None) -> str | None:
    """Check an RFC 3339 instant or interval (a/b, ../b, a/..); return it, or None when absent."""
    if raw is None or raw == "":
        return None
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
        raise BadParameter(
            "datetime must be an RFC 3339 date-time or an interval like 2024-01-01T00:00:00Z/..", "datetime"
        ) from None
    return raw


def parse_bool(name: str, raw: object) -> bool:
    """Return True/False for a yes/no word (see geotour.text.read_bool), or raise BadParameter naming `name`."""
    value = read_bool(raw)
    if value is not None:
        return value
    raise BadParameter("%(name)s must be true or false", name, name=name)


def refuse_unknown(args: Collection[str], accepted: Collection[str]) -> None:
    """Raise BadParameter naming the first parameter in `args` that is not in `accepted` (a typo such as
    catgory= would otherwise be ignored and answer with everything)."""
    unknown = sorted(set(args) - set(accepted))
    if not unknown:
        return
    name = unknown[0][:40]
    if not accepted:
        raise BadParameter("unknown parameter %(name)s; this address takes none", name, name=repr(name))
    raise BadParameter(
        "unknown parameter %(name)s; this API takes %(allowed)s",
        name,
        name=repr(name),
        allowed=", ".join(sorted(accepted)),
    )


class RowIdConverter(IntegerConverter):
    """<int:…> in a route: a database row id, so a number past 64 bits matches no route (404), instead
    of reaching the database and failing there."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, *args, **kwargs)


class Param(fields.Field):
    """One declared parameter: `parse` reads its raw text (None or "" when absent), `openapi` describes it."""

    def __init__(self, description: str, default: Any = None, required: bool = False, **kwargs: Any) -> None:
        super().__init__(metadata={"description": description}, required=required, **kwargs)
        self.default = default

    def parse(self, name: str, raw: Any) -> Any:
        """Return the parameter's value, or raise BadParameter naming `name`."""
        raise NotImplementedError

    def openapi(self) -> dict[str, Any]:
        """Return the OpenAPI (3.0) schema of the parameter's value."""
        raise NotImplementedError

    def text_of(self, name: str, value: Any) -> Any:
        """Return the text to parse: a query string or a form sends text; a JSON body may send a number,
        true/false or a list, read as its JSON text ("3", "true"). A kind that takes JSON values overrides it."""
        return value if value is None or isinstance(value, str) else json.dumps(value)

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Any:
        name = self.data_key or attr or ""
        value = self.parse(name, self.text_of(name, value))
        if value is None and self.required:
            raise BadParameter("%(name)s is required", name, name=name)
        return value

    def _validate_missing(self, value: Any) -> None:
        """Leave absence to `parse`, which says "is required" in the request's language."""


class Number(Param):
    """A finite number within [minimum, maximum]."""

    def __init__(
        self, description: str, minimum: float | None = None, maximum: float | None = None, **kwargs: Any
    ) -> None:
        super().__init__(description, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def parse(self, name: str, raw: Any) -> Any:
        return self.default if raw in (None, "") else parse_float(name, raw, self.minimum, self.maximum)

    def openapi(self) -> dict[str, Any]:
        return _schema("number", minimum=self.minimum, maximum=self.maximum, default=self.default)


class Integer(Param):
    """A whole number within [minimum, maximum]; with `cap`, larger values are taken as the cap."""

    def __init__(
        self, description: str, minimum: int = 0, maximum: int = 10**9, cap: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(description, **kwargs)
        self.minimum, self.maximum, self.cap = minimum, maximum, cap

    def parse(self, name: str, raw: Any) -> Any:
        value = parse_int(name, raw, self.minimum, self.maximum, self.default)
        return value if self.cap is None or value is None else min(value, self.cap)

    def openapi(self) -> dict[str, Any]:
        maximum = self.maximum if self.cap is None else self.cap
        return _schema("integer", minimum=self.minimum, maximum=maximum, default=self.default)


class Choice(Param):
    """One of a list of words; `choices` is a tuple, or a function returning one (asked per request)."""

    def __init__(
        self, description: str, choices: Sequence[str] | Callable[[], Sequence[str]], **kwargs: Any
    ) -> None:
        super().__init__(description, **kwargs)
        self.choices = choices

    def allowed(self) -> tuple[str, ...]:
        """Return the words this parameter takes now."""
        return tuple(self.choices() if callable(self.choices) else self.choices)

    def parse(self, name: str, raw: Any) -> Any:
        return parse_choice(name, raw, self.allowed()) or self.default

    def openapi(self) -> dict[str, Any]:
        return _schema("string", enum=list(self.allowed()), default=self.default)


class ChoiceList(Choice):
    """A comma-separated list of words from `choices`."""

    explode = False

    def parse(self, name: str, raw: Any) -> Any:
        return parse_list(name, raw, self.allowed())

    def openapi(self) -> dict[str, Any]:
        return {"type": "array", "items": {"type": "string", "enum": list(self.allowed())}}


class Text(Param):
    """Free text, trimmed, at most `max_length` characters."""

    def __init__(self, description: str, max_length: int = MAX_Q_LENGTH, **kwargs: Any) -> None:
        super().__init__(description, **kwargs)
        self.max_length = max_length

    def text_of(self, name: str, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        raise BadParameter("%(name)s must be text", name, name=name)

    def parse(self, name: str, raw: Any) -> Any:
        return parse_text(name, raw, self.max_length)

    def openapi(self) -> dict[str, Any]:
        return _schema("string", maxLength=self.max_length)


class Names(Text):
    """A comma-separated list of names (any names: unknown ones are ignored), as a tuple."""

    explode = False

    def parse(self, name: str, raw: Any) -> Any:
        value = parse_text(name, raw, self.max_length)
        return tuple(p.strip() for p in value.split(",") if p.strip()) if value else None

    def openapi(self) -> dict[str, Any]:
        return {"type": "array", "items": {"type": "string"}}


class Flag(Param):
    """true or false (also yes/no, ya/tidak, 1/0)."""

    def parse(self, name: str, raw: Any) -> Any:
        if raw in (None, ""):
            return self.default
        return parse_bool(name, raw)

    def openapi(self) -> dict[str, Any]:
        return _schema("boolean", default=self.default)


class BBox(Param):
    """minLon,minLat,maxLon,maxLat in WGS84; with allow_3d, six numbers with heights (ignored)."""

    explode = False

    def __init__(self, description: str, allow_3d: bool = False, **kwargs: Any) -> None:
        super().__init__(description, **kwargs)
        self.allow_3d = allow_3d

    def parse(self, name: str, raw: Any) -> Any:
        return parse_bbox(raw, self.allow_3d)

    def openapi(self) -> dict[str, Any]:
        sizes = {"minItems": 4, "maxItems": 6 if self.allow_3d else 4}
        return {"type": "array", **sizes, "items": {"type": "number"}}


class Interval(Param):
    """An RFC 3339 instant or interval (a/b, ../b, a/..)."""

    def parse(self, name: str, raw: Any) -> Any:
        return parse_datetime(raw)

    def openapi(self) -> dict[str, Any]:
        return {"type": "string"}


class Language(Param):
    """?lang=, which geotour.web.i18n reads on every request; a language we lack is ignored, not refused."""

    def parse(self, name: str, raw: Any) -> Any:
        return raw if raw in LOCALES else None

    def openapi(self) -> dict[str, Any]:
        return {"type": "string", "example": LOCALES[0]}


class IdList(Param):
    """A JSON list of row ids (whole numbers), as a tuple."""

    def text_of(self, name: str, value: Any) -> Any:
        return value

    def parse(self, name: str, raw: Any) -> Any:
        if raw is None:
            return self.default
        if not isinstance(raw, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in raw):
            raise BadParameter("%(name)s must be a list of ids (whole numbers)", name, name=name)
        return tuple(raw)

    def openapi(self) -> dict[str, Any]:
        return {"type": "array", "items": {"type": "integer"}}


class Value(Param):
    """A JSON value passed on as sent, for a domain function that checks it with its own rules and words (a
    visitor's position: geotour.contributions.workflow.report_position). `facets` describe it (type, maximum)."""

    def __init__(self, description: str, required: bool = False, **facets: Any) -> None:
        super().__init__(description, required=required)
        self.facets = facets

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Any:
        return value  # absent or not, the domain function says what is wrong, in its own words

    def openapi(self) -> dict[str, Any]:
        return dict(self.facets)


def _schema(kind: str, **facets: Any) -> dict[str, Any]:
    return {"type": kind, **{k: v for k, v in facets.items() if v is not None}}


class Query(Schema):
    """The query parameters of a view: a subclass declares its fields. `lang` is taken everywhere."""

    class Meta:
        unknown = EXCLUDE  # refused with a message of our own before loading (see read)

    refuse_unknown = True
    lang = Language(
        f"Language of the messages: {' or '.join(LOCALES)}; with another value (or none) Accept-Language decides"
    )


class Unchecked(Query):
    """Parameters of a view that ignores ones it does not know (a format chosen by ?f= or Accept)."""

    refuse_unknown = False


class Body(Schema):
    """The fields of a JSON body (or of a form sent instead, where a view takes one): a subclass declares them.
    Names it does not declare are ignored, as a JSON API's clients expect."""

    class Meta:
        unknown = EXCLUDE

    refuse_unknown = False


@cache
def _loader(schema_cls: type[Query | Body]) -> tuple[Schema, tuple[str, ...]]:
    """Return (schema, parameter names) of a Query class, made once."""
    schema = schema_cls()
    return schema, tuple(f.data_key or n for n, f in schema.fields.items())


def read(schema_cls: type[Query | Body], source: Mapping[str, Any]) -> dict[str, Any]:
    """Return source (request.args or request.form) read by schema_cls as a dict of values, or raise
    BadParameter naming the first parameter at fault (an unknown one included, when the schema refuses them)."""
    schema, names = _loader(schema_cls)
    if schema_cls.refuse_unknown:
        refuse_unknown(source, names)
    try:  # every declared name is given, absent ones as None, so that each says itself what absence means
        return schema.load({name: source.get(name) for name in names})
    except ValidationError as error:  # only a field of another kind than Param gets here
        name = next(iter(error.normalized_messages()), "?")
        raise BadParameter("%(name)s is not valid", name, name=name) from None


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


def body(schema_cls: type[Body], form_too: bool = False) -> Callable[[View], View]:
    """Declare a view's body: a JSON object (or, with form_too, a form) read with schema_cls (a Body) and
    passed to the view as `body`; the OpenAPI document describes the same fields (from the view's body_schema)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return view(*args, body=read(schema_cls, json_body(form_too)), **kwargs)

        wrapper.body_schema = schema_cls  # type: ignore[attr-defined]
        wrapper.body_form_too = form_too  # type: ignore[attr-defined]
        return cast(View, wrapper)

    return decorator


def query(schema_cls: type[Query] = Query) -> Callable[[View], View]:
    """Declare a view's query parameters: each request's are read with schema_cls and passed to the view
    as `args`; the OpenAPI document lists the same fields (it finds schema_cls on the view)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return view(*args, args=read(schema_cls, request.args), **kwargs)

        wrapper.query_schema = schema_cls  # type: ignore[attr-defined]
        return cast(View, wrapper)

    return decorator
