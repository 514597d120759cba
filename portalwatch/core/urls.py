"""Telling article links from navigation and pagination links, by URL shape and link text."""

import re
from urllib.parse import urlsplit

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
# Query parameters that never select different content: tracking, session ids, and the view-state
# parameters of portal CMSs (Liferay's p_p_* and portlet redirects, print views).
_NOISE = re.compile(
    r"^(utm_\w+|fbclid|gclid|zarsrc|_ga|jsessionid|phpsessid|sessionid|sid|aspsessionid\w*"
    r"|p_p_(lifecycle|state|mode|col_id|col_pos|col_count)|_?print|printable|\w*_redirect|\w*_backurl)$", re.I)


# Java portals (Liferay) put the session in the path (`/content/slug;jsessionid=…`); it is no part of the address.
_SESSION_ID = re.compile(r";jsessionid=[^/?#]*", re.I)


def without_session(url: str) -> str:
    return _SESSION_ID.sub("", url)


def same_site(url: str, other: str) -> bool:
    return urlsplit(url).netloc.lower() == urlsplit(other).netloc.lower()




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
    """One spelling per article: tracking, session and view-state parameters and fragments dropped, query sorted."""
    url = without_session(url)
    cleaned = url_query_cleaner(url, [p for p in _query_keys(url) if _NOISE.match(p)], remove=True)
    return canonicalize_url(cleaned)


def _query_keys(url: str) -> list[str]:
    query = urlsplit(url).query
    return [part.split("=", 1)[0] for part in query.split("&") if part]
