"""Request parameters and bodies, declared once: marshmallow schemas that flask-smorest reads both to parse
each request (`@bp.query`, `@bp.body`, geotour.web.views) and to write the OpenAPI document.

The fields are marshmallow's and webargs' own, checked by marshmallow's validators (Range, OneOf, Length);
what is ours is the wording. Each message is a catalogue id (`Says`), and the one error handler
(`views.Parser.handle_error`) turns the first fault into a BadParameter that names the parameter, translated
where it is read. An unknown query parameter is refused (marshmallow's RAISE), an empty one is absent (as
an HTML form sends it).
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load
from marshmallow.validate import Length, OneOf, Range
from webargs.fields import DelimitedList

from geotour.config import LOCALES
from geotour.domain import events
from geotour.text import FALSE_WORDS, TRUE_WORDS

MAX_Q_LENGTH = 100
MAX_OFFSET = 10**9  # a page further than any list goes: beyond it, a database integer would overflow (a 500)
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


def _check_interval(raw: str) -> None:
    try:
        events.parse_interval(raw)
    except events.IntervalInvalid:
        raise ValidationError(
            Says("datetime must be an RFC 3339 date-time or an interval like 2024-01-01T00:00:00Z/..")
        ) from None


def interval(description: str) -> Any:
    """An RFC 3339 instant, a day, or an interval of them (a/b, ../b, a/..): geotour.domain.events."""
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
