"""The front server of `make serve`: nginx's configuration, rendered from deploy/nginx.conf.in and the
app's own settings (where photos and snapshots live, the largest request), for one HOST:PORT."""

import getpass
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from geotour.config import PROJECT_ROOT
from geotour.storage import snapshots
from geotour.web.api.read import SNAPSHOT_CHECK

TEMPLATE = PROJECT_ROOT / "deploy" / "nginx.conf.in"
MODULES = Path(os.environ.get("GEOTOUR_NGINX_MODULES", "/usr/lib/nginx/modules"))
BROTLI_STATIC_MODULE = "ngx_http_brotli_static_module.so"
BROTLI_FILTER_MODULE = "ngx_http_brotli_filter_module.so"
BROTLI_LEVEL = 5  # what nginx compresses on the fly (pages, API answers); see @BROTLI@ below
MIME_TYPES = Path("/etc/nginx/mime.types")


def render_nginx_conf(
    config: Mapping[str, Any], static_folder: str | Path, listen: str, run_dir: str | Path, upstream: str
) -> str:
    """Return nginx.conf text for the app config `config`, listening on `listen` ("HOST:PORT")."""
    static, dynamic = MODULES / BROTLI_STATIC_MODULE, MODULES / BROTLI_FILTER_MODULE
    modules = [f"load_module {module};" for module in (static, dynamic) if module.is_file()]
    # The app does not compress under make serve (GEOTOUR_COMPRESS=0): nginx does, for the same types.
    types = " ".join(
        t for t in config["COMPRESS_MIMETYPES"] if t != "text/html"
    )  # nginx's gzip always has it
    cert, key = config.get("GEOTOUR_TLS_CERT") or "", config.get("GEOTOUR_TLS_KEY") or ""
    tls = bool(cert and key)  # both or neither: load_config refuses half
    values = {
        "@LISTEN@": listen,
        # HTTPS, over HTTP/2 (one connection for every file of a page; a phone on a weak link then waits on no
        # queue of six), when the certificate is ours to serve; else a TLS proxy in front does it.
        "@LISTEN_TLS@": " ssl http2" if tls else "",
        "@TLS@": (
            f'ssl_certificate "{Path(cert).resolve()}"; ssl_certificate_key "{Path(key).resolve()}";\n'
            "        ssl_protocols TLSv1.2 TLSv1.3; ssl_prefer_server_ciphers off;\n"
            "        ssl_session_cache shared:geotour_tls:2m; ssl_session_timeout 1d;"
            if tls
            else ""
        ),
        "@RUN@": str(run_dir),
        "@ROOT@": str(PROJECT_ROOT),
        "@STATIC@": str(static_folder),
        # the minified copy named by ?v= first (geotour.web.assets.minified_copy), unless the app sends none
        "@MINIFIED@": "/min/$geotour_stem.$geotour_min_version.$geotour_suffix /$geotour_stem.$geotour_suffix"
        if config["GEOTOUR_MINIFIED"]
        else "/$geotour_stem.$geotour_suffix",
        "@PHOTOS@": str(Path(config["GEOTOUR_PHOTO_DIR"]).resolve()),
        "@SNAPSHOTS@": str(Path(config["GEOTOUR_SNAPSHOT_DIR"]).resolve()),
        "@UPSTREAM@": upstream,
        "@MAX_BODY@": str(config["MAX_CONTENT_LENGTH"]),
        # The workers run as whoever starts make serve, like gunicorn's: they read what the app wrote.
        "@USER@": f"user {getpass.getuser()};" if os.geteuid() == 0 else "",
        "@MODULES@": " ".join(modules) or "# brotli modules not installed",
        "@BROTLI_STATIC@": "brotli_static on;" if static.is_file() else "",
        # At level 5 the overview's page (48 kB) is 10.2 kB instead of 10.6 kB at 4, for 0.05 ms more per
        # page; from level 7 on, each level costs twice the time for a few bytes.
        "@BROTLI@": f"brotli on; brotli_comp_level {BROTLI_LEVEL}; brotli_min_length 500; brotli_types {types};"
        if dynamic.is_file()
        else "",
        "@COMPRESS_TYPES@": types,
        "@MIME@": str(MIME_TYPES),
        "@SNAPSHOT_LAYER@": snapshots.LAYER_PATTERN,
        "@SNAPSHOT_FILE@": snapshots.FILE_PATTERN,
        "@SNAPSHOT_CHECK@": SNAPSHOT_CHECK,
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text
