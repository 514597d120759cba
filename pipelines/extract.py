"""Extraction of title, date, author and main text from one raw article page."""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from urllib.parse import urlsplit

import lxml.html
import trafilatura
from cssselect import SelectorError
from lxml.cssselect import CSSSelector
from lxml.etree import XPath
from trafilatura.settings import Extractor

from pipelines.clean import Cleaned, clean_text, strip_agency_prefix
from pipelines.dates import parse_iso_datetime, parse_vn_datetime
from portalwatch.core import VN_TZ
from portalwatch.core.normalize import fold, normalize_text
from portalwatch.core.page import Metas, Page
from portalwatch.core.urls import same_site

# The page is parsed once (portalwatch.core.page, with trafilatura's own parser settings) and the tree
# shared with trafilatura, which copies it before pruning.
# Built once: passing keyword options makes trafilatura rebuild this (reading its config) on every page.
# fast: the readability/jusText fallbacks, which cost as much again, run only when the fast pass finds
# too little (_main_text). Balanced mode, not precision mode, which loses article text (body recall
# 0.93 against 0.97 on the Zyte benchmark). Tables are article text too.
_TRAFILATURA = Extractor(output_format="txt", fast=True, comments=False, tables=True, dedup=False)
_TRAFILATURA_FALLBACKS = Extractor(output_format="txt", fast=False, comments=False, tables=True, dedup=False)
# trafilatura 2.3 treats any focus but "precision" and "recall" as balanced, and only the literal
# "balanced" adds its "recall escalation": for texts under 3,000 characters it renders the whole
# page to text to see whether the extraction covers 20 % of it, then retries in recall mode. That
# check was a third of the extraction's time on bench_process's portal pages and changed nothing on
# the Zyte benchmark: it is left out.
BALANCED_WITHOUT_ESCALATION = "balanced-without-escalation"
for _options in (_TRAFILATURA, _TRAFILATURA_FALLBACKS):
    _options.focus = BALANCED_WITHOUT_ESCALATION
_TRAFILATURA_PRECISION = Extractor(output_format="txt", fast=True, precision=True, comments=False, tables=False,
                                   dedup=False)
# Text with at least this share of link texts may be a list or menu page: 0.2 to 1 on real list, home
# and forum pages; under 0.2 on 176 of the 181 Zyte benchmark articles (precision mode confirms 4 of the 5 others).
_LINK_SHARE = 0.2
_DATE_META = (
    "article:published_time", "og:published_time", "datePublished", "pubdate", "publishdate",
    "dc.date.issued", "dc.date", "date",
)
_OUTSIDE_ARTICLE = "ancestor::header or ancestor::nav or ancestor::footer"
# XPaths are compiled once; evaluating a string XPath compiles it again on every page. A leading [@class]
# test changes no result (contains() on a missing class is false) but spares the string tests on most elements.
_H1 = XPath(f"//h1[not({_OUTSIDE_ARTICLE})]")
_TIME = XPath(f"//time[@datetime][not({_OUTSIDE_ARTICLE})]/@datetime", smart_strings=False)
# Links to these are attachments of the article (a plan, a decision), not other articles.
_DOCUMENT_FILES = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".rar", ".jpg", ".png")
_FOLLOWING_TEXT = XPath("following::text()", smart_strings=False)
# Bylines, but not the "author" field of a comment form.
_BYLINE = XPath("//*[@class][(contains(@class,'byline')"
                " or contains(concat(' ', normalize-space(@class), ' '), ' author '))"
                " and not(ancestor::form) and not(ancestor::*[@id='comments'])]")
# Summary paragraphs ("sapo") that generic extractors often leave out as furniture. A cheap first
# pass on class substrings; _names_lead() then wants one of these words as a whole part of a class name.
_LEAD = XPath("//*[@class][contains(@class,'sapo') or contains(@class,'lead') or contains(@class,'summary')"
              " or contains(@class,'excerpt') or contains(@class,'description') or contains(@class,'chapeau')]"
              f"[not({_OUTSIDE_ARTICLE} or ancestor::aside or ancestor::a or ancestor::form)]")
_LEAD_WORDS = frozenset({"sapo", "lead", "summary", "excerpt", "description", "chapeau"})
# ... unless the name says whose summary it is: an author's bio, the site's tagline, a cookie notice.
_NOT_LEAD_WORDS = frozenset({"author", "bio", "site", "cookie", "product"})
_CLASS_PARTS = re.compile(r"[^a-z0-9]+")
# A sapo is a paragraph, not the page or the article: these elements hold more than a lead.
_LEAD_TAGS = frozenset({"div", "p", "span", "h2", "strong", "em", "b"})
_LEAD_CHARS = (40, 1000)
# Shown characters allowed between the headline and its sapo (date line, byline, share buttons).
_LEAD_REACH = 400
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
# A headline link has at least this much text, and at most (with its date after it) this much.
_HEADLINE_CHARS = 25
_HEADLINE_MAX_CHARS = 300
# The text pieces inside links, for the link share (a link with markup inside gives several).
_LINK_TEXTS = XPath("//a//text()", smart_strings=False)
# A list item led by a link is an entry of a list of links up to this long, and not a sentence.
_LED_ITEM_CHARS = 200
_SENTENCE_ENDS = (".", "!", "?", "…", ".\"", ".”", ":")
# trafilatura's text marks list items with "- ".
_BULLETS = ("-", "•", "*")
_BULLET_CHARS = "".join(_BULLETS) + " "
# A date after a headline is at most this long: " - (21/11/2026 08:15)".
_DATE_TAIL = 28
# The date a list of headlines prints after each: " (21/11/2026)", " - 21/11/2026 08:15", " 21.11".
_HEADLINE_DATE = re.compile(r"\s*[-|–]?\s*[(\[]?\s*\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?"
                            r"(?:\s*[-,|]?\s*\d{1,2}:\d{2})?\s*[)\]]?$")
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


def _lead(doc: lxml.html.HtmlElement, title: lxml.html.HtmlElement | None = None) -> str:
    """The page's own summary paragraph (sapo), when it marks one up right under the headline.

    Class names alone mislead on pages from elsewhere ("leaderboard" ads, "field-with-summary" bodies,
    cookie and author "description" boxes, teaser "excerpt" lists), so the element must also be one
    paragraph-sized block, the only one with its class, and follow the headline closely.
    """
    candidates = _LEAD(doc)
    classes = Counter(element.get("class") for element in candidates)
    for element in candidates:
        if element.tag not in _LEAD_TAGS or classes[element.get("class")] > 1 or not _names_lead(element):
            continue
        text = normalize_text(_shown_text(element, " ")).replace("\n", " ").strip()
        if not _LEAD_CHARS[0] < len(text) <= _LEAD_CHARS[1]:
            continue
        if title is not None and not _soon_after(title, element, _LEAD_REACH):
            continue
        return text
    return ""


def _names_lead(element: lxml.html.HtmlElement) -> bool:
    """A class name with a lead word as one of its parts: "sapo", "detail-sapo", "article__summary"."""
    parts = [set(_CLASS_PARTS.split(name)) for name in element.get("class", "").lower().split()]
    return any(not _LEAD_WORDS.isdisjoint(p) for p in parts) and all(_NOT_LEAD_WORDS.isdisjoint(p) for p in parts)


def _soon_after(start: lxml.html.HtmlElement, target: lxml.html.HtmlElement, reach: int) -> bool:
    """Whether target begins within reach shown characters after start ends, in document order."""
    seen = len((start.tail or "").strip())
    node: lxml.html.HtmlElement | None = start
    while node is not None:
        for sibling in node.itersiblings():
            for element in sibling.iter():
                if element is target:
                    return True
                if isinstance(element.tag, str) and element.tag not in ("script", "style", "template"):
                    seen += len((element.text or "").strip())
                seen += len((element.tail or "").strip())
                if seen > reach:
                    return False
            if sibling is target:
                return True
        node = node.getparent()
    return False


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


def _main_text(doc: lxml.html.HtmlElement, site_url: str = "") -> list[str]:
    """Lines of the main text found by trafilatura (it works on a copy: the tree stays whole).

    trafilatura's balanced mode keeps more of the article than its precision mode (tables, link-rich
    paragraphs). The fast pass alone serves nearly every page; when it finds less than an article's worth of
    text, the fallbacks (readability, jusText) get a say. When link texts make a fifth of the text or more,
    the page may be a list or a menu: the precision mode then decides, and if it finds no article, there
    is none.
    """
    text = trafilatura.extract(doc, options=_TRAFILATURA) or ""
    if len(text) < MIN_BODY_CHARS:
        text = trafilatura.extract(doc, options=_TRAFILATURA_FALLBACKS) or text
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return lines
    if _may_list_headlines(lines):  # most articles have no line that could be a headline
        lines = _without_headline_links(lines, _page_links(doc, site_url))
    if _link_share(doc, lines) >= _LINK_SHARE:
        strict = trafilatura.extract(doc, options=_TRAFILATURA_PRECISION) or ""
        if len(strict) < MIN_BODY_CHARS:
            return [line for line in strict.splitlines() if line.strip()]
    return lines


def _may_list_headlines(lines: list[str]) -> bool:
    """Some line reads like a headline (headline-sized, no sentence end) or two are list items."""
    if sum(line.lstrip().startswith(_BULLETS) for line in lines) >= 2:
        return True
    return any(_HEADLINE_CHARS <= len(line) <= _HEADLINE_MAX_CHARS and not line.rstrip().endswith(_SENTENCE_ENDS)
               for line in lines)


def _page_links(doc: lxml.html.HtmlElement, site_url: str) -> dict[str, bool]:
    """Each link text of the page (spaces collapsed), and whether one such link leads to another
    page of the same site."""
    links: dict[str, bool] = {}
    for link in doc.iter("a"):
        text = " ".join(_TEXT(link).split())
        if len(text) >= 3:
            links[text] = links.get(text, False) or _links_within(link.get("href") or "", site_url)
    return links


def _link_share(doc: lxml.html.HtmlElement, lines: list[str]) -> float:
    """The share of the text's characters that are the page's link texts (each text counted once)."""
    size = sum(map(len, lines))
    pieces = {" ".join(piece.split()) for piece in _LINK_TEXTS(doc)}
    if not size or sum(map(len, pieces)) < _LINK_SHARE * size:  # cannot reach the threshold: skip the search
        return 0.0
    text = "\n".join(" ".join(line.split()) for line in lines)
    return min(1.0, sum(len(piece) for piece in pieces if len(piece) >= 3 and piece in text) / len(text))


def _without_headline_links(lines: list[str], links: dict[str, bool]) -> list[str]:
    """The text without lists of other articles' headlines (related, latest, most read, documents).

    A headline is a link to another page of the same site; a line that is one (maybe with its date),
    and a run of list items that each begin with one ("125-KH/HU - Kế hoạch …"), are dropped. Links
    elsewhere (sources, products), to attached documents, and single list items stay.
    """
    keys = [_headline_key(line) for line in lines]
    bullets = [line.lstrip().startswith(_BULLETS) for line in lines]
    drop = [_HEADLINE_CHARS <= len(key) <= _HEADLINE_MAX_CHARS and links.get(key, False) for key in keys]
    led = [bullet and _led_by_link(key, links) for key, bullet in zip(keys, bullets, strict=True)]
    for i, is_led in enumerate(led):
        if is_led and ((i > 0 and led[i - 1]) or (i + 1 < len(led) and led[i + 1])):
            drop[i] = True
    return [line for line, dropped in zip(lines, drop, strict=True) if not dropped]


def _led_by_link(key: str, links: dict[str, bool]) -> bool:
    """A list item that begins with a link within the site and goes on with a title, not with sentences:
    an entry of a list of documents or articles ("125-KH/HU - Kế hoạch …"). Items that carry prose
    after their link (a numbered digest of the day's stories) are text."""
    if len(key) > _LED_ITEM_CHARS or key.endswith(_SENTENCE_ENDS):
        return False
    return any(key.startswith(text) for text, within in links.items() if within and key[:3] == text[:3])


def _headline_key(line: str) -> str:
    """A line as a link's text would read: no list bullet, no date after it, spaces collapsed."""
    key = " ".join(line.lstrip().lstrip(_BULLET_CHARS).split())
    if key[-1:].isdigit() or key.endswith((")", "]")):  # the date pattern is costly to try on every line
        tail = len(key) - _DATE_TAIL
        if match := _HEADLINE_DATE.search(key, max(0, tail)):
            key = key[: match.start()]
    return key


def _site_url(page: Page) -> str:
    """An address on the page's own site: its URL, else its canonical link or og:url."""
    return page.url or page.canonical or page.meta.get("og:url")


def _links_within(href: str, site_url: str) -> bool:
    """A link to another page of the site: relative or on the same site, not an anchor nor a document file."""
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return False
    try:
        parts = urlsplit(href)
    except ValueError:
        return False
    if parts.path.lower().endswith(_DOCUMENT_FILES):
        return False
    if not parts.netloc:
        return not parts.scheme
    return bool(site_url) and same_site(href, site_url)


def _parse(body: bytes, content_type: str, url: str) -> tuple[Page, lxml.html.HtmlElement]:
    """The page, parsed once; an empty or unreadable one is an ExtractionError."""
    if not body.strip():
        raise ExtractionError("trang trả về rỗng")
    page = Page(url, body, content_type)
    if page.tree is None:
        raise ExtractionError(f"HTML không đọc được: {page.parse_error}")
    return page, page.tree


def _body(doc: lxml.html.HtmlElement, title: str, title_el: lxml.html.HtmlElement | None,
          override: dict[str, list[str]], site_url: str = "") -> Cleaned:
    """The cleaned article text: main text (or the source's body rule), headline repeat dropped, lead first."""
    if override.get("body"):  # the source's own rule: no need for generic extraction
        lines = [line for block in override["body"] for line in block.splitlines() if line.strip()]
    else:
        lines = _main_text(doc, site_url)
    if lines and " ".join(normalize_text(lines[0]).split()) == " ".join(title.split()):  # the headline again
        lines = lines[1:]
    lead = normalize_text(override["lead"][0]) if override.get("lead") else _lead(doc, title_el)
    if lead and not _has_lead(lines, lead):
        lines.insert(0, lead)
    return clean_text(lines)


def _has_lead(lines: list[str], lead: str) -> bool:
    """The lead already opens the text, or sits further in as written (inserting it would repeat it)."""
    lead = strip_agency_prefix(lead)
    key = fold(lead)
    return any(key in fold(line) for line in lines[:3]) or lead in " ".join(" ".join(lines[3:]).split())


def extract_body(body: bytes, content_type: str = "", url: str = "") -> list[str]:
    """The paragraphs extract() gives for this page, without deciding whether the page is an article.

    For measuring body extraction on pages extract() refuses (list-like, short, no title): the
    text is built by the same steps, signature line removed as extract() removes it.
    """
    page, doc = _parse(body, content_type, url)
    metas = page.meta
    title_el = _title_element(doc)
    title = title_el.text_content() if title_el is not None else metas.get("og:title") or doc.findtext(".//title")
    cleaned = _body(doc, normalize_text(title or "").replace("\n", " "), title_el, {}, _site_url(page))
    return _author(doc, metas, cleaned.paragraphs)[1]


def extract(body: bytes, content_type: str = "", selectors: dict[str, str] | None = None,
            url: str = "") -> Extracted:
    """Title, date, author, lead and paragraphs; a source's selectors win where they match."""
    page, doc = _parse(body, content_type, url)
    override = _selected(doc, selectors) if selectors else {}
    metas = page.meta
    title_el = _title_element(doc)
    title = title_el.text_content() if title_el is not None else metas.get("og:title") or doc.findtext(".//title")
    if override.get("title"):
        title = override["title"][0]
    title = normalize_text(title or "").replace("\n", " ")
    cleaned = _body(doc, title, title_el, override, _site_url(page))
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
