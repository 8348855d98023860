"""Where the phone still computes what the server computes, both give the same answer (issue 34, part 3).

The map folds a typed query, works out distances and directions with no signal, and makes a card's link
to the maps app (which must open with no signal too), in JavaScript (static/js/lib/); the server does it in
Python. Node runs the JavaScript modules here on the same inputs.
"""

import json
import shutil
import subprocess

import pytest

from geotour.config import PROJECT_ROOT
from geotour.domain.contact import directions
from geotour.domain.features import fold
from geotour.domain.geodesy import GEOD, compass_point
from geotour.web.i18n import distance_format, format_distance

LIB = PROJECT_ROOT / "static" / "js" / "lib"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is installed by make test (npm assets)")

RUNNER = """
import { fold } from %(search)s;
import { formatDistance, geodesic, bearing } from %(distance)s;
import { directionsTo } from %(directions)s;
let input = "";
for await (const chunk of process.stdin) input += chunk;
const job = JSON.parse(input);
process.stdout.write(JSON.stringify({
  folded: job.names.map(fold),
  said: Object.fromEntries(Object.entries(job.steps).map(([locale, steps]) =>
    [locale, job.metres.map((m) => formatDistance(m, steps))])),
  metres: job.pairs.map(([a, b]) => geodesic(a[1], a[0], b[1], b[0])),
  bearings: job.pairs.map(([a, b]) => bearing(a[1], a[0], b[1], b[0])),
  directions: (job.places || []).map(([lat, lon, name]) => directionsTo(lat, lon, name)),
}));
"""


def run_js(job):
    script = RUNNER % {
        "search": json.dumps((LIB / "search.js").as_uri()),
        "distance": json.dumps((LIB / "distance.js").as_uri()),
        "directions": json.dumps((LIB / "directions.js").as_uri()),
    }
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", script],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def seed_points():
    points = []
    for path in sorted((PROJECT_ROOT / "data" / "geojson").glob("*.geojson")):
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
            geometry = feature.get("geometry") or {}
            if geometry.get("type") == "Point":
                points.append((feature["properties"], geometry["coordinates"][:2]))
    return points


HOSTILE_NAMES = [
    "Straße Ünïcödé",
    "Ｃｕｒｕｇ　Ｓｏｄｏｎｇ",  # full-width, as some phone keyboards type
    "Tiếng Việt: Thác nước",
    "e\u0301\u0327 n\u0303",  # stacked combining marks
    "ﬁre ﬂy",  # ligatures
    "İstanbul",
    "  spaced  ",
    "",
]


def test_a_typed_query_folds_as_the_server_folds_names():
    names = [n for props, _ in seed_points() for n in [props["name"], *(props.get("name_alt") or [])]]
    names = [n for n in names if isinstance(n, str)] + HOSTILE_NAMES
    assert len(names) > 100
    assert run_js({"names": names, "steps": {}, "metres": [], "pairs": []})["folded"] == [
        fold(n) for n in names
    ]


def test_distances_are_said_alike_in_both_languages():
    metres = [0, 0.5, 9.5, 42.4, 99.4, 99.5, 100, 105, 355, 994, 995, 999.9, 1000, 1049, 1050, 1250, 1350]
    metres += [2449, 2450, 9949, 9950, 9999, 10_000, 12_500, 13_500, 999_500, 1_234_000, 20_037_508]
    steps = {locale: distance_format(locale) for locale in ("id", "en")}
    said = run_js({"names": [], "steps": steps, "metres": metres, "pairs": []})["said"]
    for locale in steps:
        assert said[locale] == [format_distance(m, locale) for m in metres], locale


def test_offline_distances_and_directions_agree_with_pyproj_geod():
    points = [coords for _, coords in seed_points()]
    pairs = [(points[i], points[j]) for i in range(0, len(points), 7) for j in range(3, len(points), 11)]
    pairs += [((106.4, -7.2), (106.4, -7.2)), ((106.0, 0.0), (107.0, 0.0)), ((106.5, -7.0), (106.5, -8.0))]
    answer = run_js({"names": [], "steps": {}, "metres": [], "pairs": pairs})
    assert len(pairs) > 200
    for (a, b), metres, bearing in zip(pairs, answer["metres"], answer["bearings"], strict=True):
        azimuth, _, distance = GEOD.inv(a[0], a[1], b[0], b[1])
        assert metres == pytest.approx(distance, abs=0.001), (a, b)
        if distance > 1:
            # The phone's direction is the great circle's, the server's the ellipsoid's: the same word.
            assert abs((bearing - azimuth % 360 + 180) % 360 - 180) < 0.25, (a, b)
            if abs(((azimuth % 360) + 22.5) % 45 - 22.5) < 22:  # half a degree from a border between words
                assert compass_point(bearing) == compass_point(azimuth), (a, b)


def test_a_cards_maps_links_are_the_servers():
    places = [(c[1], c[0], props["name"]) for props, c in seed_points()]
    places += [(-7.2, 106.4, name) for name in HOSTILE_NAMES]
    places += [(-7.2, 106.4, 'Warung "Bu Imas" & Sons (100%) #1 <b>!\'*~</b> ? / + ;')]
    places += [
        (0.0, -0.0000004, "x"),
        (-89.9999996, 179.99999949, "x"),
        (-7.18527, 106.49785, "Curug Sodong"),
    ]
    assert len(places) > 100
    said = run_js({"names": [], "steps": {}, "metres": [], "pairs": [], "places": places})["directions"]
    for (lat, lon, name), links in zip(places, said, strict=True):
        server = directions(lat, lon, name)
        assert links == {to: server[to] for to in ("google", "search_google")}, (lat, lon, name)
