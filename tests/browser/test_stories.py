"""Issue 28: a site's story read aloud by the phone's own voice, and the geology glossary offline after one visit,
on a 360 px phone in both languages."""

import json

import pytest

from tests.browser.test_weak_signal import PHONE_360, blank_tiles, phone_network, signal, wait_for

READY = ".gt-map[data-geotour-ready]"


def speech_stub(voices, later=None):
    """Return a page script that stands in for the phone's speech engine: its voices (`later`: voices that
    arrive after the page, as Chrome loads them), and a record of what it was asked to say."""
    return f"""(() => {{
  const synth = new EventTarget();
  let voices = {json.dumps(voices)};
  window.__speech = {{ said: [], cancelled: 0, paused: false }};
  synth.getVoices = () => voices;
  synth.speak = (u) => window.__speech.said.push({{ text: u.text, lang: u.lang, voice: u.voice && u.voice.name }});
  synth.cancel = () => {{ window.__speech.cancelled += 1; window.__speech.said = []; }};
  synth.pause = () => {{ window.__speech.paused = true; }};
  synth.resume = () => {{ window.__speech.paused = false; }};
  Object.defineProperty(window, "speechSynthesis", {{ value: synth, configurable: true }});
  window.SpeechSynthesisUtterance = class {{ constructor(text) {{ this.text = text; }} }};
  const later = {json.dumps(later)};
  if (later) setTimeout(() => {{ voices = later; synth.dispatchEvent(new Event("voiceschanged")); }}, 300);
}})();"""


@pytest.fixture
def phone(browser, live_server):
    server = live_server()
    contexts = []

    def open_page(voices=None, later=None, lang="id", service_workers="block"):
        context = browser.new_context(
            viewport=PHONE_360, locale=f"{lang}-ID", service_workers=service_workers
        )
        contexts.append(context)
        blank_tiles(context, server.url)
        if voices is not None:
            context.add_init_script(script=speech_stub(voices, later))
        return context, context.new_page()

    yield server, open_page
    for context in contexts:
        context.close()


def story_blocks(page):
    return page.locator(".gt-story__text").locator("h3, h4, p, li").all_inner_texts()


@pytest.mark.parametrize(
    "lang, voice, words",
    [("id", "id-ID", ("Dengarkan", "Jeda", "Lanjutkan")), ("en", "en-GB", ("Listen", "Pause", "Resume"))],
)
def test_listen_reads_the_story_in_the_phones_voice_and_pauses(phone, lang, voice, words):
    server, open_page = phone
    _, page = open_page(voices=[{"lang": "de-DE", "name": "Other"}, {"lang": voice, "name": "Stub"}])
    page.goto(f"{server.url}/sites/geyser-cisolok?lang={lang}")
    button = page.locator(".gt-listen")
    button.wait_for(state="visible", timeout=10000)
    assert button.inner_text() == words[0]
    button.click()
    said = page.evaluate("window.__speech.said")
    assert [s["text"] for s in said] == story_blocks(page) and len(said) == 2  # the heading, then the text
    assert {s["lang"] for s in said} == {"id-ID" if lang == "id" else "en-US"} and {
        s["voice"] for s in said
    } == {"Stub"}
    assert not any("Geotour" in s["text"] or "Kode QR" in s["text"] for s in said)  # not the page around it
    assert button.inner_text() == words[1] and button.get_attribute("aria-pressed") == "true"
    button.click()
    assert page.evaluate("window.__speech.paused") is True and button.inner_text() == words[2]
    button.click()
    assert page.evaluate("window.__speech.paused") is False and button.inner_text() == words[1]


def test_listen_is_offered_only_when_the_phone_has_a_voice_for_the_story(phone):
    server, open_page = phone
    _, page = open_page(voices=[])  # no voice at all
    page.goto(f"{server.url}/sites/geyser-cisolok?lang=id")
    page.wait_for_selector(READY, timeout=30000)
    assert page.locator(".gt-listen").is_hidden()

    _, page = open_page(voices=[{"lang": "en-US", "name": "English only"}])  # none for Indonesian
    page.goto(f"{server.url}/sites/geyser-cisolok?lang=id")
    page.wait_for_selector(READY, timeout=30000)
    assert page.locator(".gt-listen").is_hidden()

    _, page = open_page(
        voices=[], later=[{"lang": "id_ID", "name": "Arrives late"}]
    )  # Chrome loads them later
    page.goto(f"{server.url}/sites/geyser-cisolok?lang=id")
    page.locator(".gt-listen").wait_for(state="visible", timeout=10000)

    _, page = open_page()  # Debian's Chromium as it is, with no speech voices installed
    page.goto(f"{server.url}/sites/geyser-cisolok?lang=id")
    page.wait_for_selector(READY, timeout=30000)
    voices = page.evaluate("(window.speechSynthesis && speechSynthesis.getVoices().length) || 0")
    assert page.locator(".gt-listen").is_visible() == (voices > 0)


def test_the_glossary_works_offline_after_one_visit_in_both_languages(phone):
    server, open_page = phone
    context, page = open_page(service_workers="allow")
    cdp = phone_network(context, page)
    page.goto(f"{server.url}/sites/geyser-cisolok")  # from a signboard's QR code
    page.wait_for_selector(READY, timeout=60000)
    shell_has = """async (url) => {
      for (const key of await caches.keys()) if (key.startsWith('geotour-shell') && await (await caches.open(key)).match(url)) return true;
      return false;
    }"""
    wait_for(page, lambda: all(page.evaluate(shell_has, f"/glosarium?lang={lang}") for lang in ("id", "en")))

    signal(context, cdp, False)  # no signal, and no reload before it
    terms = page.locator(".gt-story__text a.gt-term")
    assert terms.all_inner_texts() == ["Geiser", "travertin"]  # "Geiser ini …", "endapan travertin putih"
    terms.last.click()
    page.wait_for_url("**/glosarium?lang=id#travertin", timeout=30000)
    assert page.locator("h1").inner_text() == "Glosarium geologi"
    assert page.locator("#travertin").inner_text().startswith("Travertin")
    assert page.locator("dt").count() >= 7
    page.goto(f"{server.url}/glosarium?lang=en")
    assert page.locator("h1").inner_text() == "Geology glossary"
    assert "pillow-like lumps" in page.locator(".gt-glossary__terms").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_360["width"]


def test_photos_never_push_the_story_down_while_they_load(browser, live_server, make_app):
    """Issue 28, part 5: the strip keeps its size whether the photos have come, are coming, or never come."""
    from tests.contributions import bearer, make_users, token_for
    from tests.test_photos import jpeg_with_gps, upload_as

    app = make_app()
    make_users(app)
    client = app.test_client()
    kim1, mod = token_for(app, "kim1"), token_for(app, "mod")
    ids = [upload_as(client, kim1, jpeg_with_gps(size=(1200 + i, 700)))["id"] for i in range(3)]
    sent = client.patch(
        "/api/v1/features/curug-awang", json={"properties": {"photos": ids}}, headers=bearer(kim1)
    )
    client.post(f"/api/v1/submissions/{sent.get_json()['submissions'][0]['id']}/approve", headers=bearer(mod))
    server = live_server(app)
    story_top = "document.querySelector('.gt-story').getBoundingClientRect().top"
    tops = {}
    for photos in ("never", "loaded"):
        context = browser.new_context(viewport=PHONE_360, locale="id-ID", service_workers="block")
        blank_tiles(context, server.url)
        if photos == "never":  # a link so weak the photos do not come at all
            context.route("**/photos/**", lambda route: route.abort())
        page = context.new_page()
        page.goto(f"{server.url}/sites/curug-awang")
        page.wait_for_selector(".gt-gallery img")
        if photos == "loaded":
            page.locator(".gt-gallery img").first.scroll_into_view_if_needed()
            page.wait_for_function("document.querySelector('.gt-gallery img').naturalWidth > 0")
            page.evaluate("window.scrollTo(0, 0)")
        tops[photos] = page.evaluate(story_top)
        context.close()
    assert tops["never"] == tops["loaded"] and tops["loaded"] > 0
