"""Layer downloads in GeoJSON, CSV, GeoPackage and KML, written by GDAL (pyogrio) from approved data."""

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shapely.geometry import shape

from geotour.domain.features import Feature

if TYPE_CHECKING:
    from geopandas import GeoDataFrame

# geopandas (with pandas) and pyogrio are imported when a download is first written, not at start-up:
# they are a good part of a worker's memory, and most workers never write a file.


@dataclass(frozen=True)
class ExportFormat:
    """One download format: its name for people, GDAL driver, file extension, media type and creation options."""

    label: str
    driver: str
    extension: str
    mimetype: str
    point_layer_options: tuple[tuple[str, str], ...] = ()
    area_layer_options: tuple[tuple[str, str], ...] = ()


FORMATS = {
    "geojson": ExportFormat(
        "GeoJSON", "GeoJSON", "geojson", "application/geo+json", (("RFC7946", "YES"),), (("RFC7946", "YES"),)
    ),
    "csv": ExportFormat("CSV", "CSV", "csv", "text/csv", (("GEOMETRY", "AS_XY"),), (("GEOMETRY", "AS_WKT"),)),
    "gpkg": ExportFormat("GeoPackage", "GPKG", "gpkg", "application/geopackage+sqlite3"),
    "kml": ExportFormat("KML", "KML", "kml", "application/vnd.google-earth.kml+xml"),
}


def _flat(value: Any) -> Any:
    """Return a value GDAL can store in a column: nested lists and objects become JSON text."""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def to_frame(features: Sequence[Feature]) -> "GeoDataFrame":
    """Return a GeoDataFrame (EPSG:4326) of GeoJSON features, with id first and nested values as JSON."""
    rows = [
        {"id": f["id"], **{k: _flat(v) for k, v in f["properties"].items() if k != "id"}} for f in features
    ]
    geometries = [shape(f["geometry"]) for f in features]
    import geopandas

    return geopandas.GeoDataFrame(rows, geometry=geometries, crs="EPSG:4326")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _without_formulas(frame: "GeoDataFrame") -> "GeoDataFrame":
    """Return the frame with every text cell that a spreadsheet would run as a formula made inert.

    As OWASP recommends for CSV: a cell starting with = + - @, a tab or a CR gets a leading apostrophe, so
    "=HYPERLINK(...)" in an approved name is shown as text, not run, when the office opens the file.
    """
    from pandas.api.types import is_numeric_dtype

    frame = frame.copy()
    for column in frame.columns:
        if column != frame.geometry.name and not is_numeric_dtype(frame[column]):  # object or pandas' str
            frame[column] = frame[column].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v
            )
    return frame


def export_layer(layer_id: str, features: Sequence[Feature], fmt: str, is_point: bool) -> bytes:
    """Return the bytes of a layer file in one of FORMATS."""
    import pyogrio

    spec = FORMATS[fmt]
    frame = to_frame(features)
    if fmt == "csv":
        frame = _without_formulas(frame)
    options = dict(spec.point_layer_options if is_point else spec.area_layer_options)
    dataset_options = {"NameField": "name"} if spec.driver == "KML" else {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{layer_id}.{spec.extension}"
        pyogrio.write_dataframe(
            frame,
            path,
            driver=spec.driver,
            layer=layer_id,
            layer_options=options or None,
            dataset_options=dataset_options or None,
        )
        return path.read_bytes()
