"""Source discovery from a homepage alone: feeds, sitemaps, list pages and the article-URL pattern.

Pure functions over text the spider has already fetched: no network, no Scrapy, no Prefect. The spider's
first step fetches the homepage and robots.txt and calls `discover`; it then fetches the candidate list
pages, keeps those where `is_list_page` holds, and may call `learn_article_pattern` again with them.

How links are told apart (see `classify_links`): every same-site link gets a score from
  * its URL shape: numeric ids (`-12345.html`, `-d123456.html`, `-post123.html`, `.1101`), dates
    (`/2026/11/16/`), id query parameters (`?ItemID=`, `?dDocName=`), Liferay `/-/asset_publisher/…/content/`,
    long slugs; utility words (`/gioi-thieu`, `/lien-he`, login, search…) count against;
  * where it sits: menus, navigation, site header, footer and breadcrumbs count strongly against; headings for;
  * its anchor text: titles are sentences, menu items are a few words;
  * repetition: a URL template that many title-like links share on the page is the article template.
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import lxml.etree
import lxml.html
from protego import Protego
from w3lib.encoding import html_to_unicode

from portalwatch.core import VN_TZ
from portalwatch.core.urls import is_article_url, is_pagination_link, looks_like_page_url, without_session

# --------------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class SitemapUrl:
    loc: str
    lastmod: datetime | None = None
    news_publication_date: datetime | None = None
    news_title: str | None = None


@dataclass
class SitemapContent:
    sitemaps: list[str] = field(default_factory=list)  # child sitemaps of a sitemap index
    urls: list[SitemapUrl] = field(default_factory=list)


@dataclass
class PageLinks:
    """Same-site links of one page, each in exactly one bucket, in page order."""

    articles: list[str] = field(default_factory=list)
    lists: list[str] = field(default_factory=list)  # sections/categories worth fetching as list pages
    pagination: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)  # home, contact, login, search, documents…


@dataclass
class Discovery:
    feeds: list[str]
    sitemaps: list[str]  # named by robots.txt
    sitemap_guesses: list[str]  # the usual places, to try quietly when robots.txt names none
    list_pages: list[str]  # candidates, likeliest first; keep those where `is_list_page` holds
    article_pattern: str | None  # regex for `portalwatch.core.urls.is_article_url`; None when unsure
    article_links: list[str]


# --------------------------------------------------------------------------------------------------- parsing

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_HTML_PARSER = lxml.html.HTMLParser(recover=True, remove_comments=True, no_network=True)
# recover: real sitemaps are often truncated or carry junk; resolve_entities off: no XXE from a hostile site.
_XML_PARSER = lxml.etree.XMLParser(
    recover=True, resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True
)
# The sitemap protocol caps an uncompressed sitemap at 50 MB; more is a decompression bomb or not a sitemap.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024


def _parse_html(html: str | bytes) -> lxml.html.HtmlElement | None:
    """A tree for any input, however broken; None for an empty page."""
    if isinstance(html, bytes):
        # BOM, then <meta charset>, then UTF-8: what browsers do, as w3lib implements it.
        html = html_to_unicode(None, html)[1]
    # lxml refuses str input that still declares a byte encoding (old XHTML portals start with one).
    html = _XML_DECLARATION.sub("", html, count=1)
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html, parser=_HTML_PARSER)
    except (lxml.etree.ParserError, ValueError):
        return None


def _base_url(doc: lxml.html.HtmlElement, page_url: str) -> str:
    for base in doc.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            return urljoin(page_url, href)
    return page_url


# --------------------------------------------------------------------------------------------------- URLs

_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "sms:", "data:", "ftp:", "file:", "callto:", "skype:", "zalo:")
_FILE_EXT = re.compile(
    r"\.(pdf|docx?|xlsx?|pptx?|odt|ods|rtf|txt|csv|zip|rar|7z|gz|tar|exe|apk|jpe?g|png|gif|bmp|webp|svg|ico|tiff?"
    r"|mp3|mp4|m4a|wav|avi|wmv|flv|mov|mkv|webm|xml|rss|atom|json|js|css)$",
    re.I,
)
def _clean_url(href: str | None, base: str) -> str | None:
    """Absolute http(s) URL without fragment, session id or Liferay's back-link; None for non-pages."""
    if not href:
        return None
    href = re.sub(r"[\t\r\n]", "", href).strip()
    if not href or href.startswith("#") or href.lower().startswith(_SKIP_SCHEMES):
        return None
    try:
        parts = urlsplit(without_session(urljoin(base, href)))
    except ValueError:  # e.g. an invalid IPv6 host in a hand-typed link
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    query = parts.query
    if query:
        # Liferay's `_…_redirect=` holds the page the link was found on: one article, many spellings.
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if not k.lower().endswith("_redirect") and k.lower() != "redirect"]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


def _site(netloc: str) -> str:
    """`www.` and default ports do not make another site."""
    host = netloc.lower().rsplit("@", 1)[-1]
    host = re.sub(r":(80|443)$", "", host)
    return host.removeprefix("www.")


def _same_site(url: str, other: str) -> bool:
    return _site(urlsplit(url).netloc) == _site(urlsplit(other).netloc)


def _is_file(url: str) -> bool:
    return _FILE_EXT.search(urlsplit(url).path) is not None


# --------------------------------------------------------------------------------------------------- feeds

_FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/x.atom+xml"}
_FEED_PATH = re.compile(r"(?:^|/)(?:rss|feeds?|atom)(?:[/._-]|$)|\.(?:rss|atom)$|rss\.aspx$", re.I)
_FEED_QUERY = re.compile(r"(?:^|&)(?:feed|format|type)=(?:rss2?|atom)\b", re.I)
# Comment feeds (WordPress declares one per post) carry readers' comments, not articles.
_COMMENT_FEED = re.compile(r"/comments?/feed|feed=comments|/feed/comments", re.I)


def feeds_in(html: str | bytes, page_url: str) -> list[str]:
    """Feeds a page declares (`<link rel="alternate">`) then feeds it links to, absolute and deduplicated.

    Declared feeds come first and may sit on another host (FeedBurner); linked ones must be same-site.
    A linked `/rss` is often an HTML index of feeds: fetch it, check `looks_like_feed`, and if it is a
    page, call `feeds_in` on it for the real ones.
    """
    doc = _parse_html(html)
    if doc is None:
        return []
    base = _base_url(doc, page_url)
    found: list[str] = []
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in _FEED_TYPES:
            found.append(_clean_url(link.get("href"), base) or "")
    for a in doc.iter("a"):
        url = _clean_url(a.get("href"), base)
        if not url or not _same_site(url, page_url):
            continue
        parts = urlsplit(url)
        text = _anchor_text(a).lower()
        if _FEED_PATH.search(parts.path) or _FEED_QUERY.search(parts.query) or text in {"rss", "atom", "feed"}:
            found.append(url)
    return _unique(u for u in found if u and not _COMMENT_FEED.search(u))


def looks_like_feed(body: str | bytes) -> bool:
    """Whether a fetched body is an RSS/Atom/RDF feed (and not the HTML page some `/rss` links lead to)."""
    root = _parse_xml(body)
    return root is not None and _local(root.tag) in {"rss", "feed", "RDF"}


# --------------------------------------------------------------------------------------------------- sitemaps

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
    return _unique(u for u in (_clean_url(s, base_url) for s in listed) if u)


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


def _parse_xml(data: str | bytes) -> lxml.etree._Element | None:
    if isinstance(data, str):
        data = _XML_DECLARATION.sub("", data, count=1).encode("utf-8")
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data)
    if not data.strip():
        return None
    try:
        root = lxml.etree.fromstring(data, _XML_PARSER)
    except lxml.etree.XMLSyntaxError:
        return None
    return root


def _local(tag: object) -> str:
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


def _child_text(elem: lxml.etree._Element, name: str) -> str | None:
    for child in elem.iter():
        if _local(child.tag) == name and child.text and child.text.strip():
            return child.text.strip()
    return None


def parse_sitemap(data: str | bytes, sitemap_url: str = "") -> SitemapContent:
    """Child sitemaps and page URLs of a sitemap index, urlset, Google News sitemap or plain-text sitemap.

    Gzip bytes are inflated; namespaces (or their absence) do not matter; malformed XML yields what
    could be recovered, garbage yields an empty result. Never raises.
    """
    content = SitemapContent()
    root = _parse_xml(data)
    if root is None:
        return _text_sitemap(data, sitemap_url)
    for elem in root.iter():
        kind = _local(elem.tag)
        if kind not in ("sitemap", "url"):
            continue
        loc = _clean_url(_child_text(elem, "loc"), sitemap_url or "http://invalid/")
        if not loc or (not sitemap_url and urlsplit(loc).netloc == "invalid"):
            continue
        if kind == "sitemap":
            content.sitemaps.append(loc)
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
    return SitemapContent(urls=[SitemapUrl(loc=u) for u in _unique(_clean_url(x, sitemap_url) for x in lines) if u])


# --------------------------------------------------------------------------------------------------- links


@dataclass
class _Link:
    url: str
    text: str
    region: str  # main | sidebar | nav | header | footer | paging
    heading: bool
    score: int = 0
    strong_url: bool = False  # an id, a date, an id parameter or a Liferay content path
    template: tuple[str, ...] = ()
    home: bool = False  # the site's root under any of its names: never an article, never a section


# Path words of pages that are not news: about, contact, site map, login, search, documents, services…
# A whole segment, or one with at most two more words (`/so-do-cong`, `/van-ban-phap-luat.aspx`), so that an
# article slug merely starting with one (`/gioi-thieu-sach-moi-ve-chu-tich-ho-chi-minh/`) is not caught.
_UTILITY = re.compile(
    r"(?:^|/)(?:gioi-?thieu|lien-?he|so-?do|sitemap|site-?map|tim-?kiem|search|dang-?nhap|login|logout|signin"
    r"|dang-?ky|register|dang-?xuat|en|english|lang|language|van-?ban|vbpq|thu-?tuc|tthc|dich-?vu-?cong"
    r"|danh-?ba|lich-?cong-?tac|lich-?lam-?viec|hoi-?dap|gop-?y|ban-?do|quang-?cao|lien-?ket|weblink|rss"
    r"|feed|admin|wp-admin|wp-login|c/portal/login|account|tai-?khoan)(?:-[a-z0-9]+){0,2}(?:\.\w+)?(?:/|$)",
    re.I,
)
_HOME = re.compile(r"^/(?:|index\.\w+|default\.aspx|trang-?chu|home|web/guest(?:/home)?|pages/default\.aspx)/?$", re.I)
_LIFERAY_CONTENT = re.compile(r"/-/[\w-]+/[^/]+/content/[^/]+")
_DATE_PATH = re.compile(r"/(?:19|20)\d{2}/(?:0?[1-9]|1[0-2])/(?:(?:0?[1-9]|[12]\d|3[01])/)?[^/]")
_DATE_SEGMENT = re.compile(r"/(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])/")
# slug + separator + id (+ extension): `-12345.html`, `-d123456.html`, `-post123456.html`, `.1101`, `_123.aspx`
_SLUG_ID = re.compile(r"^(?P<slug>.+?)(?P<sep>\.|-post|-p|-d|-|_)(?P<id>\d{2,})(?P<ext>\.(?:s?html?|aspx?|php|jsp))?$")
_ID_PARAMS = {
    "itemid", "id", "newsid", "news_id", "articleid", "article_id", "ddocname", "postid", "post_id", "p", "nid",
    "docid", "tinid", "idtin", "contentid", "content_id", "newsitemid", "articleguid",
}  # fmt: skip
# Sections, tags, topics and authors: lists however long their slug (`/tag/hoc-tap-va-lam-theo-bac/`).
_LIST_WORDS = re.compile(
    r"danh-?muc|chuyen-?muc|category|categories|catid|/list|/cat(?:[/.]|$)"
    r"|(?:^|/)(?:tags?|topics?|chu-?de|author|tac-?gia|c)/",
    re.I,
)
_DETAIL_WORDS = re.compile(r"(?:^|[/-])(?:chi-?tiet|detail|details|view|xem|doc-?tin)(?:[/.?_-]|$)", re.I)
_CHROME_TAGS = {"nav": "nav", "menu": "nav", "footer": "footer", "header": "header", "aside": "sidebar"}
_CHROME_ROLES = {"navigation": "nav", "menubar": "nav", "banner": "header", "contentinfo": "footer",
                 "complementary": "sidebar"}  # fmt: skip
# `entry-header`, `page-header`… head a content block, not the site.
_CONTENT_HEAD_WORDS = {"entry", "post", "article", "card", "news", "item", "box", "widget", "section", "block",
                       "title", "page", "panel", "cat", "list", "content"}  # fmt: skip
ARTICLE_THRESHOLD = 3
_CHROME = {"nav", "header", "footer", "paging"}


def _region_of_classes(value: str) -> str | None:
    for token in value.lower().split():
        parts = set(re.split(r"[-_]", token))
        if "breadcrumb" in token or "breadcrumbs" in parts:
            return "nav"
        if any(p in {"pagination", "paging", "pager", "phantrang"} for p in parts) or token == "page-numbers":
            return "paging"
        if "menu" in token or parts & {"nav", "navbar", "navigation", "mainnav", "topnav", "toolbar", "lang",
                                       "language", "social", "topbar", "login"}:
            return "nav"
        if "footer" in token or "copyright" in parts:
            return "footer"
        if ("header" in parts and not parts & _CONTENT_HEAD_WORDS) or token.startswith(("header", "siteheader")):
            return "header"
        # Only a right column is a sidebar by its name: on Vietnamese portals "col-left" is as often the
        # main listing as a menu.
        if "sidebar" in token or parts & {"aside", "widget"} or (
            "right" in parts and parts & {"col", "column", "side", "bar"}
        ) or token in {"colright", "rightcol", "right-column"}:
            return "sidebar"
    return None


def _placement(a: lxml.html.HtmlElement) -> tuple[str, bool]:
    """(region, inside-a-heading) of a link, from its nearest telling ancestor."""
    heading = any(isinstance(el.tag, str) and el.tag in {"h1", "h2", "h3", "h4", "h5"} for el in a.iter())
    region: str | None = None
    for anc in a.iterancestors():
        tag = anc.tag if isinstance(anc.tag, str) else ""
        if tag in {"h1", "h2", "h3", "h4", "h5"}:
            heading = True
        if region is not None:
            continue
        if tag == "article":
            region = "main"  # a content item: any header/footer marker above it in the item is its own
            continue
        region = (
            _CHROME_TAGS.get(tag)
            or _CHROME_ROLES.get((anc.get("role") or "").lower())
            or _region_of_classes(f"{anc.get('class') or ''} {anc.get('id') or ''}")
        )
    return region or "main", heading


def _anchor_text(a: lxml.html.HtmlElement) -> str:
    text = " ".join(a.text_content().split())
    if not text:  # an image link: its title or alt is what a reader sees
        text = (a.get("title") or "").strip()
        for img in a.iter("img"):
            text = text or (img.get("alt") or "").strip()
    return " ".join(text.split())


def _words(text: str) -> int:
    return sum(1 for w in text.split() if any(c.isalnum() for c in w))


def _segment_kind(segment: str) -> str:
    if re.fullmatch(r"(?:19|20)\d{2}", segment):
        return "Y"
    if re.fullmatch(r"\d{1,3}", segment):
        return "N"
    if re.fullmatch(r"\d+", segment):
        return "I"
    if segment in {"-", "asset_publisher", "content"}:
        return segment
    match = _SLUG_ID.match(segment)
    if match and _strong_id(match):
        # The separator is left out: `-d123.html` and `-post123.html` on one newspaper are one template. The id's
        # size is kept: a newspaper's articles count in hundreds of thousands, its tags and topics in hundreds.
        size = "I" if len(match["id"]) >= 5 else "i"
        return f"S{size}{(match['ext'] or '').lower()}"
    ext = re.search(r"\.\w{2,5}$", segment)
    return f"W{ext.group(0).lower() if ext else ''}"


def _strong_id(match: re.Match[str]) -> bool:
    """A trailing number is an id unless it reads as a year of a category name (`dai-hoi-2020`)."""
    number, sep = match["id"], match["sep"]
    if sep in {"-d", "-post", "-p"}:
        return len(number) >= 4
    if sep == ".":
        return not match["ext"]
    if re.fullmatch(r"(?:19|20)\d{2}", number) and not match["ext"]:
        return False
    return len(number) >= 3


def _id_params(query: str) -> list[str]:
    names = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key.lower() in _ID_PARAMS and value and (key.lower() == "ddocname" or re.fullmatch(r"[\w-]{1,40}", value)):
            if key.lower() != "ddocname" and not re.search(r"\d", value):
                continue
            names.append(key)
    return names


def _template(url: str) -> tuple[str, ...]:
    """The URL's shape: what article links of one site share and navigation links do not."""
    parts = urlsplit(url)
    if _LIFERAY_CONTENT.search(parts.path):
        return ("liferay-content",)
    segments = [s for s in parts.path.split("/") if s]
    shape = [_segment_kind(s) for s in segments]
    if parts.path.endswith("/"):
        shape.append("/")
    shape += [f"?{name}" for name in sorted(_id_params(parts.query))]
    return tuple(shape)


def _url_evidence(url: str) -> tuple[int, bool]:
    """(score, strong) from the URL alone."""
    parts = urlsplit(url)
    path = parts.path
    segments = [s for s in path.split("/") if s]
    last = segments[-1] if segments else ""
    score, strong = 0, False
    match = _SLUG_ID.match(last)
    if (
        _LIFERAY_CONTENT.search(path)
        or (match and _strong_id(match))
        or _DATE_PATH.search(path)
        or _DATE_SEGMENT.search(path)
        or any(re.fullmatch(r"\d{5,}", s) for s in segments)
    ):
        score, strong = 3, True
    if _id_params(parts.query):
        if _LIST_WORDS.search(path):
            score -= 3
        else:
            score, strong = 3, True
    slug = (match["slug"] if match else re.sub(r"\.\w{2,5}$", "", last)).lower()
    if len(re.findall(r"[a-z0-9]+", slug)) >= 5 and "-" in slug:
        score += 2
    if _DETAIL_WORDS.search(path):
        score += 1
    # A utility section (`/van-ban/…-208`: documents) is no article even with an id.
    if _UTILITY.search(path) and (not strong or _UTILITY.search("/" + "/".join(segments[:-1]) + "/")):
        score -= 4
    if _LIST_WORDS.search(path) and not strong:
        score -= 3
    elif _LIST_WORDS.search("/".join(segments[-2:])):
        # `/tags/nong-thon-moi-9812.html`, `/chuyen-muc/thoi-su-125.html`: a list that happens to carry an id.
        score -= 4
    return score, strong


def _collect(html: str | bytes, page_url: str) -> list[_Link]:
    doc = _parse_html(html)
    if doc is None:
        return []
    base = _base_url(doc, page_url)
    links: list[_Link] = []
    for a in doc.iter("a"):
        url = _clean_url(a.get("href"), base)
        if not url or not _same_site(url, page_url) or _is_file(url):
            continue
        region, heading = _placement(a)
        links.append(_Link(url=url, text=_anchor_text(a), region=region, heading=heading))
    return links


def _score(links: list[_Link], article_pattern: str | None) -> None:
    """Per-link evidence, then the page's repeated article templates (see the module docstring)."""
    for link in links:
        url_score, link.strong_url = _url_evidence(link.url)
        words = _words(link.text)
        text_score = 2 if words >= 6 else (-1 if 0 < words <= 3 else 0)
        # Menus, site header, footer, breadcrumbs: nothing there is taken for an article (a "Giới thiệu" page
        # served by the article template, a hot-topic ticker); the listings those link to hold the articles.
        place_score = -6 if link.region in _CHROME else 0
        link.score = url_score + text_score + place_score + (1 if link.heading else 0)
        link.template = _template(link.url)
        link.home = bool(_HOME.match(urlsplit(link.url).path)) and not urlsplit(link.url).query
    # Repetition: a template that at least three distinct title-like links already qualify under.
    members: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for link in links:
        if link.score >= ARTICLE_THRESHOLD and _words(link.text) >= 4:
            members[link.template].add(link.url)
    templates = {t for t, urls in members.items() if len(urls) >= 3}
    id_templates = any(any(k.startswith(("S", "I", "Y", "?", "liferay")) for k in t) for t in templates)
    for link in links:
        if link.home:
            continue
        if link.template in templates:
            link.score += 2
        elif id_templates and not link.strong_url:
            # The site names articles by id or date; a slug-only URL there is a section, not an article.
            link.score -= 3
        elif templates:
            link.score -= 1  # an id outside the page's article templates: a section or topic page, more often
        if article_pattern and _matches(article_pattern, link.url) and link.region not in _CHROME:
            link.score = max(link.score, ARTICLE_THRESHOLD)


def _matches(pattern: str, url: str) -> bool:
    return is_article_url(url, pattern)


def classify_links(html: str | bytes, page_url: str, article_pattern: str | None = None) -> PageLinks:
    """Sort a page's same-site links into articles, list pages, pagination and the rest.

    Off-site links, fragments, `mailto:`/`javascript:` and files are dropped. A URL linked several times
    (thumbnail, title, "read more") is judged by its most telling occurrence. With `article_pattern`
    (as learned by `learn_article_pattern`), links it matches are articles.
    """
    links = _collect(html, page_url)
    _score(links, article_pattern)
    best: dict[str, _Link] = {}
    texts: dict[str, list[str]] = defaultdict(list)
    for link in links:
        texts[link.url].append(link.text)
        if link.url not in best or link.score > best[link.url].score:
            best[link.url] = link
    result = PageLinks()
    for url, link in best.items():
        if link.score >= ARTICLE_THRESHOLD and not link.home:
            result.articles.append(url)
        elif is_pagination_link(url, _paging_text(texts[url]), page_url) or looks_like_page_url(url):
            result.pagination.append(url)
        elif link.home or _UTILITY.search(urlsplit(url).path) or _is_feed_url(url, " ".join(texts[url])):
            result.other.append(url)
        else:
            result.lists.append(url)
    return result


def _paging_text(texts: list[str]) -> str:
    """The occurrence whose text says 'page' (a number, '»', 'Trang sau'), if any."""
    return next((t for t in texts if t.strip().isdigit() or len(t) <= 12), texts[0] if texts else "")


def _is_feed_url(url: str, text: str) -> bool:
    parts = urlsplit(url)
    return bool(_FEED_PATH.search(parts.path) or _FEED_QUERY.search(parts.query) or text.strip().lower() == "rss")


def is_list_page(html: str | bytes, page_url: str, article_pattern: str | None = None, min_articles: int = 3) -> bool:
    """Whether a fetched candidate list page links to articles from its main part (not just a sidebar)."""
    links = _collect(html, page_url)
    _score(links, article_pattern)
    main = {li.url for li in links if li.score >= ARTICLE_THRESHOLD and li.region == "main"}
    return len(main) >= min_articles


# --------------------------------------------------------------------------------------------------- patterns

_SLUG_CLASS = "[^/]+"


def _segment_regex(kind: str, values: set[str], words: int) -> str:
    if kind == "Y":
        return r"(?:19|20)\d{2}"
    if kind == "N":
        return r"\d{1,3}"
    if kind == "I":
        return r"\d+"
    if kind in {"-", "asset_publisher", "content"}:
        return re.escape(kind)
    if kind.startswith(("SI", "Si")):
        seps = sorted({m["sep"] for m in map(_SLUG_ID.match, values) if m}, key=lambda x: (-len(x), x))
        escaped = [sep.replace(".", r"\.") for sep in seps]
        sep = escaped[0] if len(escaped) == 1 else "(?:" + "|".join(escaped) + ")"
        digits = r"\d{5,}" if kind[1] == "I" else r"\d+"
        return "[^/]+?" + sep + digits + re.escape(kind[2:])
    ext = re.escape(kind[1:])
    if words >= 4:  # slug-only articles: demand a sentence-long slug, which section names are not
        return rf"[A-Za-z0-9]+(?:-[A-Za-z0-9]+){{{min(words, 5) - 1},}}{ext}"
    return f"{_SLUG_CLASS}{ext}" if ext else _SLUG_CLASS


def _group_regex(template: tuple[str, ...], urls: list[str], literal_positions: set[int]) -> str:
    if template == ("liferay-content",):
        return r"^/(?:[^/]+/)*-/[\w-]+/[^/]+/content/.+$"
    paths = [[s for s in urlsplit(u).path.split("/") if s] for u in urls]
    kinds = [k for k in template if k != "/" and not k.startswith("?")]
    params = [k[1:] for k in template if k.startswith("?")]
    has_id = any(k.startswith(("S", "I", "Y")) for k in kinds) or bool(params)
    pieces = []
    for i, kind in enumerate(kinds):
        values = {p[i] for p in paths}
        if i in literal_positions and len(values) == 1:
            pieces.append(re.escape(next(iter(values))))
            continue
        words = 0 if has_id or i != len(kinds) - 1 else min(len(re.findall(r"[A-Za-z0-9]+", v)) for v in values)
        pieces.append(_segment_regex(kind, values, words))
    regex = "^/" + "/".join(pieces) + ("/" if "/" in template else "")
    if params:
        # The query decides (`/Pages/tin-tuc.aspx?ItemID=123` vs the list `/Pages/tin-tuc.aspx`).
        regex += r"\?" + "".join(rf"(?=(?:[^#]*&)?{re.escape(p)}=[^&#]+)" for p in params)
        return regex
    return regex + "$"


def learn_article_pattern(pages: list[tuple[str, str | bytes]]) -> str | None:
    """A regex over a URL path (and query when the site's ids live there) matching the site's article URLs.

    `pages` are (url, html) of fetched pages: homepage, category pages. The regex generalises the repeated
    article templates found on them, as loosely as it can while matching none of the pages' navigation,
    list or pagination links. None when fewer than three articles share a template or nothing separates them.
    Use it with `portalwatch.core.urls.is_article_url`.
    """
    articles: dict[str, None] = {}
    others: dict[str, None] = {}
    for url, html in pages:
        found = classify_links(html, url)
        articles.update(dict.fromkeys(found.articles))
        others.update(dict.fromkeys(found.lists + found.pagination + found.other))
        others[_clean_url(url, url) or url] = None  # the page itself: a homepage or a list
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for url in articles:
        groups[_template(url)].append(url)
    alternatives: list[str] = []
    for template, urls in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        if len(urls) < 3:
            continue
        # The template is the unit decided on: a footer link in the article template (an "about" page the CMS
        # serves as an article) is no reason to doubt it; only other templates must stay unmatched.
        regex = _separating_regex(template, urls, [o for o in others if _template(o) != template])
        if regex:
            alternatives.append(regex)
    if not alternatives:
        return None
    if len(alternatives) == 1:
        return alternatives[0]
    return "|".join(f"(?:{r})" for r in alternatives)


def _separating_regex(template: tuple[str, ...], urls: list[str], others: list[str]) -> str | None:
    """The loosest regex for the group that matches all its URLs and no non-article; literals added left to right."""
    depth = len([k for k in template if k != "/" and not k.startswith("?")])
    for fixed in range(depth + 1):
        regex = _group_regex(template, urls, set(range(fixed)))
        if all(_matches(regex, u) for u in urls) and not any(_matches(regex, o) for o in others):
            return regex
    return None


# --------------------------------------------------------------------------------------------------- together


def discover(homepage_url: str, homepage_html: str | bytes, robots_txt: str | bytes | None = None) -> Discovery:
    """Everything the homepage and robots.txt tell: the spider's first step for a source with only a homepage."""
    links = classify_links(homepage_html, homepage_url)
    pattern = learn_article_pattern([(homepage_url, homepage_html)])
    articles = list(links.articles)
    if pattern:
        found = classify_links(homepage_html, homepage_url, article_pattern=pattern)
        articles = _unique([*articles, *found.articles])
    robots_sitemaps = sitemaps_in_robots(robots_txt, homepage_url)
    return Discovery(
        feeds=feeds_in(homepage_html, homepage_url),
        sitemaps=robots_sitemaps,
        sitemap_guesses=[] if robots_sitemaps else sitemap_guesses(homepage_url),
        list_pages=_rank_lists(links.lists, articles),
        article_pattern=pattern,
        article_links=articles,
    )


def _rank_lists(lists: list[str], articles: list[str]) -> list[str]:
    """Sections whose path prefixes article URLs first (`/tin-tuc/chinh-tri` for its articles), then page order."""
    article_paths = [urlsplit(a).path for a in articles]

    def parent_of_articles(url: str) -> bool:
        path = urlsplit(url).path.rstrip("/")
        return bool(path) and any(p.startswith(path + "/") for p in article_paths)

    return sorted(lists, key=lambda u: not parent_of_articles(u))


def _unique(items: object) -> list[str]:
    return list(dict.fromkeys(items))  # type: ignore[call-overload]


__all__ = [
    "Discovery",
    "PageLinks",
    "SitemapContent",
    "SitemapUrl",
    "classify_links",
    "discover",
    "feeds_in",
    "is_list_page",
    "learn_article_pattern",
    "looks_like_feed",
    "parse_sitemap",
    "sitemap_guesses",
    "sitemaps_in_robots",
]
