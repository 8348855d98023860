"""Issue 29, part 4: the safety card, one tap from every page, each fact with its source and date, and no
evacuation point drawn that nobody has published."""

import json
import re

import pytest
from markupsafe import escape

from geotour.domain import safety
from geotour.errors import SeedDataError
from tests.conftest import DATA_DIR

READS_ONLY = True
CARD = safety.load_safety(DATA_DIR)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_card_shows_every_fact_and_number_with_its_source_and_date(client, lang):
    answer = client.get(f"/keselamatan?lang={lang}")
    assert answer.status_code == 200 and "Set-Cookie" not in answer.headers  # the worker fetches both
    page = answer.get_data(as_text=True)
    for number in CARD["numbers"]:
        assert f'href="tel:{number["number"]}"' in page
        assert f'{escape(number["note"][lang])} <small class="gt-source">({number["date"]}, ' in page
    facts = [item for section in CARD["sections"] for item in section["items"]]
    assert len(facts) >= 10
    for item in facts:
        source = item["source"]
        named = (
            f'<a href="{escape(source["url"])}" rel="nofollow noopener">{escape(source["name"])}</a>'
            if source["url"]
            else escape(source["name"])
        )
        assert (
            f'{escape(item["text"][lang])} <small class="gt-source">({item["date"]}, {named})</small>' in page
        )
    for unknown in CARD["not_known"]:
        assert str(escape(unknown[lang])) in page


def test_the_card_says_what_the_issue_asks_in_both_languages(client):
    page = client.get("/keselamatan?lang=id").get_data(as_text=True)
    assert "Bendera merah berarti tidak aman untuk berenang" in page
    assert "segera naik ke tempat tinggi" in page and "Jangan menunggu peringatan resmi" in page
    assert 'href="tel:112"' in page and 'href="tel:115"' in page
    english = client.get("/keselamatan?lang=en").get_data(as_text=True)
    assert (
        "A red flag means it is not safe to swim" in english
        and "Do not wait for an official warning" in english
    )
    # No evacuation point is drawn from the news: no map, no coordinates, and the card says so.
    assert "gt-map" not in page and not re.search(r"-?\d{1,3}\.\d{4,}", re.sub(r"<[^>]+>", " ", page))
    assert "Geotour tidak menggambar titik yang belum diterbitkan" in page
    assert 'href="https://www.bmkg.go.id/"' in page


@pytest.mark.parametrize(
    "path", ["/", "/places", "/sites/curug-sodong", "/msmes/msme-0001", "/glosarium", "/offline"]
)
def test_the_card_is_one_tap_from_every_page(client, path):
    for lang in ("id", "en"):
        page = client.get(path, query_string={"lang": lang}).get_data(as_text=True)
        assert f'<a class="gt-bar-sos" href="/keselamatan?lang={lang}"' in page, (path, lang)


def test_the_worker_keeps_the_card_in_both_languages(client):
    worker = client.get("/sw.js").get_data(as_text=True)
    assert '"/keselamatan?lang=id"' in worker and '"/keselamatan?lang=en"' in worker
    assert "/static/js/safety.js" in worker
    assert "/keselamatan" in client.get("/sitemap.xml").get_data(as_text=True)


@pytest.mark.parametrize(
    "change, fault",
    [
        (lambda d: d.update(numbers=[]), "at least one emergency number"),
        (lambda d: d["numbers"][0].update(number="11x"), "3 to 15 digits"),
        (lambda d: d["sections"][0]["items"][0].pop("date"), "needs the source's date"),
        (
            lambda d: d["sections"][0]["items"][0]["source"].update(url="javascript:alert(1)"),
            "http(s) address",
        ),
        (lambda d: d["sections"][0].update(level="red"), "a level (info, warning, danger)"),
        (lambda d: d["sections"][1]["items"][0]["text"].pop("en"), "needs a text in id and in en"),
    ],
)
def test_a_card_without_its_sources_stops_the_start(tmp_path, change, fault):
    data = json.loads((DATA_DIR / safety.SAFETY_FILE).read_text(encoding="utf-8"))
    change(data)
    (tmp_path / safety.SAFETY_FILE).write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SeedDataError, match=re.escape(fault)):
        safety.load_safety(tmp_path)
