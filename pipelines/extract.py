"""Extraction of title, date, author and main text from one raw article page."""

import re
from dataclasses import dataclass, field
from datetime import datetime

import lxml.html
import trafilatura
from bs4 import BeautifulSoup
from lxml.etree import ParserError
from w3lib.encoding import html_body_declared_encoding, html_to_unicode

from pipelines.clean import clean_paragraphs, strip_agency_prefix
from pipelines.dates import parse_iso_datetime, parse_vn_datetime
from pipelines.normalize import fold, normalize_text
from portalwatch import VN_TZ

_DATE_META = (
    "article:published_time", "og:published_time", "datePublished", "pubdate", "publishdate",
    "dc.date.issued", "dc.date", "date",
)
_OUTSIDE_ARTICLE = "ancestor::header or ancestor::nav or ancestor::footer"
# Bylines, but not the "author" field of a comment form.
_BYLINE = ("//*[(contains(@class,'byline') or contains(concat(' ', normalize-space(@class), ' '), ' author '))"
           " and not(ancestor::form) and not(ancestor::*[@id='comments'])]")
# Summary paragraphs ("sapo") that generic extractors often leave out as furniture.
_LEAD = ("//*[contains(@class,'sapo') or contains(@class,'lead') or contains(@class,'summary')"
         " or contains(@class,'excerpt') or contains(@class,'description')]"
         f"[not({_OUTSIDE_ARTICLE})][not(ancestor::a)]")
# Characters after the title within which its date line is looked for.
_DATELINE_REACH = 160
# Below this many characters of text a page is not an article.
MIN_BODY_CHARS = 200
# Images of the article: the share image, then those inside the article's own markup.
_IMAGES = ("//meta[@property='og:image']/@content | //article//img/@src"
           " | //*[contains(@class,'content') or contains(@class,'detail')]//img/@src")
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
    author: str = ""
    attribution: str = ""
    lead: str = ""
    canonical_url: str | None = None
    description: str = ""
    images: list[str] = field(default_factory=list)  # as written in the page (may be relative)


def decode_html(body: bytes, content_type: str) -> str:
    """Unicode text using the HTTP header, the BOM or <meta charset>, in w3lib's order.

    Servers often send a charset header that the page does not use (a Windows-1258 page served
    as UTF-8): when the header's charset cannot decode the body, the page's own declaration wins.
    """
    encoding, text = html_to_unicode(content_type or None, body)
    if "\ufffd" in text:
        declared = html_body_declared_encoding(body)
        if declared and declared != encoding:
            try:
                return body.decode(declared)
            except (LookupError, UnicodeDecodeError):
                pass
    return text


def _meta(doc: lxml.html.HtmlElement, *names: str) -> str:
    for name in names:
        for attr in ("property", "name", "itemprop"):
            values = doc.xpath(f"//meta[@{attr}=$n]/@content", n=name)
            if values and values[0].strip():
                return values[0].strip()
    return ""


def _title_element(doc: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    for h1 in doc.xpath(f"//h1[not({_OUTSIDE_ARTICLE})]"):
        if h1.text_content().strip():
            return h1
    return None


def find_published(doc: lxml.html.HtmlElement, title: lxml.html.HtmlElement | None) -> datetime | None:
    """Meta tags first, then <time datetime>, then the date line next to the title.

    A page header often shows today's date above an old article, so text outside the
    article's neighbourhood is never read.
    """
    for name in _DATE_META:
        value = _meta(doc, name)
        if value and (moment := parse_iso_datetime(value) or parse_vn_datetime(value)):
            return moment
    for value in doc.xpath(f"//time[@datetime][not({_OUTSIDE_ARTICLE})]/@datetime"):
        if moment := parse_iso_datetime(value):
            return moment
    if title is None:
        return None
    following = ""
    for text in title.xpath("following::text()"):
        following += " " + text
        if len(following) > _DATELINE_REACH:
            break
    return parse_vn_datetime(following[:_DATELINE_REACH])


def _author(doc: lxml.html.HtmlElement, paragraphs: list[str]) -> tuple[str, list[str]]:
    """The byline from meta/byline markup, or a short signature paragraph ending the text."""
    author = _meta(doc, "author", "article:author", "dable:author")
    if not author:
        for byline in doc.xpath(_BYLINE):
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
    for element in doc.xpath(_LEAD):
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


def is_list_page(doc: lxml.html.HtmlElement, paragraphs: list[str]) -> bool:
    """Most of the text is summaries, each sitting in a small block under its own headline link."""
    wanted = {fold(" ".join(p.split())) for p in paragraphs}
    lengths = {len(p) for p in wanted}
    blocks: dict[str, lxml.html.HtmlElement] = {}
    for element in doc.iter("p", "div", "span", "li", "td"):
        text = " ".join(element.text_content().split())
        if len(text) in lengths and (key := fold(text)) in wanted:  # folding keeps lengths of NFC text
            blocks.setdefault(key, element)
    summaries = 0
    for paragraph in paragraphs:
        element = blocks.get(fold(" ".join(paragraph.split())))
        for container in (element.getparent(), element.getparent().getparent()) if element is not None else ():
            if container is None or len(container.text_content()) > len(paragraph) + 300:
                break
            if any(len(a.text_content().strip()) >= _HEADLINE_CHARS for a in container.iter("a")):
                summaries += 1
                break
    return summaries >= 1 and summaries >= len(paragraphs) / 2


def _selected(html: str, selectors: dict[str, str]) -> dict[str, list[str]]:
    """Texts picked by a source's CSS selectors (BeautifulSoup), one list per configured field."""
    soup = BeautifulSoup(html, "lxml")
    picked: dict[str, list[str]] = {}
    for name, selector in selectors.items():
        texts: list[str] = []
        for element in soup.select(selector):
            if name == "date" and element.get("datetime"):
                texts.append(str(element["datetime"]))
            blocks = element.find_all(["p", "li"]) if name == "body" else []
            texts += [b.get_text(" ", strip=True) for b in blocks] or [element.get_text("\n", strip=True)]
        picked[name] = [t for t in texts if t]
    return picked


def extract(body: bytes, content_type: str = "", selectors: dict[str, str] | None = None,
            url: str = "") -> Extracted:
    """Title, date, author, lead and paragraphs; a source's selectors win where they match."""
    if not body.strip():
        raise ExtractionError("trang trả về rỗng")
    html = decode_html(body, content_type)
    override = _selected(html, selectors) if selectors else {}
    try:
        doc = lxml.html.document_fromstring(html)
    except (ParserError, ValueError) as exc:
        raise ExtractionError(f"HTML không đọc được: {exc}") from exc
    title_el = _title_element(doc)
    title = title_el.text_content() if title_el is not None else _meta(doc, "og:title") or doc.findtext(".//title")
    if override.get("title"):
        title = override["title"][0]
    title = normalize_text(title or "").replace("\n", " ")
    # fast: no second opinion from the readability/jusText fallbacks, which cost as much again.
    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True,
                               deduplicate=False, fast=True) or ""
    lines = [line for line in text.splitlines() if line.strip()]
    if override.get("body"):
        lines = [line for block in override["body"] for line in block.splitlines() if line.strip()]
    if lines and normalize_text(lines[0]) == title:
        lines = lines[1:]
    lead = normalize_text(override["lead"][0]) if override.get("lead") else _lead(doc)
    if lead and not any(fold(strip_agency_prefix(lead)) in fold(line) for line in lines[:3]):
        lines.insert(0, lead)
    paragraphs, attribution = clean_paragraphs(lines)
    author, paragraphs = _author(doc, paragraphs)
    if override.get("author"):
        author = normalize_text(override["author"][0])
        paragraphs = [p for p in paragraphs if p != author]
    if not title:
        raise ExtractionError("không tìm thấy tiêu đề bài")
    if sum(len(p) for p in paragraphs) < MIN_BODY_CHARS:
        raise ExtractionError("không trích xuất được nội dung bài (trang lỗi, rỗng hoặc là trang danh sách)")
    if is_list_page(doc, paragraphs):
        raise ExtractionError("trang danh sách tin, không phải một bài viết")
    if len(_MOJIBAKE.findall(" ".join(paragraphs))) >= 5:
        raise ExtractionError("văn bản lỗi mã hóa ký tự (mojibake): kiểm tra bảng mã của nguồn")
    description = strip_agency_prefix(normalize_text(_meta(doc, "description", "og:description")))
    canonical = doc.xpath("//link[@rel='canonical']/@href")
    return Extracted(
        title=title,
        paragraphs=paragraphs,
        published_at=_override_date(override) or find_published(doc, title_el) or date_in_url(url),
        author=author,
        attribution=attribution,
        lead=paragraphs[0] if paragraphs else description,
        canonical_url=canonical[0].strip() if canonical else None,
        description=description,
        images=list(dict.fromkeys(src.strip() for src in doc.xpath(_IMAGES) if src.strip()
                                  and not src.strip().startswith("data:"))),
    )
