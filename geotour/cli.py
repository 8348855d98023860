"""flask commands: seed or import layers, export them, check the seed files, manage users and tokens."""

import json
import os
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from geotour.context import current as _ctx
from geotour.contributions import accounts
from geotour.domain.places import whole_layer
from geotour.errors import GeotourError
from geotour.storage.seed import CATALOGUE_FILE, load_catalogue, read_seed_layers, seed


def _report_layers(loaded: Iterable[str]) -> None:
    stats = _ctx().storage.layer_stats()
    for layer in _ctx().catalogue.layers:
        state = "loaded" if layer.id in loaded else "up to date"
        click.echo(f"{layer.id:15} {stats.get(layer.id, {}).get('count', 0):6} features  {state}")


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Load the seed layers whose files changed (harmless to run again)."""
    # Loading the app already seeds changed layers (GEOTOUR_AUTO_SEED), so count those too.
    loaded = set(seed(_ctx().storage, current_app.config["GEOTOUR_DATA_DIR"], _ctx().catalogue))
    loaded.update(_ctx().seeded_at_start)
    _report_layers(loaded)


@click.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def import_command(directory: Path) -> None:
    """Load layer files from DIRECTORY (as written by export); only changes become new versions."""
    try:
        load_catalogue(directory)  # the folder must be a whole, valid set of layers
        loaded = seed(_ctx().storage, directory, _ctx().catalogue)
    except Exception as exc:  # a bad file stops the import and says which
        raise click.ClickException(str(exc)) from None
    _report_layers(set(loaded))


@click.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def export_command(directory: Path) -> None:
    """Write the approved layers to DIRECTORY as data/geojson files (for backups and review in git)."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(Path(current_app.config["GEOTOUR_DATA_DIR"]) / CATALOGUE_FILE, directory / CATALOGUE_FILE)
    for layer in _ctx().catalogue.layers:
        features = sorted(whole_layer(_ctx().storage, layer.id), key=lambda f: f["id"])
        for feature in features:
            feature["properties"].pop("layer", None)
        data = {"type": "FeatureCollection", "name": layer.id, "features": features}
        text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
        (directory / layer.file).write_text(text, encoding="utf-8")
        click.echo(f"{layer.id:15} {len(features):6} features  -> {directory / layer.file}")


REPORT_WORDS = {
    "new": "new place",
    "changed": "changed in OSM",
    "gone": "gone from OSM",
    "position": "position suggestion",
    "far": "named like our site, but too far to be it",
    "no-removals": "no removals",
}


@click.command("import-osm")
@click.argument("extract", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Say what would be proposed; store nothing.")
@click.option(
    "--username",
    default="openstreetmap",
    show_default=True,
    help="The account the submissions are made by (created, disabled, when missing).",
)
@with_appcontext
def import_osm_command(extract: Path, dry_run: bool, username: str) -> None:
    """Propose places from an OpenStreetMap EXTRACT (.osm.pbf) for moderation, as one batch.

    Businesses and places like our sites inside the geopark (plus 2 km) become new places; OSM objects named
    like our estimated sites become position suggestions. Re-running proposes only what changed in OSM.
    """
    from geotour.contributions import osm_import

    try:
        plan, stored = osm_import.import_extract(_ctx(), extract, username, dry_run)
    except GeotourError as exc:
        raise click.ClickException(exc.message) from None
    except (RuntimeError, ValueError) as exc:  # pyosmium: not an OSM file, a damaged one, or a hostile one
        # (libosmium refuses a whole file whose tag is over its limits, e.g. a 2,000-character value)
        raise click.ClickException(f"{extract}: {exc}") from None
    if plan.read.unreadable:
        click.echo(
            f"skipped {len(plan.read.unreadable)} object(s) whose tags are not valid UTF-8: "
            + ", ".join(plan.read.unreadable[:10])
            + (" …" if len(plan.read.unreadable) > 10 else "")
        )
    for what, name, detail in plan.lines:
        click.echo(f"{REPORT_WORDS.get(what, what):45} {name[:50]:50} {detail}")
    for place, problems in plan.not_taken:
        messages = "; ".join(f"{p['field']}: {p['message']}" for p in problems if p["severity"] == "error")
        click.echo(f"{'not taken':45} {place.name[:50]:50} {place.url} {messages}")
    read = plan.read
    click.echo(
        f"read {len(read.places)} named objects inside the geopark (+2 km); {read.outside} outside, "
        f"{read.unnamed} without a name left out"
    )
    summary = ", ".join(f"{plan.count(k)} {REPORT_WORDS[k]}" for k in ("new", "changed", "gone", "position"))
    click.echo(f"{summary}; {plan.unchanged} unchanged since the last run; {len(plan.not_taken)} not taken")
    if dry_run:
        click.echo("dry run: nothing stored")
    elif stored:
        click.echo(f"sent to moderation as one batch ({stored[0]['batch']}): {len(stored)} submissions")
    else:
        click.echo("nothing to send to moderation")


@click.group("users")
def users_group() -> None:
    """Manage accounts."""


@users_group.command("create")
@click.option("--username", required=True)
@click.option("--role", type=click.Choice(accounts.ROLE_NAMES), default="contributor", show_default=True)
@click.option("--group", default="", help='The group public pages credit, e.g. "KIM MyPalabuhanratu".')
@with_appcontext
def users_create(username: str, role: str, group: str | None) -> None:
    """Create a user; the password is read from standard input (one line)."""
    password = (
        sys.stdin.readline().rstrip("\r\n")
        if not sys.stdin.isatty()
        else click.prompt("Password", hide_input=True, confirmation_prompt=True)
    )
    try:
        user = accounts.create_user(_ctx().storage, username, password, role)
        if group:
            user = accounts.set_group(_ctx().storage, user["id"], group)
    except GeotourError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(
        f"created {user['role']} {user['username']} (id {user['id']})"
        + (f" of {user['group']}" if user["group"] else "")
    )


@users_group.command("set-group")
@click.option("--username", required=True)
@click.option("--group", required=True, help='The group public pages credit; "" for none.')
@with_appcontext
def users_set_group(username: str, group: str) -> None:
    """Set the group a contributor belongs to (KIM MyPalabuhanratu, a village's own group…)."""
    user, _hash = _ctx().storage.get_user_login(username)
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    try:
        user = accounts.set_group(_ctx().storage, user["id"], group)
    except GeotourError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"{user['username']}: {user['group'] or 'no group'}")


@users_group.command("list")
@with_appcontext
def users_list() -> None:
    """List every account."""
    for user in _ctx().storage.list_users():
        click.echo(
            f"{user['id']:4}  {user['username']:30} {user['role']:12} {'active' if user['active'] else 'disabled':9}"
            f" {user['group'] or ''}"
        )


@click.group("tokens")
def tokens_group() -> None:
    """Manage API tokens."""


@tokens_group.command("create")
@click.option("--username", required=True)
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@with_appcontext
def tokens_create(username: str, name: str) -> None:
    """Print a new API token for a user (only its hash is kept: copy it now)."""
    user, _hash = _ctx().storage.get_user_login(username)
    if user is None:
        raise click.ClickException(f"no user called {username!r}")
    _id, token = accounts.create_token(_ctx().storage, user["id"], name)
    click.echo(token)


@click.command("check-data")
@with_appcontext
def check_data_command() -> None:
    """Validate every seed file without changing the database."""
    layers = read_seed_layers(current_app.config["GEOTOUR_DATA_DIR"], _ctx().catalogue)
    click.echo(f"ok: {sum(len(records) for records, _ in layers.values())} features in {len(layers)} layers")


@click.group("db")
def db_group() -> None:
    """Schema migrations (Alembic): the app upgrades to the newest revision when it starts."""


@db_group.command("current")
@with_appcontext
def db_current() -> None:
    """Print the revision the database is at, and the newest one."""
    from geotour.storage import migrate

    url = current_app.config["GEOTOUR_DATABASE_URL"]
    default = (
        ""
        if os.environ.get("GEOTOUR_DATABASE_URL")
        else "  (the embedded default: set GEOTOUR_DATABASE_URL for another)"
    )
    click.echo(f"looked at: {_without_password(url)}{default}")
    click.echo(f"database: {migrate.revision_of(_ctx().storage)}  newest: {migrate.head_revision()}")


def _without_password(url: str) -> str:
    """Return a database URL fit to print: its password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)))


@db_group.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Upgrade the schema to REVISION (default: the newest)."""
    from geotour.storage import migrate

    ran = migrate.upgrade(_ctx().storage, revision)
    click.echo(
        f"upgraded to {migrate.revision_of(_ctx().storage)}" if ran else "already at the newest revision"
    )


@db_group.command("downgrade")
@click.argument("revision")
@click.confirmation_option(prompt="Downgrading can drop tables and their data. Go on?")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Downgrade the schema to REVISION ("base" drops every table)."""
    from geotour.storage import migrate

    migrate.downgrade(_ctx().storage, revision)
    click.echo(f"downgraded to {migrate.revision_of(_ctx().storage)}")


@click.command("nginx-conf")
@click.option("--listen", default="127.0.0.1:8000", show_default=True, help="HOST:PORT nginx listens on")
@click.option(
    "--run-dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="folder for nginx's pid and temporary files",
)
@click.option("--upstream", required=True, help="gunicorn's address, e.g. unix:/path/gunicorn.sock")
@with_appcontext
def nginx_conf_command(listen: str, run_dir: Path, upstream: str) -> None:
    """Print the nginx configuration that make serve puts in front of gunicorn."""
    from geotour.web.nginx_config import render_nginx_conf

    # Made here, before nginx starts, so its workers find them (and nginx never writes into our folders).
    for folder in (current_app.config["GEOTOUR_PHOTO_DIR"], current_app.config["GEOTOUR_SNAPSHOT_DIR"]):
        Path(folder).mkdir(parents=True, exist_ok=True)
    click.echo(
        render_nginx_conf(
            current_app.config, str(current_app.static_folder), listen, run_dir.resolve(), upstream
        )
    )


def init_app(app: Flask) -> None:
    """Register the commands."""
    for command in (
        seed_command,
        import_command,
        import_osm_command,
        export_command,
        users_group,
        tokens_group,
        check_data_command,
        db_group,
        nginx_conf_command,
    ):
        app.cli.add_command(command)
