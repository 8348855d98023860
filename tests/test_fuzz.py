"""Whatever a client sends, the read API answers with a JSON body and never a 5xx."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROUTES = ["/api/v1/layers/geosites", "/api/v1/layers/msmes", "/api/v1/features/curug-sodong/nearby",
          "/api/v1/nearby", "/api/v1/layers/nope", "/sites/curug-sodong"]
PARAMS = ["bbox", "category", "q", "limit", "offset", "radius_m", "lat", "lon", "layers", "properties", "lang"]
VALUES = st.one_of(
    st.text(max_size=40),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-10**12, max_value=10**12).map(str),
    st.lists(st.floats(min_value=-200, max_value=200).map(str), min_size=0, max_size=5).map(",".join),
)


@pytest.mark.parametrize("route", ROUTES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.dictionaries(st.sampled_from(PARAMS), VALUES, max_size=4))
def test_random_parameters_never_cause_a_server_error(client, route, query):
    response = client.get(route, query_string=query)
    assert response.status_code < 500, (route, query, response.data[:200])
    if route.startswith("/api/"):
        body = response.get_json(force=True)
        assert "error" in body or body.get("type") == "FeatureCollection"
