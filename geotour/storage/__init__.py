"""The storage interface: the only way the app reads or writes features.

Views and domain code call these methods and never see SQL, so a PostgreSQL/PostGIS backend can be
added beside the SQLite one without touching them.
"""
from abc import ABC, abstractmethod


class Storage(ABC):
    """Where features live. Every write is one transaction and bumps the data version."""

    @abstractmethod
    def ensure_schema(self):
        """Create tables and indexes if they do not exist."""

    @abstractmethod
    def seed_hash(self, layer_id):
        """Return the hash of the seed file last loaded into this layer, or None."""

    @abstractmethod
    def replace_seed_layer(self, layer_id, records, seed_hash):
        """Replace the seed features of one layer with `records`, in one transaction."""

    @abstractmethod
    def data_version(self):
        """Return a string that changes whenever any feature changes (for caches and ETags)."""

    @abstractmethod
    def layer_stats(self):
        """Return {layer_id: {"count", "bbox", "updated_at"}} for every layer that has features."""

    @abstractmethod
    def query_layer(self, layer_id, query):
        """Return (features, number_matched) for a LayerQuery, features as GeoJSON dicts."""

    @abstractmethod
    def get_feature(self, feature_id):
        """Return one feature as a GeoJSON dict (with properties.layer), or None."""

    @abstractmethod
    def features_near(self, lon, lat, radius_m, layers, category=None, limit=20, exclude_id=None):
        """Return [(feature, Hit)] within radius_m of lon/lat in `layers`, nearest first."""

    def close(self):
        """Release connections."""


def open_storage(database_url):
    """Return the Storage for a database URL (sqlite:///path for the embedded default)."""
    from .sqlite import SQLiteStorage

    if database_url.startswith("sqlite:///"):
        return SQLiteStorage(database_url[len("sqlite:///"):])
    raise ValueError(f"unsupported database URL: {database_url.split(':', 1)[0]}")
