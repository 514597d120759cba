"""Extraction of title, date, author and main text from one raw article page."""

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import lxml.html
import trafilatura
from cssselect import SelectorError
from lxml.cssselect import CSSSelector
from lxml.etree import XPath
from trafilatura.settings import Extractor

from pipelines.clean import clean_text, strip_agency_prefix
from pipelines.dates import parse_iso_datetime, parse_vn_datetime
from portalwatch.core import VN_TZ
from portalwatch.core.normalize import fold, normalize_text
from portalwatch.core.page import Metas, Page

# The page is parsed once (portalwatch.core.page, with trafilatura's own parser settings) and the tree
# shared with trafilatura, which copies it before pruning.
# Built once: passing keyword options makes trafilatura rebuild this (reading its config) on every page.
# fast: no second opinion from the readability/jusText fallbacks, which cost as much again.
_TRAFILATURA = Extractor(output_format="txt", fast=True, precision=True, comments=False, tables=False, dedup=False)
_DATE_META = (
    "article:published_time", "og:published_time", "datePublished", "pubdate", "publishdate",
    "dc.date.issued", "dc.date", "date",
)
_OUTSIDE_ARTICLE = "ancestor::header or ancestor::nav or ancestor::footer"
# XPaths are compiled once; evaluating a string XPath compiles it again on every page. A leading [@class]
# test changes no result (contains() on a missing class is false) but spares the string tests on most elements.
_H1 = XPath(f"//h1[not({_OUTSIDE_ARTICLE})]")
_TIME = XPath(f"//time[@datetime][not({_OUTSIDE_ARTICLE})]/@datetime", smart_strings=False)
_FOLLOWING_TEXT = XPath("following::text()", smart_strings=False)
# Bylines, but not the "author" field of a comment form.
_BYLINE = XPath("//*[@class][(contains(@class,'byline')"
                " or contains(concat(' ', normalize-space(@class), ' '), ' author '))"
                " and not(ancestor::form) and not(ancestor::*[@id='comments'])]")
# Summary paragraphs ("sapo") that generic extractors often leave out as furniture.
_LEAD = XPath("//*[@class][contains(@class,'sapo') or contains(@class,'lead') or contains(@class,'summary')"
              " or contains(@class,'excerpt') or contains(@class,'description')]"
              f"[not({_OUTSIDE_ARTICLE})][not(ancestor::a)]")
# Text an element shows, in document order: script and style bodies are code, not text.
# An element's text_content() without the "smart string" links back to the tree (cheaper to make).
_TEXT = XPath("string()", smart_strings=False)
_SHOWN_TEXT = XPath(".//text()[not(ancestor::script or ancestor::style or ancestor::template)]", smart_strings=False)
# Characters after the title within which its date line is looked for.
_DATELINE_REACH = 160
# Below this many characters of text a page is not an article.
MIN_BODY_CHARS = 200
# Images of the article: the share image, then those inside the article's own markup.
_IMAGES = XPath("//meta[@property='og:image']/@content | //article//img/@src"
                " | //*[@class][contains(@class,'content') or contains(@class,'detail')]//img/@src",
                smart_strings=False)
_URL_DATE = re.compile(r"/(20\d\d)[/-](\d\d)[/-](\d\d)(?:/|-|$)|[-_/](20\d\d)(\d\d)(\d\d)(?:\d{4,})?[-_./]")
# A headline link has at least this much text.
_HEADLINE_CHARS = 25
# UTF-8 Vietnamese read as Windows-1252/Latin-1: "Ä‘" for đ, "á»" and "áº" before most marked vowels.
_MOJIBAKE = re.compile(r"Ã[\x80-\xbf¡-ÿ]|á»|áº|Ä‘|Æ°|Æ¡|â€")


class ExtractionError(ValueError):
    """A page that cannot become an article; the message (Vietnamese, shown to users) is the reason."""


@dataclass
class Extracted:
    title: str
    paragraphs: list[str]
    published_at: datetime | None
    # fold() of each paragraph, computed once while cleaning and reused for hashing and fingerprints.
    folded: list[str] = field(default_factory=list)
    author: str = ""
    attribution: str = ""
    lead: str = ""
    canonical_url: str | None = None
    description: str = ""
    images: list[str] = field(default_factory=list)  # as written in the page (may be relative)


def _title_element(doc: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    for h1 in _H1(doc):
        if h1.text_content().strip():
            return h1
    return None


def find_published(doc: lxml.html.HtmlElement, title: lxml.html.HtmlElement | None,
                   metas: Metas | None = None) -> datetime | None:
    """Meta tags first, then <time datetime>, then the date line next to the title.

    A page header often shows today's date above an old article, so text outside the
    article's neighbourhood is never read.
    """
    metas = metas or Metas(doc)
    for name in _DATE_META:
        value = metas.get(name)
        if value and (moment := parse_iso_datetime(value) or parse_vn_datetime(value)):
            return moment
    for value in _TIME(doc):
        if moment := parse_iso_datetime(value):
            return moment
    if title is None:
        return None
    following = ""
    for text in _FOLLOWING_TEXT(title):
        following += " " + text
        if len(following) > _DATELINE_REACH:
            break
    return parse_vn_datetime(following[:_DATELINE_REACH])


def _author(doc: lxml.html.HtmlElement, metas: Metas, paragraphs: list[str]) -> tuple[str, list[str]]:
    """The byline from meta/byline markup, or a short signature paragraph ending the text."""
    author = metas.get("author", "article:author", "dable:author")
    if not author:
        for byline in _BYLINE(doc):
            author = " ".join(byline.text_content().split()).removeprefix("bởi ").removeprefix("By ").strip()
            if author:
                break
    if paragraphs:
        last = paragraphs[-1]
        words = last.split()
        signature = 1 <= len(words) <= 5 and all(w[:1].isupper() for w in words) and not last.endswith(".")
        if signature or (author and last == author):
            author = author or last
            paragraphs = paragraphs[:-1]
    return normalize_text(author), paragraphs


def _lead(doc: lxml.html.HtmlElement) -> str:
    """The page's own summary paragraph, when it marks one up; a list item's summary is not one."""
    for element in _LEAD(doc):
        text = normalize_text(element.text_content()).replace("\n", " ").strip()
        if len(text) > 40:
            return text
    return ""


def date_in_url(url: str) -> datetime | None:
    """The day written in a URL path (/2026/11/17/…, …-20261117…), the last resort: no time of day."""
    match = _URL_DATE.search(url)
    if not match:
        return None
    try:
        year, month, day = (int(g) for g in match.groups() if g)
        return datetime(year, month, day, tzinfo=VN_TZ)
    except ValueError:
        return None


def _override_date(override: dict[str, list[str]]) -> datetime | None:
    for value in override.get("date", []):
        if moment := parse_iso_datetime(value) or parse_vn_datetime(value):
            return moment
    return None


def is_teaser_text(doc: lxml.html.HtmlElement, paragraphs: list[str], folded: list[str] | None = None) -> bool:
    """Whether the extracted text is a listing's teasers, not an article: most of it is summaries, each
    sitting in a small block under its own headline link. (Whether a page links to articles, as a list
    page to crawl, is another question: `crawlers.discovery.lists_articles`.)

    folded: fold() of each paragraph when the caller has it already (folding is the costly part).
    """
    # fold() maps each character of NFC text to one character and spaces to themselves, so folding
    # then collapsing spaces equals collapsing then folding.
    keys = [" ".join(f.split()) for f in (folded if folded is not None else map(fold, paragraphs))]
    # Page text usually equals the cleaned paragraph as it is; only other texts need folding to compare.
    plain = {" ".join(p.split()): key for p, key in zip(paragraphs, keys, strict=True)}
    wanted = set(keys)
    lengths = {len(k) for k in wanted}
    shortest = min(lengths, default=0)
    blocks: dict[str, lxml.html.HtmlElement] = {}
    for element in doc.iter("p", "div", "span", "li", "td"):
        raw = _TEXT(element)
        if len(raw) < shortest:  # collapsing spaces only shortens a text
            continue
        text = " ".join(raw.split())
        if len(text) in lengths and (key := plain.get(text) or fold(text)) in wanted:  # fold keeps lengths
            blocks.setdefault(key, element)
    summaries = 0
    for paragraph, key in zip(paragraphs, keys, strict=True):
        element = blocks.get(key)
        for container in (element.getparent(), element.getparent().getparent()) if element is not None else ():
            if container is None or len(_TEXT(container)) > len(paragraph) + 300:
                break
            if any(len(_TEXT(a).strip()) >= _HEADLINE_CHARS for a in container.iter("a")):
                summaries += 1
                break
    return summaries >= 1 and summaries >= len(paragraphs) / 2


@lru_cache(maxsize=256)
def _css(selector: str) -> CSSSelector:
    """A source's selector compiled to XPath once (sources are few; their selectors repeat on every page)."""
    try:
        return CSSSelector(selector, translator="html")
    except SelectorError as exc:
        raise ExtractionError(f"bộ chọn CSS không hợp lệ trong cấu hình nguồn: {selector!r} ({exc})") from exc


def _shown_text(element: lxml.html.HtmlElement, separator: str) -> str:
    """The element's text pieces, each stripped, joined by separator (as BeautifulSoup's get_text(sep, strip=True))."""
    return separator.join(t for t in (piece.strip() for piece in _SHOWN_TEXT(element)) if t)


def _selected(doc: lxml.html.HtmlElement, selectors: dict[str, str]) -> dict[str, list[str]]:
    """Texts picked by a source's CSS selectors on the shared tree, one list per configured field."""
    picked: dict[str, list[str]] = {}
    for name, selector in selectors.items():
        texts: list[str] = []
        for element in _css(selector)(doc):
            if name == "date" and element.get("datetime"):
                texts.append(element.get("datetime"))
            blocks = list(element.iterdescendants("p", "li")) if name == "body" else []
            texts += [_shown_text(b, " ") for b in blocks] or [_shown_text(element, "\n")]
        picked[name] = [t for t in texts if t]
    return picked


def _main_text(doc: lxml.html.HtmlElement) -> list[str]:
    """Lines of the main text found by trafilatura (it works on a copy: the tree stays whole)."""
    text = trafilatura.extract(doc, options=_TRAFILATURA) or ""
    return [line for line in text.splitlines() if line.strip()]


def extract(body: bytes, content_type: str = "", selectors: dict[str, str] | None = None,
            url: str = "") -> Extracted:
    """Title, date, author, lead and paragraphs; a source's selectors win where they match."""
    if not body.strip():
        raise ExtractionError("trang trả về rỗng")
    page = Page(url, body, content_type)
    doc = page.tree
    if doc is None:
        raise ExtractionError(f"HTML không đọc được: {page.parse_error}")
    override = _selected(doc, selectors) if selectors else {}
    metas = page.meta
    title_el = _title_element(doc)
    title = title_el.text_content() if title_el is not None else metas.get("og:title") or doc.findtext(".//title")
    if override.get("title"):
        title = override["title"][0]
    title = normalize_text(title or "").replace("\n", " ")
    if override.get("body"):  # the source's own rule: no need for generic extraction
        lines = [line for block in override["body"] for line in block.splitlines() if line.strip()]
    else:
        lines = _main_text(doc)
    if lines and normalize_text(lines[0]) == title:
        lines = lines[1:]
    lead = normalize_text(override["lead"][0]) if override.get("lead") else _lead(doc)
    if lead and not any(fold(strip_agency_prefix(lead)) in fold(line) for line in lines[:3]):
        lines.insert(0, lead)
    cleaned = clean_text(lines)
    author, paragraphs = _author(doc, metas, cleaned.paragraphs)
    folded = cleaned.folded[: len(paragraphs)]  # _author drops at most the last paragraph
    if override.get("author"):
        author = normalize_text(override["author"][0])
        kept = [(p, f) for p, f in zip(paragraphs, folded, strict=True) if p != author]
        paragraphs, folded = [p for p, _ in kept], [f for _, f in kept]
    if not title:
        raise ExtractionError("không tìm thấy tiêu đề bài")
    if sum(len(p) for p in paragraphs) < MIN_BODY_CHARS:
        raise ExtractionError("không trích xuất được nội dung bài (trang lỗi, rỗng hoặc là trang danh sách)")
    if is_teaser_text(doc, paragraphs, folded):
        raise ExtractionError("trang danh sách tin, không phải một bài viết")
    if len(_MOJIBAKE.findall(" ".join(paragraphs))) >= 5:
        raise ExtractionError("văn bản lỗi mã hóa ký tự (mojibake): kiểm tra bảng mã của nguồn")
    description = strip_agency_prefix(normalize_text(metas.get("description", "og:description")))
    return Extracted(
        title=title,
        paragraphs=paragraphs,
        folded=folded,
        published_at=_override_date(override) or find_published(doc, title_el, metas) or date_in_url(url),
        author=author,
        attribution=cleaned.attribution,
        lead=paragraphs[0] if paragraphs else description,
        canonical_url=page.canonical,
        description=description,
        images=list(dict.fromkeys(src.strip() for src in _IMAGES(doc) if src.strip()
                                  and not src.strip().startswith("data:"))),
    )
