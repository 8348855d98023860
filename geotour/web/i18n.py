"""Language choice and the way numbers and directions are written for people (Flask-Babel)."""

from typing import Any

from babel import Locale
from babel.numbers import format_decimal
from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from geotour.config import LOCALES
from geotour.domain.geodesy import compass_point

COMPASS_WORDS = {
    "N": _l("north"),
    "NE": _l("northeast"),
    "E": _l("east"),
    "SE": _l("southeast"),
    "S": _l("south"),
    "SW": _l("southwest"),
    "W": _l("west"),
    "NW": _l("northwest"),
}
COMPASS_ARROWS = {"N": "↑", "NE": "↗", "E": "→", "SE": "↘", "S": "↓", "SW": "↙", "W": "←", "NW": "↖"}


def select_locale() -> str | None:
    """Return the UI language: ?lang=, then Accept-Language, else the default. A choice is kept in the links
    (the pages' url_defaults carry ?lang= on), never in a cookie: no public answer sets one (/privasi)."""
    asked = request.args.get("lang")
    if asked in LOCALES:
        return asked
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(LOCALES) or "en"  # scripts get English unless they ask
    return request.accept_languages.best_match(LOCALES)


# Addresses that speak no visitor's language, or whose answers are shared by every language: no ?lang= added.
NO_LANG_PREFIXES = ("/api/", "/ogc", "/static/", "/photos/", "/healthz", "/robots.txt", "/sitemap.xml", "/_")


def keep_language(endpoint: str, values: dict[str, Any]) -> None:
    """Carry a visitor's ?lang= choice into every link and form the pages make (url_for), so whoever chose
    English stays in English, page after page and form after form, with no cookie."""
    asked = request.args.get("lang") if has_request_context() else None
    if asked not in LOCALES or "lang" in values:
        return
    try:
        rule = next(current_app.url_map.iter_rules(endpoint), None)
    except KeyError:  # no such endpoint: url_for says so itself (BuildError)
        return
    if rule is not None and not rule.rule.startswith(NO_LANG_PREFIXES):
        values["lang"] = asked


def vary_by_language(response: Response) -> Response:
    """Mark pages as varying by Accept-Language (a shared cache keeps one copy per language)."""
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
    return response


def init_app(app: Flask) -> None:
    """Attach Flask-Babel with our locale selector and template helpers."""
    Babel(app, locale_selector=select_locale)
    app.after_request(vary_by_language)
    app.url_defaults(keep_language)
    app.jinja_env.globals.update(
        current_locale=lambda: str(get_locale()),
        format_distance=lambda m: format_distance(m, str(get_locale())),
        direction_word=direction_word,
        direction_arrow=lambda bearing: COMPASS_ARROWS[compass_point(bearing)],
    )


# How a distance is said: metres below km_from_m (to the nearest 10 from tens_from_m), then km with one
# decimal, whole km from whole_km_from_m. The map's JavaScript gets these with the locale's symbols.
DISTANCE_STEPS = {"tens_from_m": 100, "km_from_m": 1000, "whole_km_from_m": 10_000}


def format_distance(distance_m: float, locale: str) -> str:
    """Return a distance the way people say it: "350 m", "2,4 km" (id) or "2.4 km" (en)."""
    if distance_m < DISTANCE_STEPS["km_from_m"]:
        tens = distance_m >= DISTANCE_STEPS["tens_from_m"]
        rounded = int(round(distance_m / 10.0) * 10) if tens else int(round(distance_m))
        return f"{rounded} m"
    number_format = "#,##0.#" if distance_m < DISTANCE_STEPS["whole_km_from_m"] else "#,##0"
    return f"{format_decimal(distance_m / 1000.0, format=number_format, locale=locale)} km"


def distance_format(locale: str) -> dict[str, Any]:
    """Return what the JavaScript needs to say distances as format_distance does, in this locale."""
    symbols = Locale.parse(locale).number_symbols["latn"]
    return {**DISTANCE_STEPS, "decimal": symbols["decimal"], "group": symbols["group"]}


def direction_word(bearing_deg: float) -> str:
    """Return the compass word (in the UI language) for a bearing in degrees."""
    return str(COMPASS_WORDS[compass_point(bearing_deg)])
