"""Feeds: those a page declares or links to, and whether a fetched body is one."""

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from crawlers.discovery.sitemaps import local_name, parse_xml
from portalwatch.core.page import Page
from portalwatch.core.urls import absolute_link, same_site

_FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/x.atom+xml"}
_FEED_PATH = re.compile(r"(?:^|/)(?:rss|feeds?|atom)(?:[/._-]|$)|\.(?:rss|atom)$|rss\.aspx$", re.I)
_FEED_QUERY = re.compile(r"(?:^|&)(?:feed|format|type)=(?:rss2?|atom)\b", re.I)
_FEED_TEXT = {"rss", "atom", "feed"}
# Comment feeds (WordPress declares one per post) carry readers' comments, not articles.
_COMMENT_FEED = re.compile(r"/comments?/feed|feed=comments|/feed/comments", re.I)


def is_feed_link(url: str, text: str) -> bool:
    """A link to a feed (or to a page of feeds), by its URL or its text."""
    parts = urlsplit(url)
    return bool(_FEED_PATH.search(parts.path) or _FEED_QUERY.search(parts.query)
                or text.strip().lower() in _FEED_TEXT)


def feeds_in(page: Page | str | bytes, page_url: str = "") -> list[str]:
    """Feeds a page declares (`<link rel="alternate">`) then feeds it links to, absolute and deduplicated.

    Declared feeds come first and may sit on another host (FeedBurner); linked ones must be same-site.
    A linked `/rss` is often an HTML index of feeds: fetch it, check `looks_like_feed`, and if it is a
    page, call `feeds_in` on it for the real ones. `page_url` is needed for markup; a Page knows its URL.
    """
    page = Page.of(page, page_url)
    if page.tree is None:
        return []
    found: list[str | None] = []
    for link in page.tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in _FEED_TYPES:
            found.append(absolute_link(link.get("href"), page.base_url))
    found += [link.url for link in page.links if same_site(link.url, page.url) and is_feed_link(link.url, link.text)]
    return _unique(u for u in found if u and not _COMMENT_FEED.search(u))


def looks_like_feed(body: str | bytes) -> bool:
    """Whether a fetched body is an RSS/Atom/RDF feed (and not the HTML page some `/rss` links lead to)."""
    root = parse_xml(body)
    return root is not None and local_name(root.tag) in {"rss", "feed", "RDF"}


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
