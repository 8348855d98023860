"""Issue 15, break 9: hostile input gets a 4xx naming what is wrong, never a 500."""

import pytest

from tests.contributions import bearer, make_users, token_for, upload, waterfall

BIG = str(2**70)


@pytest.fixture
def world(make_app):
    app = make_app()
    make_users(app)
    tokens = {name: bearer(token_for(app, name)) for name in ("kim1", "mod")}
    client = app.test_client()
    sent = client.post("/api/v1/submissions", json=waterfall(), headers=tokens["kim1"]).get_json()
    return client, tokens, sent["submissions"][0]["id"]


def _feature_json(coordinate="106.47", name="Curug"):
    return (
        f'{{"type":"Feature","geometry":{{"type":"Point","coordinates":[{coordinate},-7.21]}},"properties":'
        f'{{"layer":"geosites","name":"{name}","category":"air-terjun"}}}}'
    )


@pytest.mark.parametrize(
    "method, path, who",
    [
        ("get", f"/api/v1/submissions/{BIG}", "mod"),
        ("post", f"/api/v1/submissions/{BIG}/approve", "mod"),
        ("post", f"/api/v1/submissions/{BIG}/reject", "mod"),
    ],
)
def test_an_id_beyond_64_bits_is_a_404(world, method, path, who):
    client, tokens, _ = world
    assert getattr(client, method)(path, headers=tokens[who], json={"reason": "x"}).status_code == 404


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"json": {**waterfall(), "properties": {**waterfall()["properties"], "layer": 5}}}, "layer"),
        (
            {"json": {**waterfall(), "properties": {**waterfall()["properties"], "layer": ["geosites"]}}},
            "layer",
        ),
        ({"data": _feature_json(coordinate="9" * 400), "content_type": "application/json"}, "geometry"),
        ({"data": _feature_json(name="a\\ud800b"), "content_type": "application/json"}, "body"),
        ({"data": "[" * 100_000 + "]" * 100_000, "content_type": "application/json"}, "body"),
    ],
)
def test_a_hostile_submission_is_a_400_naming_its_field(world, kwargs, field):
    client, tokens, _ = world
    answer = client.post("/api/v1/submissions", headers=tokens["kim1"], **kwargs)
    assert answer.status_code == 400 and answer.get_json()["error"]["field"] == field


@pytest.mark.parametrize(
    "body, field", [({"reason": 5}, "reason"), (["x"], "body"), ({"reason": {"a": 1}}, "reason")]
)
def test_reject_delete_and_revert_refuse_bodies_that_are_not_objects_of_text(world, body, field):
    client, tokens, submission = world
    answers = [
        client.post(f"/api/v1/submissions/{submission}/reject", json=body, headers=tokens["mod"]),
        client.delete("/api/v1/features/curug-sodong", json=body, headers=tokens["kim1"]),
    ]
    if isinstance(body, list):
        answers.append(client.post("/api/v1/features/curug-sodong/revert", json=body, headers=tokens["mod"]))
    for answer in answers:
        assert answer.status_code == 400 and answer.get_json()["error"]["field"] == field


def test_a_csv_whose_wkt_is_a_geometry_collection_is_a_problem_row(world):
    client, tokens, _ = world
    csv = b'name,wkt,category,owner_consent\nA,"GEOMETRYCOLLECTION(POINT(106.46 -7.23))",kuliner,true\n'
    answer = client.post(
        "/api/v1/submissions",
        data={"layer": "msmes", "file": upload(csv, "a.csv")},
        headers=tokens["kim1"],
        content_type="multipart/form-data",
    )
    report = answer.get_json()["report"]
    assert (
        answer.status_code == 200 and report["errors"] == 1 and report["problems"][0]["field"] == "geometry"
    )


@pytest.mark.parametrize("path", ["/", "/sites/curug-sodong", "/api/v1/layers"])
def test_a_host_header_that_is_no_host_name_is_a_400(world, path):
    client, _, _ = world
    answer = client.get(path, headers={"Host": "a" * 70 + ".example"})
    assert answer.status_code == 400 and b"Host" in answer.data
    assert client.get(path, headers={"Host": "geotour.example:8080"}).status_code == 200
