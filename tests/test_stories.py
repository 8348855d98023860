"""Issue 28, parts 2, 3 and 6: a place's story (a small Markdown subset, cleaned), written and edited through
proposals and moderation with versions and a readable diff; the geology glossary its terms link to; the
signboard's QR code opening the story (tests/test_seo.py)."""

import json
import re

import pytest

from geotour.context import current
from geotour.contributions import accounts, decisions, workflow
from geotour.contributions.changes import diff, word_diff
from geotour.domain import stories
from geotour.errors import SeedDataError
from tests.conftest import DATA_DIR
from tests.contributions import login, make_users
from tests.test_tourist_pages import sites

READS_ONLY = True
GLOSSARY = stories.load_glossary(DATA_DIR)


def story_html(page):
    match = re.search(r'<div class="gt-story__text"[^>]*>(.*?)</div>', page, re.S)
    assert match, "the page has no story"
    return match.group(1)


@pytest.mark.parametrize(
    "markdown, forbidden",
    [
        ("<script>alert(1)</script>", "<script"),
        ("[klik](javascript:alert(1))", 'href="javascript'),
        ("[klik](JaVaScRiPt:alert(1))", "href="),
        ("[klik](data:text/html;base64,PHNjcmlwdD4=)", "href="),
        ("[klik](vbscript:msgbox)", "href="),
        ("[klik](//evil.example/x)", 'evil.example/x"'),
        ("![foto](https://evil.example/track.png)", "<img"),
        ('<img src=x onerror="alert(1)">', "<img"),
        ("<style>body{display:none}</style>", "<style"),
        ('<a href="https://e.org" onclick="alert(1)">x</a>', "onclick"),
        ("<iframe src=https://evil.example></iframe>", "<iframe"),
        ('<p style="position:fixed">x</p>', "style="),
        ('[x](https://e.org "title" onmouseover=alert(1))', "onmouseover="),
    ],
)
def test_hostile_markdown_renders_as_text(markdown, forbidden):
    html = stories.to_html(markdown)
    tags = " ".join(re.findall(r"<[^>]+>", html))  # what the browser reads as markup (the rest is text)
    assert forbidden not in tags
    assert set(re.findall(r"<([a-z0-9]+)", html)) <= stories.TAGS
    for href in re.findall(r'href="([^"]*)"', html):
        assert href.startswith(("https://", "http://", "/", "#")) and not href.startswith("//")


def test_raw_html_and_foreign_images_stay_visible_as_written():
    html = stories.to_html('<b onclick="x">tebal</b> ![foto](https://evil.example/a.png)')
    assert '&lt;b onclick="x"&gt;tebal&lt;/b&gt;' in html
    assert "![foto](https://evil.example/a.png)" in html


def test_the_markdown_subset_renders_sections_emphasis_lists_and_links():
    html = stories.to_html(
        "## Apa yang terlihat\n\nBatuan **breksi** dan *lava bantal*.\n\n- satu\n- dua\n\n"
        "> kutipan\n\n### Kecil\n\n[Sumber](https://e.org/a) dan [glosarium](/glosarium#breksi)"
    )
    assert "<h3>Apa yang terlihat</h3>" in html and "<h4>Kecil</h4>" in html
    assert "<strong>breksi</strong>" in html and "<em>lava bantal</em>" in html
    assert "<ul>\n<li>satu</li>" in html and "<blockquote>" in html
    assert '<a href="https://e.org/a" rel="nofollow noopener ugc">Sumber</a>' in html
    assert '<a href="/glosarium#breksi"' in html


def test_the_glossary_has_the_terms_the_issue_names_in_both_languages():
    ids = {term.id for term in GLOSSARY}
    assert {"breksi", "ofiolit", "melange", "amfiteater", "sesar", "formasi", "lava-bantal"} <= ids
    for term in GLOSSARY:
        assert term.title["id"] and term.title["en"] and term.text["id"] and term.text["en"]
        assert term.words["id"] and term.words["en"]


def test_a_terms_first_use_links_to_the_glossary_once_and_never_in_a_heading_or_link():
    html = stories.to_html(
        "## Breksi di sini\n\nBreksi, lalu breksi lagi. [breksi](https://e.org) Lava bantal dan ofiolit; "
        "pillow lava. Kata *sesar* dan **Formasi** Ciletuh; formasinya bukan istilah."
    )
    linked = stories.link_terms(html, GLOSSARY, "id", lambda t: f"/glosarium?lang=id#{t}")
    found = re.findall(r'<a class="gt-term" href="/glosarium\?lang=id#([a-z-]+)">([^<]+)</a>', linked)
    assert found == [
        ("breksi", "Breksi"),
        ("lava-bantal", "Lava bantal"),
        ("ofiolit", "ofiolit"),
        ("sesar", "sesar"),
        ("formasi", "Formasi"),
    ]
    assert (
        "<h3>Breksi di sini</h3>" in linked
        and '<a href="https://e.org" rel="nofollow noopener ugc">breksi</a>' in linked
    )


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_site_starts_its_story_from_its_description_and_adds_nothing(client, lang):
    for feature in sites():
        props = feature["properties"]
        page = client.get(f"/sites/{feature['id']}?lang={lang}").get_data(as_text=True)
        text = re.sub(r"<[^>]+>", "", story_html(page))
        heading = stories.SECTION_TITLES["see"][lang]
        assert text.split() == [*heading.split(), *props[f"description_{lang}"].split()], feature["id"]
        assert 'class="gt-desc"' not in page  # the description is not shown twice


def test_the_glossary_page_lists_every_term_in_the_pages_language(client):
    for lang, title in (("id", "Glosarium geologi"), ("en", "Geology glossary")):
        page = client.get(f"/glosarium?lang={lang}")
        assert page.status_code == 200 and "Set-Cookie" not in page.headers  # the worker fetches both
        html = page.get_data(as_text=True)
        assert f"<h1>{title}</h1>" in html
        for term in GLOSSARY:
            assert f'<dt id="{term.id}" lang="{lang}">{term.title[lang]}' in html
    assert "/glosarium" in client.get("/sitemap.xml").get_data(as_text=True)


def test_a_story_is_written_through_moderation_with_versions_and_a_readable_diff(make_app):
    app = make_app()
    users = make_users(app)
    first = "## Apa yang terlihat\n\nTiga air terjun bertingkat.\n\n## Coba cari\n\nBatuan breksi di tebing."
    second = first.replace("Tiga air terjun bertingkat.", "Tiga air terjun bertingkat di Sungai Ciletuh.")
    client = app.test_client()
    with app.test_request_context():
        ctx = current()
        submission = workflow.submit_edit(ctx, users["kim1"], "curug-awang", {"story_id": first})
        pending = client.get("/sites/curug-awang?lang=id").get_data(as_text=True)
        assert "Tiga air terjun" not in pending  # nothing shows before the office approves it
        decisions.approve(ctx, users["mod"], submission["id"])
        again = workflow.submit_edit(ctx, users["kim1"], "curug-awang", {"story_id": second})
    page = client.get("/sites/curug-awang?lang=id").get_data(as_text=True)
    story = story_html(page)
    assert "<h3>Apa yang terlihat</h3>" in story and "<h3>Coba cari</h3>" in story
    assert 'Batuan <a class="gt-term" href="/glosarium?lang=id#breksi">breksi</a>' in story
    assert "Bantu menuliskannya" not in page  # a written story asks no more
    english = client.get("/sites/curug-awang?lang=en").get_data(as_text=True)
    assert 'class="gt-story__text" lang="id"' in english and "not written in English yet" in english

    rows = {
        r["field"]: r for r in diff({"properties": {"story_id": first}}, {"properties": {"story_id": second}})
    }
    assert rows["story_id"]["words"] == [
        ("same", "## Apa yang terlihat\n\nTiga air terjun "),
        ("del", "bertingkat."),
        ("ins", "bertingkat di Sungai Ciletuh."),
        ("same", "\n\n## Coba cari\n\nBatuan breksi di tebing."),
    ]
    mod = app.test_client()
    login(mod, "mod")
    queue = mod.get("/moderation?lang=id").get_data(as_text=True)
    row = re.search(r'<tr data-field="story_id">.*?</tr>', queue, re.S)
    assert row and "<del>bertingkat.</del><ins>bertingkat di Sungai Ciletuh.</ins>" in row.group(0)
    with app.test_request_context():
        decisions.approve(current(), users["mod"], again["id"])
    history = mod.get("/moderation/features/curug-awang?lang=id").get_data(as_text=True)
    assert history.count('<tr data-field="story_id">') == 2  # each version, with what it changed


def test_a_hostile_story_is_stored_as_sent_and_shown_as_text(make_app):
    app = make_app()
    users = make_users(app)
    hostile = "## <script>alert(1)</script>\n\n<img src=x onerror=alert(2)> [x](javascript:alert(3))"
    with app.test_request_context():
        submission = workflow.submit_edit(current(), users["kim1"], "curug-tengah", {"story_en": hostile})
        decisions.approve(current(), users["mod"], submission["id"])
    client = app.test_client()
    assert client.get("/api/v1/features/curug-tengah").get_json()["properties"]["story_en"] == hostile
    story = story_html(client.get("/sites/curug-tengah?lang=en").get_data(as_text=True))
    assert "<script" not in story and "<img" not in story and "javascript:" not in story.split("[x](")[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in story and "[x](javascript:alert(3))" in story


def test_a_story_longer_than_the_limit_is_refused_with_the_field_named(make_app):
    app = make_app()
    users = make_users(app)
    with app.test_request_context(), pytest.raises(Exception) as refused:
        workflow.submit_edit(
            current(), users["kim1"], "curug-tengah", {"story_id": "a" * (stories.MAX_LENGTH + 1)}
        )
    assert [p["field"] for p in refused.value.problems] == ["story_id"]


def test_the_form_offers_a_story_in_sections_for_each_language(make_app):
    app = make_app()
    make_users(app)
    client = app.test_client()
    login(client, "kim1")
    form = client.get("/contribute/edit/kasepuhan-ciptagelar?lang=id").get_data(as_text=True)
    assert 'id="story"' in form and 'name="story_id"' in form and 'name="story_en"' in form
    assert "## Orang dan budaya" in form and "## People and culture" in form  # a cultural site
    waterfall = client.get("/contribute/edit/curug-awang?lang=id").get_data(as_text=True)
    assert "## Bagaimana terbentuk" in waterfall and "Orang dan budaya" not in waterfall


@pytest.mark.parametrize(
    "data, fault",
    [
        ({}, 'a list of "terms"'),
        ({"terms": [{"id": "Bad Id"}]}, "an id is lower-case"),
        (
            {
                "terms": [
                    {
                        "id": "a",
                        "title": {"id": "A"},
                        "text": {"id": "x", "en": "y"},
                        "words": {"id": [], "en": []},
                    }
                ]
            },
            "'title' must have id and en",
        ),
        (
            {
                "terms": [
                    {
                        "id": "a",
                        "title": {"id": "A", "en": " "},
                        "text": {"id": "x", "en": "y"},
                        "words": {"id": [], "en": []},
                    }
                ]
            },
            "must be texts",
        ),
    ],
)
def test_a_bad_glossary_file_names_its_fault_and_stops_the_start(tmp_path, data, fault):
    (tmp_path / stories.GLOSSARY_FILE).write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SeedDataError, match=re.escape(fault)):
        stories.load_glossary(tmp_path)


def test_word_diff_reads_old_into_new():
    steps = word_diff("satu dua tiga", "satu tiga empat")
    assert "".join(t for op, t in steps if op != "ins") == "satu dua tiga"
    assert "".join(t for op, t in steps if op != "del") == "satu tiga empat"


def test_the_gallery_shows_approved_photos_with_caption_and_credit_sized_for_the_link(make_app):
    """Issue 28, part 5."""
    from tests.contributions import bearer, token_for
    from tests.test_photos import jpeg_with_gps, upload_as

    app = make_app()
    users = make_users(app)
    with app.app_context():
        accounts.set_group(current().storage, users["kim1"]["id"], "KIM MyPalabuhanratu")
    client = app.test_client()
    kim1, mod = token_for(app, "kim1"), token_for(app, "mod")
    photos = [upload_as(client, kim1, jpeg_with_gps(size=(1200 + i, 900))) for i in range(2)]
    hostile = '<img src=x onerror="alert(1)"> Curug dari bawah'
    sent = client.patch(
        "/api/v1/features/curug-awang",
        json={"properties": {"photos": [p["id"] for p in photos], "photo_caption": hostile}},
        headers=bearer(kim1),
    )
    assert sent.status_code == 201, sent.get_json()
    submission = sent.get_json()["submissions"][0]["id"]
    assert 'class="gt-gallery"' not in client.get("/sites/curug-awang").get_data(as_text=True)  # not yet
    assert client.post(f"/api/v1/submissions/{submission}/approve", headers=bearer(mod)).status_code == 200

    page = client.get("/sites/curug-awang?lang=id").get_data(as_text=True)
    gallery = re.search(r'<section class="gt-gallery".*?</section>', page, re.S).group(0)
    images = re.findall(r"<img ([^>]+)>", gallery)
    assert len(images) == 2
    for photo, attributes in zip(photos, images, strict=True):
        assert f'src="{photo["thumb"]}"' in attributes  # the small one; a tap opens the full size
        assert 'width="400" height="300"' in attributes  # the strip keeps its size while it loads
        assert f'href="{photo["url"]}"' in gallery
    assert 'loading="eager"' in images[0] and 'loading="lazy"' in images[1]
    assert "<img src=x" not in gallery and "&lt;img src=x onerror=" in gallery
    assert gallery.count("Foto: KIM MyPalabuhanratu") == 2  # the group, never the person
    props = client.get("/api/v1/features/curug-awang").get_json()["properties"]
    assert [p.get("credit") for p in props["photos"]] == ["KIM MyPalabuhanratu"] * 2
    assert "photo_caption" not in props

    too_long = client.patch(
        "/api/v1/features/curug-awang",
        json={"properties": {"photo_caption": "x" * 201}},
        headers=bearer(kim1),
    )
    assert too_long.status_code == 400 and too_long.get_json()["error"]["field"] == "photo_caption"
