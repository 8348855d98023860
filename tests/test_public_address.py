"""GEOTOUR_PUBLIC_URL: every absolute link carries the public address, whatever Host a request came with."""

import re

PUBLIC = "https://geotour.example.id"
HOSTS = ("10.0.0.5:8000", "machine-b.internal:5000")


def get(client, path, host, **headers):
    return client.get(path, headers={"Host": host, **headers})


def absolute_links(text):
    return set(re.findall(r'https?://[^"\s<>\\]+', text))


def test_every_absolute_link_uses_the_public_address_and_both_machines_give_the_same_bytes(make_app):
    client = make_app(GEOTOUR_PUBLIC_URL=PUBLIC).test_client()
    for path in (
        "/api/v1/layers",
        "/api/v1/layers/geosites?limit=5",
        "/ogc",
        "/ogc/collections",
        "/ogc/collections/geosites/items?limit=5&f=json",
        "/sitemap.xml",
        "/robots.txt",
        "/oembed?url=https://geotour.example.id/&format=json",
        "/api/openapi.json",
    ):
        answers = [get(client, path, host) for host in HOSTS]
        assert all(a.status_code == 200 for a in answers), path
        ours = {
            link
            for link in absolute_links(answers[0].get_data(as_text=True))
            if "example.id" in link or "10.0.0.5" in link or "internal" in link
        }
        assert ours and all(link.startswith(PUBLIC + "/") or link == PUBLIC for link in ours), (path, ours)
        assert answers[0].get_data() == answers[1].get_data(), path
        if "ETag" in answers[0].headers:
            assert answers[0].headers["ETag"] == answers[1].headers["ETag"], path


def test_pages_carry_the_public_address_in_canonical_open_graph_and_qr(make_app):
    client = make_app(GEOTOUR_PUBLIC_URL=PUBLIC).test_client()
    page = get(client, "/sites/curug-sodong", HOSTS[0]).get_data(as_text=True)
    assert f'<link rel="canonical" href="{PUBLIC}/sites/curug-sodong">' in page
    assert f'<meta property="og:url" content="{PUBLIC}/sites/curug-sodong">' in page
    assert "10.0.0.5" not in page
    signboard = get(client, "/sites/curug-sodong/signboard", HOSTS[1]).get_data(as_text=True)
    assert f"{PUBLIC}/sites/curug-sodong" in signboard and "internal" not in signboard


def test_https_behind_a_balancer_stays_https_with_one_proxy_hop(make_app):
    client = make_app(GEOTOUR_PUBLIC_URL=PUBLIC, GEOTOUR_PROXY_HOPS=1).test_client()
    body = get(
        client, "/api/v1/layers", HOSTS[0], **{"X-Forwarded-Proto": "http", "X-Forwarded-For": "10.0.0.9"}
    )
    links = absolute_links(body.get_data(as_text=True))
    assert links and all(link.startswith(PUBLIC) for link in links)


def test_a_public_address_with_a_path_prefix(make_app):
    client = make_app(GEOTOUR_PUBLIC_URL="https://dispar.example.go.id/geotour").test_client()
    layers = get(client, "/api/v1/layers", HOSTS[0]).get_json()
    assert layers["layers"][0]["links"][0]["href"].startswith(
        "https://dispar.example.go.id/geotour/api/v1/layers/"
    )
    assert get(client, "/geotour/api/v1/layers", HOSTS[0]).status_code == 200  # a front server that kept it


def test_without_a_public_address_links_follow_the_request(make_app):
    client = make_app().test_client()
    links = [
        get(client, "/api/v1/layers", host).get_json()["layers"][0]["links"][0]["href"] for host in HOSTS
    ]
    assert links[0].startswith("http://10.0.0.5:8000/") and links[1].startswith(
        "http://machine-b.internal:5000/"
    )
