"""The Content-Security-Policy (issue 15, break 12): scripts from our origin and the inline scripts our
templates write, by hash; nothing else, on every response. tests/browser/test_content_policy.py checks it
in Chromium: every page works under it, and an injected script does not run."""

import re
from pathlib import Path

import pytest
from flask import render_template_string

from geotour.web.content_policy import script_source
from tests.contributions import login, make_users

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def directives(response):
    """Return the response's Content-Security-Policy as {directive: value}."""
    parts = (p.strip().split(" ", 1) for p in response.headers["Content-Security-Policy"].split(";"))
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


def _inline_scripts(html):
    return [
        text
        for attributes, text in re.findall(r"<script\b([^>]*)>(.*?)</script", html, re.S)
        if "src=" not in attributes and 'type="application/' not in attributes  # data, never run
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/sites/curug-sodong",
        "/embed",
        "/places",
        "/embed/builder",
        "/ogc?f=html",
        "/sites/curug-sodong/signboard",
        "/offline",
        "/login",
        "/tidak-ada",
        "/api/v1/layers",
        "/api/v1/layers/nope",
        "/ogc/collections",
        "/sitemap.xml",
    ],
)
def test_every_response_allows_only_our_scripts_and_no_plugins(client, path):
    response = client.get(path)
    policy = directives(response)
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'self'"
    sources = policy["script-src"].split()
    assert sources[0] == "'self'" and "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources
    # Exactly the page's own inline scripts are allowed, each by its hash; a JSON answer allows none.
    wanted = [script_source(text) for text in _inline_scripts(response.get_data(as_text=True))]
    assert sorted(sources[1:]) == sorted(set(wanted))
    if response.mimetype == "text/html" and response.status_code == 200:
        assert wanted, "an HTML page of ours writes at least one inline script"


def test_signed_in_pages_have_the_policy_too(make_app):
    app = make_app()
    make_users(app)
    client = app.test_client()
    login(client, "mod")
    for path in ("/contribute", "/contribute/new/geosites", "/moderation", "/account"):
        policy = directives(client.get(path))
        assert policy["object-src"] == "'none'" and policy["script-src"].startswith("'self'"), path


def test_a_script_that_reaches_the_page_another_way_is_not_allowed(app):
    """The hashes are of what the templates wrote, never of the finished page."""
    with app.test_request_context("/"):
        html = render_template_string(
            "{{ injected|safe }}{% call inline_script() %}var ours = 1;{% endcall %}",
            injected="<script>alert(1)</script>",
        )
        response = app.process_response(app.make_response(html))
    assert "<script>alert(1)</script>" in html and "<script>var ours = 1;</script>" in html
    assert directives(response)["script-src"] == f"'self' {script_source('var ours = 1;')}"


def test_templates_write_every_inline_script_through_inline_script():
    """A bare <script> in a template would be blocked by the policy: it must be a call of inline_script()."""
    bare = [
        f"{path.relative_to(TEMPLATES)}: {attributes or '<script>'}"
        for path in TEMPLATES.rglob("*.html")
        for attributes in re.findall(r"<script\b([^>]*)>", path.read_text(encoding="utf-8"))
        if "src=" not in attributes and 'type="application/' not in attributes  # data, never run
    ]
    assert bare == []
    handlers = [
        str(path)
        for path in TEMPLATES.rglob("*.html")
        if re.search(r"<[^>]*\son[a-z]+\s*=", path.read_text(encoding="utf-8"))
    ]
    assert handlers == []  # inline event handlers (onclick=…) never run under the policy
