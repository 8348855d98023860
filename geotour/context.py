"""The per-app context every request needs: the storage and the layer catalogue."""
from dataclasses import dataclass

from flask import current_app

from .layers import Catalogue
from .storage import Storage


@dataclass
class GeotourContext:
    """What every request needs: the storage and the layer catalogue (and which layers start-up seeded)."""

    storage: Storage
    catalogue: Catalogue
    seeded_at_start: tuple = ()


def current():
    """Return the running app's GeotourContext."""
    return current_app.extensions["geotour"]
