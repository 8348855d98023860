"""Property-based fuzzing (Hypothesis) of every route (issue 15): whatever a client sends in the query, the
JSON body or the form, the answer is never a 5xx, an error under /api or /ogc is the JSON error shape, and
two different queries never share a cached answer.

Requests are sent as a moderator (a token for the API, a signed-in session with its CSRF token for the
pages), so they get past the sign-in checks to the code that reads what was sent.
"""

import json
import os
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geotour.web import responses
from tests.contributions import bearer, login, make_users, token_for, waterfall

READS_ONLY = True  # one app for the module's tests (see conftest.app); a test that writes makes its own

# More examples for a longer hunt: GEOTOUR_FUZZ_EXAMPLES=300 make test PYTEST_ARGS=tests/test_fuzz.py
EXAMPLES = int(os.environ.get("GEOTOUR_FUZZ_EXAMPLES", "15"))

# Every route, with values for its path parts; test_every_route_is_fuzzed fails when a new one is missing.
ROUTES = {
    "/": "/",
    "/_error/413": "/_error/413",
    "/account": "/account",
    "/account/tokens": "/account/tokens",
    "/account/tokens/<int:token_id>/revoke": "/account/tokens/1/revoke",
    "/admin/users": "/admin/users",
    "/admin/users/<int:user_id>": "/admin/users/2",
    "/api/docs": "/api/docs",
    "/api/openapi.json": "/api/openapi.json",
    "/api/v1/account": "/api/v1/account",
    "/api/v1/features/<feature_id>": "/api/v1/features/curug-sodong",
    "/api/v1/features/<feature_id>/nearby": "/api/v1/features/curug-sodong/nearby",
    "/api/v1/features/<feature_id>/revert": "/api/v1/features/curug-sodong/revert",
    "/api/v1/features/<feature_id>/versions": "/api/v1/features/curug-sodong/versions",
    "/api/v1/layers": "/api/v1/layers",
    "/api/v1/layers/<layer_id>": "/api/v1/layers/msmes",
    "/api/v1/layers/<layer_id>/export": "/api/v1/layers/geosites/export",
    "/api/v1/layers/<layer_id>/v/<name>": "/api/v1/layers/geosites/v/1-0.geojson",
    "/api/v1/nearby": "/api/v1/nearby",
    "/api/v1/photos": "/api/v1/photos",
    "/api/v1/tracks": "/api/v1/tracks",
    "/api/v1/batches/<batch>/decide": "/api/v1/batches/b1/decide",
    "/moderation/batches/<batch>": "/moderation/batches/b1",
    "/api/v1/features/<feature_id>/here": "/api/v1/features/geyser-cisolok/here",
    "/moderation/features/<feature_id>/reported-position": "/moderation/features/geyser-cisolok/reported-position",
    "/api/v1/photos/sources/<source_hash>": "/api/v1/photos/sources/" + "a" * 64,
    "/api/v1/submissions": "/api/v1/submissions",
    "/api/v1/reports": "/api/v1/reports",
    "/api/v1/offline/geopark": "/api/v1/offline/geopark",
    "/api/v1/reports/<int:report_id>": "/api/v1/reports/1",
    "/api/v1/reports/sent/<token>": "/api/v1/reports/sent/abcdefghijklmnopqrstuvwx",
    "/laporan": "/laporan",
    "/perjalanan": "/perjalanan?p=curug-sodong,msme-0001",
    "/perjalanan.gpx": "/perjalanan.gpx?p=curug-sodong",
    "/perjalanan.kml": "/perjalanan.kml?p=curug-sodong",
    "/laporan/<token>": "/laporan/abcdefghijklmnopqrstuvwx",
    "/moderation/reports": "/moderation/reports",
    "/moderation/reports/<int:report_id>": "/moderation/reports/1",
    "/moderation/reports/public": "/moderation/reports/public",
    "/api/v1/alerts": "/api/v1/alerts",
    "/api/v1/alerts/<int:alert_id>/withdraw": "/api/v1/alerts/1/withdraw",
    "/alerts.atom": "/alerts.atom?lang=en",
    "/moderation/alerts": "/moderation/alerts",
    "/moderation/alerts/<int:alert_id>/withdraw": "/moderation/alerts/1/withdraw",
    "/api/v1/submissions/<int:submission_id>": "/api/v1/submissions/1",
    "/api/v1/submissions/<int:submission_id>/approve": "/api/v1/submissions/1/approve",
    "/api/v1/submissions/<int:submission_id>/reject": "/api/v1/submissions/1/reject",
    "/contribute": "/contribute",
    "/contribute/delete/<feature_id>": "/contribute/delete/curug-sodong",
    "/contribute/edit/<feature_id>": "/contribute/edit/curug-sodong",
    "/contribute/import": "/contribute/import",
    "/contribute/mine": "/contribute/mine",
    "/contribute/new/<layer_id>": "/contribute/new/msmes",
    "/contribute/routes/new": "/contribute/routes/new",
    "/contribute/routes/<route_id>/edit": "/contribute/routes/curug-sodong-cikanteh-walk/edit",
    "/embed": "/embed",
    "/embed/builder": "/embed/builder",
    "/embed/places/<feature_id>": "/embed/places/curug-sodong",
    "/healthz": "/healthz",
    "/healthz/live": "/healthz/live",
    "/healthz/ready": "/healthz/ready",
    "/login": "/login",
    "/logout": "/logout",
    "/moderation": "/moderation",
    "/moderation/<int:submission_id>/approve": "/moderation/1/approve",
    "/moderation/<int:submission_id>/reject": "/moderation/1/reject",
    "/moderation/<int:submission_id>/edit": "/moderation/1/edit",
    "/moderation/features/<feature_id>": "/moderation/features/curug-sodong",
    "/moderation/features/<feature_id>/revert": "/moderation/features/curug-sodong/revert",
    "/moderation/features/<feature_id>/verify": "/moderation/features/curug-sodong/verify",
    "/msmes/<feature_id>": "/msmes/warung-nasi-bu-eti",
    "/oembed": "/oembed",
    "/offline": "/offline",
    "/ogc": "/ogc",
    "/ogc/": "/ogc/",
    "/ogc/collections": "/ogc/collections",
    "/ogc/collections/<collectionId>": "/ogc/collections/geosites",
    "/ogc/collections/<collectionId>/queryables": "/ogc/collections/geosites/queryables",
    "/ogc/collections/<collectionId>/items": "/ogc/collections/msmes/items",
    "/ogc/collections/<collectionId>/items/<featureId>": "/ogc/collections/geosites/items/curug-sodong",
    "/ogc/conformance": "/ogc/conformance",
    "/photos/<photo_id>-<size>.webp": "/photos/" + "b" * 32 + "-thumb.webp",
    "/places": "/places",
    "/glosarium": "/glosarium?lang=en",
    "/keselamatan": "/keselamatan?lang=en",
    "/robots.txt": "/robots.txt",
    "/sitemap.xml": "/sitemap.xml",
    "/sites/<feature_id>": "/sites/curug-sodong",
    "/routes": "/routes?lang=en",
    "/events": "/events?lang=en",
    "/events/<event_id>": "/events/no-such-event",
    "/events/<event_id>.ics": "/events/no-such-event.ics",
    "/events.ics": "/events.ics",
    "/embed/routes/<route_id>": "/embed/routes/curug-sodong-cikanteh-walk",
    "/routes/<route_id>": "/routes/curug-sodong-cikanteh-walk",
    "/routes/<route_id>.gpx": "/routes/curug-sodong-cikanteh-walk.gpx",
    "/routes/<route_id>.kml": "/routes/curug-sodong-cikanteh-walk.kml",
    "/routes/<route_id>/qr.svg": "/routes/curug-sodong-cikanteh-walk/qr.svg",
    "/api/v1/counts": "/api/v1/counts",
    "/go/<any(whatsapp, call, directions):what>/<feature_id>": "/go/directions/curug-sodong",
    "/privasi": "/privasi?lang=en",
    "/admin/figures": "/admin/figures",
    "/admin/figures.csv": "/admin/figures.csv",
    "/admin/figures/report": "/admin/figures/report",
    "/contribute/figures": "/contribute/figures",
    "/moderation/partners": "/moderation/partners",
    "/moderation/features/<feature_id>/partner": "/moderation/features/warung-nasi-bu-eti/partner",
    "/moderation/features/<feature_id>/partner/withdraw": "/moderation/features/warung-nasi-bu-eti/partner/withdraw",
    "/sites/<feature_id>/qr.png": "/sites/curug-sodong/qr.png",
    "/sites/<feature_id>/qr.svg": "/sites/curug-sodong/qr.svg",
    "/sites/<feature_id>/signboard": "/sites/curug-sodong/signboard",
    "/static/<path:filename>": "/static/css/geotour.css",
    "/sw.js": "/sw.js",
}
NOT_FUZZED = {"/logout"}  # ends the session the other cases need; tests/test_security.py covers it
JSON_PREFIXES = ("/api/v1/", "/ogc", "/oembed", "/healthz")

# The parameters routes read, and words that reach deeper code than random text does.
PARAMS = [
    "bbox",
    "category",
    "q",
    "limit",
    "offset",
    "radius_m",
    "lat",
    "lon",
    "layers",
    "properties",
    "lang",
    "f",
    "format",
    "url",
    "maxwidth",
    "maxheight",
    "center",
    "zoom",
    "basemap",
    "status",
    "next",
    "sent",
    "datetime",
    "bbox-crs",
    "crs",
    "layer",
    "dry_run",
    "on_error",
    "page",
    "version",
    "id",
    "name",
    "place",
    "text",
    "reply",
    "accuracy_m",
    "categories",
    "p",
]
WORDS = st.sampled_from(
    [
        "",
        "0",
        "-1",
        "1e309",
        "nan",
        "2" * 25,
        "geosites",
        "msmes",
        "curug-sodong",
        "litter",
        "other",
        "fixed",
        "kuliner",
        "json",
        "html",
        "geojson",
        "csv",
        "kml",
        "gpkg",
        "106.4,-7.3,106.6,-7.1",
        "-7.2,106.45",
        "true",
        "off",
        "http://localhost/sites/curug-sodong",
        "//evil.example",
        "/\t/evil.example",
        "\ud800",
        "a&b=c",
        "%26",
        "\x00",
        "<script>",
        "name,category",
        "9" * 400,
    ]
)
VALUES = st.one_of(
    WORDS,
    st.text(max_size=30),
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
QUERIES = st.dictionaries(
    st.one_of(st.sampled_from(PARAMS), st.text(min_size=1, max_size=8)), VALUES, max_size=5
)
JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False),
        st.text(max_size=20),
        WORDS,
    ),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
FIELDS = [
    "type",
    "properties",
    "geometry",
    "reason",
    "version",
    "photos",
    "name",
    "category",
    "layer",
    "coordinates",
    "id",
    "owner_consent",
    "phone",
    "whatsapp",
    "except",
    "reject",
    "approve",
    "shown",
    "decision",
    "lon",
    "lat",
    "accuracy_m",
]
BODIES = st.one_of(
    JSON_VALUES,
    st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=5),
    st.builds(
        lambda props, geometry: {
            **waterfall(),
            "properties": {**waterfall()["properties"], **props},
            **({"geometry": geometry} if geometry is not None else {}),
        },
        st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=3),
        st.none() | JSON_VALUES,
    ),
)
FORMS = st.dictionaries(
    st.sampled_from(
        FIELDS
        + ["lat", "lon", "role", "active", "password", "username", "stash", "group", "choice", "defaults"]
    ),
    VALUES,
    max_size=6,
)


def _encoded(pairs):
    """Return a query string or form body as a client sends it; a lone surrogate goes as the invalid UTF-8
    bytes it stands for (%ED%A0%80), which is what a hostile client can really send."""

    def part(text):
        return quote(str(text).encode("utf-8", "surrogatepass"), safe="")

    return "&".join(f"{part(name)}={part(value)}" for name, value in pairs)


def _routes(app):
    return sorted(
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory, pg_template):
    """One app for the whole module (with limits out of the way), a moderator's token and signed-in session."""
    from geotour import create_app
    from tests import backends
    from tests.conftest import DATA_DIR

    config = {
        "INSTANCE_PATH": tmp_path_factory.mktemp("fuzz"),
        "GEOTOUR_DATA_DIR": str(DATA_DIR),
        "TESTING": True,
        "GEOTOUR_RATELIMIT_UPLOADS": "100000 per hour",
        "GEOTOUR_RATELIMIT_LOGIN": "100000 per minute",
    }
    database = backends.new_database() if pg_template else None
    if database:
        config.update(backends.backend_config(database))
    app = create_app(config)
    make_users(app)
    api = app.test_client()
    token = bearer(token_for(app, "mod"))
    api.post("/api/v1/submissions", json=waterfall(), headers=token)  # submission 1, pending
    page = app.test_client()
    csrf = login(page, "mod")
    yield app, api, token, page, csrf
    app.extensions["geotour"].storage.close()
    if database:
        backends.drop_database(database)


def test_every_route_is_fuzzed(fuzzed):
    app = fuzzed[0]
    assert {rule for rule, _ in _routes(app)} == set(ROUTES)


def _check(path, response):
    assert response.status_code < 500, (path, response.status_code, response.get_data()[:300])
    if response.status_code >= 400 and path.startswith(JSON_PREFIXES) and response.status_code != 405:
        error = json.loads(response.get_data())["error"]
        assert isinstance(error["code"], str) and isinstance(error["message"], str) and error["message"], (
            error
        )


@pytest.mark.parametrize("rule", sorted(set(ROUTES) - NOT_FUZZED))
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(query=QUERIES, body=BODIES, form=FORMS, data=st.data())
def test_no_query_body_or_form_causes_a_server_error(fuzzed, rule, query, body, form, data):
    app, api, token, page, csrf = fuzzed
    methods = sorted(m for r, m in _routes(app) if r == rule)
    method = data.draw(st.sampled_from(methods))
    path = ROUTES[rule]
    url = f"{path}?{_encoded(query.items())}"
    if path.startswith(("/api/", *JSON_PREFIXES)):
        response = api.open(url, method=method, headers=token, **({"json": body} if method != "GET" else {}))
    else:
        sent = _encoded([*form.items(), ("csrf_token", csrf)])
        response = page.open(
            url,
            method=method,
            headers={"X-CSRFToken": csrf},
            data=sent if method != "GET" else None,
            content_type="application/x-www-form-urlencoded",
        )
    _check(path, response)


# The answers kept in the response cache, the parameters each reads, and values it takes for them.
PAGE = {"limit": ["1", "2", "10"], "offset": ["0", "1", "3"]}
BBOX = ["106.4,-7.3,106.6,-7.1", "106.5,-7.2,106.6,-7.1"]
CACHED = {
    "/api/v1/layers": {},
    "/api/v1/layers/msmes": {
        **PAGE,
        "bbox": BBOX,
        "category": ["kuliner", "penginapan"],
        "q": ["warung", "homestay"],
        "properties": ["name", "name,category"],
    },
    "/api/v1/features/curug-sodong": {},
    "/api/v1/features/curug-sodong/nearby": {
        "radius_m": ["500", "5000"],
        "category": ["kuliner"],
        "limit": ["1", "3"],
    },
    "/api/v1/nearby": {
        "lat": ["-7.2", "-7.0"],
        "lon": ["106.45", "106.5"],
        "radius_m": ["500", "5000"],
        "layers": ["geosites", "geosites,msmes"],
        "limit": ["1", "3"],
    },
    "/ogc/collections": {"f": ["json"]},
    "/ogc/collections/msmes/items": {**PAGE, "bbox": BBOX, "f": ["json"]},
    "/ogc/collections/geosites/items/curug-sodong": {"f": ["json"]},
}
ODD_VALUES = st.text(alphabet="&=%;+ ,.0123456789abc", max_size=12)


@pytest.mark.parametrize("path", sorted(CACHED))
@settings(max_examples=EXAMPLES + 10, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_two_different_queries_never_share_a_cached_answer(fuzzed, path, data):
    """Issue 15, break 1: each answer from the cache equals the answer built afresh for that very query."""
    app, api, token, _, _ = fuzzed
    takes = {**CACHED[path], "lang": ["id", "en"]}
    known = st.sampled_from(sorted(takes)).flatmap(
        lambda name: st.tuples(st.just(name), st.sampled_from(takes[name]) | ODD_VALUES)
    )
    odd = st.tuples(st.text(alphabet="&=%limtofse", min_size=1, max_size=12), ODD_VALUES)
    pairs = st.lists(st.one_of(known, known, known, odd), max_size=3)
    first = sorted(data.draw(pairs))
    # The second query: another one, or the first one's pairs folded into one name or value with a literal
    # & and = (what a key joining decoded pairs confuses with the first).
    joined = "&".join(f"{name}={value}" for name, value in first[1:])
    second = data.draw(
        st.sampled_from(
            [
                data.draw(pairs),
                [(first[0][0], f"{first[0][1]}&{joined}")] if len(first) > 1 else [],
                [(f"{first[0][0]}={first[0][1]}&{first[1][0]}", first[1][1])] + first[2:]
                if len(first) > 1
                else [],
            ]
        )
    )
    api.get(path + "?" + urlencode(first))
    from_cache = api.get(path + "?" + urlencode(second))  # perhaps kept under the first query's key
    with app.app_context():
        responses.cache.clear()
    app.extensions["geotour_local_responses"] = responses.LocalStore()
    fresh = api.get(path + "?" + urlencode(second))
    assert _comparable(from_cache) == _comparable(fresh), (first, second)


def _comparable(response):
    """Return a response's status and JSON body, without the time it was built (OGC's timeStamp)."""
    body = response.get_json()
    if isinstance(body, dict):
        body.pop("timeStamp", None)
    return response.status_code, body
