"""Extraction of title, date, author and main text from one raw article page."""

import copy
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache, partial
from itertools import pairwise
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
import trafilatura
from cssselect import SelectorError
from lxml.cssselect import CSSSelector
from lxml.etree import XPath
from trafilatura.settings import Extractor

from pipelines.clean import Cleaned, clean_text, strip_agency_prefix
from pipelines.dates import parse_iso_datetime, parse_vn_datetime
from portalwatch.core import VN_TZ
from portalwatch.core.normalize import collapse_spaces, fold, normalize_text
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
_ONE_CELL_ROW = re.compile(r"^\s*\|[^|]*\|\s*$")
_DATE_META = (
    "article:published_time", "og:published_time", "datePublished", "pubdate", "publishdate",
    "dc.date.issued", "dc.date", "date",
)
_UPDATED_META = ("article:modified_time", "og:updated_time", "dateModified", "last-modified")
# XPaths are compiled once; evaluating a string XPath compiles it again on every page.
# Links to these are attachments of the article (a plan, a decision), not other articles.
_DOCUMENT_FILES = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".rar", ".jpg", ".png")
_FOLLOWING_TEXT = XPath("following::text()", smart_strings=False)
# Bylines, but not the "author" field of a comment form.
# Elements are picked by class name with Python regexes over one list of the page's classed elements:
# XPath contains() on @class costs about as much per test as the whole scan, and there are several tests.
_BYLINE_CLASS = re.compile(r"byline|author|tacgia|tac-gia|nguoi-?viet")
# Summary paragraphs ("sapo") that generic extractors often leave out as furniture.
_LEAD_CLASS = re.compile(r"sapo|lead|summary|excerpt|description|chapeau")
# Summaries under other names (NukeViet "hometext", "tomtat"): taken only when the usual ones are missing.
_OTHER_LEAD_CLASS = re.compile(r"hometext|tomtat|tom-tat")
# A lead class must name one of these words as a whole part of it (_names_lead).
_LEAD_WORDS = frozenset({"sapo", "lead", "summary", "excerpt", "description", "chapeau", "hometext", "tomtat"})
# ... unless the name says whose summary it is: an author's bio, the site's tagline, a cookie notice.
_NOT_LEAD_WORDS = frozenset({"author", "bio", "site", "cookie", "product"})
_CLASS_PARTS = re.compile(r"[^a-z0-9]+")
# A sapo is a paragraph, not the page or the article: these elements hold more than a lead.
_LEAD_TAGS = frozenset({"div", "p", "span", "h2", "strong", "em", "b"})
_LEAD_CHARS = (40, 1000)
# Shown characters allowed between the headline and its sapo (date line, byline, share buttons).
_LEAD_REACH = 400
# Text an element shows, in document order: script and style bodies are code, not text.
# An element's text_content() without the "smart string" links back to the tree (cheaper to make): the
# XPath string(), written by libxml2's text serialiser, which skips XPath's per-call set-up (same text,
# checked on 200,000 elements of benchmark and real pages; about half the time).
_TEXT = partial(lxml.etree.tostring, method="text", encoding="unicode", with_tail=False)


def _text(element: lxml.html.HtmlElement) -> str:
    """_TEXT(element), without an XPath call for an element with no children (most of them): its text is
    then its own .text (the parser drops comments and processing instructions)."""
    return (element.text or "") if not len(element) else _TEXT(element)


_SHOWN_TEXT = XPath(".//text()[not(ancestor::script or ancestor::style or ancestor::template)]", smart_strings=False)
# Characters after the title within which its date line is looked for.
_DATELINE_REACH = 160
# Below this many characters of text a page is not an article.
MIN_BODY_CHARS = 200
# Images of the article: the share image, then those inside the article's own markup (_image_sources).
_IMAGE_CLASS_WORDS = ("content", "detail")
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
    updated_at: datetime | None = None  # the page's "last updated" time, told apart from publication
    section: str = ""  # the portal's section: breadcrumb leaf or article:section


# The last page's elements that any finder's class pattern matches, per thread: the finders below each
# read this short list instead of every classed element.
_LAST_CLASSED = threading.local()


@lru_cache(maxsize=1)
def _any_finder_class() -> re.Pattern[str]:
    """One pattern matching whatever any class-name finder looks for."""
    finders = (_BYLINE_CLASS, _LEAD_CLASS, _OTHER_LEAD_CLASS, _DATE_CLASS, _BREADCRUMB_CLASS, _CATEGORY_CLASS)
    return re.compile("|".join(f"(?:{p.pattern})" for p in finders))


def _classed(doc: lxml.html.HtmlElement, pattern: re.Pattern[str], ids: bool = False) -> list[lxml.html.HtmlElement]:
    """Elements whose class (or id, with ids) matches pattern, in document order."""
    cached = getattr(_LAST_CLASSED, "value", None)
    if cached is None or cached[0] is not doc:  # the cache holds doc, so its identity cannot be reused
        wanted = _any_finder_class().search
        found = []
        # Every element, read in Python: an XPath picking the classed ones first costs more than the reading.
        for element in doc.iter(lxml.etree.Element):
            cls, ident = element.get("class", ""), element.get("id", "")
            if (cls and wanted(cls)) or (ident and wanted(ident)):
                found.append((element, cls, ident))
        cached = (doc, found)
        _LAST_CLASSED.value = cached
    return [e for e, cls, ident in cached[1] if pattern.search(f"{cls} {ident}" if ids else cls)]


def _outside_article(element: lxml.html.HtmlElement) -> bool:
    """In the page's header, navigation or footer; a <header> inside an <article> (WordPress's entry-header)
    is the article's own. (The XPath "(ancestor::header or ancestor::nav or ancestor::footer) and
    not(ancestor::article)" in Python: lxml's XPath set-up costs more than the few elements tested.)"""
    chrome = False
    for node in element.iterancestors():
        if node.tag == "article":
            return False
        chrome = chrome or node.tag in ("header", "nav", "footer")
    return chrome


def _headings(doc: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The page's <h1> elements outside its header, menus and footer."""
    return [h1 for h1 in doc.iter("h1") if not _outside_article(h1)]


def _in_comments(element: lxml.html.HtmlElement) -> bool:
    """Inside a comment form or the comments area (a whole-page ASP.NET <form> is not one)."""
    for node in element.iterancestors():
        ident = node.get("id", "")
        if ident in ("comments", "respond") or (node.tag == "form" and "comment" in f"{ident} {node.get('class', '')}"):
            return True
    return False


def _inside(element: lxml.html.HtmlElement, *tags: str) -> bool:
    """Whether an ancestor is one of tags: in a link (<a>), in a sidebar (<aside>)."""
    return any(node.tag in tags for node in element.iterancestors())


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
    for value in (t.get("datetime") for t in doc.iter("time") if t.get("datetime") is not None
                  and not _outside_article(t)):
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


def _author(doc: lxml.html.HtmlElement, metas: Metas, paragraphs: list[str], ld_article: dict | None = None,
            site_keys: set[str] | None = None, bylines: list[str] | None = None) -> tuple[str, str, list[str]]:
    """The byline (a person, never the outlet) or the signature paragraph ending the text, the attribution
    that signature gives ("Thu Hà (TTXVN)", "Văn phòng HĐND-UBND"), and the paragraphs without it.

    A last paragraph that is only the outlet's name is its signature line, not text: it is dropped.
    """
    site_keys = site_keys if site_keys is not None else set()
    author = find_author(doc, metas, ld_article or {}, site_keys, bylines)
    if paragraphs:
        last = paragraphs[-1]
        if len(last) <= 40 and site_keys and is_outlet_name(last, site_keys):
            return author, "", paragraphs[:-1]
        if (signed := read_signature(last, site_keys)) is not None:
            return author or signed[0], signed[1], paragraphs[:-1]
        if author and last == author:
            return author, "", paragraphs[:-1]
    return author, "", paragraphs


def _lead(doc: lxml.html.HtmlElement, title: lxml.html.HtmlElement | None = None) -> str:
    """The page's own summary paragraph (sapo), when it marks one up right under the headline.

    Class names alone mislead on pages from elsewhere ("leaderboard" ads, "field-with-summary" bodies,
    cookie and author "description" boxes, teaser "excerpt" lists), so the element must also be one
    paragraph-sized block, the only one with its class, and follow the headline closely. Summaries under
    other names (NukeViet's "hometext", "tomtat") are looked for only when the usual ones are missing.
    """
    for pattern in (_LEAD_CLASS, _OTHER_LEAD_CLASS):
        candidates = [e for e in _classed(doc, pattern)
                      if not (_outside_article(e) or _inside(e, "a", "aside") or _in_comments(e))]
        classes = Counter(element.get("class") for element in candidates)
        for element in candidates:
            if element.tag not in _LEAD_TAGS or classes[element.get("class")] > 1 or not _names_lead(element):
                continue
            text = normalize_text(_shown_text(element, " ")).replace("\n", " ").strip()
            if not _LEAD_CHARS[0] < len(text) <= _LEAD_CHARS[1] or _BIO.match(text):  # an author card's bio
                continue
            if title is not None and not _soon_after(title, element, _LEAD_REACH):
                continue
            return text
    return ""


def _prefixed_lead(title: lxml.html.HtmlElement | None) -> str:
    """The lead under the headline that opens with the outlet's tag ("(VTC News) - ", "(CTO) -"), for pages
    that give their sapo no class of its own; the tag may sit in an element of its own before the lead's.

    The tag is how Vietnamese newspapers open an article's first paragraph, so it marks the lead even in
    markup nobody here has seen; only the text right under the headline is read.
    """
    if title is None:
        return ""
    seen = 0
    for node in _NEXT_TEXTS(title):
        parent = node.getparent()
        if not node.strip() or parent is None or parent.tag in _SCRIPT_OR_STYLE:
            continue
        if seen > _LEAD_REACH:
            return ""
        seen += len(node.strip())
        if strip_agency_prefix(node.strip()) == node.strip() or _inside(parent, "a"):
            continue
        block = parent.getparent() if node.is_tail else parent
        # Up to the paragraph holding the tag: "<p><b>(CTO) -</b> Ngày 8-1, …</p>" is one; a block with
        # blocks inside (the text's container) is not.
        while block is not None and block.tag in _INLINE and (up := block.getparent()) is not None \
                and all(child.tag in _INLINE for child in up.iterchildren(tag=lxml.etree.Element)):
            block = up
        if block is None:
            return ""
        text = " ".join(_shown_text(block, " ").split())
        if len(strip_agency_prefix(text)) < _LEAD_CHARS[0] and (following := block.getnext()) is not None:
            text = f"{text} {' '.join(_shown_text(following, ' ').split())}"  # the tag in a span of its own
        return text if _LEAD_CHARS[0] < len(strip_agency_prefix(text)) <= _LEAD_CHARS[1] else ""
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


# Elements whose text has $low to $high characters. One string-length() per element: two predicates
# ([string-length(.) >= $low][string-length(.) <= $high]) build the text of every long wrapper twice.
_SIZED = "[floor((string-length(.) - $low) div ($high - $low + 1)) = 0]"
# The blocks is_teaser_text compares with the paragraphs, in document order.
_TEASER_BLOCKS = XPath(f"(//p | //div | //span | //li | //td | //article){_SIZED}")


def is_teaser_text(doc: lxml.html.HtmlElement, paragraphs: list[str], folded: list[str] | None = None) -> bool:
    """Whether the extracted text is a listing's teasers, not an article: most of it is summaries, each
    sitting in a small block under its own headline link. (Whether a page links to articles, as a list
    page to crawl, is another question: `crawlers.discovery.lists_articles`.)

    folded: fold() of each paragraph when the caller has it already (folding is the costly part).
    """
    # fold() maps each character of NFC text to one character and spaces to themselves, so folding
    # then collapsing spaces equals collapsing then folding.
    keys = [collapse_spaces(f) for f in (folded if folded is not None else map(fold, paragraphs))]
    # Page text usually equals the cleaned paragraph as it is; only other texts need folding to compare.
    plain = {collapse_spaces(p): key for p, key in zip(paragraphs, keys, strict=True)}
    wanted = set(keys)
    lengths = {len(k) for k in wanted}
    shortest = min(lengths, default=0)
    # A block showing one paragraph is no more than a few times its length even with a template's
    # indentation or decomposed marks: larger blocks (page wrappers) are not collapsed and compared.
    largest = max(lengths, default=0) * 3 + 500
    blocks: dict[str, lxml.html.HtmlElement] = {}
    # Collapsing spaces only shortens a text: blocks outside these lengths cannot match. The XPath picks the
    # others in C, without making a Python string of every wrapper's whole text.
    for element in _TEASER_BLOCKS(doc, low=shortest, high=largest):
        text = collapse_spaces(_text(element))
        if len(text) in lengths and (key := plain.get(text) or fold(text)) in wanted:  # fold keeps lengths
            blocks.setdefault(key, element)
    summaries = 0
    # An article's paragraphs share their parent, whose text is the whole article: measured once.
    sizes: dict[lxml.html.HtmlElement, int] = {}
    for paragraph, key in zip(paragraphs, keys, strict=True):
        element = blocks.get(key)
        if element is not None and _opens_with_own_link(element, key):  # a card: headline link and summary
            summaries += 1
            continue
        for container in (element.getparent(), element.getparent().getparent()) if element is not None else ():
            if container is not None and container not in sizes:
                sizes[container] = len(_TEXT(container))
            if container is None or sizes[container] > len(paragraph) + 300:
                break
            if any(len(_text(a).strip()) >= _HEADLINE_CHARS for a in container.iter("a")):
                summaries += 1
                break
    return summaries >= 1 and summaries >= len(paragraphs) / 2


def _opens_with_own_link(element: lxml.html.HtmlElement, key: str) -> bool:
    """Whether the block's text opens with a headline-long link inside it: a teaser card (headline and summary
    in one <article> or <li>) that the extractor gave as one line."""
    link = next((a for a in element.iter("a") if _text(a).strip()), None)
    if link is None:
        return False
    headline = collapse_spaces(fold(_text(link)))
    return len(headline) >= _HEADLINE_CHARS and key.startswith(headline)


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


def _main_text(doc: lxml.html.HtmlElement, site_url: str = "", declares_body: bool = True) -> list[str]:
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
    if declares_body:
        text = _declared_body_text(doc, text)
    # A one-cell table is a layout box, not data: its rows come as "| heading paragraph |", its blocks run
    # together; they are left to complete_from_container, which restores a box block by block.
    lines = _unwrapped([line for line in text.splitlines() if line.strip() and not _ONE_CELL_ROW.match(line)], doc)
    if not lines:
        return lines
    if furniture := _form_and_caption_texts(doc):
        lines = [line for line in lines if not _is_furniture(line, furniture)]
    if _may_list_headlines(lines):  # most articles have no line that could be a headline
        lines = _without_headline_links(lines, _page_links(doc, site_url))
    if _link_share(doc, lines) >= _LINK_SHARE:
        strict = trafilatura.extract(doc, options=_TRAFILATURA_PRECISION) or ""
        if len(strict) < MIN_BODY_CHARS:
            return [line for line in strict.splitlines() if line.strip()]
    return lines


# Text nodes with a line break and some text: among them, the paragraphs hard-wrapped in the page's source.
_WRAPPED_TEXTS = XPath("//text()[contains(., $nl)][normalize-space()]"
                       "[not(ancestor::script or ancestor::style or ancestor::pre)]", smart_strings=False)


def _unwrapped(lines: list[str], doc: lxml.html.HtmlElement) -> list[str]:
    """The lines with the source's hard wraps undone, as a browser shows them.

    Text written straight into a <div> (a teaser's summary, a pasted paragraph) keeps its line breaks and
    the template's indentation in trafilatura's output. A line starting with spaces continues the one before
    it when the page has it after a line break inside the same text; a block's own first line, indented by
    the template, starts with spaces too and stays a line.
    """
    if not any(line[0].isspace() for line in lines):  # nearly every page: no look at the tree
        return lines
    following: set[str] = set()
    for node in _WRAPPED_TEXTS(doc, nl="\n"):
        pieces = [piece.strip() for piece in node.split("\n")]
        following.update(piece for before, piece in pairwise(pieces) if before and piece)
    if not following:
        return lines
    joined: list[str] = []
    for line in lines:
        head = line.strip()
        if joined and line[0].isspace() and any(head.startswith(piece) for piece in following):
            joined[-1] = f"{joined[-1].rstrip()} {head}"
        else:
            joined.append(line)
    return joined


# Searched in the raw bytes first (C speed): most pages name none of these, and the XPath is spared.
# Each with `in` (a substring search), which is several times faster than one regex alternation over the page.
_DECLARED_MARKERS = (b"articleBody", b"journal-content-article", b"news-bodyhtml")
# The element a page itself marks as the article's text: schema.org microdata (news CMSs, Joomla), and
# the body containers of CMSs many portals share (Liferay web content, NukeViet's news module).
_DECLARED_BODY = XPath("//*[@itemprop='articleBody'] | //div[contains(concat(' ', @class, ' '),"
                       " ' journal-content-article ')] | //div[@id='news-bodyhtml']")
# Below this share of the declared body's words, the extracted text is something else (teasers beside it).
_DECLARED_COVERAGE = 0.5
_WORDS = re.compile(r"\w+")


def _declared_body_text(doc: lxml.html.HtmlElement, text: str) -> str:
    """The extracted text, or the text of the element the page declares as the article's body when the
    extraction missed most of it.

    On short articles trafilatura's fast pass can prefer a block of longer teasers beside the article (its
    "recall escalation", left out for speed, would catch that on a second full pass); the page's own marker
    settles it for the price of one XPath.
    """
    declared = [e for e in _DECLARED_BODY(doc) if not _inside(e, "a")]
    if len(declared) != 1:  # none, or several (a list of teasers marked up as articles)
        return text
    body = _TEXT(declared[0])
    words = Counter(_WORDS.findall(body.lower()))
    total = sum(words.values())
    if total < MIN_BODY_CHARS // 5:
        return text
    shared = sum((words & Counter(_WORDS.findall(text.lower()))).values())
    if shared >= _DECLARED_COVERAGE * total:
        return text
    return trafilatura.extract(_standalone(declared[0]), options=_TRAFILATURA) or text


def _standalone(element: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """A copy of element as the body of a page of its own (the page's tree stays whole)."""
    page = lxml.html.fromstring("<html><body></body></html>")
    page.find("body").append(copy.deepcopy(element))
    return page


# A form's fields and labels (a comment form: "*Email (không hiển thị trên trang):"); a page-wide ASP.NET
# <form> holds far more text than this.
_FORM_CHARS = 2000
_CAPTION_CHARS = 300


def _form_and_caption_texts(doc: lxml.html.HtmlElement) -> set[str]:
    """Texts (spaces collapsed) that extractors pass on but are not the article's: the whole text of each
    small form (a line inside one is a label), and photo captions written as the italic paragraph right after
    an image's paragraph (the rich-text editors of Vietnamese CMSs:
    <p><img></p><p style="text-align:center"><em>Caption</em></p>)."""
    texts: set[str] = set()
    for form in doc.iter("form"):
        if any(i.get("type", "text") != "hidden" for i in form.iter("input", "textarea")) \
                and len(shown := _TEXT(form)) <= _FORM_CHARS:
            texts.add(" ".join(shown.split()))
    for image in doc.iter("img"):
        holder = image.getparent()
        while holder is not None and holder.tag not in ("p", "div"):
            holder = holder.getparent()
        # Any text piece with a character other than spaces: the holder is often the article's whole body,
        # whose first pieces settle it (reading its whole text to find that out cost more than the rest).
        if holder is None or any(piece and not piece.isspace() for piece in holder.itertext()):
            continue  # an image beside text: no caption paragraph of its own
        caption = holder.getnext()
        if caption is None or caption.tag not in ("p", "div"):
            continue
        text = " ".join(_TEXT(caption).split())
        if text and len(text) <= _CAPTION_CHARS and _all_italic(caption):
            texts.add(text)
    return texts


def _is_furniture(line: str, texts: set[str]) -> bool:
    """A line that is a caption, or a piece of a form's text (a label, a prompt)."""
    key = " ".join(line.split())
    return any(key == text or (len(key) >= 8 and key in text) for text in texts)


_NOT_ITALIC_TEXT = XPath(".//text()[not(ancestor::em or ancestor::i or ancestor::script or ancestor::style)]",
                         smart_strings=False)


def _all_italic(element: lxml.html.HtmlElement) -> bool:
    """Whether every piece of text the element shows is inside <em> or <i>."""
    return not "".join(_NOT_ITALIC_TEXT(element)).strip()


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
    text = "\n".join(collapse_spaces(line) for line in lines)
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
          override: dict[str, list[str]], site_url: str = "", declares_body: bool = True) -> Cleaned:
    """The cleaned article text: main text (or the source's body rule), headline repeat dropped, lead first."""
    if override.get("body"):  # the source's own rule: no need for generic extraction
        lines = [line for block in override["body"] for line in block.splitlines() if line.strip()]
    else:
        lines = _main_text(doc, site_url, declares_body)
    if lines and collapse_spaces(fold(normalize_text(lines[0]))) == collapse_spaces(fold(title)):  # headline again
        lines = lines[1:]
    lines = _without_date_line(lines, title_el)
    lead = normalize_text(override["lead"][0]) if override.get("lead") else (_lead(doc, title_el)
                                                                              or _prefixed_lead(title_el))
    if lead and not _has_lead(lines, lead):
        lines.insert(0, lead)
    if not override.get("body"):  # boxes, lists and sub-headings of the article the extractor left out
        lines = complete_from_container(doc, lines)
    return clean_text(lines)


def _without_date_line(lines: list[str], title: lxml.html.HtmlElement | None) -> list[str]:
    """The text without the header's date line ("Đầu tư Thứ Tư, 24/12/2025 09:30") that the extractor took
    in with the headline's block; a dated first sentence of the text is no line of the header."""
    opening = [i for i, line in enumerate(lines[:3]) if len(line) <= _DATELINE_MAX and parse_vn_datetime(line)]
    if not opening or title is None:
        return lines
    header = {_ALNUM.sub("", fold(line)) for line in _date_lines(title, before=False) + _date_lines(title)}
    return [line for i, line in enumerate(lines) if i not in opening or _ALNUM.sub("", fold(line)) not in header]


def _has_lead(lines: list[str], lead: str) -> bool:
    """The lead already opens the text, or sits further in as written (inserting it would repeat it)."""
    lead = strip_agency_prefix(lead)
    key = fold(lead)
    return any(key in fold(line) for line in lines[:3]) or lead in collapse_spaces(" ".join(lines[3:]))


@dataclass
class _Text:
    """What extract() and extract_body() read from a page in the same steps."""

    metas: Metas
    ld: list[dict]
    ld_article: dict
    site_keys: set[str]
    title: str
    title_el: lxml.html.HtmlElement | None
    cleaned: Cleaned
    bylines: list[str]
    author: str
    paragraphs: list[str]
    folded: list[str]
    signed_attribution: str = ""  # an agency or office the signature line names


def _read_text(page: Page, doc: lxml.html.HtmlElement, override: dict[str, list[str]], url: str) -> _Text:
    """Headline, cleaned body without repeats and promotions, and the byline (signature line taken off)."""
    metas = page.meta
    ld = page.json_ld
    ld_article = _ld_article(ld)
    site_keys = _site_keys(metas, url, ld)
    title, title_el = _headline(doc, metas, ld_article, site_keys)
    if override.get("title"):
        title = normalize_text(override["title"][0]).replace("\n", " ")
    # A page made from decoded text has no bytes to search: the XPath decides.
    declares_body = any(marker in page.body for marker in _DECLARED_MARKERS) if page.body else True
    cleaned = _body(doc, title, title_el, override, _site_url(page), declares_body)
    paragraphs, folded = _drop_repeats_and_promos(title, cleaned.paragraphs, cleaned.folded)
    bylines = _byline_texts(doc)
    author, signed_attribution, paragraphs = _author(doc, metas, paragraphs, ld_article, site_keys, bylines)
    if not author and page.body and _BIO_MARK in page.body:
        author = _bio_author(doc)
    folded = folded[: len(paragraphs)]  # _author drops at most the last paragraph
    return _Text(metas, ld, ld_article, site_keys, title, title_el, cleaned, bylines, author, paragraphs, folded,
                 signed_attribution)


# An author box beside an opinion piece: the name, then a bio naming the writer again ("Tác giả Nguyễn Văn A là
# giảng viên…"). Searched in the bytes first: the XPath runs only on pages that say "Tác giả".
_BIO_MARK = "Tác giả".encode()
_BIO_BLOCKS = XPath("//text()[starts-with(normalize-space(.), 'Tác giả')]/..")
_BIO = re.compile(r"^Tác giả\s+(\S+(?:\s+\S+){1,3}?)\s*,?\s+(?:là|hiện là|hiện đang|nguyên là|sinh năm)\s")


def _bio_author(doc: lxml.html.HtmlElement) -> str:
    """The writer an author box names: a bio naming a person whose name the box also shows on its own
    (a heading or link beside the bio), when no byline does; else "". A sentence of the text saying
    "Tác giả …" (a book's author) has no such name beside it."""
    for element in _BIO_BLOCKS(doc):
        match = _BIO.match(" ".join(_block_text(element).split()))
        if not match or not _looks_like_person(name := match.group(1)):
            continue
        box = element.getparent()
        for _ in range(2):
            if box is None:
                break
            if any(" ".join(_TEXT(e).split()) == name for e in box.iter() if e is not element):
                return name
            box = box.getparent()
    return ""


def extract_body(body: bytes, content_type: str = "", url: str = "") -> list[str]:
    """The paragraphs extract() gives for this page, without deciding whether the page is an article.

    For measuring body extraction on pages extract() refuses (list-like, short, no title): the
    text is built by the same steps, signature line removed as extract() removes it.
    """
    page, doc = _parse(body, content_type, url)
    return _read_text(page, doc, {}, url).paragraphs


def _drop_repeats_and_promos(title: str, paragraphs: list[str], folded: list[str]) -> tuple[list[str], list[str]]:
    """Without the headline repeated as first paragraph and app-download lines (related-headline lists
    went with the main text: _without_headline_links)."""
    title_key = collapse_spaces(fold(title))
    kept = [(p, f) for i, (p, f) in enumerate(zip(paragraphs, folded, strict=True))
            if not _APP_PROMO.match(p) and not (i == 0 and collapse_spaces(f) == title_key)]
    return [p for p, _ in kept], [f for _, f in kept]


_APP_PROMO = re.compile(r"^(tải ứng dụng|tải app|download app|tải về ứng dụng|cài đặt ứng dụng)\b"
                        # Headings of the lists of other stories that follow the text.
                        r"|^(những|các) tin (mới hơn|cũ hơn|khác|đã đưa)\s*:?$|^tin cùng chuyên mục\s*:?$"
                        r"|^bài viết khác\s*:?$|^xem tiếp\s*:?$|^đọc thêm\s*:?$", re.IGNORECASE)
# A labelled byline line: "Tác giả: Hồng Nhung", "Bài và ảnh: Minh Anh", a contributor's "CTV: Thu Hà" or
# "CTV Thu Hà". NukeViet's own labels ("Tác giả bài viết:") are often typed into the text by editors.
_LABELLED_BYLINE = re.compile(r"^(?:(?:tác giả(?: bài viết)?|người viết(?: bài)?|bài và ảnh|bài, ảnh|bài/ảnh|tin, ảnh"
                              r"|tin và ảnh|phóng viên|ctv|cộng tác viên|tin|bài|tổng hợp|thực hiện)\s*:|ctv\s)"
                              r"\s*(?P<value>.{2,60})$", re.IGNORECASE)
# The photographer's credit after the writer's: "Tin: Hà Vy. Ảnh: Lê Na", "Bài: Hà Vy - Ảnh: Lê Na".
_PHOTO_CREDIT = re.compile(r"\s*[.,;]?\s*[-–]?\s*(?:ảnh|video|clip|đồ họa)\s*:.*$", re.IGNORECASE)


def extract(body: bytes, content_type: str = "", selectors: dict[str, str] | None = None,
            url: str = "") -> Extracted:
    """Title, date, author, lead and paragraphs; a source's selectors win where they match."""
    page, doc = _parse(body, content_type, url)
    override = _selected(doc, selectors) if selectors else {}
    text = _read_text(page, doc, override, url)
    metas, ld, title, paragraphs, folded, author = (text.metas, text.ld, text.title, text.paragraphs, text.folded,
                                                    text.author)
    if override.get("author"):
        author = normalize_text(override["author"][0])
        kept = [(p, f) for p, f in zip(paragraphs, folded, strict=True) if p != author]
        paragraphs, folded = [p for p, _ in kept], [f for _, f in kept]
    if not title:
        raise ExtractionError("không tìm thấy tiêu đề bài")
    section = find_section(doc, metas, ld, title)
    article_markup = bool(text.ld_article) or metas.get("og:type").lower() == "article"
    if not override.get("body") and (reason := looks_like_list_page(url, title, section, text.site_keys, ld,
                                                                      article_markup, doc, _site_url(page))):
        raise ExtractionError(f"trang danh sách tin: {reason}")
    if sum(len(p) for p in paragraphs) < MIN_BODY_CHARS:
        raise ExtractionError("không trích xuất được nội dung bài (trang lỗi, rỗng hoặc là trang danh sách)")
    if is_teaser_text(doc, paragraphs, folded):
        raise ExtractionError("trang danh sách tin, không phải một bài viết")
    if len(_MOJIBAKE.findall(" ".join(paragraphs))) >= 5:
        raise ExtractionError("văn bản lỗi mã hóa ký tự (mojibake): kiểm tra bảng mã của nguồn")
    description = strip_agency_prefix(normalize_text(metas.get("description", "og:description")))
    published, updated = find_dates(doc, text.title_el, metas, text.ld_article)
    if published is None and not override.get("body") and (reason := _undated_list(doc, ld, paragraphs)):
        raise ExtractionError(f"trang danh sách tin: {reason}")
    attribution = text.cleaned.attribution or text.signed_attribution or byline_attribution(text.bylines)
    return Extracted(
        title=title,
        paragraphs=paragraphs,
        folded=folded,
        published_at=_override_date(override) or published or date_in_url(url),
        updated_at=updated,
        author=author,
        attribution=attribution,
        lead=paragraphs[0] if paragraphs else description,
        canonical_url=page.canonical,
        description=description,
        images=list(dict.fromkeys(src.strip() for src in _image_sources(doc) if src.strip()
                                  and not src.strip().startswith("data:"))),
        section=section,
    )

def _image_sources(doc: lxml.html.HtmlElement) -> list[str]:
    """The og:image meta values and the sources of images inside an <article> or an element whose class
    names "content" or "detail", in document order. What the XPath "//meta[@property='og:image']/@content
    | //article//img/@src | //*[contains(@class,'content') or contains(@class,'detail')]//img/@src" finds,
    in less than half its time: libxml2 sorts and merges the three node sets, and walks every image
    under each of nested content blocks again."""
    found = []
    for element in doc.iter("meta", "img"):
        if element.tag == "meta":
            if element.get("property") == "og:image" and (content := element.get("content")) is not None:
                found.append(content)
        elif (src := element.get("src")) is not None and any(
                node.tag == "article" or any(word in node.get("class", "") for word in _IMAGE_CLASS_WORDS)
                for node in element.iterancestors()):
            found.append(src)
    return found


# --- Real-page metadata: JSON-LD, headline without <h1>, header date line, outlet names, sections ---

_ARTICLE_TYPES = {"NewsArticle", "Article", "BlogPosting", "ReportageNewsArticle", "AnalysisNewsArticle",
                  "OpinionNewsArticle", "LiveBlogPosting"}
_LIST_TYPES = {"CollectionPage", "ItemList", "SearchResultsPage", "WebSite"}
# Short elements whose class says they hold the article's date ("date", "time", "ngay-dang", "publish").
_DATE_CLASS = re.compile(r"date|time|ngay|publish|post-meta|meta-info")
_BREADCRUMB_CLASS = re.compile(r"breadcrum|duong-dan")  # "breadcrump" in a CMS many provincial portals share
# The article's category link shown above the headline ("detail-cate", WordPress "cat-links").
_CATEGORY_CLASS = re.compile(r"cate|cat-links|chuyen-?muc")
_TITLE_SEPARATORS = re.compile(r"\s+[-–—|»:]\s+|\s*\|\s*")
_HOME_WORDS = {"trang chu", "home", "trang nhat"}
# The same as written on pages (checked without folding, which costs more than the check).
_HOME_LABELS = {"trang chủ", "trang chu", "home", "trang nhất", "trang nhat", "trang chủ »", "trang chủ >"}
# Titles that name a whole news listing, never one article.
_LISTING_TITLES = _HOME_WORDS | {"tin tuc", "tin tuc su kien", "tin moi", "tin moi nhat", "tin noi bat", "thoi su",
                                 "tim kiem", "ket qua tim kiem", "tin hoat dong", "tin trong tinh", "tin trong nuoc"}
# Headlines of tag, topic, category and search pages ("Thẻ: chuyển đổi số", "Chuyên mục: Kinh tế").
_LISTING_PREFIX = re.compile(r"^(the|tag|tags|tu khoa|chu de|chuyen muc|danh muc|ket qua tim kiem|tim kiem|luu tru)"
                             r"\s*[:\-–]", re.IGNORECASE)
# Inline elements a date line is written with; a date in a longer block is a sentence of the text.
_INLINE = {"a", "b", "strong", "em", "i", "span", "time", "small", "font", "label", "abbr", "sup", "u"}
_DATELINE_MAX = 120
_UPDATED_WORDS = re.compile(r"c[ậa]p nh[ậa]t|updated|s[ửu]a l[úu]c", re.IGNORECASE)
_PUBLISHED_WORDS = re.compile(r"đăng|xuất bản|published", re.IGNORECASE)
_LIST_URL = re.compile(r"/(tag|tags|chu-de|tu-khoa|search|tim-kiem|category|chuyen-muc|danh-muc)(/|\.|$|\?)"
                       r"|[?&](s|q|keyword|tu-khoa)=|/page/\d+/?$|/trang-\d+\.", re.IGNORECASE)
_ALNUM = re.compile(r"[\W_]+")


def _ld_types(obj: dict) -> set[str]:
    kind = obj.get("@type", "")
    return set(kind) if isinstance(kind, list) else {kind}


def _ld_article(objects: list[dict]) -> dict:
    return next((o for o in objects if _ld_types(o) & _ARTICLE_TYPES), {})


def _ld_names(value: object) -> list[str]:
    """Names from a JSON-LD author/publisher value (a string, an object or a list of them)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [value["name"]] if isinstance(value.get("name"), str) else []
    if isinstance(value, list):
        return [n for v in value for n in _ld_names(v)]
    return []


def _site_keys(metas: Metas, url: str, ld: list[dict]) -> set[str]:
    """Compact (folded, letters and digits only) forms of the outlet's own names and host."""
    site_name, app_name = metas.get("og:site_name"), metas.get("application-name")
    if site_name and app_name == metas.get("og:title"):  # a template that fills it with each headline
        app_name = ""
    names = [site_name, app_name, metas.get("twitter:site").lstrip("@"), metas.get("copyright"),
             metas.get("dc.publisher")]
    names += [n for o in ld for n in _ld_names(o.get("publisher"))]
    names += [n for o in ld if _ld_types(o) & {"Organization", "NewsMediaOrganization", "WebSite"}
              for n in _ld_names(o)]
    for address in (url, metas.get("og:url")):
        host = urlsplit(address).hostname or ""
        labels = [p for p in host.split(".") if p not in ("www", "vn", "com", "net", "org", "gov", "edu", "m")]
        names += labels[:1]
    keys = {_ALNUM.sub("", fold(n)) for n in set(names) if n}
    keys |= {k.removeprefix("bao").removeprefix("baodientu") for k in keys}
    return {k for k in keys if len(k) >= 4}


_DOMAIN_LIKE = re.compile(r"\.(com|vn|net|org)\b", re.IGNORECASE)


def is_outlet_name(name: str, site_keys: set[str]) -> bool:
    """The outlet's own name in an author field ("VnExpress", "Dân Trí", "NLD.COM.VN", "TUOI TRE ONLINE")."""
    key = _ALNUM.sub("", fold(name))
    if not key:
        return True
    if _DOMAIN_LIKE.search(name) or key.endswith(("online", "corp")):
        return True
    # The outlet's name with a little around it ("TUOI TRE ONLINE", "Báo Dân trí"), not a longer text naming it.
    return any((k in key and len(key) <= len(k) + 10) or (key in k and len(key) >= 4) for k in site_keys)


# Words around an outlet's name in its own headings ("Báo … điện tử", "… Online").
_NAME_AFFIXES = re.compile(r"^(baodientu|bao|congthongtindientu|congthongtin|congttdt|trangthongtindientu|trangtin"
                           r"|tapchi)|(dientu|online|vn|net|com|orgvn|govvn)$")


def is_site_name(text: str, site_keys: set[str]) -> bool:
    """A heading that is the site's own name ("Báo Bình Giang điện tử"), strictly: a headline that
    merely starts with the province in the site's name ("Bình Giang mùa lúa chín") is not one."""
    key = _ALNUM.sub("", fold(text))
    if not key:
        return True
    for _ in range(3):  # prefix and suffix words, possibly both
        if key in site_keys:
            return True
        stripped = _NAME_AFFIXES.sub("", key)
        if stripped == key:
            break
        key = stripped
    return key in site_keys


# How outlets name themselves: a title part starting so after a separator is the site's name, and a
# would-be byline holding one of these words is an outlet, not a person.
_OUTLET_WORDS = re.compile(r"\b(cổng thông tin|cổng ttđt|cổng tttđt|cổng|trang thông tin|trang tin|báo|tạp chí"
                           r"|đài phát thanh|đài|thông tấn|truyền hình|tin tức|online|website|portal)\b", re.IGNORECASE)


def _strip_site_suffix(title: str, site_keys: set[str]) -> str:
    """"Tiêu đề - Báo VnExpress Sức khỏe" → "Tiêu đề": drop a trailing part naming the outlet."""
    parts = _TITLE_SEPARATORS.split(title)
    while len(parts) > 1 and (is_site_name(parts[-1], site_keys) or len(parts[-1]) <= 3
                              or (_OUTLET_WORDS.match(parts[-1]) and len(parts[-1]) <= 60)):
        parts.pop()
    while len(parts) > 1 and is_site_name(parts[0], site_keys):
        parts.pop(0)
    return " - ".join(parts).strip()


def _headline(doc: lxml.html.HtmlElement, metas: Metas, ld_article: dict,
              site_keys: set[str]) -> tuple[str, lxml.html.HtmlElement | None]:
    """The article's headline and the element showing it (None when only meta tags give it).

    An <h1> holding the site's logo or name is not the headline; without a usable <h1> the
    JSON-LD headline, og:title or <title> is taken, minus the site-name suffix.
    """
    headings = []
    for h1 in _headings(doc):
        text = normalize_text(h1.text_content()).replace("\n", " ").strip()
        if text and not is_site_name(text, site_keys) and fold(text) not in _HOME_WORDS \
                and not _link_chain(h1):
            headings.append((text, h1))
    if len(headings) > 1:  # a section name above the headline, both in <h1>: the one the page's metadata names
        named = [" ".join(fold(n).split()) for n in (ld_article.get("headline"), metas.get("og:title"),
                                                     metas.get("twitter:title")) if isinstance(n, str) and n]
        for text, h1 in headings:
            key = " ".join(fold(text).split())
            if any(key == n or (len(key) >= _HEADLINE_CHARS and key in n) for n in named):
                return text, h1
    if headings:
        return headings[0]
    for candidate in (ld_article.get("headline"), metas.get("og:title"), metas.get("twitter:title"),
                      doc.findtext(".//title")):
        if isinstance(candidate, str) and candidate.strip():
            text = _strip_site_suffix(normalize_text(candidate).replace("\n", " ").strip(), site_keys)
            return text, _shown_headline(doc, text)
    return "", None


# What may stand between the links of a breadcrumb: separators and spaces.
_CHAIN_GLUE = re.compile(r"^[\s>»›/|:\-–•]*$")
_TEXT_OUTSIDE_LINKS = XPath(".//text()[not(ancestor::a)][not(ancestor::script or ancestor::style)]",
                            smart_strings=False)


def _link_chain(element: lxml.html.HtmlElement) -> list[str]:
    """The link texts of an element that shows nothing but two or more links with separators between them
    ("THỜI SỰ > Cần Thơ" written in an <h1>): a breadcrumb, whatever its tag; else []."""
    links = list(element.iter("a"))
    if len(links) < 2:
        return []
    texts = [" ".join(_TEXT(a).split()) for a in links]
    return texts if all(texts) and _CHAIN_GLUE.match("".join(_TEXT_OUTSIDE_LINKS(element))) else []


def _shown_headline(doc: lxml.html.HtmlElement, title: str) -> lxml.html.HtmlElement | None:
    """The element (a heading or a titled block, not a link) whose text is the headline, if the page shows it.

    An <h1> saying the headline the metadata gives is the article's own even inside a <header> (a section's
    header holding headline and date line, outside any <article>); other blocks there are the page's.
    """
    key = " ".join(fold(title).split())
    for element in doc.iter("h1", "h2", "h3", "h4", "div", "p", "span", "strong", "td"):
        raw = _TEXT(element)
        if len(raw) < len(title) or len(raw) > len(title) + 40:
            continue
        if " ".join(fold(raw).split()) == key and element.getparent() is not None \
                and not element.xpath("ancestor::a|ancestor::nav" if element.tag == "h1"
                                      else "ancestor::a|ancestor::nav|ancestor::header"):
            return element
    return None


def _block_text(node: lxml.html.HtmlElement) -> str:
    """Text of the nearest block element around an inline element."""
    while node.tag in _INLINE and node.getparent() is not None:
        node = node.getparent()
    return _TEXT(node)


# A few dozen text nodes around the headline are enough to find its date line; a bounded XPath
# stops there instead of listing every text node of the page.
_NEXT_TEXTS = XPath("(following::text())[position() <= 60]")
# On the reverse axis position() counts back from the headline: the nearest 30 text nodes before it.
_PREVIOUS_TEXTS = XPath("preceding::text()[position() <= 30]")
_SCRIPT_OR_STYLE = {"script", "style", "template", "noscript"}


def _date_lines(title: lxml.html.HtmlElement, before: bool = True) -> list[str]:
    """Short lines next to the headline (after it, then before it within its own block), as date
    lines are written.

    Only short blocks count, so "Ngày 29/6/2022, Ban Thường vụ…" opening the body is never a date line;
    before the headline only its own container is read, never the page header with today's date.
    """
    lines: list[str] = []
    if before:
        container = title.getparent()
        reach = len(_TEXT(title)) + 80
        while container is not None and len(_TEXT(container)) < reach \
                and container.getparent() is not None and container.getparent().tag != "body":
            container = container.getparent()
        windows = [[t for t in reversed(_PREVIOUS_TEXTS(title)) if container is not None
                    and (t.getparent() is container or container in t.getparent().iterancestors())]]
    else:
        windows = [_NEXT_TEXTS(title)]
    for texts in windows:
        seen = 0
        for text in texts:
            parent = text.getparent()
            if not text.strip() or parent is None or parent.tag in _SCRIPT_OR_STYLE:
                continue
            seen += len(text.strip())
            block = " ".join(_block_text(parent).split())
            if len(block) <= _DATELINE_MAX and block not in lines:
                lines.append(block)
            if seen > _DATELINE_REACH:
                break
    return lines


_PAGE_CHROME = re.compile(r"header|top|menu|banner|footer|sidebar|widget|related|lien-quan|other", re.IGNORECASE)
# Class names of the article's own parts that contain a chrome word ("entry-header", "article__header").
_OWN_PART = re.compile(r"^(entry|article|post|detail|news-detail|single|asset|content)[-_]", re.IGNORECASE)


def _in_page_chrome(element: lxml.html.HtmlElement) -> bool:
    """Inside the page header, a menu, a sidebar or a related-news block (up to the enclosing <article>)."""
    for node in (element, *element.iterancestors()):
        if node.tag in ("article", "main", "body"):
            return False
        tokens = f"{node.get('class', '')} {node.get('id', '')}".split()
        if any(_PAGE_CHROME.search(t) and not _OWN_PART.match(t) for t in tokens):
            return True
    return False


def _date_box(doc: lxml.html.HtmlElement, title: lxml.html.HtmlElement | None) -> list[str]:
    """Texts of short date-classed elements in the article's own area, nearest to the headline first
    (for headlines that are not marked up, or dates in a meta bar away from the headline). Dates in
    the page header, menus, sidebars and teasers (next to a headline link) do not count."""
    boxes = []
    for box in _classed(doc, _DATE_CLASS):
        if _outside_article(box) or _inside(box, "a") or len(_TEXT(box)) > _DATELINE_MAX:
            continue
        chrome = _in_page_chrome(box)
        parent = box.getparent()
        teaser = parent is not None and any(len(_text(a).strip()) >= _HEADLINE_CHARS for a in parent.iter("a"))
        if not chrome and not teaser:
            boxes.append(box)
    if not boxes:
        return []
    order = {e: i for i, e in enumerate(doc.iter())}
    anchor = order.get(title, 0) if title is not None else 0
    boxes.sort(key=lambda e: abs(order.get(e, 0) - anchor))
    return [" ".join(_TEXT(e).split()) for e in boxes[:4]]


def _published_and_updated(lines: list[str]) -> tuple[datetime | None, datetime | None]:
    """Publication and update times from date lines: what follows "Cập nhật" is the update,
    what precedes it on the same line ("12/03/2026 08:15 (Cập nhật: 12/03/2026 16:20)") the publication."""
    published = updated = None
    for line in lines:
        said = _UPDATED_WORDS.search(line)
        if said and not _PUBLISHED_WORDS.search(line):
            before, after = line[: said.start()], line[said.start():]
            published = published or parse_vn_datetime(before)
            updated = updated or parse_vn_datetime(after)
        else:
            published = published or parse_vn_datetime(line)
    return published, updated


def find_dates(doc: lxml.html.HtmlElement, title: lxml.html.HtmlElement | None, metas: Metas,
               ld_article: dict) -> tuple[datetime | None, datetime | None]:
    """(published, updated): meta tags, JSON-LD, <time>, then the date line in the article's header.

    An "updated" line is the publication date only when the page gives no other.
    """
    published = find_published(doc, None, metas)
    updated = None
    for value in (ld_article.get("datePublished"), ld_article.get("dateCreated")):
        if published is None and isinstance(value, str):
            published = parse_iso_datetime(value) or parse_vn_datetime(value)
    for name in _UPDATED_META:
        if updated is None and (value := metas.get(name)):
            updated = parse_iso_datetime(value) or parse_vn_datetime(value)
    if updated is None and isinstance(ld_article.get("dateModified"), str):
        updated = parse_iso_datetime(ld_article["dateModified"])
    line_published = line_updated = None
    lines_read = False
    if published is None or updated is None:
        # After the headline first, where most date lines are; before it only when that finds nothing.
        line_published, line_updated = _header_dates(title)
        lines_read = True
        if published is None and line_published is None and line_updated is None:
            # Date-classed boxes away from the headline: only when the page gives no date otherwise.
            line_published, line_updated = _published_and_updated(_date_box(doc, title))
        published_or_line = published or line_published or line_updated
        updated = updated or line_updated
    else:
        published_or_line = published
    if published is not None and _is_midnight(published) and title is not None:
        # A machine date without its time ("datePublished": "2026-01-08"): the date line beside the
        # headline shows the time of that day.
        if not lines_read:
            line_published, _ = _header_dates(title)
        if line_published is not None and line_published.date() == published.date():
            published_or_line = line_published
    published = published_or_line
    if updated is not None and published is not None and updated <= published:
        updated = None
    return published, updated


def _header_dates(title: lxml.html.HtmlElement | None) -> tuple[datetime | None, datetime | None]:
    """Publication and update times from the date lines after the headline, else before it."""
    if title is None:
        return None, None
    found = _published_and_updated(_date_lines(title, before=False))
    if found == (None, None):
        found = _published_and_updated(_date_lines(title, before=True))
    return found


def _is_midnight(moment: datetime | None) -> bool:
    return moment is not None and (moment.hour, moment.minute, moment.second) == (0, 0, 0)


# A breadcrumb's first item may be the portal's own name instead of "Trang chủ": the home link, not a section.
_PORTAL_NAME = re.compile(r"^(cổng thông tin|cổng ttđt|trang thông tin điện tử)", re.IGNORECASE)
# A box of the article's keywords ("Từ khóa: nông thôn mới") sharing a category box's class.
_TAG_LABEL = re.compile(r"(từ khóa|từ khoá|tags?|thẻ)\s*:", re.IGNORECASE)


def find_section(doc: lxml.html.HtmlElement, metas: Metas, ld: list[dict], title: str) -> str:
    """The portal's section: the breadcrumb's leaf (not the home link, not the headline), else article:section."""
    for crumb in _classed(doc, _BREADCRUMB_CLASS, ids=True):
        items = [normalize_text(_text(a)).strip() for a in crumb.iter("a", "li", "span")]
        items = [t for t in items if t and len(t) <= 60 and t.lower() not in _HOME_LABELS and t != title
                 and "\n" not in t and not t.startswith(("»", ">")) and not _PORTAL_NAME.match(t)]
        if items:
            return items[-1]
    for heading in _headings(doc):  # a breadcrumb written as the page's first heading
        items = [normalize_text(t) for t in _link_chain(heading) if t.lower() not in _HOME_LABELS and t != title]
        if items and len(items[-1]) <= 60:
            return items[-1]
    for obj in ld:
        if "BreadcrumbList" in _ld_types(obj):
            # An item names its page ("name"), or holds it ("item": an object, or just its URL).
            names = [n for item in obj.get("itemListElement", []) if isinstance(item, dict)
                     for n in _ld_names(item if item.get("name") else item.get("item", item)) if n != title]
            names = [n for n in names if fold(n) not in _HOME_WORDS and not n.startswith(("http:", "https:", "/"))]
            if names:
                return normalize_text(names[-1])
    section = metas.get("article:section") or _ld_names(_ld_article(ld).get("articleSection"))[:1]
    if section:
        return normalize_text(section if isinstance(section, str) else section[0])
    links = (a for box in _classed(doc, _CATEGORY_CLASS) if not _outside_article(box)
             and not _TAG_LABEL.match(_TEXT(box).lstrip()) for a in box.iter("a") if a.get("href") is not None)
    for link in links:
        text = normalize_text(_TEXT(link)).strip()
        if text and len(text) <= 40 and text != title and not _in_page_chrome(link) and not _PORTAL_NAME.match(text):
            return text
    return ""


_BYLINE_LABEL = re.compile(r"^(bởi|by|tác giả|người viết|phóng viên|viết bởi)\s*:?\s*", re.IGNORECASE)
# CMS account names shown as authors: not who signed the article.
_ACCOUNT_NAMES = {"super user", "admin", "administrator", "quan tri", "quan tri vien", "ban bien tap", "webmaster",
                  "editor", "bien tap vien"}


def _byline_texts(doc: lxml.html.HtmlElement) -> list[str]:
    """Names shown by byline markup: the name element inside a byline block, else its text without dates."""
    texts = []
    for byline in _classed(doc, _BYLINE_CLASS):
        if "comment" in byline.get("class", "") or byline.find(".//input") is not None or _in_comments(byline):
            continue
        names = [" ".join(_text(e).split()) for e in byline.iterdescendants()
                 if e.tag in ("a", "b", "strong") or "name" in e.get("class", "")]
        # A bold "Người đăng tin:" or "Ngày đăng:" is a label of the line, not a name.
        names = [n for n in names if n and not n.endswith(":") and not parse_vn_datetime(n)]
        text = names[0] if names else " ".join(_TEXT(byline).split())
        if parse_vn_datetime(text) and not names:
            continue
        texts.append(text)
    return texts


def byline_attribution(bylines: list[str]) -> str:
    """ "Theo TTXVN" written in the byline's place: the attribution, not a person."""
    for text in bylines:
        if (credit := _THEO.match(text)) and len(text) <= 60:
            return f"Theo {credit.group(1)}"
    return ""


_THEO = re.compile(r"^theo\s+(\S.*?)\s*$", re.IGNORECASE)


def find_author(doc: lxml.html.HtmlElement, metas: Metas, ld_article: dict,
                site_keys: set[str], bylines: list[str] | None = None) -> str:
    """A person from byline markup, JSON-LD or meta tags; the outlet's own name never counts."""
    candidates = list(bylines) if bylines is not None else _byline_texts(doc)
    candidates += _ld_names(ld_article.get("author"))
    candidates += [metas.get(name) for name in ("author", "article:author", "dable:author")]
    people = [name for raw in candidates if (name := _person(raw or "", site_keys))]
    if not people:
        return ""
    # Several signers: one field often names only the first ("NHẬT XUÂN"), another all ("NHẬT XUÂN;NGHI VŨ").
    first = people[0]
    wider = [p for p in people if len(_names(p)) > len(_names(first)) and _names(first) <= _names(p)]
    return ", ".join(sorted(_names(wider[0]), key=wider[0].index)) if wider else first


def _person(raw: str, site_keys: set[str]) -> str:
    """The person a byline field names, or "" (an outlet, a CMS account, a link, an attribution)."""
    if fold(raw).strip() in _ACCOUNT_NAMES:
        return ""
    name = _TRAILING_PARENS.sub("", _BYLINE_LABEL.sub("", raw)).strip()  # "Hà Thu (tổng hợp)"
    if name.lower().startswith("theo "):  # "Theo Hồ Hương" names a person; "Theo TTXVN" a source
        rest = name[5:].strip()
        name = rest if _looks_like_person(rest) else ""
    if not name or len(name) > 60 or name.lower().startswith("nguồn") or name.startswith("http") \
            or is_outlet_name(name, site_keys) or fold(name) in _ACCOUNT_NAMES:
        return ""
    return normalize_text(name).replace(";", ", ")


def _names(byline: str) -> set[str]:
    return {part.strip() for part in re.split(r"[;,]| - | – ", byline) if part.strip()}


def _looks_like_person(text: str) -> bool:
    """Two to four capitalised words ("Hồ Hương", "Nguyễn Thị Minh Anh"): not an acronym, not an outlet."""
    words = text.split()
    return 2 <= len(words) <= 4 and all(w[:1].isupper() and w[1:].islower() for w in words) \
        and not _OUTLET_WORDS.search(text)


_TRAILING_PARENS = re.compile(r"\s*\(([^)]{0,40})\)\s*$")
_NAME_SEPARATORS = re.compile(r"\s+|\s*[-–,]\s*")
# "Thu Hà/TTXVN": the signer, then the agency's short name after a slash.
_SLASHED_AGENCY = re.compile(r"\s*/\s*([A-ZĐ][A-ZĐ0-9&]{1,9})$")
_ACRONYM = re.compile(r"^[A-ZĐ][A-ZĐ0-9&.\-]{1,11}$")
# National news agencies and broadcasters whose items portals carry under their short name ("Tác giả: VTV"):
# a source, not a person (initials such as "PV" or "T.H" are people).
_AGENCIES = {"ttxvn", "vna", "vov", "vtv", "vtc", "vnews", "qdnd", "cand", "ttxvn/vna"}
# A unit that signs a portal's article instead of a person: "Văn phòng HĐND-UBND", "Trung tâm VHTT huyện …".
_OFFICE = re.compile(r"^(văn phòng|phòng|trung tâm|ban|sở|ủy ban|uỷ ban|ubnd|hđnd|ub mttq|ủy ban mttq|hội|bộ|cục"
                     r"|chi cục|đảng ủy|đảng uỷ|huyện ủy|huyện uỷ|thành ủy|thành uỷ|tỉnh ủy|tỉnh uỷ)\b", re.IGNORECASE)


def _names_unit(text: str) -> bool:
    """A short name of an office or an outlet, written as a name ("Trung tâm Tin tức", "PHÒNG VĂN HÓA VÀ THÔNG
    TIN"): past its first two words a capitalised word follows. "Phòng chống dịch là nhiệm vụ" is a sentence."""
    words = text.split()
    return len(words) <= 10 and bool(_OFFICE.match(text) or _OUTLET_WORDS.match(text)) \
        and any(w[:1].isupper() for w in words[2:])


def _agency(text: str, site_keys: set[str]) -> str:
    """The agency a signature credits in brackets or after a slash ("TTXVN", "Báo Nhân Dân"), unless it is
    the portal's own outlet; "" for other notes ("tổng hợp", the signer's workplace)."""
    text = credit.group(1) if (credit := _THEO.match(text.strip())) else text.strip()
    if (_ACRONYM.match(text) or _OUTLET_WORDS.match(text)) and not is_outlet_name(text, site_keys):
        return text
    return ""


def read_signature(text: str, site_keys: set[str] | None = None) -> tuple[str, str] | None:
    """The (person, attribution) a signature line ending the text gives, or None when the line is text.

    "Thu Hà (TTXVN)" → ("Thu Hà", "TTXVN"); "CTV: Lê Minh/THĐT" → ("Lê Minh", "") on THĐT's own site;
    "Văn phòng HĐND-UBND" → ("", "Văn phòng HĐND-UBND"): a unit is an attribution, never a person;
    "Thu Hà – Văn phòng Huyện ủy" → ("Thu Hà", ""): the signer's office is not part of the name.
    """
    site_keys = site_keys if site_keys is not None else set()
    labelled = _LABELLED_BYLINE.match(text)
    if not labelled and not is_signature(text) and not (len(text) <= 60 and _names_unit(text)):
        return None
    core = normalize_text(_PHOTO_CREDIT.sub("", labelled.group("value")) if labelled else text).strip()
    attribution = ""
    if bracket := (_TRAILING_PARENS.search(core) or _SLASHED_AGENCY.search(core)):
        attribution = _agency(bracket.group(1), site_keys)
        core = core[: bracket.start()].strip()
    if _names_unit(core) or fold(core) in _AGENCIES:
        return "", core
    name, dash, office = _dash_split(core)
    if dash and not all(w[:1].isupper() for w in _NAME_SEPARATORS.split(office) if w):  # a name, then its office
        core = name.strip()
    return core, attribution


def _dash_split(core: str) -> tuple[str, str, str]:
    """A signature cut at its dash ("Thu Hà – Văn phòng Huyện ủy", "Minh Anh - Hữu Tài"): an en dash first."""
    return core.partition(" – ") if " – " in core else core.partition(" - ")


def is_signature(text: str) -> bool:
    """A short signed line ending the text: "Minh Anh", "NHẬT XUÂN - NGHI VŨ", "Hoàng Minh (Báo Bình Giang)",
    "Thu Hà – Văn phòng Huyện ủy" (a name, then its office)."""
    core = _TRAILING_PARENS.sub("", text).strip()
    if len(core) > 60 or ":" in core or core.endswith((".", "?", "!")):
        return False
    name, dash, office = _dash_split(core)
    words = [w for w in _NAME_SEPARATORS.split(core) if w]
    if all(w[:1].isupper() for w in words):
        return 1 <= len(words) <= 8
    # "Name – office": a capitalised name of at most four words, then a short office name.
    name_words = name.split()
    return bool(dash) and 1 <= len(name_words) <= 4 and all(w[:1].isupper() for w in name_words) \
        and office[:1].isupper() and len(office) <= 40


_LINK_NAMED = XPath("//a[normalize-space(.) = $name]")
_NAVIGATION = re.compile(r"nav|menu|breadcrum|duong-dan|pathway", re.IGNORECASE)


def _is_navigation_label(doc: lxml.html.HtmlElement, title: str, address: str = "") -> bool:
    """A short headline that is also a menu or breadcrumb label ("Kinh tế"): the page of that section.

    A menu link to the page itself (a "latest stories" preview in a mega-menu, a breadcrumb ending in the
    article) names the article, not a section: links to the page's own address do not count.
    """
    if len(title) > 40:
        return False
    own = urlsplit(address).path if address else ""
    for link in _LINK_NAMED(doc, name=title):
        if own not in ("", "/") and urlsplit(urljoin(address, link.get("href", ""))).path == own:
            continue
        for node in (link, *link.iterancestors()):
            if node.tag == "nav" or _NAVIGATION.search(f"{node.get('class', '')} {node.get('id', '')}"):
                return True
    return False


# Teasers of several stories each open with the agency's prefix ("(NLĐO) -"); an article opens with one.
_TEASER_LEADS = 3


def _undated_list(doc: lxml.html.HtmlElement, ld: list[dict], paragraphs: list[str]) -> str:
    """For a page with no date of its own: the reason it is a list of stories, or "" (a dateless article,
    skipped later for its missing date, stays an article here)."""
    if ld and not _ld_article(ld):
        return "dữ liệu cấu trúc của trang không mô tả một bài viết và trang không có ngày đăng"
    if sum(strip_agency_prefix(p) != p for p in paragraphs) >= _TEASER_LEADS:
        return "nhiều đoạn mở đầu bằng tên cơ quan báo: đó là phần giới thiệu của nhiều bài"
    headlines = [" ".join(h.text_content().split()) for h in _headings(doc)]
    if len(headlines) == 1 and headlines[0] and _is_navigation_label(doc, headlines[0]):
        return f"tiêu đề trang \"{headlines[0]}\" là tên một mục tin"
    return ""


def looks_like_list_page(url: str, title: str, section: str, site_keys: set[str], ld: list[dict],
                         has_article_markup: bool, doc: lxml.html.HtmlElement | None = None,
                         declared_url: str = "") -> str:
    """The Vietnamese reason a page is a home, section, tag or search page, or "" for an article page.

    Without the fetched address (a saved page), the address the page declares as its own (canonical link,
    og:url) tells a home page: news CMSs declare the site's root there.
    """
    address = url or declared_url
    path = urlsplit(address)
    if address and path.path in ("", "/") and not path.query:
        return "trang chủ của cổng, không phải một bài viết"
    if url and _LIST_URL.search(url):
        return "trang chuyên mục, thẻ hoặc tìm kiếm, không phải một bài viết"
    if any(_ld_types(o) & _LIST_TYPES and o.get("mainEntity") is not None for o in ld) and not has_article_markup:
        return "trang danh sách tin (theo dữ liệu cấu trúc của trang), không phải một bài viết"
    folded_title = fold(title)
    if is_site_name(title, site_keys) or folded_title in _LISTING_TITLES:
        return f"trang mang tên cổng hoặc mục tin (\"{title}\"), không phải một bài viết"
    if _LISTING_PREFIX.match(folded_title):
        return f"trang thẻ, chủ đề hoặc tìm kiếm (\"{title}\"), không phải một bài viết"
    if (section and folded_title == fold(section) and len(title) <= 60) \
            or (doc is not None and _is_navigation_label(doc, title, address)):
        return f"trang chuyên mục \"{title}\", không phải một bài viết"
    return ""


# --- Body completion: in-article boxes, lists and sub-headings the generic extractor left out ---

_LEAF_BLOCKS = ("p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "dd", "pre")
# Text in the article's container beyond the extracted lines that makes a block-by-block pass worth it
# (a share bar or a byline is less; a boxed passage or a list is more).
_MISSING_CHARS = 120
# Blocks that can hold other blocks (a parsed <p> or heading cannot).
_NESTING_BLOCKS = {"li", "blockquote", "dd"}
_NOT_TEXT = re.compile(r"relat|lien-?quan|tinlienquan|share|social|tag|comment|binh-?luan|ads|advert|banner|quang-?cao"
                       r"|author|byline|tac-?gia|date|time|meta|breadcrum|print|rating|vote|poll|toolbar|button"
                       r"|caption|figcaption|photo|video|player", re.IGNORECASE)
_BULLET = re.compile(r"^[-•*]\s+")


def _visible_chars(text: str) -> int:
    """Characters other than spaces and line breaks (str.count runs in C; split and join allocate)."""
    return len(text) - sum(text.count(c) for c in " \n\t\r\xa0")


def _line_key(text: str) -> str:
    return " ".join(fold(_BULLET.sub("", text.strip())).split())


_P_SIZED = XPath(f"//p{_SIZED}")
_BLOCK_SIZED = XPath(f"(//div | //li | //td | //span | //blockquote){_SIZED}")


def _article_container(doc: lxml.html.HtmlElement, lines: list[str]) -> lxml.html.HtmlElement | None:
    """The element holding the extracted text: the common ancestor of the blocks showing its two longest lines."""
    longest = sorted((line for line in lines if len(line) >= 80), key=len, reverse=True)[:2]
    if len(longest) < 2:
        return None
    wanted: dict[str, lxml.html.HtmlElement | None] = {collapse_spaces(line): None for line in longest}
    # Pages indented by their templates carry more spaces inside a block than the collapsed line.
    low, high = min(map(len, wanted)) - 2, max(map(len, wanted)) * 3 // 2 + 200
    # Text paragraphs are <p> on almost every page: other blocks are read only when <p> are not enough.
    # One XPath picks the blocks of a fitting length (calling string() on each block costs more).
    for finder in (_P_SIZED, _BLOCK_SIZED):
        for element in finder(doc, low=low, high=high):
            raw = _TEXT(element)
            key = collapse_spaces(raw)
            if key not in wanted:
                key = collapse_spaces(normalize_text(key))
            if key in wanted and wanted[key] is None:
                wanted[key] = element
                if all(e is not None for e in wanted.values()):
                    break
        if all(e is not None for e in wanted.values()):
            break
    found = [e for e in wanted.values() if e is not None]
    if len(found) < 2:
        return None
    ancestors = set(found[0].iterancestors())
    return next((a for a in found[1].iterancestors() if a in ancestors), None)


def complete_from_container(doc: lxml.html.HtmlElement, lines: list[str]) -> list[str]:
    """The extracted lines, plus the leaf blocks of the article's container the extractor dropped
    (boxed passages, lists, sub-headings), each put after the nearest kept block before it.

    Links-only blocks (related-headline lists), furniture classes and forms are not text.
    """
    container = _article_container(doc, lines)
    if container is None or container.tag in ("body", "html"):
        return lines
    # Nothing worth a block-by-block pass is missing when the container shows little more than the lines
    # (counted without spaces, which templates add in bulk).
    if _visible_chars(_TEXT(container)) <= sum(_visible_chars(line) for line in lines) + _MISSING_CHARS:
        return lines
    plain: dict[str, int] = {}
    for i, line in enumerate(lines):
        plain.setdefault(collapse_spaces(_BULLET.sub("", line)), i)
    folded: dict[str, int] | None = None
    inserts: dict[int, list[str]] = {}
    last = -1
    for block in container.iter(_LEAF_BLOCKS):
        if block.tag in _NESTING_BLOCKS and any(True for _ in block.iterdescendants(_LEAF_BLOCKS)):
            continue  # only innermost blocks: their text is not counted twice
        raw = collapse_spaces(_text(block))
        if not raw:
            continue
        if raw in plain:  # the usual case: the extractor kept this block as it is
            last = max(last, plain[raw])
            continue
        text = collapse_spaces(normalize_text(_shown_text(block, " ")))
        if text in plain:
            last = max(last, plain[text])
            continue
        if len(text) < 12 or _skipped_block(block, container, text):
            continue
        if folded is None:  # folding every line is costly: only for blocks that may be new
            folded = {}
            for i, line in enumerate(lines):
                folded.setdefault(_line_key(line), i)
        if (key := _line_key(text)) in folded:
            last = max(last, folded[key])
            continue
        inserts.setdefault(last, []).append(f"- {text}" if block.tag == "li" else text)
    if not inserts:
        return lines
    completed = list(inserts.get(-1, []))
    for i, line in enumerate(lines):
        completed.append(line)
        completed.extend(inserts.get(i, []))
    return completed


def _skipped_block(block: lxml.html.HtmlElement, container: lxml.html.HtmlElement, text: str) -> bool:
    """Not article text: a link's text, a form, a gallery's caption, or inside furniture (related news,
    share bars, bylines)."""
    links = "".join(_text(a) for a in block.iter("a"))
    if len(" ".join(links.split())) >= len(text) * 0.6:
        return True
    # Items of a list that holds pictures are a slideshow's captions, not a list of the text.
    if block.tag == "li" and (parent := block.getparent()) is not None and next(parent.iter("img"), None) is not None:
        return True
    for node in (block, *block.iterancestors()):
        if node is container:
            return False
        if node.tag in ("form", "nav", "aside", "footer", "header", "figure", "script", "style", "a"):
            return True
        tokens = f"{node.get('class', '')} {node.get('id', '')}"
        if tokens.strip() and _NOT_TEXT.search(tokens):
            return True
    return False
