"""Portal text is hostile input: what every output format does to it before a reader sees it.

One module, so CSV, Markdown, HTML and the terminal treat the same string the same way and are
tested with the same hostile table (tests/test_neutralise.py).
"""

import html
import re
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

from markupsafe import Markup, escape
from rich.markup import escape as escape_markup
from rich.text import Text

# Terminal escape sequences (CSI such as colours and cursor moves, OSC such as window titles and
# hyperlinks), then single control characters: C0 but tab and newline, DEL, C1, and the bidirectional
# overrides that make text read in another order than it is stored ("Trojan source").
_ESCAPE_SEQUENCE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Spreadsheet programs run a cell that starts with these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "｜", "＝", "＋", "－", "＠")
# Markdown punctuation that can start emphasis, code, links, images, HTML, tables or entities inline.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|!~&#])")
_WHITESPACE_RUN = re.compile(r"\s*\n\s*")


def plain(value: object) -> str:
    """The text without escape sequences or control characters (tab and newline kept)."""
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", str(value)))


def terminal(value: object, style: str = "") -> Text:
    """A Rich text that prints as written: no markup is read from it, no control code reaches the terminal."""
    return Text(plain(value), style=style)


def markup(value: object) -> str:
    """Text to place inside a Rich markup string: its brackets are shown, never read as styles or links."""
    return escape_markup(plain(value))


def csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: a leading formula character is quoted away."""
    text = plain(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def markdown(value: object) -> str:
    """Inline Markdown text: one line, every character that could become markup escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _WHITESPACE_RUN.sub(" ", plain(value)).strip())


def web_url(value: object) -> str | None:
    """An http(s) address fit for a link (spaces, quotes, brackets and parentheses percent-encoded), else None.

    Other schemes (javascript:, data:, file:) and addresses without a host never become links.
    """
    text = plain(value).strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return quote(text, safe="/:?#@!$&*+,;=%-._~")


def markdown_link(text: object, url: object) -> str:
    """[text](url) for a web address, else the text alone: portal text never makes a link elsewhere."""
    target = web_url(url)
    label = markdown(text)
    return f"[{label}](<{target}>)" if target else label


def html_link(text: object, url: object, style: str = "") -> Markup:
    """<a href> for a web address, else the escaped text alone."""
    target = web_url(url)
    label = escape(plain(text))
    if not target:
        return Markup(label)
    return Markup('<a href="{}" style="{}">{}</a>').format(target, style, label)


def snippet_pieces(snippet: str) -> Iterator[tuple[str, bool]]:
    """A store's snippet (escaped text, matches in <mark>) as (plain text, matched) pieces, so each output
    escapes the text its own way and no other markup a store might pass on survives."""
    for i, piece in enumerate(re.split(r"</?mark>", snippet)):
        yield plain(html.unescape(piece)), i % 2 == 1


def html_snippet(snippet: str) -> Markup:
    """A store's snippet for an HTML page: the text escaped again, only the matches' <mark> kept."""
    return Markup("").join(Markup("<mark>{}</mark>").format(text) if matched else escape(text)
                           for text, matched in snippet_pieces(snippet))
