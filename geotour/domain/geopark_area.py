"""Where contributions may be: inside the geopark boundary plus a margin, measured in metres."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer
from shapely import prepared
from shapely.geometry import Point, shape
from shapely.ops import unary_union

from geotour.domain.features import Feature, Geometry

MARGIN_M = 2000
# UTM zone 48S covers the whole geopark (106.2-106.8 E); its metres are within 0.1 % of the ellipsoid's here.
METRIC_CRS = "EPSG:32748"


@dataclass(frozen=True)
class Placement:
    """Where a point falls: inside (with the margin), or how far outside, and whether swapping lon/lat fixes it."""

    inside: bool
    outside_m: float
    swapped_inside: bool
    south_sign_missing: bool = False


class GeoparkArea:
    """The boundary polygons, projected once, with a prepared margin for fast point checks."""

    def __init__(self, geometries: Sequence[Geometry], margin_m: float = MARGIN_M) -> None:
        self._to_metric = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
        self.lonlat = unary_union([shape(g) for g in geometries])  # the boundary itself, in lon/lat
        self.bounds_lonlat = self.lonlat.bounds  # (west, south, east, north)
        area = unary_union([shapely.transform(shape(g), self._project) for g in geometries])
        self.area = area
        self.margin_m = margin_m
        self._with_margin = prepared.prep(area.buffer(margin_m))

    def _project(self, coords: np.ndarray) -> np.ndarray:
        x, y = self._to_metric.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    @classmethod
    def from_features(cls, features: Iterable[Feature]) -> "GeoparkArea | None":
        """Build the area from the boundary layer's GeoJSON features, or None when the layer is empty."""
        geometries = [g for f in features if (g := f.get("geometry"))]
        return cls(geometries) if geometries else None

    def _outside_m(self, lon: float, lat: float) -> float:
        point = Point(self._to_metric.transform(lon, lat))
        if self._with_margin.contains(point):
            return 0.0
        return float(self.area.distance(point))

    def place(self, lon: float, lat: float) -> Placement:
        """Return the Placement of a lon/lat point (either may be out of range: then it is far outside)."""
        valid = -180 <= lon <= 180 and -90 <= lat <= 90
        outside_m = self._outside_m(lon, lat) if valid else float("inf")
        swapped_valid = -180 <= lat <= 180 and -90 <= lon <= 90
        swapped_inside = outside_m > 0 and swapped_valid and self._outside_m(lat, lon) == 0
        # Java is south of the equator: a latitude typed without its minus sign lands in the sea off Vietnam.
        sign_missing = (
            outside_m > 0 and not swapped_inside and valid and lat > 0 and self._outside_m(lon, -lat) == 0
        )
        return Placement(outside_m == 0, outside_m, swapped_inside, sign_missing)

    def share(self, geometry: Geometry) -> tuple[float, float]:
        """Return (the part of a lon/lat geometry inside the area with its margin, as a share of the
        geometry's own area (0 to 1); the geometry's area over the geopark's), both measured in metres."""
        projected = shapely.transform(shape(geometry), self._project)
        if projected.area <= 0:
            return 0.0, 0.0
        inside = projected.intersection(self.area.buffer(self.margin_m)).area
        return inside / projected.area, projected.area / self.area.area
