"""Issue 27, part 4: a route from the ground. A KIM member records a walk with any app and uploads it (GPX as
OsmAnd, Organic Maps and a Garmin write it, KML, GeoJSON); the file is read forgivingly, thinned, checked for
jumps, offered the sites along it as stops, and goes through moderation. Bad files name the line or point at
fault, and nothing is stored."""

import json
import re
import time

import numpy as np
import pytest

from geotour.context import current
from geotour.contributions import tracks
from geotour.errors import BadParameter, TooLarge
from tests.conftest import HOSTILE_SITE_NAME as HOSTILE_NAME
from tests.contributions import bearer, csrf_from, login, make_users, token_for, upload

# A walk from the Curug Sodong car park up to Curug Cikanteh and on (heights climbing), every ~11 m.
SODONG, CIKANTEH = (106.49785, -7.18527), (106.50056, -7.18994)


def _walk(n=60, start=SODONG, end=CIKANTEH):
    lons = np.linspace(start[0] - 0.0003, end[0] + 0.0002, n)
    lats = np.linspace(start[1] + 0.0002, end[1] - 0.0002, n)
    return [
        (float(lon), float(lat), 40.0 + 1.5 * i) for i, (lon, lat) in enumerate(zip(lons, lats, strict=True))
    ]


def _trkpts(points, t0=1_714_525_200, step=10, extra=""):
    rows = []
    for i, (lon, lat, ele) in enumerate(points):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0 + i * step))
        rows.append(
            f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>{ele:.1f}</ele><time>{stamp}</time>{extra}</trkpt>'
        )
    return "\n".join(rows)


def osmand_gpx(points):
    """As OsmAnd 4 writes a recorded trip: its namespace, hdop, per-point and file extensions, two segments."""
    half = len(points) // 2
    return f"""<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>
<gpx version="1.1" creator="OsmAnd~ 4.6.6" xmlns="http://www.topografix.com/GPX/1/1" xmlns:osmand="https://osmand.net" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd">
  <metadata><name>2024-05-01_08-00_Wed</name></metadata>
  <trk><trkseg>
{_trkpts(points[:half], extra="<hdop>4.2</hdop><extensions><osmand:speed>1.2</osmand:speed></extensions>")}
  </trkseg><trkseg>
{_trkpts(points[half:], t0=1_714_525_200 + 600 + half * 10)}
  </trkseg></trk>
  <extensions><osmand:show_arrows>false</osmand:show_arrows><osmand:color>#b45309</osmand:color></extensions>
</gpx>""".encode()


def organic_maps_gpx(points):
    """As Organic Maps exports a recorded track: gpx_style extensions on the track, one segment."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="Organic Maps" xmlns="http://www.topografix.com/GPX/1/1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:gpx_style="http://www.topografix.com/GPX/gpx_style/0/2" xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd">
<metadata><name>Sodong – Cikanteh</name></metadata>
<trk>
  <name>Sodong – Cikanteh</name>
  <extensions><gpx_style:line><gpx_style:color>1E96F0</gpx_style:color></gpx_style:line></extensions>
  <trkseg>
{_trkpts(points)}
  </trkseg>
</trk>
</gpx>""".encode()


def garmin_gpx(points):
    """As Garmin Connect exports an activity: TrackPointExtension (heart rate), a point without a fix, three
    segments (the watch paused twice)."""
    ext = "<extensions><ns3:TrackPointExtension><ns3:hr>121</ns3:hr></ns3:TrackPointExtension></extensions>"
    third = len(points) // 3
    parts = [points[:third], points[third : 2 * third], points[2 * third :]]
    segments = "".join(f"<trkseg>{_trkpts(p, extra=ext)}</trkseg>" for p in parts)
    lost = '<trkseg><trkpt lat="-7.1861" lon="106.4990"><fix>none</fix></trkpt></trkseg>'
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<gpx creator="Garmin Connect" version="1.1" xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/11.xsd" xmlns:ns3="http://www.garmin.com/xmlschemas/TrackPointExtension/v1" xmlns="http://www.topografix.com/GPX/1/1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <metadata><link href="connect.garmin.com"><text>Garmin Connect</text></link><time>2024-05-01T01:00:00.000Z</time></metadata>
  <trk><name>Ciemas Hiking</name><type>hiking</type>{segments}{lost}</trk>
</gpx>""".encode()


def compact_gpx(points):
    """A logger's bare fixes, no heights or times: the most points 10 MB can hold."""
    rows = "".join(f'<trkpt lat="{lat:.6f}" lon="{lon:.6f}"/>' for lon, lat, _ele in points)
    return f'<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1"><trk><trkseg>{rows}</trkseg></trk></gpx>'.encode()


def route_gpx(points):
    """A planned route (rte) with no heights or times, as a route planner writes it."""
    pts = "".join(
        f'<rtept lat="{lat}" lon="{lon}"><name>P{i}</name></rtept>' for i, (lon, lat, _) in enumerate(points)
    )
    return f'<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" creator="planner"><rte>{pts}</rte></gpx>'.encode()


def kml_line(points):
    coords = " ".join(f"{lon},{lat},{ele}" for lon, lat, ele in points)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>Jalur</name>
<Placemark><name>Jalur Sodong</name><LineString><tessellate>1</tessellate><coordinates>
{coords}
</coordinates></LineString></Placemark></Document></kml>""".encode()


def gx_track_kml(points):
    coords = "".join(f"<gx:coord>{lon} {lat} {ele}</gx:coord>" for lon, lat, ele in points)
    return f"""<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2">
<Placemark><gx:Track>{coords}</gx:Track></Placemark></kml>""".encode()


def geojson_line(points, multi=False):
    coords = [list(p) for p in points]
    geometry = (
        {"type": "MultiLineString", "coordinates": [coords[:20], coords[20:]]}
        if multi
        else {"type": "LineString", "coordinates": coords}
    )
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {}, "geometry": geometry}],
        }
    ).encode()


@pytest.mark.parametrize(
    "writer, filename, segments, no_fix, heights",
    [
        (osmand_gpx, "osmand.gpx", 2, 0, True),
        (organic_maps_gpx, "organic.gpx", 1, 0, True),
        (garmin_gpx, "garmin.gpx", 3, 1, True),
        (route_gpx, "plan.gpx", 1, 0, False),
        (kml_line, "jalur.kml", 1, 0, True),
        (gx_track_kml, "track.kml", 1, 0, True),
        (geojson_line, "walk.geojson", 1, 0, True),
        (lambda p: geojson_line(p, multi=True), "walk.json", 2, 0, True),
    ],
)
def test_tracks_as_apps_write_them_are_read_joined_and_thinned(writer, filename, segments, no_fix, heights):
    points = _walk()
    track = tracks.read_track(writer(points), filename)
    assert (track.segments, track.dropped_no_fix) == (segments, no_fix)
    read = np.array([(p.lon, p.lat) for p in track.points])
    assert np.allclose(read, np.array([(lon, lat) for lon, lat, _ in points]), atol=1e-7)
    prepared = tracks.prepare(track)
    line = prepared.coordinates
    assert line[0][:2] == pytest.approx(points[0][:2], abs=1e-7) and line[-1][:2] == pytest.approx(
        points[-1][:2], abs=1e-7
    )
    assert 2 <= prepared.points_kept <= len(points) and prepared.has_heights is heights
    assert not prepared.jumps


def test_a_200000_point_track_is_read_and_thinned_to_a_sane_size():
    n = 200_000
    # A wandering 40 km walk: a point every ~20 cm of zig-zag, as a phone logging every second would give.
    t = np.linspace(0, 1, n)
    lons = 106.40 + 0.30 * t + 0.0004 * np.sin(t * 900)
    lats = -7.25 + 0.05 * t + 0.0004 * np.cos(t * 700)
    points = list(zip(lons.tolist(), lats.tolist(), (50 + 30 * np.sin(t * 40)).tolist(), strict=True))
    data = compact_gpx(points)
    assert len(data) < tracks.MAX_TRACK_BYTES  # 200,000 timed points would pass 10 MB: a logger's bare fixes
    started = time.perf_counter()
    prepared = tracks.prepare(tracks.read_track(data, "long.gpx"))
    took = time.perf_counter() - started
    assert prepared.points_read == n and prepared.points_kept <= tracks.MAX_KEPT_POINTS
    print(
        f"200,000 points read and thinned to {prepared.points_kept} in {took:.1f} s"
    )  # a figure, not a limit
    with pytest.raises(TooLarge):
        tracks.read_track(compact_gpx(points + points[:1]), "long.gpx")


def test_where_the_recording_jumps_is_said():
    points = _walk(40)
    points[25] = (points[25][0] + 0.05, points[25][1], points[25][2])  # 5.5 km away and back in 10 s
    prepared = tracks.prepare(tracks.read_track(organic_maps_gpx(points), "jump.gpx"))
    assert [j.point for j in prepared.jumps] == [26, 27]
    assert all(j.speed_kmh > 1000 for j in prepared.jumps)


@pytest.mark.parametrize(
    "data, filename, words",
    [
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>\n'
            b'<gpx><trk><trkseg><trkpt lat="1" lon="2"><name>&b;</name></trkpt></trkseg></trk></gpx>',
            "laughs.gpx",
            "Line 2",
        ),
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE gpx SYSTEM "file:///etc/passwd">\n<gpx/>',
            "external.gpx",
            "Line 2",
        ),
        (
            b'<gpx version="1.1">\n<trk><trkseg>\n<trkpt lat="-7.1" lon="106.4">\n</trkseg>',
            "cut.gpx",
            "Line 4",
        ),
        (
            b'<gpx version="1.1">\n<trk><trkseg>\n<trkpt lat="-7.1" lon="106.4"/>\n<trkpt lat="97" lon="106.4"/>\n'
            b"</trkseg></trk></gpx>",
            "range.gpx",
            "Line 4",
        ),
        (
            b'<gpx version="1.1"><trk><trkseg><trkpt lat="x" lon="106.4"/></trkseg></trk></gpx>',
            "nan.gpx",
            "Line 1",
        ),
        (b'<gpx version="1.1"><wpt lat="-7.1" lon="106.4"/></gpx>', "waypoints.gpx", "no track"),
        (b"<html><body>not a track</body></html>", "page.gpx", "not a GPX or KML"),
        (b'{"type": "LineString", "coordinates": [[106.4, -7.1],\n [106.5]]}', "short.geojson", "Point 2"),
        (b'{"type": "LineString",\n "coordinates": [[106.4, -7.1],', "cut.geojson", "Line 2"),
        (b"", "empty.gpx", "empty"),
        (b"<gpx/>", "track.txt", ".gpx, .kml or .geojson"),
    ],
)
def test_a_bad_track_file_is_refused_naming_the_line_or_point(data, filename, words):
    with pytest.raises(BadParameter) as raised:
        tracks.read_track(data, filename)
    assert words in raised.value.message and raised.value.field == "file"


def test_a_track_over_10_mb_is_refused_before_it_is_read():
    with pytest.raises(TooLarge):
        tracks.read_track(b" " * (tracks.MAX_TRACK_BYTES + 1), "big.gpx")


# --- through the app ------------------------------------------------------------------------------------------


@pytest.fixture
def site(make_app):
    app = make_app()
    make_users(app)
    return app


def _pending(app):
    with app.app_context():
        return current().storage.list_submissions(status="pending")[1]


def test_a_member_uploads_a_walk_picks_its_stops_and_a_moderator_publishes_it(site):
    client = site.test_client()
    csrf = login(client, "kim1")
    form = client.get("/contribute/routes/new?lang=en").get_data(as_text=True)
    assert 'name="track"' in form
    preview = client.post(
        "/contribute/routes/new?lang=en",
        data={
            "csrf_token": csrf,
            "track": upload(garmin_gpx(_walk()), "garmin.gpx"),
            "name": "Jalan ke Cikanteh",
        },
        content_type="multipart/form-data",
    )
    page = preview.get_data(as_text=True)
    assert (
        preview.status_code == 200
        and "Check the track" in page
        and "points without a GPS fix left out" in page
    )
    offered = re.findall(r'name="stops" value="([^"]+)"', page)
    assert (
        offered[:1] == ["curug-sodong"] and "curug-cikanteh" in offered
    )  # in the order the walk passes them
    ticked = re.findall(r'name="stops" value="([^"]+)" checked', page)
    assert ticked == offered  # a track just read: every site along it is offered ticked
    stash_id = re.search(r'name="stash_id" value="([^"]+)"', page).group(1)
    assert _pending(site) == 0  # a preview stores nothing
    sent = client.post(
        "/contribute/routes/new?lang=en",
        data={
            "csrf_token": csrf,
            "stash_id": stash_id,
            "name": "Jalan Sodong – Cikanteh",
            "name_en": "Sodong – Cikanteh walk",
            "category": "jalan-kaki",
            "difficulty": "moderate",
            "stops": ["curug-sodong", "curug-cikanteh"],
        },
    )
    assert sent.status_code == 302 and _pending(site) == 1
    moderator = site.test_client()
    mod_csrf = login(moderator, "mod")
    queue = moderator.get("/moderation?lang=en").get_data(as_text=True)
    assert 'class="gt-diff__track"' in queue and "A line of" in queue
    submission_id = re.search(r"/moderation/(\d+)/approve", queue).group(1)
    assert (
        moderator.post(f"/moderation/{submission_id}/approve", data={"csrf_token": mod_csrf}).status_code
        == 302
    )
    with site.app_context():
        published = [
            f
            for f in current().storage.query_layer("routes", _all())[0]
            if f["properties"]["name"] == "Jalan Sodong – Cikanteh"
        ]
    [route] = published
    assert route["properties"]["track"] == "recorded" and route["geometry"]["type"] == "LineString"
    assert [s["site_id"] for s in route["properties"]["stops"]] == ["curug-sodong", "curug-cikanteh"]
    page = site.test_client().get(f"/routes/{route['id']}?lang=en").get_data(as_text=True)
    assert '<figure class="gt-profile">' in page and "not mapped yet" not in page
    assert "about" in page and "on foot" in page  # Naismith's time for a recorded walk


def _all():
    from geotour.domain.layers import LayerQuery

    return LayerQuery(limit=1000)


def test_a_bad_file_in_the_form_is_explained_and_nothing_is_kept(site):
    client = site.test_client()
    csrf = login(client, "kim1")
    answer = client.post(
        "/contribute/routes/new?lang=id",
        data={"csrf_token": csrf, "track": upload(b'<gpx>\n<trk>\n<trkseg><trkpt lat="1"', "rusak.gpx")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 400 and "Baris 3" in answer.get_data(as_text=True)
    assert _pending(site) == 0


def test_the_api_reads_a_track_then_takes_the_route_as_a_submission(site):
    client = site.test_client()
    token = token_for(site, "kim1")
    read = client.post(
        "/api/v1/tracks",
        data={"track": upload(osmand_gpx(_walk()), "trip.gpx")},
        headers=bearer(token),
        content_type="multipart/form-data",
    )
    body = read.get_json()
    assert read.status_code == 200 and body["segments"] == 2 and body["geometry"]["type"] == "LineString"
    assert [s["id"] for s in body["stops_offered"]][:1] == ["curug-sodong"]
    feature = {
        "type": "Feature",
        "geometry": body["geometry"],
        "properties": {
            "layer": "routes",
            "name": HOSTILE_NAME,
            "category": "jalan-kaki",
            "stops": ["curug-sodong"],
        },
    }
    created = client.post("/api/v1/submissions", json=feature, headers=bearer(token))
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["submissions"][0]["feature"]["properties"]["track"] == "recorded"
    wrong = {**feature, "properties": {**feature["properties"], "stops": ["no-such-site"]}}
    refused = client.post("/api/v1/submissions", json=wrong, headers=bearer(token))
    assert refused.status_code == 400 and "no-such-site" in json.dumps(refused.get_json())
    point = {**feature, "geometry": {"type": "Point", "coordinates": [106.5, -7.2]}}
    assert client.post("/api/v1/submissions", json=point, headers=bearer(token)).status_code == 400
    far = {**feature, "geometry": {"type": "LineString", "coordinates": [[106.5, -7.2], [110.0, -7.2]]}}
    answer = client.post("/api/v1/submissions", json=far, headers=bearer(token)).get_json()
    assert "outside the geopark" in json.dumps(answer)
    bad = client.post(
        "/api/v1/tracks",
        data={"track": upload(b"<gpx>\n<trk>", "cut.gpx")},
        headers=bearer(token),
        content_type="multipart/form-data",
    )
    assert (
        bad.status_code == 400
        and bad.get_json()["error"]["field"] == "file"
        and "Line 2" in bad.get_json()["error"]["message"]
    )
    moderator = site.test_client()
    login(moderator, "mod")
    queue = moderator.get("/moderation").get_data(as_text=True)
    assert HOSTILE_NAME not in queue  # escaped wherever it is shown


def test_routes_are_not_taken_by_the_bulk_import_or_the_point_form(site):
    client = site.test_client()
    token = token_for(site, "kim1")
    answer = client.post(
        "/api/v1/submissions",
        data={"file": upload(kml_line(_walk()), "jalur.kml"), "layer": "routes", "dry_run": "true"},
        headers=bearer(token),
        content_type="multipart/form-data",
    )
    assert answer.status_code == 400 and answer.get_json()["error"]["field"] == "layer"
    login(client, "kim1")
    assert client.get("/contribute/new/routes").headers["Location"].endswith("/contribute/routes/new")
    assert (
        "/contribute/routes/" in client.get("/contribute/edit/curug-sodong-cikanteh-walk").headers["Location"]
    )
    assert csrf_from(client.get("/contribute/routes/curug-sodong-cikanteh-walk/edit").get_data(as_text=True))


def test_correcting_a_routes_words_keeps_its_stops_those_with_no_position_too(site):
    client = site.test_client()
    csrf = login(client, "kim1")
    form = client.get("/contribute/routes/curug-sodong-cikanteh-walk/edit?lang=en").get_data(as_text=True)
    ticked = re.findall(r'name="stops" value="([^"]+)" checked', form)
    assert ticked == ["curug-sodong", "curug-cikanteh"]
    sent = client.post(
        "/contribute/routes/curug-sodong-cikanteh-walk/edit",
        data={
            "csrf_token": csrf,
            "name": "Curug Sodong – Curug Cikanteh",
            "name_en": "Sodong to Cikanteh on foot",
            "category": "jalan-kaki",
            "difficulty": "moderate",
            "duration_min": "20",
            "stops": ticked,
        },
    )
    assert sent.status_code == 302
    with site.app_context():
        [pending] = current().storage.list_submissions(status="pending")[0]
    props = pending["feature"]["properties"]
    assert props["name_en"] == "Sodong to Cikanteh on foot" and props["track"] == "stops_only"
    assert [s["site_id"] for s in props["stops"]] == ["curug-sodong", None, "curug-cikanteh"]  # Ngelay kept
    assert props["notes"] and props["facts"]  # the sourced notes stay with it
