"""Language choice and the way numbers and directions are written for people (Flask-Babel)."""
from babel.numbers import format_decimal
from flask import request
from flask_babel import Babel, get_locale, lazy_gettext as _l

from .config import LOCALES
from .nearby import compass_point

COMPASS_WORDS = {
    "N": _l("north"), "NE": _l("northeast"), "E": _l("east"), "SE": _l("southeast"),
    "S": _l("south"), "SW": _l("southwest"), "W": _l("west"), "NW": _l("northwest"),
}
COMPASS_ARROWS = {"N": "↑", "NE": "↗", "E": "→", "SE": "↘", "S": "↓", "SW": "↙", "W": "←", "NW": "↖"}


def select_locale():
    """Return the UI language: ?lang= when it names one we have, else the configured default."""
    asked = request.args.get("lang")
    return asked if asked in LOCALES else None


def init_app(app):
    """Attach Flask-Babel with our locale selector and template helpers."""
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals.update(
        current_locale=lambda: str(get_locale()),
        format_distance=lambda m: format_distance(m, str(get_locale())),
        direction_word=direction_word,
        direction_arrow=lambda bearing: COMPASS_ARROWS[compass_point(bearing)],
    )


def format_distance(distance_m, locale):
    """Return a distance the way people say it: "350 m", "2,4 km" (id) or "2.4 km" (en)."""
    if distance_m < 1000:
        rounded = int(round(distance_m / 10.0) * 10) if distance_m >= 100 else int(round(distance_m))
        return f"{rounded} m"
    number_format = "#,##0.0" if distance_m < 10_000 else "#,##0"
    return f"{format_decimal(distance_m / 1000.0, format=number_format, locale=locale)} km"


def direction_word(bearing_deg):
    """Return the compass word (in the UI language) for a bearing in degrees."""
    return str(COMPASS_WORDS[compass_point(bearing_deg)])
