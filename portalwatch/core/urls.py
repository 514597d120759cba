"""Every rule about URLs, in one place: what a link points to, which site a URL is on, its one spelling,
and whether it reads as an article or as another page of a list."""

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, url_query_cleaner

_PAGE_TEXT = {"»", "›", ">", ">>", "trang sau", "tiếp", "sau", "next", "trang cuối", "cuối"}
_PAGE_URL = re.compile(
    r"([?&](page|trang|p|paged|pageindex|pagenumber|pg|cur)=\d+)|(/page/\d+/?$)|(/trang-\d+)"
    # Liferay's asset publisher pages with `_<portlet id>_cur=N`.
    r"|([?&][\w.]+_cur=\d+)",
    re.I,
)
# Article URLs on Vietnamese portals: a long slug, usually ending in a numeric id or .html.
_ARTICLE_SHAPE = re.compile(r"/[a-z0-9]+(?:-[a-z0-9]+){3,}(?:[-.]\d+)?(?:\.html?|\.aspx)?/?$")
# Liferay's back-link parameters (`_…_redirect=`, `redirect=`) hold the page the link was found on: one
# article, as many spellings as pages that link to it.
_BACK_LINK = re.compile(r"^(\w*_redirect|redirect|\w*_backurl)$", re.I)
# Query parameters that never select different content: tracking, session ids, back-links and the
# view-state parameters of portal CMSs (Liferay's p_p_*, print views).
_NOISE = re.compile(
    r"^(utm_\w+|fbclid|gclid|zarsrc|_ga|jsessionid|phpsessid|sessionid|sid|aspsessionid\w*"
    r"|p_p_(lifecycle|state|mode|col_id|col_pos|col_count)|_?print|printable)$", re.I)
# Java portals (Liferay) put the session in the path (`/content/slug;jsessionid=…`); it is no part of the address.
_SESSION_ID = re.compile(r";jsessionid=[^/?#]*", re.I)
# Links that lead to no page: scripts, mail, phone and chat apps, inline data.
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "sms:", "data:", "ftp:", "file:", "callto:", "skype:", "zalo:")
_FILE_EXT = re.compile(
    r"\.(pdf|docx?|xlsx?|pptx?|odt|ods|rtf|txt|csv|zip|rar|7z|gz|tar|exe|apk|jpe?g|png|gif|bmp|webp|svg|ico|tiff?"
    r"|mp3|mp4|m4a|wav|avi|wmv|flv|mov|mkv|webm|xml|rss|atom|json|js|css)$",
    re.I,
)
_DEFAULT_PORT = re.compile(r":(80|443)$")


def without_session(url: str) -> str:
    return _SESSION_ID.sub("", url)


@lru_cache(maxsize=1024)
def site_of(netloc: str) -> str:
    """The site a host belongs to: `www.` and default ports do not make another site (users type either)."""
    host = netloc.lower().rsplit("@", 1)[-1]
    return _DEFAULT_PORT.sub("", host).removeprefix("www.")


def same_site(url: str, other: str) -> bool:
    """Whether two URLs are on one site: `https://www.x.gov.vn:443/a` and `http://x.gov.vn/b` are."""
    return site_of(urlsplit(url).netloc) == site_of(urlsplit(other).netloc)


def absolute_link(href: str | None, base: str) -> str | None:
    """What a link points to: an absolute http(s) URL without fragment, session id or back-link
    parameters; None for links to no page (`#top`, `javascript:`, `mailto:`, a broken host)."""
    if not href:
        return None
    href = href.replace("\t", "").replace("\r", "").replace("\n", "").strip()
    if not href or href.startswith("#") or href.lower().startswith(_SKIP_SCHEMES):
        return None
    try:
        parts = urlsplit(without_session(urljoin(base, href)))
    except ValueError:  # e.g. an invalid IPv6 host in a hand-typed link
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    query = parts.query
    if query and ("redirect" in (lowered := query.lower()) or "backurl" in lowered):
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if not _BACK_LINK.match(k)]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


def is_file(url: str) -> bool:
    """A document, image, media file or feed by its extension: never an HTML page to crawl."""
    return _FILE_EXT.search(urlsplit(url).path) is not None


def is_article_url(url: str, pattern: str | None) -> bool:
    """Whether `url` is an article: `pattern` searched in its path, or in path + "?" + query when the
    pattern names the query (`\\?`), as for `/Pages/tin-tuc.aspx?ItemID=123`; else a URL-shape heuristic."""
    parts = urlsplit(without_session(url))
    path = parts.path
    if pattern:
        target = f"{path}?{parts.query}" if r"\?" in pattern else path
        return re.search(pattern, target) is not None
    return _ARTICLE_SHAPE.search(path.lower()) is not None


def is_pagination_link(url: str, text: str, list_url: str) -> bool:
    """A link to another page of the same list: numbered, 'next'/'last', or a paging URL."""
    if not same_site(url, list_url):
        return False
    text = text.strip().lower()
    list_path = _PAGE_URL.sub("", urlsplit(list_url).path).rstrip("/")
    same_list = _PAGE_URL.sub("", urlsplit(url).path).rstrip("/") == list_path
    return same_list and (text.isdigit() or text in _PAGE_TEXT or bool(_PAGE_URL.search(url)))


def looks_like_page_url(url: str) -> bool:
    """A paging URL (`?trang=2`, `/page/3/`, Liferay `_cur=2`) of any list, not only the current one."""
    return _PAGE_URL.search(url) is not None


def canonical_url(url: str) -> str:
    """One spelling per article: tracking, session, back-link and view-state parameters and fragments
    dropped, query sorted."""
    url = without_session(url)
    dropped = [p for p in _query_keys(url) if _NOISE.match(p) or _BACK_LINK.match(p)]
    return canonicalize_url(url_query_cleaner(url, dropped, remove=True))


def _query_keys(url: str) -> list[str]:
    query = urlsplit(url).query
    return [part.split("=", 1)[0] for part in query.split("&") if part]
