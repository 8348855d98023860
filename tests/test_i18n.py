"""Every UI string is translated, and each language shows none of the other's UI text."""

import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import geotour
from geotour.errors import GeotourError
from geotour.web.i18n import format_distance

READS_ONLY = True  # one app for the module's tests (see conftest.app); a test that writes makes its own

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "geotour" / "translations" / "id" / "LC_MESSAGES" / "messages.po"
METHODS = [("geotour/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.xml", "jinja2")]


def catalog():
    with PO.open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


def message_keywords():
    """Return the extraction keywords `make messages` uses (the Makefile's MESSAGE_KEYWORDS)."""
    makefile = (ROOT / "Makefile").read_text()
    listed = re.search(r"^MESSAGE_KEYWORDS = ((?:.*\\\n)*.*)$", makefile, re.M).group(1)
    return ["_", "gettext", *listed.replace("\\", " ").split()]


def source_messages():
    found = set()
    keywords = {k: None for k in message_keywords()}
    for _, _, message, _, _ in extract_from_dir(str(ROOT), METHODS, keywords=keywords):
        found.add(message if isinstance(message, str) else message[0])
    return found


def every_error_class():
    for module in pkgutil.walk_packages(geotour.__path__, "geotour."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)
    found, todo = set(), [GeotourError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo += cls.__subclasses__()
    return found


def test_every_error_class_is_an_extraction_keyword():
    """An error's message is a catalogue id, so `make messages` must extract it from every error class."""
    assert every_error_class() <= set(message_keywords())


def test_every_ui_string_in_the_code_has_an_indonesian_translation():
    translations = catalog()
    missing = sorted(m for m in source_messages() if not translations.get(m))
    assert not missing, f"run `make messages` and translate: {missing}"


PAGES = ["/", "/sites/curug-sodong", "/msmes/msme-0001", "/places", "/embed/builder", "/sites/nope"]


def visible_text(html, client):
    """Return the page's visible text without data: place names are names in every language."""
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    # What sources say is data too; each part's language is tested in tests/test_practical_facts.py.
    html = re.sub(r'<ul class="gt-sourced">.*?</ul>', " ", html, flags=re.S)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    names = {"Bahasa Indonesia"}  # a language is offered in its own name
    for layer in ("geosites", "biosites", "cultural_sites", "msmes"):
        for feature in client.get(f"/api/v1/layers/{layer}?limit=5000").get_json(force=True)["features"]:
            props = feature["properties"]
            names.update(v for v in (props["name"], props.get("desa"), props.get("kecamatan")) if v)
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    return text


@pytest.mark.parametrize("lang", ["en", "id"])
@pytest.mark.parametrize("path", PAGES)
def test_a_page_shows_no_ui_text_of_the_other_language(client, path, lang):
    text = visible_text(client.get(path, query_string={"lang": lang}).get_data(as_text=True), client)
    pairs = catalog().items()
    other = [
        indonesian if lang == "en" else english for english, indonesian in pairs if indonesian != english
    ]
    leftovers = [t for t in other if len(t) > 3 and "%(" not in t and t in text]
    assert not leftovers


@pytest.mark.parametrize(
    "metres, locale, expected",
    [
        (87.4, "id", "87 m"),
        (354, "id", "350 m"),
        (2430, "id", "2,4 km"),
        (2430, "en", "2.4 km"),
        (12600, "id", "13 km"),
        (999, "en", "1000 m"),
    ],
)
def test_distances_read_the_way_people_talk(metres, locale, expected):
    assert format_distance(metres, locale) == expected
