"""Sitemaps and robots.txt: the sitemaps a site names, where they usually live, and what they list.

Pure functions over fetched bytes: no network. Hostile input (XXE, gzip bombs, truncated or junk
files) yields what can be recovered, never an exception.
"""

import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import lxml.etree
from protego import Protego

from portalwatch.core import VN_TZ
from portalwatch.core.urls import absolute_link


@dataclass(frozen=True)
class SitemapUrl:
    loc: str
    lastmod: datetime | None = None
    news_publication_date: datetime | None = None
    news_title: str | None = None


@dataclass
class SitemapContent:
    sitemaps: list[str] = field(default_factory=list)  # child sitemaps of a sitemap index
    sitemap_lastmods: dict[str, datetime] = field(default_factory=dict)  # of those that give one
    urls: list[SitemapUrl] = field(default_factory=list)


T = TypeVar("T")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# recover: real sitemaps are often truncated or carry junk; resolve_entities off: no XXE from a hostile site.
_XML_PARSER = lxml.etree.XMLParser(
    recover=True, resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True
)
# The sitemap protocol caps an uncompressed sitemap at 50 MB; more is a decompression bomb or not a sitemap.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024

_SITEMAP_PLACES = (
    "/sitemap.xml",
    "/sitemap_index.xml",
    "/sitemap-index.xml",
    "/wp-sitemap.xml",
    "/news-sitemap.xml",
    "/sitemap-news.xml",
    "/sitemap_news.xml",
)


def sitemaps_in_robots(robots_txt: str | bytes | None, base_url: str) -> list[str]:
    """The `Sitemap:` lines of robots.txt, absolute (Protego, Scrapy's robots.txt parser, reads the file)."""
    if not robots_txt:
        return []
    if isinstance(robots_txt, bytes):
        robots_txt = robots_txt.decode("utf-8", errors="replace")
    if "<html" in robots_txt[:1000].lower():  # a soft 404: the portal's home page served as robots.txt
        return []
    try:
        listed = list(Protego.parse(robots_txt).sitemaps)
    except Exception:  # Protego is lenient; a crash on a hostile file must not stop discovery
        return []
    return _unique(u for u in (absolute_link(s, base_url) for s in listed) if u)


def sitemap_guesses(base_url: str) -> list[str]:
    """Where sitemaps usually live, for sites whose robots.txt names none."""
    parts = urlsplit(base_url)
    return [urlunsplit((parts.scheme, parts.netloc, place, "", "")) for place in _SITEMAP_PLACES]


def _gunzip(data: bytes) -> bytes:
    """As much as decompresses, capped: a truncated .gz still yields its URLs, a bomb stops at the cap."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        return inflater.decompress(data, MAX_SITEMAP_BYTES)
    except zlib.error:
        return b""


def parse_xml(data: str | bytes) -> lxml.etree._Element | None:
    if isinstance(data, str):
        declaration = _XML_DECLARATION.match(data)  # match, not sub: sub would try every position
        data = data[declaration.end() if declaration else 0:].encode("utf-8")
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data)
    if not data.strip():
        return None
    try:
        root = lxml.etree.fromstring(data, _XML_PARSER)
    except lxml.etree.XMLSyntaxError:
        return None
    return root


def local_name(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def w3c_datetime(text: str | None) -> datetime | None:
    """W3C datetime as sitemaps write it; zone-less values are Vietnamese local time."""
    if not text:
        return None
    text = text.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        # Seen in the wild: a space before the zone, or `+0700`.
        match = re.match(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?)\s*(Z|[+-]\d{2}:?\d{2})?$", text)
        if not match:
            return None
        zone = (match.group(3) or "").replace("Z", "+00:00")
        if zone and ":" not in zone:
            zone = f"{zone[:3]}:{zone[3:]}"
        try:
            moment = datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}{zone}")
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)


def changed_after(lastmod: datetime, moment: datetime) -> bool:
    """Whether a page may have changed after `moment`, given a <lastmod> written to some precision.

    Sites write lastmod to the second or to the day: "2026-12-07" covers that whole day, so a page
    fetched that morning and corrected that afternoon must still be checked again (a conditional
    request, cheap when nothing changed).
    """
    if lastmod.microsecond:
        grain = timedelta(0)
    elif (lastmod.hour, lastmod.minute, lastmod.second) == (0, 0, 0):
        grain = timedelta(days=1)
    else:
        grain = timedelta(seconds=1)
    return lastmod + grain > moment


def _child_text(elem: lxml.etree._Element, name: str) -> str | None:
    for child in elem.iter():
        if local_name(child.tag) == name and child.text and child.text.strip():
            return child.text.strip()
    return None


def parse_sitemap(data: str | bytes, sitemap_url: str = "") -> SitemapContent:
    """Child sitemaps and page URLs of a sitemap index, urlset, Google News sitemap or plain-text sitemap.

    Gzip bytes are inflated; namespaces (or their absence) do not matter; malformed XML yields what
    could be recovered, garbage yields an empty result. Never raises.
    """
    content = SitemapContent()
    root = parse_xml(data)
    if root is None:
        return _text_sitemap(data, sitemap_url)
    for elem in root.iter():
        kind = local_name(elem.tag)
        if kind not in ("sitemap", "url"):
            continue
        loc = absolute_link(_child_text(elem, "loc"), sitemap_url or "http://invalid/")
        if not loc or (not sitemap_url and urlsplit(loc).netloc == "invalid"):
            continue
        if kind == "sitemap":
            content.sitemaps.append(loc)
            if lastmod := w3c_datetime(_child_text(elem, "lastmod")):
                content.sitemap_lastmods[loc] = lastmod
        else:
            content.urls.append(
                SitemapUrl(
                    loc=loc,
                    lastmod=w3c_datetime(_child_text(elem, "lastmod")),
                    news_publication_date=w3c_datetime(_child_text(elem, "publication_date")),
                    news_title=_child_text(elem, "title"),
                )
            )
    content.sitemaps = _unique(content.sitemaps)
    return content


def _text_sitemap(data: str | bytes, sitemap_url: str) -> SitemapContent:
    """The protocol's plain-text form: one absolute URL per line, nothing else."""
    if isinstance(data, bytes):
        if data[:2] == b"\x1f\x8b":
            data = _gunzip(data)
        data = data.decode("utf-8", errors="replace")
    lines = [line.strip() for line in data.splitlines() if line.strip()]
    if not lines or not all(re.match(r"^https?://\S+$", line) for line in lines):
        return SitemapContent()
    return SitemapContent(urls=[SitemapUrl(loc=u) for u in _unique(absolute_link(x, sitemap_url) for x in lines) if u])


def _unique(items: Iterable[T]) -> list[T]:
    return list(dict.fromkeys(items))
