"""The Content-Security-Policy of every response, and the other headers that limit what a page may do.

Scripts run only from our own origin (`script-src 'self'`), plus the inline scripts our own templates
write, each named by its SHA-256. A template writes one with `{% call inline_script() %}…{% endcall %}`
(Folium's map script goes inside one), which notes its hash for this response. The hashes come from what
the templates wrote, never from the finished page: a `<script>` that found its way into the page some
other way (an escaping bug, a poisoned field) is not on the list, and does not run. Hashes rather than a
nonce keep the header right for a map that is rendered once and kept. No plugins (`object-src 'none'`),
no `<base>` pointing elsewhere, and only the embed may be framed by other sites.
"""

import base64
import hashlib
from collections.abc import Callable, Iterable

from flask import Flask, current_app, g, request
from markupsafe import Markup
from werkzeug.wrappers import Response


def script_source(text: str) -> str:
    """Return the CSP source that lets an inline script with exactly this text run: 'sha256-…'."""
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


def inline_script(caller: Callable[[], str], kind: str | None = None) -> Markup:
    """Jinja: write the call block's text as an inline <script> that this response's policy lets run
    (`kind="importmap"` for the page's import map, which the policy names the same way)."""
    text = str(caller())
    allowed = g.setdefault("csp_script_sources", [])
    if script_source(text) not in allowed:
        allowed.append(script_source(text))
    opening = Markup('<script type="importmap">') if kind == "importmap" else Markup("<script>")
    return opening + Markup(text) + Markup("</script>")


def policy(script_sources: Iterable[str] = (), frame_ancestors: str = "'self'") -> str:
    """Return the Content-Security-Policy allowing our origin's scripts and these inline ones."""
    scripts = " ".join(["'self'", *script_sources])
    return f"script-src {scripts}; object-src 'none'; base-uri 'self'; frame-ancestors {frame_ancestors}"


EMBEDDABLE = ("embed.embed", "embed.place")  # the map, and a place's details opened from it


def security_headers(response: Response) -> Response:
    """After every request: the content policy, no MIME sniffing, and a referrer without paths elsewhere."""
    # Only the embed may be framed by other sites; everything else (login and moderation above all) only by us.
    embed = request.endpoint in EMBEDDABLE
    ancestors = current_app.config["GEOTOUR_EMBED_ALLOWED_ORIGINS"] if embed else "'self'"
    response.headers.setdefault("Content-Security-Policy", policy(g.get("csp_script_sources", ()), ancestors))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    return response


def init_app(app: Flask) -> None:
    """Give templates inline_script, and set the headers on every response."""
    app.jinja_env.globals["inline_script"] = inline_script
    app.after_request(security_headers)
