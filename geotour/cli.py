"""flask commands: seed the database from data/geojson, and check the seed files."""
import click
from flask import current_app
from flask.cli import with_appcontext

from .context import current as _ctx
from .storage.seed import read_seed_layers, seed


@click.command("seed")
@with_appcontext
def seed_command():
    """Load the seed layers whose files changed (harmless to run again)."""
    # Loading the app already seeds changed layers (GEOTOUR_AUTO_SEED), so count those too.
    loaded = set(seed(_ctx().storage, current_app.config["GEOTOUR_DATA_DIR"], _ctx().catalogue))
    loaded.update(_ctx().seeded_at_start)
    stats = _ctx().storage.layer_stats()
    for layer in _ctx().catalogue.layers:
        state = "loaded" if layer.id in loaded else "up to date"
        click.echo(f"{layer.id:15} {stats.get(layer.id, {}).get('count', 0):6} features  {state}")


@click.command("check-data")
@with_appcontext
def check_data_command():
    """Validate every seed file without changing the database."""
    layers = read_seed_layers(current_app.config["GEOTOUR_DATA_DIR"], _ctx().catalogue)
    click.echo(f"ok: {sum(len(records) for records, _ in layers.values())} features in {len(layers)} layers")


def init_app(app):
    """Register the commands."""
    app.cli.add_command(seed_command)
    app.cli.add_command(check_data_command)
