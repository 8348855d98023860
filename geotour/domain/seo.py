"""What search engines and link previews read of a place: schema.org JSON-LD and Open Graph tags."""

from collections.abc import Mapping
from typing import Any

from geotour.domain.layers import MSME
from geotour.domain.visit import parse_hours


def opening_hours(text: object) -> str | None:
    """Return schema.org openingHours ("Mo-Su 07:00-17:00") from "07.00–17.00" or "24 jam", or None."""
    hours = parse_hours(text)
    if hours is None:
        return None
    if hours.all_day:
        return "Mo-Su 00:00-23:59"
    return "Mo-Su " + hours.label().replace(".", ":").replace("–", "-")


def json_ld(
    place: Mapping[str, Any], props: Mapping[str, Any], url: str, description: str | None
) -> dict[str, Any]:
    """Return the schema.org TouristAttraction or LocalBusiness object for a place view and its properties."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LocalBusiness" if place["layer"].kind == MSME else "TouristAttraction",
        "name": place["name"],
        "url": url,
        "geo": {"@type": "GeoCoordinates", "latitude": place["lat"], "longitude": place["lon"]},
        "address": {
            "@type": "PostalAddress",
            "addressRegion": "Jawa Barat",
            "addressCountry": "ID",
            "addressLocality": ", ".join(
                p for p in (place["village"], place["district"], "Kabupaten Sukabumi") if p
            ),
        },
    }
    if description:
        data["description"] = description
    if props.get("photo"):
        data["image"] = props["photo"]
    if isinstance(props.get("is_free"), bool):
        data["isAccessibleForFree"] = props["is_free"]
    hours = opening_hours(props.get("opening_hours"))
    if hours:
        data["openingHours"] = hours
    if place["layer"].kind == MSME:
        if props.get("phone") and not props.get("sample"):  # an invented number must not reach search engines
            data["telephone"] = props["phone"]
        if props.get("price_range"):
            data["priceRange"] = props["price_range"]
    else:
        data["touristType"] = "Geopark visitors"
    return data
