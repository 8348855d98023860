"""What search engines and link previews read of a place: schema.org JSON-LD and Open Graph tags."""
import re

from geotour.domain.layers import MSME

_HOURS = re.compile(r"^(\d{2})[.:](\d{2})\s*[–-]\s*(\d{2})[.:](\d{2})$")


def opening_hours(text):
    """Return schema.org openingHours ("Mo-Su 07:00-17:00") from "07.00–17.00" or "24 jam", or None."""
    if not isinstance(text, str):
        return None
    if text.strip().lower() in ("24 jam", "24 hours"):
        return "Mo-Su 00:00-23:59"
    match = _HOURS.match(text.strip())
    if not match:
        return None
    h1, m1, h2, m2 = match.groups()
    return f"Mo-Su {h1}:{m1}-{h2}:{m2}"


def json_ld(place, url, description):
    """Return the schema.org TouristAttraction or LocalBusiness object for a place view."""
    props = place["props"]
    data = {
        "@context": "https://schema.org",
        "@type": "LocalBusiness" if place["layer"].kind == MSME else "TouristAttraction",
        "name": place["name"], "url": url,
        "geo": {"@type": "GeoCoordinates", "latitude": place["lat"], "longitude": place["lon"]},
        "address": {"@type": "PostalAddress", "addressRegion": "Jawa Barat", "addressCountry": "ID",
                    "addressLocality": ", ".join(p for p in (props.get("desa"), props.get("kecamatan"),
                                                             "Kabupaten Sukabumi") if p)},
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
        if props.get("phone"):
            data["telephone"] = props["phone"]
        if props.get("price_range"):
            data["priceRange"] = props["price_range"]
    else:
        data["touristType"] = "Geopark visitors"
    return data
