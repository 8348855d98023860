"""Read a bulk-import file (GeoJSON, CSV, KML, KMZ, GPX) with GDAL into numbered rows.

Nothing here checks the rows against the geopark's rules (rules does that); it only turns a file into
(row number, properties, geometry), and explains a file it cannot read. KML text is HTML (Google My Maps
writes descriptions with <br> and links): it becomes plain text here.
"""

import math
import tempfile
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geotour.errors import BadParameter, TooLarge
from geotour.text import gettext as _

EXTENSIONS = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".csv": "csv",
    ".kml": "kml",
    ".kmz": "kmz",
    ".gpx": "gpx",
}
CSV_OPTIONS = {
    "X_POSSIBLE_NAMES": "lon,lng,long,longitude,x,bujur",
    "Y_POSSIBLE_NAMES": "lat,latitude,y,lintang",
    "GEOM_POSSIBLE_NAMES": "wkt,geometry,geom",
    "KEEP_GEOM_COLUMNS": "NO",
}
CSV_POSITION_COLUMNS = {
    "lon",
    "lng",
    "long",
    "longitude",
    "x",
    "bujur",
    "lat",
    "latitude",
    "y",
    "lintang",
    "wkt",
    "geometry",
    "geom",
}
# Column names people use for our fields, in Indonesian and in the tools they export from.
ALIASES = {
    "nama": "name",
    "kategori": "category",
    "deskripsi": "description_id",
    "description": "description_id",
    "desc": "description_id",
    "keterangan": "description_id",
    "telepon": "phone",
    "telp": "phone",
    "hp": "phone",
    "wa": "whatsapp",
    "jam_buka": "opening_hours",
    "hours": "opening_hours",
    "harga": "price_range",
    "tiket": "ticket_price",
    "parkir": "parking_fee",
    "perahu": "boat_fare",
    "akses": "access",
    "fasilitas": "facilities",
    "persetujuan_pemilik": "owner_consent",
    "pemilik_setuju": "owner_consent",
    "setuju": "owner_consent",
    "consent": "owner_consent",
    "cmt": "description_en",
}
# Format bookkeeping that GDAL exposes as columns (KML styling, GPX timing): not anybody's data.
FORMAT_COLUMNS = {
    "timestamp",
    "begin",
    "end",
    "altitudemode",
    "tessellate",
    "extrude",
    "visibility",
    "draworder",
    "icon",
    "snippet",
    "ele",
    "time",
    "magvar",
    "geoidheight",
    "sym",
    "type",
    "fix",
    "sat",
    "hdop",
    "vdop",
    "pdop",
    "ageofdgpsdata",
    "dgpsid",
    "src",
    "link1_href",
    "link1_text",
    "link1_type",
    "link2_href",
    "link2_text",
    "link2_type",
    "gx_media_links",
    "styleurl",
}
MAX_COLUMNS = 100  # a layer has about 20 fields; KML and GPX add about 30 of their own bookkeeping
KMZ_MAX_EXPANSION = 20  # a KMZ's KML may be at most 20 times the KMZ, plus 10 MB
KMZ_CHUNK_BYTES = 1 << 16


@dataclass(frozen=True)
class Row:
    """One feature of the file: its number (from 1, in file order), its properties and its geometry."""

    number: int
    properties: dict[str, Any]
    geometry: dict[str, Any] | None


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.strip() if isinstance(value, str) else value


def html_to_text(value: Any) -> Any:
    """Return the text an HTML fragment shows (as KML descriptions from Google My Maps hold): line breaks
    and paragraphs kept, a link kept as "[its text](its address)", markup and scripts gone. Text without
    a tag is returned as it is (its own line breaks kept)."""
    if not isinstance(value, str) or "<" not in value:
        return value
    from inscriptis import get_text
    from inscriptis.css_profiles import CSS_PROFILES
    from inscriptis.model.config import ParserConfig

    text = get_text(value, ParserConfig(css=CSS_PROFILES["strict"], display_links=True))
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def _properties(record: Mapping[Any, Any], html: bool = False) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for key, value in record.items():
        name = str(key).strip().lower().replace(" ", "_")
        name = ALIASES.get(name, name)
        value = _plain(html_to_text(value) if html else value)
        if name in FORMAT_COLUMNS or value in (None, "") or name in properties:
            continue
        properties[name] = value
    return properties


def _kmz_member(path: Path, folder: str) -> str:
    """Unpack the KMZ's KML into `folder` and return its path, never writing more than the budget.

    The member is streamed out with a hard byte cap: the sizes a zip header declares are not trusted (a
    2 MB KMZ that lied about them once cost 2.4 GB of memory inside GDAL's /vsizip/). A header that
    claims less than the member holds fails its CRC check when the declared size is reached.
    """
    if not zipfile.is_zipfile(path):
        raise BadParameter(_("This .kmz file is not a KMZ (zip) archive; it may be cut short."), "file")
    budget = KMZ_MAX_EXPANSION * path.stat().st_size + 10_000_000
    target = Path(folder) / "doc.kml"
    try:
        with zipfile.ZipFile(path) as archive:
            members = [i for i in archive.infolist() if i.filename.lower().endswith(".kml")]
            if not members:
                raise BadParameter(_("This KMZ holds no .kml file."), "file")
            doc = next((m for m in members if m.filename.lower() == "doc.kml"), members[0])
            with archive.open(doc) as source, target.open("wb") as out:
                written = 0
                while chunk := source.read(KMZ_CHUNK_BYTES):
                    written += len(chunk)
                    if written > budget:
                        raise TooLarge(
                            _("This KMZ unpacks to far more data than a map of places holds."), "file"
                        )
                    out.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
        raise BadParameter(_("This .kmz file is damaged or cut short; export it again."), "file") from None
    return str(target)


def _layers(source: str, fmt: str) -> list[str]:
    import pyogrio

    names = [str(name) for name, _geometry in pyogrio.list_layers(source)]
    if fmt == "gpx":
        return [name for name in names if name == "waypoints"]
    return names if fmt in ("kml", "kmz") else names[:1]


def _check_csv_header(source: str) -> None:
    import pyogrio

    columns = {c.lower() for c in pyogrio.read_info(source)["fields"]}
    if not (
        {"lat", "latitude", "y", "lintang"} & columns
        and {"lon", "lng", "long", "longitude", "x", "bujur"} & columns
        or {"wkt", "geometry", "geom"} & columns
    ):
        raise BadParameter(_("The CSV needs lat and lon columns, or a wkt column."), "file")


def _read(source: str, fmt: str, max_features: int) -> list[Row]:
    import pyogrio  # with geopandas and pandas: imported on the first import, not by every worker at start-up

    rows: list[Row] = []
    number = 0
    options = CSV_OPTIONS if fmt == "csv" else {}
    if fmt == "csv":
        _check_csv_header(source)
    for layer in _layers(source, fmt):
        width = len(pyogrio.read_info(source, layer=layer, **options)["fields"])
        if width > MAX_COLUMNS:  # said before anything is read: a wide file costs memory for every cell
            raise BadParameter(
                "The file has %(n)d columns; at most %(max)d are read. Keep the columns this layer "
                "uses (name, category, lat, lon, …) and send it again.",
                "file",
                n=width,
                max=MAX_COLUMNS,
            )
        frame = pyogrio.read_dataframe(source, layer=layer, force_2d=True, on_invalid="ignore", **options)
        if len(frame) + number > max_features:
            raise TooLarge(
                _("The file has more than %(n)d features; split it into smaller files.", n=max_features),
                "file",
            )
        if frame.crs is not None and frame.crs.to_epsg() != 4326:
            frame = frame.to_crs(4326)
        columns = [c for c in frame.columns if c != "geometry"]
        for record, geometry in zip(frame[columns].to_dict("records"), frame.geometry, strict=True):
            number += 1
            shape = None if geometry is None or geometry.is_empty else geometry.__geo_interface__
            if shape is not None:  # a GeometryCollection has no coordinates: the rules refuse it by its type
                shape = {
                    "type": shape["type"],
                    **({"coordinates": _lists(shape["coordinates"])} if "coordinates" in shape else {}),
                }
            rows.append(Row(number, _properties(record, html=fmt in ("kml", "kmz")), shape))
    return rows


def _lists(coords: Any) -> list[Any]:
    return (
        [_lists(c) for c in coords]
        if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (list, tuple))
        else list(coords)
    )


def check_size(data: bytes, max_bytes: int) -> None:
    """Raise TooLarge, saying both sizes in MB, when a sent file is over max_bytes."""
    if len(data) > max_bytes:
        raise TooLarge(
            "The file is %(got)s MB; the limit is %(max)s MB.",
            "file",
            got=round(len(data) / 1e6, 1),
            max=max_bytes / 1e6,
        )


def read_rows(data: bytes, filename: str | None, max_bytes: int, max_features: int) -> list[Row]:
    """Return the file's Rows, or raise BadParameter/TooLarge explaining why it cannot be read."""
    check_size(data, max_bytes)
    suffix = Path(filename or "").suffix.lower()
    fmt = EXTENSIONS.get(suffix)
    if fmt is None:
        raise BadParameter(_("Send a .geojson, .csv, .kml, .kmz or .gpx file."), "file")
    if not data.strip():
        raise BadParameter(_("The file is empty."), "file")
    with tempfile.TemporaryDirectory(prefix="geotour-import-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        source = _kmz_member(path, folder) if fmt == "kmz" else str(path)
        from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError

        try:
            rows = _read(source, fmt, max_features)
        except (DataSourceError, DataLayerError, FieldError, GeometryError, ValueError) as exc:
            detail = str(exc).replace(str(path), Path(filename or "").name).replace(folder, "")[:300]
            error = BadParameter(
                "The file could not be read as %(fmt)s; it may be damaged or cut short. Export it "
                "again and send the new file.",
                "file",
                fmt=fmt.upper(),
            )
            error.detail = (
                detail  # GDAL's own words, in English: for the API, not inside a translated sentence
            )
            raise error from None
    if not rows:
        raise BadParameter(_("The file holds no features (for GPX: no waypoints)."), "file")
    return rows
