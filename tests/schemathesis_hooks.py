"""What the OpenAPI document cannot say of two query parameters, told to Schemathesis (tests/test_api_contract.py).

OpenAPI 3.0 has no way to say that bbox's second and fourth numbers are latitudes, nor that each minimum comes
before its maximum, nor which strings are RFC 3339 instants: the parameters' descriptions say so in words, and
the server answers any other value with a 400 naming the parameter. Cases that break these rules are therefore
not sent as valid ones.
"""

from datetime import datetime

import schemathesis


def _ordered_bbox(text: str) -> bool:
    try:
        numbers = [float(part) for part in text.split(",")]
    except ValueError:
        return False
    if len(numbers) == 6:
        numbers = numbers[0:2] + numbers[3:5]
    if len(numbers) != 4:
        return False
    west, south, east, north = numbers
    return -90 <= south <= north <= 90 and west <= east


def _instant(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _rfc3339(text: str) -> bool:
    ends = text.split("/")
    if len(ends) == 1:
        return _instant(text)
    return len(ends) == 2 and ends != ["..", ".."] and all(e in ("..", "") or _instant(e) for e in ends)


@schemathesis.hook
def filter_query(ctx: schemathesis.HookContext, query: dict | None) -> bool:
    if not query:
        return True
    bbox, when = query.get("bbox"), query.get("datetime")
    if isinstance(bbox, list):
        bbox = ",".join(str(n) for n in bbox)
    return (not bbox or _ordered_bbox(str(bbox))) and (not when or _rfc3339(str(when)))
