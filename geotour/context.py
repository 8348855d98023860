"""The per-app context every request needs: the storage and the layer catalogue."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from flask import current_app

from geotour.domain.geopark_area import GeoparkArea
from geotour.domain.layers import Catalogue, LayerKind
from geotour.domain.places import whole_layer
from geotour.domain.practical import Part
from geotour.domain.stories import Term
from geotour.storage import Storage
from geotour.storage.photos import PhotoStore
from geotour.storage.snapshots import SnapshotStore


@dataclass
class GeotourContext:
    """What every request needs: the storage, the layer catalogue (and which layers start-up seeded), the
    wording of the seed's practical facts, the glossary, the safety card and the road approaches."""

    storage: Storage
    catalogue: Catalogue
    photos: PhotoStore
    snapshots: SnapshotStore
    seeded_at_start: tuple[str, ...] = ()
    admin_self_approval: bool = False  # GEOTOUR_ADMIN_SELF_APPROVAL: may an admin approve their own one
    wording: Mapping[str, tuple[Part, ...]] = field(default_factory=dict)  # how the page words seed facts
    glossary: tuple[Term, ...] = ()  # the geology terms stories link to (/glosarium)
    safety: Mapping[str, Any] | None = None  # the safety card (/keselamatan), sourced and dated
    approaches: tuple[Mapping[str, Any], ...] = ()  # road approaches: "getting there" on the sites they reach

    def area(self) -> GeoparkArea | None:
        """Return the GeoparkArea from the boundary layer (built once), or None when there is no boundary."""
        return self._boundary_area

    @cached_property
    def _boundary_area(self) -> GeoparkArea | None:
        boundary = [layer.id for layer in self.catalogue.layers if layer.kind == LayerKind.AREA]
        return GeoparkArea.from_features(
            f for layer_id in boundary for f in whole_layer(self.storage, layer_id)
        )


def current() -> GeotourContext:
    """Return the running app's GeotourContext."""
    return current_app.extensions["geotour"]
