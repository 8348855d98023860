"""Issue 13, part 2: an OpenStreetMap extract, built here with pyosmium's own writer, through
`flask import-osm` into moderation: businesses proposed, an estimated site's position suggested, re-runs that
change only what changed in OSM."""

import re

import osmium
import pytest
from osmium.osm.mutable import Node, Way
from pyproj import Geod

from geotour.context import current

from .contributions import bearer, login, make_users, token_for

GEOD = Geod(ellps="WGS84")
DOGDOG = (106.47908, -7.16409)  # Curug Dogdog: an estimate, ±1000 m
LALAY = (106.5418, -7.0175)  # Goa Lalay: an estimate, ±1000 m
SODONG = (106.49785, -7.18527)


def moved(lon, lat, east_m, north_m):
    """Return the point east_m metres east and north_m metres north of (lon, lat)."""
    lon, lat, _ = GEOD.fwd(lon, lat, 90, east_m)
    lon, lat, _ = GEOD.fwd(lon, lat, 0, north_m)
    return round(lon, 7), round(lat, 7)


def java_box():
    """Return the header box of an extract covering the whole geopark (as Java's would)."""
    return osmium.osm.Box(105.0, -8.8, 115.0, -5.0)


def write_extract(path, nodes, ways=(), box=None):
    """Write an .osm.pbf: nodes are (id, (lon, lat), tags), ways (id, [node ids], tags)."""
    header = osmium.io.Header()
    header.set("generator", "geotour tests")
    if box is not None:
        header.add_box(box)
    with osmium.SimpleWriter(str(path), header=header, overwrite=True) as writer:
        for node_id, at, tags in sorted(nodes, key=lambda n: n[0]):
            writer.add_node(Node(id=node_id, location=at, tags=tags, version=1))
        for way_id, refs, tags in ways:
            writer.add_way(Way(id=way_id, nodes=refs, tags=tags, version=1))
    return path


def cafe_outline(first_id, lon, lat):
    """Return the corner nodes of a small building and their ids (the way closes on its first node)."""
    corners = [(lon, lat), (lon + 0.0002, lat), (lon + 0.0002, lat - 0.0002), (lon, lat - 0.0002)]
    nodes = [(first_id + i, at, {}) for i, at in enumerate(corners)]
    return nodes, [first_id, first_id + 1, first_id + 2, first_id + 3, first_id]


def geopark_extract(path, homestay_name="Homestay Bu Eti", with_cafe=True, box=None):
    """Return an extract around the geopark: what Geotour takes, and what it must leave out."""
    nodes = [
        (
            1,
            moved(*SODONG, 600, 300),
            {
                "tourism": "guest_house",
                "name": homestay_name,
                "phone": "+62 812 0000 0001",
                "description": "Kamar bersih, sarapan.",
            },
        ),
        (2, moved(*SODONG, -500, 400), {"shop": "souvenir", "name": "Oleh-oleh Geopark"}),
        (3, moved(*DOGDOG, 300, -250), {"natural": "waterfall", "name": "CURUG DOGDOG"}),  # ~390 m away
        (4, moved(*SODONG, 900, -700), {"waterway": "waterfall", "name": "Curug Leuwi Baru"}),
        (5, moved(*SODONG, 200, 800), {"natural": "waterfall"}),  # no name: left out
        (6, (107.6098, -6.9147), {"tourism": "hotel", "name": "Hotel di Bandung"}),  # far outside
        (7, moved(*SODONG, -900, -200), {"amenity": "bank", "name": "Bank Desa"}),  # not ours
        (
            8,
            moved(*SODONG, -300, -900),
            {"amenity": "place_of_worship", "religion": "muslim", "name": "Masjid Baru"},
        ),
        (
            9,
            moved(*SODONG, -1200, 900),
            {"amenity": "place_of_worship", "religion": "muslim", "name": "Masjid Kuno", "heritage": "3"},
        ),
        (10, moved(*LALAY, -1600, 0), {"natural": "cave_entrance", "name": "Gua Lalay"}),  # beyond ±1000 m
    ]
    ways = []
    if with_cafe:
        corners, refs = cafe_outline(100, *moved(*SODONG, 300, -400))
        nodes += corners
        ways.append(
            (50, refs, {"amenity": "cafe", "name": "Kopi Ciletuh", "opening_hours": "Mo-Su 07:00-21:00"})
        )
    return write_extract(path, nodes, ways, java_box() if box is None else box)


@pytest.fixture
def office(app):
    make_users(app)
    return app


def run(app, *args):
    result = app.test_cli_runner().invoke(args=["import-osm", *map(str, args)])
    assert result.exit_code == 0, result.output
    return result.output


def pending(app):
    with app.app_context():
        found, _ = current().storage.list_submissions("pending", None, 1000, 0)
    return found


def decide_batch(app, batch, body):
    """Decide a whole batch as the office does, in one action (POST /api/v1/batches/<batch>/decide)."""
    answer = app.test_client().post(
        f"/api/v1/batches/{batch}/decide", json=body, headers=bearer(token_for(app, "mod"))
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def approve_batch(app, batch):
    return decide_batch(app, batch, {})


def test_an_extract_becomes_one_batch_of_businesses_sites_and_a_position_suggestion(office, tmp_path):
    extract = geopark_extract(tmp_path / "java.osm.pbf")
    dry = run(office, extract, "--dry-run")
    assert "dry run: nothing stored" in dry and not pending(office)
    output = run(office, extract)
    rows = pending(office)
    assert len({s["batch"] for s in rows}) == 1, "everything goes to moderation as one batch"
    by_name = {(s["feature"]["properties"]["name"]): s for s in rows}
    assert set(by_name) == {
        "Homestay Bu Eti",
        "Oleh-oleh Geopark",
        "Curug Leuwi Baru",
        "Masjid Kuno",
        "Kopi Ciletuh",
        "Curug Dogdog",
    }, output
    assert "Hotel di Bandung" not in output and "1 outside" in output and "1 without a name" in output
    homestay = by_name["Homestay Bu Eti"]["feature"]
    assert homestay["id"] == "osm-node-1" and homestay["properties"]["category"] == "penginapan"
    assert homestay["properties"]["osm_id"] == "node/1"
    assert homestay["properties"]["attribution"] == "© OpenStreetMap contributors"
    assert not {"phone", "whatsapp", "owner_consent"} & set(homestay["properties"]), (
        "no contact details from OSM"
    )
    assert by_name["Oleh-oleh Geopark"]["feature"]["properties"]["category"] == "oleh-oleh"
    assert by_name["Curug Leuwi Baru"]["layer"] == "geosites"
    assert by_name["Curug Leuwi Baru"]["feature"]["properties"]["category"] == "air-terjun"
    assert by_name["Masjid Kuno"]["layer"] == "cultural_sites"
    cafe = by_name["Kopi Ciletuh"]
    assert (
        cafe["feature_id"] == "osm-way-50"
        and cafe["feature"]["properties"]["opening_hours"] == "Mo-Su 07:00-21:00"
    )
    lon, lat = cafe["feature"]["geometry"]["coordinates"]
    corner = moved(*SODONG, 300, -400)
    assert corner[0] < lon < corner[0] + 0.0002 and corner[1] - 0.0002 < lat < corner[1], (
        "a way: a point inside it"
    )
    # Curug Dogdog's estimate: an edit of our own site, moving it to where OSM has the waterfall.
    suggestion = by_name["Curug Dogdog"]
    assert suggestion["action"] == "edit" and suggestion["feature_id"] == "curug-dogdog"
    flag = next(f for f in suggestion["flags"] if f["kind"] == "osm_position")
    expected = GEOD.inv(*DOGDOG, *moved(*DOGDOG, 300, -250))[2]
    assert flag["url"] == "https://www.openstreetmap.org/node/3" and abs(flag["distance_m"] - expected) <= 1
    assert "Gua Lalay" in output and "too far" in output, (
        "a name match beyond the site's uncertainty is not used"
    )
    client = office.test_client()
    login(client, "mod")
    queue = client.get("/moderation", headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert re.search("OpenStreetMap memiliki “CURUG DOGDOG” 39[0-9] m dari perkiraan kami", queue)
    assert 'href="https://www.openstreetmap.org/way/50"' in queue and "Impor 6 tempat" in queue


def test_approving_the_batch_publishes_with_attribution_and_verifies_the_site(office, tmp_path):
    run(office, geopark_extract(tmp_path / "java.osm.pbf"))
    batch = pending(office)[0]["batch"]
    done = approve_batch(office, batch)
    assert len(done["approved"]) == 6 and not done["failed"], done
    client = office.test_client()
    site = client.get("/api/v1/features/curug-dogdog").get_json()
    props = site["properties"]
    assert (
        props["coord_confidence"] == "verified" and props["coord_verified_method"] == "OpenStreetMap node/3"
    )
    assert site["geometry"]["coordinates"] == list(moved(*DOGDOG, 300, -250))
    assert props["coord_previous"] == {"lon": DOGDOG[0], "lat": DOGDOG[1]}
    assert "coord_uncertainty_m" not in props
    page = client.get("/sites/curug-dogdog", headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert "© OpenStreetMap contributors" in page and "https://www.openstreetmap.org/node/3" in page
    homestay = client.get("/msmes/osm-node-1", headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert (
        "© OpenStreetMap contributors" in homestay and "https://www.openstreetmap.org/copyright" in homestay
    )


def test_a_rerun_changes_only_what_changed_in_osm(office, tmp_path):
    run(office, geopark_extract(tmp_path / "java.osm.pbf"))
    approve_batch(office, pending(office)[0]["batch"])
    again = run(office, tmp_path / "java.osm.pbf")
    assert "nothing to send to moderation" in again and not pending(office)
    # Meanwhile a KIM member improves the homestay's description, and it is approved.
    client = office.test_client()
    kim, mod = token_for(office, "kim1"), token_for(office, "mod")
    sent = client.patch(
        "/api/v1/features/osm-node-1",
        json={"properties": {"description_id": "Dekat Curug Sodong."}},
        headers={**bearer(kim), "Idempotency-Key": "kim-edit-1"},
    )
    assert sent.status_code in (201, 202), sent.get_data(as_text=True)
    sid = (
        sent.get_json()["submissions"][0]["id"] if "submissions" in sent.get_json() else sent.get_json()["id"]
    )
    approved = client.post(
        f"/api/v1/submissions/{sid}/approve", headers={**bearer(mod), "Idempotency-Key": "ok-1"}
    )
    assert approved.status_code == 200, approved.get_data(as_text=True)
    # OSM renames the homestay and the café closes.
    newer = geopark_extract(
        tmp_path / "java-newer.osm.pbf", homestay_name="Homestay Bu Eti Asri", with_cafe=False
    )
    output = run(office, newer)
    rows = pending(office)
    assert {(s["action"], s["feature_id"]) for s in rows} == {
        ("edit", "osm-node-1"),
        ("delete", "osm-way-50"),
    }, output
    edit = next(s for s in rows if s["action"] == "edit")
    props = edit["feature"]["properties"]
    assert props["name"] == "Homestay Bu Eti Asri"
    assert props["description_id"] == "Dekat Curug Sodong.", "what a member changed since is kept"
    approve_batch(office, rows[0]["batch"])
    assert client.get("/api/v1/features/osm-way-50").status_code == 404
    assert "nothing to send to moderation" in run(office, newer)


def test_rejected_stays_rejected_until_osm_changes(office, tmp_path):
    extract = geopark_extract(tmp_path / "java.osm.pbf")
    run(office, extract)
    done = decide_batch(
        office, pending(office)[0]["batch"], {"reject": True, "reason": "Belum dicek di lapangan."}
    )
    assert len(done["rejected"]) == 6
    assert "nothing to send to moderation" in run(office, extract)
    renamed = geopark_extract(tmp_path / "renamed.osm.pbf", homestay_name="Homestay Bu Eti Asri")
    run(office, renamed)
    assert [(s["action"], s["feature_id"]) for s in pending(office)] == [("create", "osm-node-1")]


def test_an_extract_not_covering_the_geopark_removes_nothing(office, tmp_path):
    run(office, geopark_extract(tmp_path / "java.osm.pbf"))
    approve_batch(office, pending(office)[0]["batch"])
    small = osmium.osm.Box(106.45, -7.25, 106.55, -7.15)
    output = run(office, geopark_extract(tmp_path / "small.osm.pbf", with_cafe=False, box=small))
    assert "no removals" in output and not pending(office)


def test_a_file_that_is_not_an_extract_is_refused_in_one_line(office, tmp_path):
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"not a protocol buffer at all")
    result = office.test_cli_runner().invoke(args=["import-osm", str(bad)])
    assert result.exit_code == 1 and "Error:" in result.output and "Traceback" not in result.output
    assert not pending(office)


@pytest.mark.parametrize(
    "text",
    [
        # a tag value over libosmium's limit refuses the whole file (issue 32, break 12)
        '<node id="1" version="1" lat="-7.2" lon="106.47"><tag k="name" v="%s"/>'
        '<tag k="tourism" v="guest_house"/></node>' % ("W" * 2000),
        # not UTF-8 at all (already one line before; kept so that it stays so)
        '<node id="2" version="1" lat="-7.2" lon="106.47"><tag k="name" v="\udcff"/></node>',
    ],
)
def test_a_hostile_extract_stops_in_one_clear_line(office, tmp_path, text):
    hostile = tmp_path / "hostile.osm"
    body = f"<?xml version='1.0' encoding='UTF-8'?><osm version=\"0.6\">{text}</osm>"
    hostile.write_bytes(body.encode("utf-8", "surrogateescape"))
    result = office.test_cli_runner().invoke(args=["import-osm", str(hostile)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith("Error: ") and str(hostile) in result.output
    assert len(result.output.strip().splitlines()) == 1 and not pending(office)
