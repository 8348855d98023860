"""Links that put a tourist in touch or on the way: WhatsApp, phone and directions. Pure functions."""

import re
from urllib.parse import quote, urlencode

_NOT_DIGITS = re.compile(r"\D")


def phone_digits(number: object) -> str | None:
    """Return an international phone number as digits only (0812... becomes 62812...), or None."""
    if not isinstance(number, str):
        return None
    digits = _NOT_DIGITS.sub("", number)
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    if digits.startswith("620"):
        return None  # no Indonesian number has a 0 after the country code: it is a placeholder
    return digits if 8 <= len(digits) <= 15 else None


def local_number(number: object) -> str | None:
    """Return a number as people here write it ("0812 3456 7890"; a foreign one as +44 …), or None."""
    digits = phone_digits(number)
    if digits is None:
        return None
    if not digits.startswith("62"):
        return "+" + digits
    local = "0" + digits[2:]
    return " ".join(local[i : i + 4] for i in range(0, len(local), 4))


def whatsapp_url(number: object, message: str) -> str | None:
    """Return a wa.me link with a prefilled message, or None when the number is unusable."""
    digits = phone_digits(number)
    return f"https://wa.me/{digits}?{urlencode({'text': message}, quote_via=quote)}" if digits else None


def tel_url(number: object) -> str | None:
    """Return a tel: link, or None when the number is unusable."""
    digits = phone_digits(number)
    return f"tel:+{digits}" if digits else None


def directions(lat: float, lon: float, name: str) -> dict[str, str]:
    """Return directions links to a point (a geo: URI, Google Maps, OpenStreetMap) and searches by name
    (for a place whose point is only an estimate: the maps app may know it better)."""
    point = f"{lat:.6f},{lon:.6f}"
    return {
        "search_geo": f"geo:0,0?q={quote(name, safe='')}",
        "search_google": f"https://www.google.com/maps/search/?{urlencode({'api': 1, 'query': name})}",
        "geo": f"geo:{point}?q={point}({quote(name, safe='')})",
        "google": f"https://www.google.com/maps/dir/?{urlencode({'api': 1, 'destination': point})}",
        "osm": f"https://www.openstreetmap.org/directions?{urlencode({'route': ';' + point})}",
    }
