"""Factories for the contribution tests: users in every role, sign-in, tokens, and sample proposals."""

import io
import re

from geotour.context import current
from geotour.contributions import accounts

PASSWORD = "kim-palabuhanratu-2026"
ROLES = {"kim1": "contributor", "kim2": "contributor", "mod": "moderator", "admin": "admin"}
CURUG_SODONG = (106.49785, -7.18527)


def make_users(app):
    """Create one user per entry of ROLES; return {username: user dict}."""
    with app.app_context():
        return {
            name: accounts.create_user(current().storage, name, PASSWORD, role)
            for name, role in ROLES.items()
        }


def token_for(app, username):
    """Return a new API token for a user."""
    with app.app_context():
        user, _ = current().storage.get_user_login(username)
        return accounts.create_token(current().storage, user["id"], "test")[1]


def bearer(token):
    """Return the Authorization header for a token."""
    return {"Authorization": f"Bearer {token}"}


def csrf_from(html):
    """Return the CSRF token in a page."""
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, username, password=PASSWORD):
    """Sign a test client in through the real form; return the CSRF token for later posts."""
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return csrf_from(client.get("/contribute").get_data(as_text=True))


def waterfall(name="Curug Cikaso Leutik", lon=106.47, lat=-7.21, **properties):
    """Return a GeoJSON Feature proposing a waterfall in the geosites layer."""
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "layer": "geosites",
            "name": name,
            "category": "air-terjun",
            "description_id": "Air terjun kecil.",
            **properties,
        },
    }


def homestay(name="Homestay Ciletuh Asri", lon=106.46, lat=-7.23, **properties):
    """Return a GeoJSON Feature proposing a homestay, with the owner's consent."""
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "layer": "msmes",
            "name": name,
            "category": "penginapan",
            "whatsapp": "0812 3456 7890",
            "owner_consent": True,
            **properties,
        },
    }


def event(name="Festival Geopark Ciletuh", starts="2026-12-05T19:00", ends="2026-12-05T22:00", **properties):
    """Return a GeoJSON Feature proposing an event at Pantai Karang Hawu (a published geosite, whose position
    the event takes); starts and ends as a phone's date-and-time field sends them (WIB)."""
    return {
        "type": "Feature",
        "geometry": None,
        "properties": {
            "layer": "events",
            "name": name,
            "category": "festival",
            "starts": starts,
            "ends": ends,
            "place_id": "karang-hawu",
            "organiser": "Pokdarwis Ciletuh",
            **properties,
        },
    }


def approved(app, feature):
    """Have kim1 propose a feature and the moderator approve it (users made first with make_users); return its
    feature id."""
    client = app.test_client()
    sent = client.post("/api/v1/submissions", json=feature, headers=bearer(token_for(app, "kim1")))
    assert sent.status_code == 201, sent.get_json()
    submission = sent.get_json()["submissions"][0]
    done = client.post(
        f"/api/v1/submissions/{submission['id']}/approve", json={}, headers=bearer(token_for(app, "mod"))
    )
    assert done.status_code == 200, done.get_json()
    return submission["feature_id"]


def approved_business(app, name="Homestay Ciletuh Asri"):
    """Have kim1 propose a homestay with a WhatsApp number and the moderator approve it (users made first with
    make_users); return its feature id."""
    client = app.test_client()
    sent = client.post("/api/v1/submissions", json=homestay(name), headers=bearer(token_for(app, "kim1")))
    submission = sent.get_json()["submissions"][0]
    approved = client.post(
        f"/api/v1/submissions/{submission['id']}/approve", json={}, headers=bearer(token_for(app, "mod"))
    )
    assert approved.status_code == 200, approved.get_json()
    return submission["feature_id"]


def kml(placemarks):
    """Return a KML document (bytes) with one Placemark per (name, lon, lat)."""
    marks = "".join(
        f"<Placemark><name>{name}</name><description>Kamar bersih</description>"
        f"<Point><coordinates>{lon},{lat},0</coordinates></Point></Placemark>"
        for name, lon, lat in placemarks
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        f"<name>Homestays</name><Folder><name>Homestay</name>{marks}</Folder></Document></kml>"
    ).encode()


def ten_homestays(outside=True, swapped=True):
    """Return ten homestays around Ciletuh; optionally one far outside and one with lat/lon swapped."""
    rows = [(f"Homestay Ciletuh {n}", 106.44 + n * 0.004, -7.22 - n * 0.002) for n in range(1, 11)]
    if outside:
        rows[3] = ("Homestay Jauh", 106.95, -7.05)
    if swapped:
        name, lon, lat = rows[6]
        rows[6] = (name, lat, lon)
    return rows


def upload(data, filename):
    """Return a file tuple for a multipart test-client post."""
    return (io.BytesIO(data), filename)


def my_maps_kml(placemarks, category="Penginapan"):
    """Return a KML (bytes) as Google My Maps exports a layer: a Folder of Placemarks with an HTML description,
    a style and the sheet's columns as ExtendedData (kategori written as our form shows it, pemilik_setuju)."""
    marks = "".join(
        f"<Placemark><name>{name}</name><description><![CDATA[Kamar 2, sarapan.<br>WA 0812 0000 {n:04d}<br>"
        f'<a href="https://example.com/{n}">Pesan di sini</a>]]></description><styleUrl>#icon-1899-0288D1</styleUrl>'
        f'<ExtendedData><Data name="kategori"><value>{category}</value></Data>'
        f'<Data name="pemilik_setuju"><value>ya</value></Data></ExtendedData>'
        f"<Point><coordinates>{lon},{lat},0</coordinates></Point></Placemark>"
        for n, (name, lon, lat) in enumerate(placemarks, 1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        f'<name>Homestay KIM</name><Style id="icon-1899-0288D1-normal"><IconStyle><scale>1</scale></IconStyle>'
        f"</Style><Folder><name>Homestay</name>{marks}</Folder></Document></kml>"
    ).encode()
