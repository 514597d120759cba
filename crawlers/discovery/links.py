"""Telling a page's article links from its navigation, list and pagination links.

How links are told apart (see `classify_links`): every same-site link gets a score, in the units of
`WEIGHTS` (a link at `ARTICLE_THRESHOLD` or above is an article), from
  * its URL shape: numeric ids (`-12345.html`, `-d123456.html`, `-post123.html`, `.1101`), dates
    (`/2026/11/16/`), id query parameters (`?ItemID=`, `?dDocName=`), Liferay `/-/asset_publisher/…/content/`,
    long slugs; utility words (`/gioi-thieu`, `/lien-he`, login, search…) count against;
  * where it sits: menus, navigation, site header, footer and breadcrumbs count strongly against; headings for;
  * its anchor text: titles are sentences, menu items are a few words;
  * repetition: a URL template that many title-like links share on the page is the article template.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import lxml.html

from crawlers.discovery.feeds import is_feed_link
from portalwatch.core.page import Page
from portalwatch.core.urls import is_article_url, is_file, is_pagination_link, looks_like_page_url, same_site


@dataclass
class PageLinks:
    """Same-site links of one page, each in exactly one bucket, in page order."""

    articles: list[str] = field(default_factory=list)
    lists: list[str] = field(default_factory=list)  # sections/categories worth fetching as list pages
    pagination: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)  # home, contact, login, search, documents…


@dataclass(frozen=True)
class Weights:
    """What each piece of evidence adds to a link's score (negative: evidence against an article)."""

    strong_url: int = 3  # an id, a date, an id parameter or a Liferay content path: enough on its own
    id_param_in_list_path: int = -3  # `/danh-muc.aspx?id=12`: the id selects a list
    sentence_slug: int = 2  # a slug of five words or more reads as a headline
    detail_word: int = 1  # `/chi-tiet/`, `/detail`, `/xem`
    utility_path: int = -4  # about, contact, documents, services, login…
    list_path: int = -3  # sections, tags, topics, authors without an id
    list_path_with_id: int = -4  # `/tags/nong-thon-moi-9812.html`: a list that carries an id
    title_text: int = 2  # anchor text of `title_words` words or more
    menu_text: int = -1  # anchor text of one to `menu_words` words
    in_chrome: int = -6  # menus, site header, footer, breadcrumbs, pagers: never taken for articles
    in_heading: int = 1
    repeated_template: int = 2  # shares a URL template with other title-like article links on the page
    slug_among_id_templates: int = -3  # the site names articles by id or date: a slug-only URL is a section
    outside_templates: int = -1  # an id outside the page's article templates: a section or topic, more often
    title_words: int = 6
    menu_words: int = 3
    # A URL template is the page's article template when this many distinct links of this many words share it.
    template_links: int = 3
    template_words: int = 4


WEIGHTS = Weights()
ARTICLE_THRESHOLD = 3
# Regions whose links are never articles.
_CHROME = {"nav", "header", "footer", "paging"}


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
SLUG_ID = re.compile(r"^(?P<slug>.+?)(?P<sep>\.|-post|-p|-d|-|_)(?P<id>\d{2,})(?P<ext>\.(?:s?html?|aspx?|php|jsp))?$")
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
    match = SLUG_ID.match(segment)
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


def url_template(url: str) -> tuple[str, ...]:
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
    w = WEIGHTS
    parts = urlsplit(url)
    path = parts.path
    segments = [s for s in path.split("/") if s]
    last = segments[-1] if segments else ""
    score, strong = 0, False
    match = SLUG_ID.match(last)
    if (
        _LIFERAY_CONTENT.search(path)
        or (match and _strong_id(match))
        or _DATE_PATH.search(path)
        or _DATE_SEGMENT.search(path)
        or any(re.fullmatch(r"\d{5,}", s) for s in segments)
    ):
        score, strong = w.strong_url, True
    if _id_params(parts.query):
        if _LIST_WORDS.search(path):
            score += w.id_param_in_list_path
        else:
            score, strong = w.strong_url, True
    slug = (match["slug"] if match else re.sub(r"\.\w{2,5}$", "", last)).lower()
    if len(re.findall(r"[a-z0-9]+", slug)) >= 5 and "-" in slug:
        score += w.sentence_slug
    if _DETAIL_WORDS.search(path):
        score += w.detail_word
    # A utility section (`/van-ban/…-208`: documents) is no article even with an id.
    if _UTILITY.search(path) and (not strong or _UTILITY.search("/" + "/".join(segments[:-1]) + "/")):
        score += w.utility_path
    if _LIST_WORDS.search(path) and not strong:
        score += w.list_path
    elif _LIST_WORDS.search("/".join(segments[-2:])):
        # `/tags/nong-thon-moi-9812.html`, `/chuyen-muc/thoi-su-125.html`: a list that happens to carry an id.
        score += w.list_path_with_id
    return score, strong


def _collect(page: Page) -> list[_Link]:
    """The page's same-site links to pages (not files), with where each sits; computed once per page."""
    placed: list[tuple[str, str, str, bool]] | None = page.cache.get("discovery.links")
    if placed is None:
        placed = []
        for link in page.links:
            if same_site(link.url, page.url) and not is_file(link.url):
                placed.append((link.url, link.text, *_placement(link.element)))
        page.cache["discovery.links"] = placed
    # Fresh objects each time: scoring writes into them, and depends on the article pattern.
    return [_Link(url=url, text=text, region=region, heading=heading) for url, text, region, heading in placed]


def _score(links: list[_Link], article_pattern: str | None) -> None:
    """Per-link evidence, then the page's repeated article templates (see the module docstring)."""
    w = WEIGHTS
    for link in links:
        url_score, link.strong_url = _url_evidence(link.url)
        words = _words(link.text)
        text_score = w.title_text if words >= w.title_words else (w.menu_text if 0 < words <= w.menu_words else 0)
        # Menus, site header, footer, breadcrumbs: nothing there is taken for an article (a "Giới thiệu" page
        # served by the article template, a hot-topic ticker); the listings those link to hold the articles.
        place_score = w.in_chrome if link.region in _CHROME else 0
        link.score = url_score + text_score + place_score + (w.in_heading if link.heading else 0)
        link.template = url_template(link.url)
        link.home = bool(_HOME.match(urlsplit(link.url).path)) and not urlsplit(link.url).query
    # Repetition: a template that enough distinct title-like links already qualify under.
    members: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for link in links:
        if link.score >= ARTICLE_THRESHOLD and _words(link.text) >= w.template_words:
            members[link.template].add(link.url)
    templates = {t for t, urls in members.items() if len(urls) >= w.template_links}
    id_templates = any(any(k.startswith(("S", "I", "Y", "?", "liferay")) for k in t) for t in templates)
    for link in links:
        if link.home:
            continue
        if link.template in templates:
            link.score += w.repeated_template
        elif id_templates and not link.strong_url:
            link.score += w.slug_among_id_templates
        elif templates:
            link.score += w.outside_templates
        if article_pattern and is_article_url(link.url, article_pattern) and link.region not in _CHROME:
            link.score = max(link.score, ARTICLE_THRESHOLD)


def _scored(page: Page, article_pattern: str | None) -> list[_Link]:
    links = _collect(page)
    _score(links, article_pattern)
    return links


def classify_links(page: Page | str | bytes, page_url: str = "", article_pattern: str | None = None) -> PageLinks:
    """Sort a page's same-site links into articles, list pages, pagination and the rest.

    Off-site links, fragments, `mailto:`/`javascript:` and files are dropped. A URL linked several times
    (thumbnail, title, "read more") is judged by its most telling occurrence. With `article_pattern`
    (as learned by `learn_article_pattern`), links it matches are articles. `page_url` is needed for
    markup; a Page knows its URL.
    """
    page = Page.of(page, page_url)
    best: dict[str, _Link] = {}
    texts: dict[str, list[str]] = defaultdict(list)
    for link in _scored(page, article_pattern):
        texts[link.url].append(link.text)
        if link.url not in best or link.score > best[link.url].score:
            best[link.url] = link
    result = PageLinks()
    for url, link in best.items():
        if link.score >= ARTICLE_THRESHOLD and not link.home:
            result.articles.append(url)
        elif is_pagination_link(url, _paging_text(texts[url]), page.url) or looks_like_page_url(url):
            result.pagination.append(url)
        elif link.home or _UTILITY.search(urlsplit(url).path) or is_feed_link(url, " ".join(texts[url])):
            result.other.append(url)
        else:
            result.lists.append(url)
    return result


def _paging_text(texts: list[str]) -> str:
    """The occurrence whose text says 'page' (a number, '»', 'Trang sau'), if any."""
    return next((t for t in texts if t.strip().isdigit() or len(t) <= 12), texts[0] if texts else "")


def lists_articles(page: Page | str | bytes, page_url: str = "", article_pattern: str | None = None,
                   min_articles: int = 3) -> bool:
    """Whether a page is a list of articles: its main part (not a sidebar box, not a menu) links to at least
    `min_articles` articles. The spider asks it of the menu links discovery offers as list pages."""
    links = _scored(Page.of(page, page_url), article_pattern)
    main = {li.url for li in links if li.score >= ARTICLE_THRESHOLD and li.region == "main"}
    return len(main) >= min_articles
