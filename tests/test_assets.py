"""Fingerprinted assets with far-future caching, the web app manifest and the service worker."""

import json
import re


def test_static_urls_carry_a_content_hash_and_are_cached_for_a_year(client):
    html = client.get("/").get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert urls and all(re.search(r"\?v=[0-9a-f]{12}$", u) for u in urls), urls
    response = client.get(urls[0])
    assert response.cache_control.max_age == 365 * 24 * 3600


def test_manifest_and_icon(client):
    html = client.get("/").get_data(as_text=True)
    href = re.search(r'<link rel="manifest" href="([^"]+)"', html).group(1)
    response = client.get(href)
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["start_url"] == "/" and manifest["icons"]
    assert client.get(manifest["icons"][0]["src"]).status_code == 200


def test_service_worker_precaches_a_working_shell(client):
    response = client.get("/sw.js")
    assert response.mimetype == "text/javascript" and response.cache_control.no_cache
    urls = json.loads(re.search(r"var SHELL_URLS = (.*);", response.get_data(as_text=True)).group(1))
    assert len(urls) == len(set(urls)), "cache.addAll fails on duplicates"
    assert "/" in urls
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_embed_page_does_not_register_the_service_worker(client):
    """The worker is registered by js/offline/page.js, which the site's pages load and an embed never does."""
    assert "js/offline/page.js" not in client.get("/embed").get_data(as_text=True)
    assert "js/offline/page.js" in client.get("/").get_data(as_text=True)
    assert "serviceWorker" not in client.get("/embed").get_data(as_text=True)


def test_the_javascript_restates_no_value_the_server_owns():
    """Issue 16, part 5: the map centre, the nearby radii and counts, and distance formats come from the server."""
    from pathlib import Path

    from geotour.web.pages.map_setup import NEAR_ME, POPUP_NEARBY

    scripts = {
        p.name: p.read_text(encoding="utf-8")
        for p in (Path(__file__).parent.parent / "static" / "js").glob("*.js")
    }
    for name, text in scripts.items():
        assert "-7.1" not in text and "106.5" not in text, name  # the geopark's coordinates
        assert "20000 : 3000" not in text and "nearby?limit=3" not in text, name  # the popups' nearby lists
    for radius_m, _ in (*POPUP_NEARBY.values(), *NEAR_ME.values()):  # the map's radii come from cfg
        assert not re.search(rf"\b{radius_m}\b", scripts["geotour-map.js"]), radius_m
    assert (
        "Intl.NumberFormat" not in scripts["geotour-map.js"]
    )  # distances: the server's rules (cfg.distance)


def test_the_service_worker_patterns_come_from_the_route_table(client):
    worker = client.get("/sw.js").get_data(as_text=True)

    def pattern(name):
        return re.compile(json.loads(re.search(rf"var {name} = new RegExp\((.*)\);", worker).group(1)))

    nearby, public = pattern("NEARBY_API"), pattern("PUBLIC_API")
    for path in ("/api/v1/nearby", "/api/v1/features/curug-sodong/nearby"):
        assert nearby.match(path) and public.match(path), path
    for path in ("/api/v1/layers", "/api/v1/features/curug-sodong", "/api/v1/submissions"):
        assert not nearby.match(path), path
    assert public.match("/api/v1/layers") and not public.match("/api/v1/submissions")


def test_pages_carry_the_values_the_javascript_reads(client):
    from geotour.web.maps import GEOPARK_CENTER
    from geotour.web.pages.map_setup import POPUP_NEARBY

    html = client.get("/").get_data(as_text=True)
    found = re.search(r'"popup_nearby": \{"attraction": \{"limit": (\d+), "radius_m": (\d+)\}', html)
    assert found and (int(found.group(2)), int(found.group(1))) == POPUP_NEARBY["attraction"]
    from tests.contributions import login, make_users

    make_users(client.application)
    login(client, "kim1")
    page = client.get("/contribute/mine").get_data(as_text=True)
    assert f'<meta name="geotour-map-center" content="{GEOPARK_CENTER[0]},{GEOPARK_CENTER[1]}">' in page
