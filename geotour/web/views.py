"""How a view declares what it reads and answers: flask-smorest's Blueprint with our Parser, which reads
query strings, JSON bodies and forms with the schemas of geotour.web.params and raises each fault as one
BadParameter naming the parameter; and the same reading for a page that takes its parameters itself."""

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, NoReturn

import flask_smorest
from flask import Request, request
from marshmallow import Schema, ValidationError
from webargs.flaskparser import FlaskParser
from werkzeug.routing import IntegerConverter, Map

from geotour.errors import BadParameter
from geotour.web.params import NOT_VALID, UNKNOWN, Body, Query, Says, View


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
        return self.arguments(made(schema), location="query", arg_name="args")

    def body(self, schema: type[Body], form_too: bool = False) -> Callable[[View], View]:
        """Declare a view's body: a JSON object (or, with form_too, a form) read with `schema`, passed to the
        view as `body`; the document lists both media types a page's <form> and a script may send."""
        required = any(field.required for field in made(schema).fields.values())
        read = self.arguments(
            made(schema), location="json_or_form" if form_too else "json", arg_name="body", required=required
        )
        if not form_too:
            return read
        form = self.doc(
            requestBody={"content": {"application/x-www-form-urlencoded": {"schema": made(schema)}}}
        )
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


@cache
def made(schema_cls: type[Schema]) -> Schema:
    """Return the one instance of a schema class: a schema is made once, not on every request (making one
    copies every field, about a third of a small cached answer's time)."""
    return schema_cls()


def path(name: str, description: str, pattern: str | None = None) -> dict[str, Any]:
    """Describe a route's path parameter for the document (its type comes from the route's converter)."""
    described: dict[str, Any] = {"in": "path", "name": name, "required": True, "description": description}
    if pattern:
        described["schema"] = {"type": "string", "pattern": pattern}
    return described


def parse(schema: type[Schema], location: str = "query") -> dict[str, Any]:
    """Return the request's query (or form) read with `schema`, for a view that reads it itself."""
    return parser.parse(made(schema), request, location=location)


def read(schema_cls: type[Schema], source: Mapping[str, Any]) -> dict[str, Any]:
    """Return `source` (a query taken from another URL) read with `schema_cls`, faults raised as `parse` does."""
    schema = made(schema_cls)
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
