"""What a place tells: its story, written in a small Markdown subset and shown as clean HTML. Pure functions.

A story is Markdown in `story_id` and `story_en`: short sections under `## ` headings (what you see, how it
formed, why it matters, people and culture, what to look for), paragraphs, **bold**, *italic*, lists, quotes
and links. markdown-it-py renders it with raw HTML off and images written back as text; nh3 then keeps only
the tags below, links only to http(s) or this site, so no script or style can get through. The first use of
a glossary term links to its entry.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from geotour.domain.data_files import read_optional

GLOSSARY_FILE = "glossary.json"
MAX_LENGTH = 8000
TAGS = {"p", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "blockquote", "br"}
SECTIONS = ("see", "formed", "matters", "culture", "look_for")
# The headings a new story starts from, in the order the issue gives (people and culture: cultural sites).
SECTION_TITLES = {
    "see": {"id": "Apa yang terlihat", "en": "What you see"},
    "formed": {"id": "Bagaimana terbentuk", "en": "How it formed"},
    "matters": {"id": "Mengapa penting", "en": "Why it matters"},
    "culture": {"id": "Orang dan budaya", "en": "People and culture"},
    "look_for": {"id": "Coba cari", "en": "Look for"},
}


def _markdown() -> MarkdownIt:
    md = MarkdownIt("zero", {"html": False, "linkify": False, "typographer": False})
    md.enable(["heading", "lheading", "emphasis", "list", "blockquote", "link", "image", "newline", "escape"])

    def image_as_text(_renderer: Any, tokens: list[Token], idx: int, _options: Any, _env: Any) -> str:
        token = tokens[idx]
        return escapeHtml(f"![{token.content}]({token.attrGet('src') or ''})")

    def heading(renderer: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        token.tag = "h3" if token.markup in ("#", "##", "=", "-") else "h4"  # under the page's own h1 and h2
        return str(renderer.renderToken(tokens, idx, options, env))

    md.add_render_rule("image", image_as_text)
    md.add_render_rule("heading_open", heading)
    md.add_render_rule("heading_close", heading)
    return md


_MD = _markdown()
_LINK = re.compile(r"^(?:https?://|/(?!/)|#)", re.IGNORECASE)
_TAG = re.compile(r"(<[^>]+>)")


def _safe_href(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href":
        return value if _LINK.match(value) else None
    return value


def to_html(markdown: str) -> str:
    """Return the story as clean HTML: only TAGS, links to http(s) or this site, everything else as text."""
    html = _MD.render(markdown[:MAX_LENGTH])
    return nh3.clean(
        html,
        tags=TAGS,
        attributes={"a": {"href"}},
        attribute_filter=_safe_href,
        url_schemes={"http", "https"},
        link_rel="nofollow noopener ugc",
        strip_comments=True,
    )


@dataclass(frozen=True)
class Term:
    """A glossary entry: its anchor, its name and the words that mean it in a story, per language."""

    id: str
    title: Mapping[str, str]
    words: Mapping[str, tuple[str, ...]]
    text: Mapping[str, str]


def glossary_from_dict(data: object) -> tuple[Term, ...]:
    """Return the glossary's terms from its parsed file; raise ValueError naming the first fault."""
    terms = data.get("terms") if isinstance(data, dict) else None
    if not isinstance(terms, list) or not terms:
        raise ValueError('top level must be an object with a list of "terms"')
    found: list[Term] = []
    for entry in terms:
        name = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9-]*", name):
            raise ValueError(f"term {name!r}: an id is lower-case letters, digits and hyphens")
        parts: dict[str, dict[str, Any]] = {}
        for field in ("title", "text", "words"):
            value = entry.get(field)
            if not isinstance(value, dict) or set(value) != {"id", "en"}:
                raise ValueError(f"term {name!r}: {field!r} must have id and en")
            parts[field] = value
        if not all(isinstance(v, str) and v.strip() for f in ("title", "text") for v in parts[f].values()):
            raise ValueError(f"term {name!r}: title and text must be texts")
        words = {
            lang: tuple(w for w in parts["words"][lang] if isinstance(w, str) and w.strip())
            for lang in ("id", "en")
        }
        found.append(Term(name, parts["title"], words, parts["text"]))
    if len({t.id for t in found}) != len(found):
        raise ValueError("two terms share an id")
    return tuple(found)


def load_glossary(data_dir: str | Path) -> tuple[Term, ...]:
    """Return the glossary in data_dir/glossary.json (none when there is no file), or raise SeedDataError."""
    return read_optional(data_dir, GLOSSARY_FILE, glossary_from_dict) or ()


def link_terms(html: str, terms: Iterable[Term], lang: str, href: Any) -> str:
    """Return clean story HTML with the first use of each term linked to href(term.id); never inside a link
    or a heading, and never twice."""
    patterns = []
    for term in terms:  # one pattern a term, its longest form first: "pillow lavas" before "pillow lava"
        words = sorted(
            {*term.words.get(lang, ()), *term.words.get("en" if lang == "id" else "id", ())}, key=len
        )
        if words:
            either = "|".join(re.escape(w) for w in reversed(words))
            patterns.append((term, re.compile(rf"(?<![\w-])(?:{either})(?![\w-])", re.IGNORECASE)))
    patterns.sort(key=lambda p: -len(p[1].pattern))  # where two terms overlap, the longer one wins
    linked: set[str] = set()
    out: list[str] = []
    blocked = 0  # inside <a> or a heading
    for piece in _TAG.split(html):
        if piece.startswith("<"):
            name = re.match(r"</?([a-z0-9]+)", piece)
            if name and name.group(1) in ("a", "h3", "h4"):
                blocked += -1 if piece.startswith("</") else 1
            out.append(piece)
            continue
        if blocked:
            out.append(piece)
            continue
        out.append(_link_text(piece, patterns, linked, href))
    return "".join(out)


def _link_text(text: str, patterns: list[tuple[Term, re.Pattern[str]]], linked: set[str], href: Any) -> str:
    spans: list[tuple[int, int, Term]] = []
    for term, pattern in patterns:
        if term.id in linked:
            continue
        for match in pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e, _ in spans):
                continue
            spans.append((match.start(), match.end(), term))
            linked.add(term.id)
            break
    if not spans:
        return text
    out, at = [], 0
    for start, end, term in sorted(spans, key=lambda s: s[0]):
        out.append(text[at:start])
        out.append(f'<a class="gt-term" href="{href(term.id)}">{text[start:end]}</a>')
        at = end
    out.append(text[at:])
    return "".join(out)


def seeded(description: str, lang: str) -> str:
    """Return the story a place starts with: what we have (its description) as its first section."""
    return f"## {SECTION_TITLES['see'][lang]}\n\n{description.strip()}\n" if description.strip() else ""


def template(lang: str, cultural: bool) -> str:
    """Return the empty sections a writer fills in (the form's placeholder)."""
    keys = [k for k in SECTIONS if cultural or k != "culture"]
    return "\n\n".join(f"## {SECTION_TITLES[k][lang]}\n…" for k in keys)
