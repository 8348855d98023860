"""Fingerprinted assets with far-future caching, the web app manifest and the service worker."""

import hashlib
import json
import re
import subprocess

from flask import url_for

from geotour.config import PROJECT_ROOT
from geotour.web.assets import fingerprint, import_map, minified_copy


def test_static_urls_carry_a_content_hash_and_are_cached_for_a_year(client):
    html = client.get("/").get_data(as_text=True)
    urls = [u for u in re.findall(r'(?:src|href)="(/static/[^"]+)"', html) if u != "/static/icons/icon.svg"]
    assert urls and all(re.search(r"\?v=[0-9a-f]{12}$", u) for u in urls), urls
    response = client.get(urls[0])
    assert response.cache_control.max_age == 365 * 24 * 3600
    # but the icon: the web manifest names it without one (test_manifest_and_icon), so it is kept an hour
    assert client.get("/static/icons/icon.svg").cache_control.max_age == 3600


def test_manifest_and_icon(client):
    html = client.get("/").get_data(as_text=True)
    href = re.search(r'<link rel="manifest" href="([^"]+)"', html).group(1)
    response = client.get(href)
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["start_url"] == "/" and manifest["icons"]
    assert client.get(manifest["icons"][0]["src"]).status_code == 200
    # One URL for the icon: the page's links name the manifest's, so a first visit fetches it once, not twice;
    # the service worker keeps that URL, and a new icon renews its shell.
    icons = re.findall(r'<link rel="(?:icon|apple-touch-icon)" href="([^"]+)"', html)
    assert icons and set(icons) == {manifest["icons"][0]["src"]}
    assert icons[0] in worker_settings(client)[0]["shell"]["urls"]


def worker_settings(client):
    """The settings /sw.js gives static/js/offline/worker.js, and the scripts it imports."""
    body = client.get("/sw.js").get_data(as_text=True)
    settings = json.loads(re.search(r"^self\.GEOTOUR_WORKER = (.*);$", body, re.M).group(1))
    imports = json.loads("[" + re.search(r"^importScripts\((.*)\);$", body, re.M).group(1) + "]")
    return settings, imports


def test_service_worker_precaches_a_working_shell(client):
    response = client.get("/sw.js")
    assert response.mimetype == "text/javascript" and response.cache_control.no_cache
    urls = worker_settings(client)[0]["shell"]["urls"]
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

    folder = Path(__file__).parent.parent / "static" / "js"
    scripts = {str(p.relative_to(folder)): p.read_text(encoding="utf-8") for p in folder.rglob("*.js")}
    the_map = [name for name in scripts if name == "geotour-map.js" or name.startswith("map/")]
    # the first module, and what it asks for after the first markers (the four parts, and the overview's one)
    assert len(the_map) == 6, the_map
    for name, text in scripts.items():
        assert "-7.1" not in text and "106.5" not in text, name  # the geopark's coordinates
        assert "20000 : 3000" not in text and "nearby?limit=3" not in text, name  # the popups' nearby lists
    for name in the_map:
        for radius_m, _ in (*POPUP_NEARBY.values(), *NEAR_ME.values()):  # the map's radii come from cfg
            assert not re.search(rf"\b{radius_m}\b", scripts[name]), (name, radius_m)
        # distances: the server's rules (cfg.distance)
        assert "Intl.NumberFormat" not in scripts[name], name


def test_the_service_worker_imports_workbox_and_its_modules_from_our_own_host(client):
    """Issue 34, part 4: Workbox's loader, then the outbox and the worker; the modules the worker uses come from
    modulePathPrefix (prod builds), never Workbox's CDN."""
    settings, imports = worker_settings(client)
    assert [url.split("?")[0].rsplit("/", 1)[1] for url in imports] == [
        "workbox-sw.js",
        "idb-keyval.js",
        "outbox.js",
        "worker.js",
    ]
    for url in imports:
        assert url.startswith("/static/") and client.get(url).status_code == 200, url
    prefix = settings["workbox"]["modulePathPrefix"]
    assert prefix == imports[0].split("?")[0].rsplit("/", 1)[0] and settings["workbox"]["debug"] is False
    for module in ("core", "routing", "strategies", "expiration", "background-sync"):
        assert client.get(f"{prefix}/workbox-{module}.prod.js").status_code == 200, module
    assert "googleapis" not in client.get("/sw.js").get_data(as_text=True)


def test_the_service_worker_names_its_caches_as_the_server_does(client):
    from geotour.web import offline

    settings, _ = worker_settings(client)
    assert settings["caches"] == {key: cache._asdict() for key, cache in offline.CACHES.items()}
    assert settings["caches"]["pages"]["name"] == offline.PAGES_CACHE
    assert settings["shell"]["name"] == offline.SHELL_CACHE_PREFIX + settings["version"]
    names = [cache.name for cache in offline.CACHES.values()]
    assert len(set(names)) == len(names) and all(name.startswith("geotour-") for name in names)


def test_the_service_worker_patterns_come_from_the_route_table(client):
    patterns = worker_settings(client)[0]["patterns"]
    nearby, public = re.compile(patterns["nearby_api"]), re.compile(patterns["public_api"])
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


# -- minified copies (scripts/minify.mjs, `make assets`) --------------------------------------------------------

STATIC = PROJECT_ROOT / "static"
OURS = sorted(
    p for folder in ("js", "css") for p in (STATIC / folder).rglob("*") if p.suffix in (".js", ".css")
)


def test_make_assets_left_a_minified_copy_of_each_of_our_scripts_and_stylesheets(app):
    with app.test_request_context():
        missing = [
            str(path.relative_to(STATIC))
            for path in OURS
            if minified_copy(
                path.relative_to(STATIC).as_posix(), fingerprint(path.relative_to(STATIC).as_posix())
            )
            is None
        ]
    assert len(OURS) > 30 and missing == [], "run `make assets`"


def test_a_script_is_sent_minified_for_its_version_and_as_it_is_otherwise(client, make_app):
    with client.application.test_request_context():
        url = url_for("static", filename="js/map/popups.js")
    source = (STATIC / "js/map/popups.js").read_bytes()
    sent = client.get(url)
    assert sent.status_code == 200 and sent.mimetype == "text/javascript"
    assert (
        sent.headers["Access-Control-Allow-Origin"] == "*"
        and "max-age=31536000" in sent.headers["Cache-Control"]
    )
    # No comment, no indentation; every name kept (a phone's stack trace still reads).
    assert len(sent.data) < 0.7 * len(source) and b"/*" not in sent.data and b"\n  " not in sent.data
    assert b"Geotour.prototype.directionsLink=function(props,latlng)" in sent.data
    assert b'import{directionsTo}from"geotour/directions"' in sent.data
    # Another version (a file edited since `make assets`, or a made-up one) has no copy: the file as it is.
    for other in ("", "?v=0123456789ab", "?v=../../etc/passwd", "?v=" + url.split("v=")[1].upper()):
        assert client.get("/static/js/map/popups.js" + other).data == source, other
    # GEOTOUR_MINIFIED=0 sends the sources.
    assert make_app(GEOTOUR_MINIFIED="0").test_client().get(url).data == source


def test_the_minifier_keeps_what_a_stylesheet_says_and_names_a_copy_as_the_server_does(app):
    script = f"""
    import {{ copyName, minify }} from {json.dumps((PROJECT_ROOT / "scripts" / "minify.mjs").as_uri())};
    const css = ".a {{ color: red; /* note */ }}\\n\\n.b > .c {{ margin: 0 0 6px; }}\\n";
    process.stdout.write(JSON.stringify([copyName("css/x.css", Buffer.from(css)), minify(css, ".css", "x.css")]));
    """
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True
    )
    name, css = json.loads(done.stdout)
    digest = hashlib.sha256(b".a { color: red; /* note */ }\n\n.b > .c { margin: 0 0 6px; }\n").hexdigest()
    assert name == f"css/x.{digest[:12]}.css"
    assert css == ".a{color:red}.b>.c{margin:0 0 6px}\n"


def test_the_overviews_later_modules_are_sent_as_one_bundle_named_after_all_it_holds(client):
    """Issue 34: the overview asked for its four later modules, then (a round trip after) for the three they
    import alone: seven answers, 9.8 kB on the phone. `make assets` bundles them (geotour/web/bundles.json):
    one answer of 7.2 kB. Its URL's fingerprint covers every file inside, so a change to any renames it;
    the modules other pages load too (search, count, time) stay imports, one copy per page."""
    from geotour.web.assets import BUNDLES

    inside = BUNDLES["js/map/later.js"]
    with client.application.test_request_context():
        url = url_for("static", filename="js/map/later.js")
        imports = import_map()["imports"]
    digest = hashlib.sha256()
    for path in ["js/map/later.js", *inside.values()]:
        digest.update((STATIC / path).read_bytes())
    assert url.endswith("?v=" + digest.hexdigest()[:12])
    sent = client.get(url).get_data(as_text=True)
    assert "Geotour.prototype.directionsLink=function" in sent  # js/map/popups.js
    assert "function geodesic(" in sent  # js/lib/distance.js, which popups.js imports
    held = set(re.findall(r'from"(geotour/[^"]+)"', sent)) | set(re.findall(r'import"(geotour/[^"]+)"', sent))
    assert held == {"geotour/search", "geotour/count"}
    assert not held & set(inside)
    # every module inside is in the import map under the same file: without the copy, the entry loads them
    assert all(imports[name].startswith(f"/static/{path}?v=") for name, path in inside.items())
    source = (STATIC / "js/map/later.js").read_text()
    assert sorted(re.findall(r'^import "([^"]+)";', source, re.M)) == sorted(
        name for name in inside if name.startswith("geotour/map/")
    )


def test_a_bundle_that_would_hold_a_file_its_table_does_not_list_is_not_made(tmp_path):
    (tmp_path / "a.js").write_text('import "geotour/b";\nimport "geotour/c";\nexport const a = 1;\n')
    (tmp_path / "b.js").write_text('import { c } from "geotour/c";\nexport const b = c;\n')
    (tmp_path / "c.js").write_text("export const c = 2;\nglobalThis.seen = c;\n")
    script = f"""
    import {{ bundle }} from {json.dumps((PROJECT_ROOT / "scripts" / "minify.mjs").as_uri())};
    const root = {json.dumps(str(tmp_path))};
    const whole = await bundle(root + "/a.js", {{ "geotour/b": root + "/b.js", "geotour/c": root + "/c.js" }});
    let refused = "";
    try {{ await bundle(root + "/a.js", {{ "geotour/b": root + "/b.js", "geotour/x": root + "/c.js" }}); }}
    catch (error) {{ refused = error.message; }}
    const apart = await bundle(root + "/a.js", {{ "geotour/b": root + "/b.js" }}).catch((e) => e.message);
    process.stdout.write(JSON.stringify([whole, refused, apart]));
    """
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True
    )
    whole, refused, apart = json.loads(done.stdout)
    assert "import" not in whole and "globalThis.seen=2" in whole.replace(" ", "")  # c.js, inside
    assert "lacks" in refused and "c.js" in refused  # listed under a name nothing imports
    assert 'import"geotour/c"' in apart.replace(" ", "")  # not listed: left to the import map
