"""Translated messages for domain code that must also run without Flask (scripts, tests).

Numbers given as values are written the way the language writes them: a float reads "12,3" in
Indonesian and "12.3" in English (so a message takes them with %(name)s, never %(name).1f).
"""


def gettext(message, **values):
    """Return `message` in the request's language when there is a request, else as written (English)."""
    from flask import has_request_context

    if has_request_context():
        from flask_babel import format_decimal
        from flask_babel import gettext as translate

        values = {k: format_decimal(v, format="#,##0.######") if isinstance(v, float) else v for k, v in values.items()}
        return translate(message, **values)
    return message % values if values else message
