"""The front server of `make serve`: nginx's configuration, rendered from deploy/nginx.conf.in and the
app's own settings (where photos and snapshots live, the largest request), for one HOST:PORT."""

import getpass
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from geotour.config import PROJECT_ROOT
from geotour.storage import snapshots

TEMPLATE = PROJECT_ROOT / "deploy" / "nginx.conf.in"
MODULES = Path(os.environ.get("GEOTOUR_NGINX_MODULES", "/usr/lib/nginx/modules"))
BROTLI_MODULE = "ngx_http_brotli_static_module.so"
MIME_TYPES = Path("/etc/nginx/mime.types")


def render_nginx_conf(
    config: Mapping[str, Any], static_folder: str | Path, listen: str, run_dir: str | Path, upstream: str
) -> str:
    """Return nginx.conf text for the app config `config`, listening on `listen` ("HOST:PORT")."""
    brotli = MODULES / BROTLI_MODULE
    values = {
        "@LISTEN@": listen,
        "@RUN@": str(run_dir),
        "@ROOT@": str(PROJECT_ROOT),
        "@STATIC@": str(static_folder),
        "@PHOTOS@": str(Path(config["GEOTOUR_PHOTO_DIR"]).resolve()),
        "@SNAPSHOTS@": str(Path(config["GEOTOUR_SNAPSHOT_DIR"]).resolve()),
        "@UPSTREAM@": upstream,
        "@MAX_BODY@": str(config["MAX_CONTENT_LENGTH"]),
        # The workers run as whoever starts make serve, like gunicorn's: they read what the app wrote.
        "@USER@": f"user {getpass.getuser()};" if os.geteuid() == 0 else "",
        "@MODULES@": f"load_module {brotli};" if brotli.is_file() else "# brotli_static module not installed",
        "@BROTLI_STATIC@": "brotli_static on;" if brotli.is_file() else "",
        "@MIME@": str(MIME_TYPES),
        "@SNAPSHOT_LAYER@": snapshots.LAYER_PATTERN,
        "@SNAPSHOT_FILE@": snapshots.FILE_PATTERN,
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text
