"""Translated messages for domain code that must also run without Flask (scripts, tests)."""


def gettext(message, **values):
    """Return `message` in the request's language when there is a request, else as written (English)."""
    from flask import has_request_context

    if has_request_context():
        from flask_babel import gettext as translate

        return translate(message, **values)
    return message % values if values else message
