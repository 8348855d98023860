"""The OpenAPI document is written from the declarations that parse the requests, and says what the API answers."""

import pytest
from openapi_schema_validator import OAS30Validator

from geotour.domain import exports
from geotour.web.api.read import ExportQuery
from tests.contributions import bearer, make_users, token_for, waterfall

READS_ONLY = True  # one app for the module's tests (see conftest.app); a test that writes makes its own


@pytest.fixture
def document(client):
    return client.get("/api/openapi.json").get_json(force=True)


def _inline(node, document):
    """Return a part of the document with every $ref replaced by what it points to."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = document
            for step in node["$ref"].split("/")[1:]:
                target = target[step]
            return _inline(target, document)
        return {k: _inline(v, document) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, document) for v in node]
    return node


def _check(document, path, method, status, answer):
    responses = _inline(document["paths"][path][method]["responses"][str(status)], document)["content"]
    schema = next(iter(responses.values()))["schema"]
    OAS30Validator(schema).validate(answer)


def _parameters(document, path, method="get"):
    """Return an operation's parameters: the path's own (its path parameters) and the operation's."""
    item = document["paths"][path]
    return item.get("parameters", []) + item[method].get("parameters", [])


def _parameter(document, path, name):
    return next(p for p in _parameters(document, path) if p["name"] == name)


@pytest.mark.parametrize(
    "path, url",
    [
        ("/api/v1/layers", "/api/v1/layers"),
        ("/api/v1/layers/{layer_id}", "/api/v1/layers/msmes?limit=3"),
        ("/api/v1/layers/{layer_id}", "/api/v1/layers/boundary"),
        ("/api/v1/features/{feature_id}", "/api/v1/features/curug-sodong"),
        ("/api/v1/features/{feature_id}/nearby", "/api/v1/features/curug-sodong/nearby?limit=2"),
        ("/api/v1/nearby", "/api/v1/nearby?lat=-7.18&lon=106.49&limit=2"),
        ("/ogc/collections/{collectionId}/items", "/ogc/collections/geosites/items?limit=2"),
    ],
)
def test_answers_match_the_documented_schema(client, document, path, url):
    response = client.get(url)
    assert response.status_code == 200
    _check(document, path, "get", 200, response.get_json(force=True))


def test_an_error_matches_the_documented_schema_and_names_the_parameter(client, document):
    response = client.get("/api/v1/nearby?lat=-7.1&lon=106.5&radius_m=-1")
    assert response.status_code == 400
    _check(document, "/api/v1/nearby", "get", 400, response.get_json(force=True))
    assert response.get_json(force=True)["error"]["field"] == "radius_m"


def test_submissions_match_the_documented_schema(make_app, document):
    app = make_app()  # its own: this test writes
    client = app.test_client()
    make_users(app)
    headers = {**bearer(token_for(app, "kim1")), "Idempotency-Key": "openapi-1"}
    created = client.post("/api/v1/submissions", json=waterfall(), headers=headers)
    assert created.status_code == 201
    _check(document, "/api/v1/submissions", "post", 201, created.get_json())
    listed = client.get("/api/v1/submissions", headers=bearer(token_for(app, "kim1")))
    _check(document, "/api/v1/submissions", "get", 200, listed.get_json())
    assert listed.get_json()["submissions"][0]["status"] == "pending"


def test_every_documented_query_parameter_is_taken_and_no_other(client, document):
    """The route accepts exactly what the document lists: one declaration serves both."""
    listed = {p["name"] for p in _parameters(document, "/api/v1/layers/{layer_id}")}
    assert listed == {
        "layer_id",
        "lang",
        "bbox",
        "category",
        "q",
        "limit",
        "offset",
        "properties",
        "partner",
        "datetime",
    }
    for name in listed - {"layer_id"}:
        answer = client.get(f"/api/v1/layers/msmes?{name}=").get_json(force=True)
        assert "error" not in answer, name
    refused = client.get("/api/v1/layers/msmes?catgory=kuliner").get_json(force=True)["error"]
    assert refused["field"] == "catgory" and "category" in refused["message"]


def test_limits_and_enums_in_the_document_are_the_ones_enforced(client, document):
    limit = _parameter(document, "/api/v1/layers/{layer_id}", "limit")["schema"]
    assert client.get(f"/api/v1/layers/msmes?limit={limit['maximum']}").status_code == 200
    too_many = client.get(f"/api/v1/layers/msmes?limit={limit['maximum'] + 1}")
    assert too_many.status_code == 400 and too_many.get_json(force=True)["error"]["field"] == "limit"
    layers = _parameter(document, "/api/v1/nearby", "layers")["schema"]["items"]["enum"]
    assert layers == ["geosites", "biosites", "cultural_sites", "msmes"]
    formats = _parameter(document, "/api/v1/layers/{layer_id}/export", "format")["schema"]
    assert formats["enum"] == list(exports.FORMATS) == ExportQuery().fields["format"].validators[0].choices
    statuses = _parameter(document, "/api/v1/submissions", "status")["schema"]["enum"]
    assert statuses == ["pending", "approved", "rejected"]


def test_the_home_page_offers_every_export_format(client):
    page = client.get("/").get_data(as_text=True)
    for key, fmt in exports.FORMATS.items():
        assert f"format={key}" in page and f">{fmt.label}<" in page


def test_path_parameters_follow_their_converters(document):
    submission = _parameters(document, "/api/v1/submissions/{submission_id}")[0]
    assert submission == {
        "name": "submission_id",
        "in": "path",
        "required": True,
        "description": "Submission id",
        "schema": {"type": "integer"},
    }


def _body(document, path):
    body = document["paths"][path]["post"]["requestBody"]
    return body, _inline(body["content"]["application/json"]["schema"], document)


def test_request_bodies_in_the_document_are_the_ones_enforced(make_app, document):
    """A body's fields, types and limits come from the declaration the view reads it with: what the document
    says is too long or of the wrong type is refused, naming the field."""
    app = make_app()  # its own: the last request decides the submission
    client = app.test_client()
    make_users(app)
    sid = client.post("/api/v1/submissions", json=waterfall(), headers=bearer(token_for(app, "kim1")))
    sid = sid.get_json()["submissions"][0]["id"]
    body, reject = _body(document, "/api/v1/submissions/{submission_id}/reject")
    assert set(body["content"]) == {"application/json", "application/x-www-form-urlencoded"}
    assert body["required"] is True and reject["required"] == ["reason"]
    longest = reject["properties"]["reason"]["maxLength"]
    moderator = bearer(token_for(app, "mod"))
    for sent, field in [
        ({"reason": "x" * (longest + 1)}, "reason"),
        ({"reason": 5}, "reason"),
        ({}, "reason"),
    ]:
        refused = client.post(f"/api/v1/submissions/{sid}/reject", json=sent, headers=moderator)
        assert refused.status_code == 400 and refused.get_json()["error"]["field"] == field, sent
    _check(document, "/api/v1/submissions/{submission_id}/reject", "post", 400, refused.get_json())

    body, decide = _body(document, "/api/v1/batches/{batch}/decide")
    assert decide["properties"]["except"] == {
        "type": "array",
        "items": {"type": "integer"},
        "description": "Submissions left out of the approval",
    }
    assert decide["properties"]["reject"]["type"] == "boolean" and body["required"] is False
    for sent, field in [({"except": [1, "2"]}, "except"), ({"reject": "perhaps"}, "reject")]:
        refused = client.post("/api/v1/batches/any/decide", json=sent, headers=moderator)
        assert refused.status_code == 400 and refused.get_json()["error"]["field"] == field, sent

    body, revert = _body(document, "/api/v1/features/{feature_id}/revert")
    assert body["required"] is True and revert["required"] == ["version"]
    for sent in (
        {},
        {"version": True},
        {"version": 1.5},
        {"version": revert["properties"]["version"]["minimum"] - 1},
    ):
        refused = client.post("/api/v1/features/curug-sodong/revert", json=sent, headers=moderator)
        assert refused.status_code == 400 and refused.get_json()["error"]["field"] == "version", sent

    body, report = _body(document, "/api/v1/features/{feature_id}/here")
    assert body["required"] is True and sorted(report["required"]) == ["accuracy_m", "lat", "lon"]
    most = report["properties"]["accuracy_m"]["maximum"]
    here = client.post(
        "/api/v1/features/curug-sodong/here", json={"lon": 106.4, "lat": -7.2, "accuracy_m": most + 1}
    )
    assert here.status_code == 400 and here.get_json()["error"]["field"] == "accuracy_m"
