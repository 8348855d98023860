"""OpenStreetMap's data licence (ODbL) as Geotour honours it: what to credit, and where an object lives."""

import re

ATTRIBUTION = "© OpenStreetMap contributors"
LICENCE_URL = "https://www.openstreetmap.org/copyright"
OBJECT_KEY = re.compile(r"^(node|way|relation)/[0-9]{1,15}$")


def object_url(key: object) -> str | None:
    """Return the openstreetmap.org page of "node/123", or None when `key` is not an OSM object's."""
    return f"https://www.openstreetmap.org/{key}" if isinstance(key, str) and OBJECT_KEY.match(key) else None
