"""Geotour: the map and API of the Ciletuh-Palabuhanratu UNESCO Global Geopark."""

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from geotour import cli
from geotour.config import PROJECT_ROOT, load_config
from geotour.context import GeotourContext
from geotour.domain.practical import load_wording
from geotour.domain.routes import load_approaches
from geotour.domain.safety import load_safety
from geotour.domain.stories import load_glossary
from geotour.storage import DatabaseNotReady, Storage, open_storage
from geotour.storage.photos import DatabasePhotoStore, PhotoStore
from geotour.storage.seed import load_catalogue, read_seed_layers, seed
from geotour.storage.snapshots import SnapshotStore
from geotour.web import assets, auth, content_policy, counting, errors_http, i18n, responses, views
from geotour.web.api import health, openapi
from geotour.web.contribute import account_pages, figures_pages, labels, moderation, route_uploads
from geotour.web.contribute import forms as contribute_forms
from geotour.web.pages import (
    alert_feed,
    crawlers,
    embed,
    events_pages,
    go,
    report_pages,
    route_pages,
    signboards,
    trip_pages,
)
from geotour.web.pages import photos as photo_files
from geotour.web.pages import tourist as tourist_pages
from geotour.web.public_address import HostCheck, PublicAddress

WORKER_BOOT_ERROR = 3  # gunicorn's exit status for "this worker cannot boot": the master stops, not retries


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app: config, storage (seeded when the seed files changed), blueprints."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("GEOTOUR_INSTANCE_DIR") or str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    overrides = dict(test_config or {})
    if "INSTANCE_PATH" in overrides:
        app.instance_path = str(overrides.pop("INSTANCE_PATH"))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(load_config(app.instance_path, overrides=overrides))
    app.config.update({k: v for k, v in overrides.items() if not k.startswith("GEOTOUR_")})

    data_dir = app.config["GEOTOUR_DATA_DIR"]
    catalogue = load_catalogue(data_dir)
    wording, glossary, safety = load_wording(data_dir), load_glossary(data_dir), load_safety(data_dir)
    storage = open_storage(app.config["GEOTOUR_DATABASE_URL"], app.config["GEOTOUR_DB_POOL_SIZE"])
    try:
        storage.ensure_schema()
        if app.config["GEOTOUR_AUTO_SEED"]:
            seeded = tuple(seed(storage, data_dir, catalogue))
        else:
            seeded = ()
            read_seed_layers(data_dir, catalogue)  # still refuse to start on a bad seed file
    except DatabaseNotReady as exc:  # only its administrator can fix it: say what to run, in one line
        storage.close()
        sys.stderr.write(f"geotour: cannot start: {exc}\n")
        raise SystemExit(WORKER_BOOT_ERROR) from None
    except BaseException:
        storage.close()  # a start-up that fails leaves no connection pool behind
        raise
    app.extensions["geotour"] = GeotourContext(
        storage=storage,
        catalogue=catalogue,
        seeded_at_start=seeded,
        photos=_photo_store(app.config, storage),
        snapshots=SnapshotStore(app.config["GEOTOUR_SNAPSHOT_DIR"]),
        admin_self_approval=app.config["GEOTOUR_ADMIN_SELF_APPROVAL"],
        wording=wording,
        glossary=glossary,
        safety=safety,
        approaches=load_approaches(data_dir),
    )
    if app.config["GEOTOUR_PUBLIC_URL"]:
        app.wsgi_app = PublicAddress(app.wsgi_app, app.config["GEOTOUR_PUBLIC_URL"])  # type: ignore[method-assign]
    if hops := app.config["GEOTOUR_PROXY_HOPS"]:  # outermost: the phone's address, then the public one
        # Host is passed through as sent
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    counting.init_app(app, storage)
    responses.init_app(app)
    assets.init_app(app)
    i18n.init_app(app)
    errors_http.init_app(app)
    auth.init_app(app)
    app.url_map.converters["int"] = views.RowIdConverter  # before any route is made
    app.wsgi_app = HostCheck(app.wsgi_app)  # type: ignore[method-assign]
    openapi.init_app(app)  # registers the documented blueprints: /api/v1 (read_api, write_api), /ogc, its own
    for module in (
        tourist_pages,
        route_pages,
        events_pages,
        embed,
        signboards,
        crawlers,
        alert_feed,
        report_pages,
        go,
        trip_pages,
        photo_files,
        health,
        account_pages,
        contribute_forms,
        route_uploads,
        moderation,
        figures_pages,
    ):
        app.register_blueprint(module.bp)
    labels.init_app(app)
    cli.init_app(app)
    content_policy.init_app(app)
    return app


def _photo_store(config: Mapping[str, Any], storage: Storage) -> PhotoStore:
    """Return where photos live: a folder (shared between machines by NFS), or the database."""
    if config["GEOTOUR_PHOTO_STORE"] == "database":
        return DatabasePhotoStore(storage, config["GEOTOUR_PHOTO_DIR"])
    return PhotoStore(config["GEOTOUR_PHOTO_DIR"])
