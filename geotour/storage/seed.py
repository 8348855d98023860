"""Read and check the seed files in data/geojson/, and load changed ones into storage."""

import hashlib
import json
from pathlib import Path
from typing import Any

from geotour.domain.features import FeatureInvalid, FeatureRecord, validate_feature
from geotour.domain.layers import Catalogue, CatalogueInvalid
from geotour.errors import SeedDataError
from geotour.storage import Storage

CATALOGUE_FILE = "layers.json"


def _read_json(path: Path) -> tuple[bytes, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SeedDataError(path, None, f"cannot read the file ({exc.strerror})") from None
    try:
        return raw, json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SeedDataError(path, None, f"not valid JSON: {exc}") from None


def load_catalogue(data_dir: str | Path) -> Catalogue:
    """Return the Catalogue in data_dir/layers.json, or raise SeedDataError."""
    path = Path(data_dir) / CATALOGUE_FILE
    _, data = _read_json(path)
    try:
        return Catalogue.from_dict(data)
    except CatalogueInvalid as exc:
        raise SeedDataError(path, None, str(exc)) from None


def read_seed_layers(
    data_dir: str | Path, catalogue: Catalogue
) -> dict[str, tuple[list[FeatureRecord], str]]:
    """Return {layer_id: (records, sha256)} for every layer file, checking every feature.

    The first fault stops everything with the file, the feature (its id, or its position) and the fault.
    """
    layers: dict[str, tuple[list[FeatureRecord], str]] = {}
    seen_ids: dict[str, str] = {}
    for layer in catalogue.layers:
        path = Path(data_dir) / layer.file
        raw, data = _read_json(path)
        if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
            raise SeedDataError(path, None, "top level must be a GeoJSON FeatureCollection")
        if not isinstance(data.get("features"), list):
            raise SeedDataError(path, None, '"features" must be a list')
        records = []
        for position, feature in enumerate(data["features"], start=1):
            label = _feature_label(feature, position)
            try:
                record = validate_feature(feature, layer)
            except FeatureInvalid as exc:
                raise SeedDataError(path, label, str(exc)) from None
            if record.id in seen_ids:
                raise SeedDataError(path, label, f"id {record.id!r} is already used in {seen_ids[record.id]}")
            seen_ids[record.id] = layer.file
            records.append(record)
        layers[layer.id] = (records, hashlib.sha256(raw).hexdigest())
    return layers


def _feature_label(feature: object, position: int) -> str:
    fid = feature.get("id") if isinstance(feature, dict) else None
    return f"#{position} ({fid})" if isinstance(fid, str) else f"#{position}"


def seed(storage: Storage, data_dir: str | Path, catalogue: Catalogue) -> list[str]:
    """Load every seed layer whose file changed since it was last loaded; return the ids loaded."""
    loaded = []
    for layer_id, (records, digest) in read_seed_layers(data_dir, catalogue).items():
        if storage.seed_hash(layer_id) != digest and storage.replace_seed_layer(layer_id, records, digest):
            loaded.append(layer_id)
    return loaded
