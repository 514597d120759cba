"""One fetched HTML page, decoded and parsed at most once, whoever reads it first.

The spider, discovery, block detection and extraction all read the same page: each asks the `Page`
for what it needs (text, tree, meta tags, canonical link, JSON-LD, links) and gets what an earlier
reader already computed. Nothing here mutates the tree: readers that prune (trafilatura) copy it.
"""

import json
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urljoin

import lxml.etree
import lxml.html
from w3lib.encoding import html_body_declared_encoding, html_to_unicode

from portalwatch.core.urls import absolute_link

# trafilatura's own parser settings, so the extracted text is the same as when it parses the markup itself;
# recovering and offline by default (lxml's HTMLParser recovers and never fetches a DTD).
_PARSER = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, remove_comments=True, remove_pis=True)
# Every element an HtmlElement, chosen in C: lxml.html's own lookup runs Python code for each element
# proxy made (a few hundred thousand a thousand pages) only to give forms and inputs their own classes.
_PARSER.set_element_class_lookup(lxml.etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity))
# lxml refuses str input that still declares a byte encoding (old XHTML portals start with one).
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_HEAD_END = re.compile(r"</head\s*>", re.I)
_CANONICAL_WORD = re.compile("canonical", re.I)
_META_ATTRS = ("property", "name", "itemprop")


def decode_html(body: bytes, content_type: str = "") -> str:
    """Unicode text using the HTTP header, the BOM or <meta charset>, in w3lib's order (as browsers do).

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


def parse_html(text: str) -> lxml.html.HtmlElement:
    """A tree for any markup, however broken; raises lxml's ParserError or ValueError when nothing is left."""
    if declaration := _XML_DECLARATION.match(text):  # match, not sub: sub would try every position
        text = text[declaration.end():]
    return lxml.html.document_fromstring(text, parser=_PARSER)


class Metas:
    """The page's <meta> values, read in one pass: the first tag with a content attribute for each
    (attribute, name) pair, as "//meta[@attr=name]/@content" would find it."""

    def __init__(self, doc: lxml.html.HtmlElement | None) -> None:
        self._first: dict[tuple[str, str], str] = {}
        for meta in doc.iter("meta") if doc is not None else ():
            content = meta.get("content")
            if content is None:
                continue
            for attr in _META_ATTRS:
                if (name := meta.get(attr)) is not None:
                    self._first.setdefault((attr, name), content)

    def get(self, *names: str) -> str:
        """The first non-empty value among names, each looked up as property, name, then itemprop."""
        for name in names:
            for attr in _META_ATTRS:
                value = self._first.get((attr, name), "").strip()
                if value:
                    return value
        return ""


@dataclass(frozen=True, slots=True)
class Link:
    url: str  # absolute, as `portalwatch.core.urls.absolute_link` spells it
    text: str  # what a reader sees: the link's text, or an image link's title or alt
    element: lxml.html.HtmlElement


def link_text(a: lxml.html.HtmlElement) -> str:
    """The words a link shows, spaces collapsed; for an image link, its title or the image's alt."""
    text = " ".join(a.text_content().split())
    if not text:
        text = (a.get("title") or "").strip()
        for img in a.iter("img"):
            text = text or (img.get("alt") or "").strip()
    return " ".join(text.split())


class Page:
    """A fetched page: `url`, `body` bytes and the `content_type` header, with everything read from
    them computed on first use and kept (`tree is tree` across readers: the markup is parsed once).

    `text` may be given when the caller has decoded the body already (Scrapy's `response.text`).
    `cache` holds what readers derive from the page and share with later readers (Fundus's
    `Precomputed.cache`): discovery keeps the page's classified links there.
    """

    def __init__(self, url: str, body: bytes = b"", content_type: str = "", *, text: str | None = None) -> None:
        self.url = url
        self.body = body
        self.content_type = content_type
        self.cache: dict[str, Any] = {}
        self.parse_error: str | None = None
        if text is not None:
            self.__dict__["text"] = text

    @classmethod
    def of(cls, markup: "Page | str | bytes", url: str = "") -> "Page":
        """A page for markup (str as decoded text, bytes as a body to decode); a Page is returned as is."""
        if isinstance(markup, Page):
            return markup
        if isinstance(markup, bytes):
            return cls(url, markup)
        return cls(url, markup.encode("utf-8", "surrogatepass"), "text/html; charset=utf-8", text=markup)

    @cached_property
    def text(self) -> str:
        return decode_html(self.body, self.content_type)

    @cached_property
    def tree(self) -> lxml.html.HtmlElement | None:
        """The parsed document; None for an empty page or markup nothing can be made of (see `parse_error`)."""
        if not self.text.strip():
            self.parse_error = "trang rỗng"
            return None
        try:
            return parse_html(self.text)
        except (lxml.etree.ParserError, ValueError) as exc:
            self.parse_error = str(exc)
            return None

    @property
    def parsed(self) -> bool:
        """Whether the markup has been parsed already (a test of the parse-once promise, and of cost)."""
        return "tree" in self.__dict__

    @cached_property
    def meta(self) -> Metas:
        return Metas(self.tree)

    @cached_property
    def base_url(self) -> str:
        """What relative links resolve against: the page's <base href>, else its URL."""
        return _base_url(self.tree, self.url)

    @cached_property
    def canonical(self) -> str | None:
        """The address the page declares as its own: the first <link rel="canonical">, made absolute.

        Before anything has parsed the page, a page without the word has none, and the head alone is parsed
        first (the link belongs there, and the spider needs nothing else from an article); only when it
        holds none is the whole page parsed. Either way the answer is that of the first such link.
        """
        if not self.parsed and not _CANONICAL_WORD.search(self.text):
            return None
        if not self.parsed and (end := _HEAD_END.search(self.text)):
            try:
                head = parse_html(self.text[: end.start()])
            except (lxml.etree.ParserError, ValueError):
                head = None
            if head is not None and (href := _first_canonical(head)):
                return urljoin(_base_url(head, self.url), href)
        if self.tree is None or not (href := _first_canonical(self.tree)):
            return None
        return urljoin(self.base_url, href)

    @cached_property
    def json_ld(self) -> list[dict[str, Any]]:
        """The page's JSON-LD objects (`@graph` members listed one by one); broken blocks are left out."""
        found: list[dict[str, Any]] = []
        for script in self.tree.iter("script") if self.tree is not None else ():
            if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
                continue
            try:
                data = json.loads(script.text, strict=False)  # raw newlines in strings are common
            except (ValueError, RecursionError):  # RecursionError: hostile nesting
                continue
            for item in data if isinstance(data, list) else [data]:
                if isinstance(item, dict):
                    graph = item.get("@graph")
                    found += [g for g in graph if isinstance(g, dict)] if isinstance(graph, list) else [item]
        return found

    @cached_property
    def links(self) -> list[Link]:
        """Every `<a href>` that leads to a page, absolute, in page order (off-site ones included)."""
        if self.tree is None:
            return []
        base = self.base_url
        links = []
        for a in self.tree.iter("a"):
            url = absolute_link(a.get("href"), base)
            if url:
                links.append(Link(url, link_text(a), a))
        return links


def _first_canonical(doc: lxml.html.HtmlElement) -> str | None:
    for link in doc.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and (href := (link.get("href") or "").strip()):
            return href
    return None


def _base_url(doc: lxml.html.HtmlElement | None, page_url: str) -> str:
    for base in doc.iter("base") if doc is not None else ():
        href = (base.get("href") or "").strip()
        if href:
            return urljoin(page_url, href)
    return page_url
