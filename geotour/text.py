"""Words people write, read the same way everywhere: translated messages for code that must also run
without Flask (scripts, tests), and the one reader of yes/no words (settings, parameters, imported cells).

Numbers given as values are written the way the language writes them: a float reads "12,3" in
Indonesian and "12.3" in English (so a message takes them with %(name)s, never %(name).1f).
"""

import decimal
from typing import Any


def gettext(message: str, **values: Any) -> str:
    """Return `message` in the request's language when there is a request, else as written (English)."""
    from flask import has_request_context

    if has_request_context():
        from flask_babel import format_decimal
        from flask_babel import gettext as translate

        values = {k: _decimal(v, format_decimal) if isinstance(v, float) else v for k, v in values.items()}
        return translate(message, **values)
    return message % values if values else message


def _decimal(value: float, format_decimal: Any) -> str:
    """Return a number as the language writes it; one too large for Babel's decimals (1e308) as Python does."""
    try:
        return str(format_decimal(value, format="#,##0.######"))
    except decimal.InvalidOperation:
        return format(value, "g")


TRUE_WORDS = ("1", "true", "yes", "on", "ya")
FALSE_WORDS = ("0", "false", "no", "off", "tidak", "")
WORDS = "1/0, true/false, yes/no, on/off, ya/tidak"


def read_bool(value: object) -> bool | None:
    """Return True or False for a yes/no word (any case, spaces around ignored), None for anything else."""
    if isinstance(value, bool):
        return value
    word = ("" if value is None else str(value)).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None
