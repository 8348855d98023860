"""The address a request arrives at. One public address: with GEOTOUR_PUBLIC_URL set, every request is seen as arriving at that address.

So every absolute link (API and OGC links, oEmbed, sitemap, canonical, Open Graph, QR codes) carries it,
whichever machine, port or Host header a request came through, and the response cache key (built from
the request's host) is the same on every machine. Unset, requests keep the host they came with.
"""

import ipaddress
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from geotour.text import gettext as _

if TYPE_CHECKING:  # the WSGI types exist for type checkers only
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
HOST = re.compile(rf"(\[[0-9A-Fa-f:.]+\]|{LABEL}(?:\.{LABEL})*\.?)(:[0-9]{{1,5}})?")
# Names that resolve only inside a machine or a home or office network (RFC 6761, RFC 8375, mDNS, habit).
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".intranet", ".lan", ".home", ".corp", ".home.arpa")
BAD_HOST = b"Alamat (Host) permintaan ini tidak sah.\nThe Host header of this request is not valid.\n"


class HostCheck:
    """WSGI middleware: refuse, with a 400, a Host header that is no host name (a label over 63 characters
    made URL building fail inside the error page itself). People's browsers never send one."""

    def __init__(self, wsgi_app: "WSGIApplication") -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: "WSGIEnvironment", start_response: "StartResponse") -> Iterable[bytes]:
        host = environ.get("HTTP_HOST")
        if host is None or (len(host) <= 260 and HOST.fullmatch(host)):
            return self.wsgi_app(environ, start_response)
        start_response(
            "400 Bad Request",
            [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(BAD_HOST))),
                ("Cache-Control", "no-store"),
            ],
        )
        return [BAD_HOST]


class PublicAddress:
    """WSGI middleware: set the scheme, host and script root of every request from the public URL."""

    def __init__(self, wsgi_app: "WSGIApplication", public_url: str) -> None:
        parts = urlsplit(public_url)
        self.wsgi_app = wsgi_app
        self.scheme = parts.scheme
        self.host = parts.netloc
        self.port = str(parts.port or (443 if parts.scheme == "https" else 80))
        self.prefix = parts.path.rstrip("/")

    def __call__(self, environ: "WSGIEnvironment", start_response: "StartResponse") -> Iterable[bytes]:
        environ["wsgi.url_scheme"] = self.scheme
        environ["HTTP_HOST"] = self.host
        environ["SERVER_NAME"] = self.host.rsplit(":", 1)[0] if self.host.count(":") == 1 else self.host
        environ["SERVER_PORT"] = self.port
        if self.prefix:
            path = environ.get("PATH_INFO", "")
            if (
                path.startswith(self.prefix + "/") or path == self.prefix
            ):  # a front server that kept the prefix
                environ["PATH_INFO"] = path[len(self.prefix) :] or "/"
            environ["SCRIPT_NAME"] = self.prefix
        return self.wsgi_app(environ, start_response)


def unreachable_reason(public_url: str | None) -> str | None:
    """Return why a phone outside could not open links made with this public address (GEOTOUR_PUBLIC_URL),
    in the reader's language, or None when it can. A printed QR code must never lead nowhere."""
    if not public_url:
        return _(
            "GEOTOUR_PUBLIC_URL is not set, so the QR code would hold the address this page was opened at, "
            "which phones outside may not reach. Set GEOTOUR_PUBLIC_URL to the public address first."
        )
    host = (urlsplit(public_url).hostname or "").rstrip(".").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        local = host == "localhost" or "." not in host or host.endswith(LOCAL_SUFFIXES)
    else:
        local = not address.is_global
    if local:
        return _(
            "GEOTOUR_PUBLIC_URL is %(url)s, a local or private address that phones outside cannot reach. "
            "Set GEOTOUR_PUBLIC_URL to the public address first.",
            url=public_url,
        )
    return None
