"""The geopark partner label ("Mitra Geopark"): a business the tourism office found to keep the geopark's rules,
against a checklist it keeps, from a day granted to a day it expires. Pure rules.

A business's label is its property `partner`: {"granted": "YYYY-MM-DD", "expires": "YYYY-MM-DD",
"criteria": [{"id", "text_id", "text_en"}, ...]} (the checklist as it stood when granted). It holds from the
day granted to the day it expires, both included (WIB); after that it is simply not shown (pages, the map
and `partner=true` read it against today), and the office renews it or not.
"""

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

PROPERTY = "partner"
TERM_DAYS = 365  # a label is granted for a year unless the office says otherwise
MAX_TERM_DAYS = 2 * 366
REMIND_DAYS = 30  # the office is reminded of a label this many days before it expires
MAX_CRITERIA = 12
MAX_CRITERION = 200

#: The first checklist, until the office edits it (Hong Kong's and the Burren's partner schemes ask the same).
DEFAULT_CRITERIA = (
    {
        "id": "local",
        "text_id": "Dimiliki dan dijalankan warga setempat",
        "text_en": "Locally owned and run",
    },
    {
        "id": "information",
        "text_id": "Menyediakan informasi geopark bagi tamu",
        "text_en": "Shows geopark information to its guests",
    },
    {
        "id": "waste",
        "text_id": "Mengelola sampahnya (dipilah, tidak dibakar atau dibuang ke sungai dan laut)",
        "text_en": "Handles its waste (sorted, never burnt or dumped in rivers or the sea)",
    },
    {
        "id": "local_products",
        "text_id": "Memakai produk, bahan dan pemandu lokal",
        "text_en": "Uses local products, produce and guides",
    },
)


def label(properties: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """Return a place's label as stored (granted, expires, criteria), or None; a malformed one is none."""
    found = properties.get(PROPERTY)
    if not isinstance(found, Mapping):
        return None
    try:
        date.fromisoformat(str(found.get("granted")))
        date.fromisoformat(str(found.get("expires")))
    except ValueError:
        return None
    return found


def holds(properties: Mapping[str, Any], day: date) -> bool:
    """Tell whether a place's label holds on `day` (granted on or before it, expiring on or after it)."""
    found = label(properties)
    return found is not None and str(found["granted"]) <= day.isoformat() <= str(found["expires"])


def default_expiry(granted: date) -> date:
    """Return the day a label granted on `granted` expires by default: a year later, the day before."""
    return granted + timedelta(days=TERM_DAYS - 1)
