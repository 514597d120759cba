"""A small real HTTP server that serves the fixture portals on 127.0.0.1.

Four site families, as Vietnamese portals really are: (a) a provincial portal, (b) a WordPress
newspaper with feed and sitemaps, (c) a Liferay department portal (long portlet URLs, session ids,
print and tracking variants of every article) and (d) a district Party-committee site with neither
feed nor sitemap nor HTTP validators.
"""

import hashlib
import re
import secrets
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape

from portalwatch.core import VN_TZ
from portalwatch.core.models import Source
from portalwatch.fixture_portals.content import (
    CATEGORIES,
    HERE,
    SITE_CATEGORIES,
    SYNDICATION_DELAY_MINUTES,
    FixtureArticle,
    articles_on,
    load_articles,
)

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
# Broken pages linked from the portal's "Xã hội" list like any other article.
MALFORMED, NO_DATE, MISSING = 9001, 9002, 9003
# Last-Modified of pages that change with no article (robots.txt, static pages, error pages).
SITE_LAUNCH = datetime(2026, 1, 5, 8, 0, tzinfo=VN_TZ)

_env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html", "xml"]))


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    # When the resource last changed (Last-Modified); None means the site's launch.
    modified: datetime | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # None: a strong ETag of the body. Pages whose bytes vary per render (session ids) set a weak one.
    etag: str | None = None


@dataclass(frozen=True)
class Edit:
    """Paragraphs appended to an article after publication, and when the last one was added."""

    paragraphs: tuple[str, ...]
    modified: datetime


def _vn_dateline(moment: datetime) -> str:
    return f"{WEEKDAYS[moment.weekday()]}, {moment:%d/%m/%Y - %H:%M}"


def _slugify(text: str) -> str:
    """A URL slug as Vietnamese CMSs make them: marks dropped, đ as d, words joined by hyphens."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def strong_etag(body: bytes) -> str:
    return f'"{hashlib.sha1(body).hexdigest()[:20]}"'


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def not_modified(headers: Mapping[str, str], etag: str, modified: datetime) -> bool:
    """RFC 9110 13.2.2: If-None-Match (weak comparison) decides; If-Modified-Since only without it."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags
    if_modified_since = headers.get("If-Modified-Since")
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False  # an unreadable date is ignored, as servers do
        if since.tzinfo is None:
            return False
        return modified.replace(microsecond=0) <= since
    return False


class Site:
    """One fixture site: routes a path to a response."""

    name: str
    credit: str  # photo credit on the copies this site makes of other sites' articles
    per_page: int
    # Whether 200 responses carry ETag and Last-Modified (and conditional requests get 304).
    sends_validators = True

    def __init__(self, base: str, today: datetime, edits: Mapping[str, Edit] | None = None) -> None:
        self.base = base
        self.today = today
        self.articles = articles_on(self.name)
        self.categories = SITE_CATEGORIES[self.name]
        # Shared with FixturePortals, which edits articles while the servers run.
        self.edits: Mapping[str, Edit] = edits if edits is not None else {}

    def published(self, article: FixtureArticle) -> datetime:
        if article.syndicated and article.sites[0] != self.name:
            return article.published + timedelta(minutes=SYNDICATION_DELAY_MINUTES)
        return article.published

    def modified(self, article: FixtureArticle) -> datetime:
        edit = self.edits.get(article.slug)
        return edit.modified if edit else self.published(article) + timedelta(hours=1)

    def category_of(self, article: FixtureArticle) -> str:
        """The section an article sits in here; a repost goes to the site's first section."""
        return article.category if article.category in self.categories else next(iter(self.categories))

    def href(self, article: FixtureArticle) -> str:
        raise NotImplementedError

    def view(self, article: FixtureArticle) -> dict:
        moment = self.published(article)
        paragraphs = article.paragraphs
        if article.syndicated and article.sites[0] != self.name:
            # A copy as newspapers make them: last paragraph trimmed, a photo caption added.
            paragraphs = [*paragraphs[:-1], f"Quang cảnh sự kiện. Ảnh: {self.credit}"]
        edit = self.edits.get(article.slug)
        if edit:
            paragraphs = [*paragraphs, *edit.paragraphs]
        category = self.category_of(article)
        modified = self.modified(article)
        return {
            "href": self.href(article),
            "slug": article.slug,
            "title": article.title,
            "lead": article.lead,
            "paragraphs": paragraphs,
            "author": article.author,
            "attribution": article.attribution,
            "category": category,
            "category_name": self.categories[category],
            "number": article.number,
            "dateline": _vn_dateline(moment),
            "date_short": f"{moment:%d/%m/%Y}",
            "date_time": f"{moment:%d/%m/%Y %H:%M}",
            "updated_line": f"Cập nhật lúc {moment:%H:%M} ngày {moment:%d/%m/%Y}",
            "iso": moment.isoformat(),
            "iso_modified": modified.isoformat(),
            "modified": modified,
            "copy": article.syndicated and article.sites[0] != self.name,
        }

    def render(self, template: str, modified: datetime | None = None, **context: object) -> Response:
        latest = [self.view(a) for a in self.articles[:6]]
        page = _env.get_template(template).render(
            base=self.base,
            today=_vn_dateline(self.today).split(" - ")[0],
            categories=self.categories,
            latest=latest,
            **context,
        )
        return Response(200, page.encode("utf-8"), modified=modified)

    @staticmethod
    def newest(items: list[dict]) -> datetime | None:
        """A list changes when one of its items does: its Last-Modified is the newest item's."""
        return max((item["modified"] for item in items if "modified" in item), default=None)

    def paged(self, items: list, page: int) -> tuple[list, int]:
        size = self.per_page
        pages = max(1, -(-len(items) // size))
        return items[(page - 1) * size : page * size], pages

    def related(self, article: FixtureArticle) -> list[dict]:
        category = self.category_of(article)
        same = [a for a in self.articles if self.category_of(a) == category and a is not article]
        return [self.view(a) for a in same[:3]]

    def not_found(self) -> Response:
        return Response(404, "<html><body><h1>404 - Không tìm thấy trang</h1></body></html>".encode())

    def route(self, path: str, query: dict[str, list[str]], cookies: Mapping[str, str] | None = None) -> Response:
        raise NotImplementedError


class ProvincialPortal(Site):
    """Family (a): a provincial portal with category lists and numbered pagination."""

    name = "tinh"
    credit = "Cổng TTĐT tỉnh"
    per_page = 8
    robots = "User-agent: *\nDisallow: /tim-kiem/\nDisallow: /admin/\n"

    def href(self, article: FixtureArticle) -> str:
        return f"/tin-tuc/{article.category}/{article.slug}-{article.number}.html"

    def broken_links(self) -> list[dict]:
        titles = {
            MALFORMED: ("trang-loi-du-lieu", "Thông báo lịch tiếp công dân tháng 11"),
            NO_DATE: ("gioi-thieu-chung-ve-tinh-binh-giang", "Giới thiệu chung về tỉnh Bình Giang"),
            MISSING: ("bai-viet-da-go", "Thông tin về việc điều chỉnh giá nước sạch"),
        }
        return [
            {"href": f"/tin-tuc/xa-hoi/{slug}-{num}.html", "title": title, "lead": "", "number": num,
             "date_short": f"{self.today:%d/%m/%Y}"}
            for num, (slug, title) in titles.items()
        ]

    def route(self, path: str, query: dict[str, list[str]], cookies: Mapping[str, str] | None = None) -> Response:
        if path == "/robots.txt":
            return Response(200, self.robots.encode(), "text/plain")
        if path == "/":
            items = [self.view(a) for a in self.articles[:10]]
            return self.render("tinh_home.html", modified=self.newest(items), items=items)
        parts = path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "tin-tuc" and parts[1] in CATEGORIES:
            return self.category(parts[1], int(query.get("trang", ["1"])[0]))
        if len(parts) == 3 and parts[0] == "tin-tuc" and parts[2].endswith(".html"):
            return self.article(parts[2])
        return self.not_found()

    def category(self, category: str, page: int) -> Response:
        items = [self.view(a) for a in self.articles if a.category == category]
        if category == "xa-hoi":
            items = self.broken_links() + items
        shown, pages = self.paged(items, page)
        if page > pages:
            return self.not_found()
        return self.render(
            "tinh_list.html", modified=self.newest(shown), items=shown, page=page, pages=pages, category=category,
            category_name=CATEGORIES[category],
        )

    def article(self, name: str) -> Response:
        number = int(name.removesuffix(".html").rsplit("-", 1)[-1])
        if number == MALFORMED:
            # A CMS error mid-render: truncated markup followed by binary junk.
            return Response(200, b"<html><head><meta charset='utf-8'><title>L\xe1\xbb\x97i</title></head>"
                                 b"<body><div class='article-detail'><h1>\x00\x8f\xff\xfe\x01\x02")
        if number == NO_DATE:
            intro = FixtureArticle(
                slug="gioi-thieu-chung-ve-tinh-binh-giang", sites=("tinh",), category="xa-hoi",
                title="Giới thiệu chung về tỉnh Bình Giang",
                lead="Bình Giang là tỉnh trung du có diện tích tự nhiên hơn 3.800 km², dân số khoảng 1,3 triệu người.",
                body=(
                    "Tỉnh Bình Giang có 8 đơn vị hành chính cấp huyện, gồm thành phố Bình Giang và các huyện "
                    "Tân Lập, Sơn Động, Phú Bình, Yên Thế, Lục Nam, Hiệp Hòa và Việt Yên.\n\n"
                    "Địa hình của tỉnh thấp dần từ tây bắc xuống đông nam, có hệ thống sông Thương và sông Cầu "
                    "chảy qua, thuận lợi cho phát triển nông nghiệp, giao thông thủy và du lịch sinh thái.\n\n"
                    "Kinh tế của tỉnh những năm gần đây tăng trưởng khá, cơ cấu chuyển dịch theo hướng công nghiệp, "
                    "dịch vụ; nhiều khu công nghiệp được đầu tư hạ tầng đồng bộ, thu hút các dự án lớn."
                ),
                published=self.today, author="", attribution="", topics=(), number=NO_DATE,
            )
            view = self.view(intro) | {"dateline": ""}
            return self.render("tinh_article.html", a=view, related=[])
        for article in self.articles:
            if article.number == number:
                return self.render("tinh_article.html", modified=self.modified(article), a=self.view(article),
                                   related=self.related(article))
        return self.not_found()


class WordPressNews(Site):
    """Family (b): a WordPress newspaper with RSS, a sitemap index and comment forms."""

    name = "bao"
    credit = "Báo Bình Giang"
    per_page = 6
    feed_size = 15

    @property
    def robots(self) -> str:
        rules = "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n"
        return f"{rules}\nSitemap: {self.base}/sitemap.xml\n"

    def href(self, article: FixtureArticle) -> str:
        return f"{self.published(article):/%Y/%m/%d}/{article.slug}/"

    def route(self, path: str, query: dict[str, list[str]], cookies: Mapping[str, str] | None = None) -> Response:
        parts = path.strip("/").split("/")
        if path == "/robots.txt":
            return Response(200, self.robots.encode(), "text/plain")
        if path == "/feed/":
            return self.feed()
        if path == "/sitemap.xml":
            return self.sitemap_index()
        if path == "/post-sitemap.xml":
            return self.sitemap()
        if path == "/":
            return self.listing(self.articles, 1, "/", None)
        if parts[0] == "chuyen-muc" and len(parts) >= 2 and parts[1] in CATEGORIES:
            page = int(parts[3]) if len(parts) == 4 and parts[2] == "page" else 1
            items = [a for a in self.articles if a.category == parts[1]]
            return self.listing(items, page, f"/chuyen-muc/{parts[1]}/", CATEGORIES[parts[1]])
        if len(parts) == 4 and parts[0].isdigit():
            for article in self.articles:
                if self.href(article) == path:
                    return self.render("bao_article.html", modified=self.modified(article), a=self.view(article),
                                       related=self.related(article))
        return self.not_found()

    def listing(self, items: list[FixtureArticle], page: int, list_base: str, name: str | None) -> Response:
        shown, pages = self.paged([self.view(a) for a in items], page)
        if page > pages:
            return self.not_found()
        return self.render("bao_list.html", modified=self.newest(shown), items=shown, page=page, pages=pages,
                           list_base=list_base, category_name=name)

    def feed(self) -> Response:
        # WordPress puts the full text in content:encoded, so an edit changes the feed's entry too.
        items = [self.view(a) | {"rfc822": format_datetime(self.published(a))} for a in self.articles[: self.feed_size]]
        return self.xml("bao_feed.xml", items=items)

    def sitemap_index(self) -> Response:
        return self.xml("bao_sitemap_index.xml", items=[self.view(a) for a in self.articles])

    def sitemap(self) -> Response:
        return self.xml("bao_sitemap.xml", items=[self.view(a) for a in self.articles])

    def xml(self, template: str, items: list[dict]) -> Response:
        body = _env.get_template(template).render(base=self.base, items=items, newest=self.newest(items))
        return Response(200, body.encode("utf-8"), "application/xml; charset=utf-8", modified=self.newest(items))


LIFERAY_PORTLET = "com_liferay_asset_publisher_web_portlet_AssetPublisherPortlet_INSTANCE_"
# Where a Liferay page's links get the session id; replaced after rendering (see LiferayPortal.with_session).
_SID_MARK = ";jsessionid=@SID@"


class LiferayPortal(Site):
    """Family (c): a department portal on Liferay 7 (Sở Khoa học và Công nghệ of a second province).

    Articles live in the news page's Asset Publisher: clean URL
    /web/guest/tin-tuc/-/asset_publisher/<instance>/content/<urlTitle>, linked from lists with the
    portlet's parameters and a `_redirect` back to the list. Without a session cookie Tomcat rewrites
    every link with `;jsessionid=`, a new id per cookieless render. Each article also answers as a
    print pop-up (`p_p_state=pop_up`, `_viewMode=print`) and with tracking parameters; all carry the
    same canonical link. The portal's sitemap lists its pages (layouts), not its articles, as Liferay's
    built-in sitemap does for content shown through an Asset Publisher; there is no feed.
    """

    name = "sokhcn"
    credit = "Sở KH&CN"
    per_page = 10  # the Asset Publisher's default delta
    deltas = (5, 10, 20, 30, 50, 75)  # the delta selector's choices; larger requests are clamped to the last
    news = "/web/guest/tin-tuc"
    home = "/web/guest/trang-chu"
    instance = "hT4kQw9ZbN2x"
    # Asset categories of the news vocabulary, filtered with the public render parameter p_r_p_categoryId.
    category_ids: ClassVar[dict[str, int]] = {
        "tin-hoat-dong": 40518, "chuyen-doi-so": 40523, "dang-doan-the": 40527, "khoa-hoc-cong-nghe": 40531,
    }
    layouts: ClassVar[dict[str, str]] = {
        "/web/guest/gioi-thieu": "Giới thiệu",
        "/web/guest/co-cau-to-chuc": "Cơ cấu tổ chức",
        "/web/guest/van-ban-chi-dao-dieu-hanh": "Văn bản chỉ đạo điều hành",
        "/web/guest/lien-he": "Liên hệ",
    }
    robots = "User-Agent: *\nDisallow: /c/\nDisallow: /api/\n"

    def __init__(self, base: str, today: datetime, edits: Mapping[str, Edit] | None = None) -> None:
        super().__init__(base, today, edits)
        self.sessions: set[str] = set()
        self._sessions_lock = threading.Lock()

    @property
    def portlet(self) -> str:
        return LIFERAY_PORTLET + self.instance

    def param(self, name: str) -> str:
        """A portlet's own parameters are namespaced with its id."""
        return f"_{self.portlet}_{name}"

    def href(self, article: FixtureArticle) -> str:
        return f"{self.news}/-/asset_publisher/{self.instance}/content/{article.slug}"

    def list_url(self, category: str | None = None, cur: int = 1, delta: int | None = None) -> str:
        """A news list URL as the portal writes it: bare for a category's first page, portlet parameters after."""
        params: dict[str, str] = {}
        if cur > 1 or delta:
            params |= {"p_p_id": self.portlet, "p_p_lifecycle": "0", "p_p_state": "normal", "p_p_mode": "view"}
        if category:
            params["p_r_p_categoryId"] = str(self.category_ids[category])
        if cur > 1 or delta:
            params |= {self.param("delta"): str(delta or self.per_page), "p_r_p_resetCur": "false",
                       self.param("cur"): str(cur)}
        return self.news + _SID_MARK + (f"?{urlencode(params)}" if params else "")

    def link(self, article: FixtureArticle, redirect: str) -> str:
        """An article link in a list: the portlet's render parameters and the way back."""
        params = {"p_p_id": self.portlet, "p_p_lifecycle": "0", "p_p_state": "normal", "p_p_mode": "view",
                  self.param("assetEntryId"): str(article.number),
                  self.param("redirect"): self.base + redirect.replace(_SID_MARK, "")}
        return f"{self.href(article)}{_SID_MARK}?{urlencode(params, quote_via=quote)}"

    def print_link(self, article: FixtureArticle) -> str:
        params = {"p_p_id": self.portlet, "p_p_lifecycle": "0", "p_p_state": "pop_up", "p_p_mode": "view",
                  self.param("viewMode"): "print", self.param("assetEntryId"): str(article.number)}
        return f"{self.href(article)}{_SID_MARK}?{urlencode(params)}"

    def view(self, article: FixtureArticle) -> dict:
        view = super().view(article)
        share = f"{self.base}{view['href']}?utm_source=zalo&utm_medium=share"
        return view | {"print": self.print_link(article), "zalo": share,
                       "facebook": "https://www.facebook.com/sharer/sharer.php?u=" + quote(self.base + view["href"],
                                                                                          safe=""),
                       "views": 120 + article.number % 880}

    def listed(self, articles: list[FixtureArticle], redirect: str) -> list[dict]:
        return [self.view(a) | {"link": self.link(a, redirect)} for a in articles]

    def render(self, template: str, modified: datetime | None = None, **context: object) -> Response:
        here = str(context.pop("here", self.home + _SID_MARK))
        return super().render(template, modified, here=here, news=self.news, home=self.home, sid=_SID_MARK,
                              layouts=self.layouts, category_urls={c: self.list_url(c) for c in self.categories},
                              news_url=self.list_url(), newest_items=self.listed(self.articles[:5], here), **context)

    def route(self, path: str, query: dict[str, list[str]], cookies: Mapping[str, str] | None = None) -> Response:
        path, _, path_params = path.partition(";")
        if path.startswith(("/vi/", "/en/")):
            # Locale-prefixed spellings of every page; without an English translation both show Vietnamese.
            path = path[3:]
        url_sid = path_params.removeprefix("jsessionid=") if path_params.startswith("jsessionid=") else ""
        return self.with_session(self.dispatch(path, query), url_sid, cookies or {})

    def with_session(self, resp: Response, url_sid: str, cookies: Mapping[str, str]) -> Response:
        """Tomcat's URL rewriting: links carry the session id until the client returns the cookie."""
        marked = _SID_MARK.encode()
        if marked not in resp.body:
            return resp
        # The same page in another session differs only in its links: weakly the same representation.
        resp.etag = "W/" + strong_etag(resp.body)
        with self._sessions_lock:
            if cookies.get("JSESSIONID") in self.sessions:
                sid = ""
            elif url_sid in self.sessions:
                sid = url_sid
            else:
                sid = secrets.token_hex(16).upper()
                self.sessions.add(sid)
                resp.headers["Set-Cookie"] = f"JSESSIONID={sid}; Path=/; HttpOnly"
        resp.body = resp.body.replace(marked, f";jsessionid={sid}".encode() if sid else b"")
        return resp

    def dispatch(self, path: str, query: dict[str, list[str]]) -> Response:
        if path == "/robots.txt":
            return Response(200, f"{self.robots}Sitemap: {self.base}/sitemap.xml\n".encode(), "text/plain")
        if path == "/sitemap.xml":
            body = _env.get_template("sokhcn_sitemap.xml").render(
                base=self.base, pages=[self.home, self.news, *self.layouts], launched=SITE_LAUNCH.isoformat())
            return Response(200, body.encode("utf-8"), "application/xml; charset=utf-8", modified=SITE_LAUNCH)
        if path in ("/", self.home):
            return self.homepage()
        if path == self.news:
            return self.listing(query)
        prefix = f"{self.news}/-/asset_publisher/{self.instance}/content/"
        if path.startswith(prefix):
            return self.article(path.removeprefix(prefix), query)
        if path in self.layouts:
            return self.render("sokhcn_page.html", modified=SITE_LAUNCH, page_title=self.layouts[path],
                               here=path + _SID_MARK)
        return self.not_found()

    def homepage(self) -> Response:
        here = self.home + _SID_MARK
        featured = self.listed(self.articles[:4], here)
        if featured:
            # Pasted by an editor from the department's Facebook page, click id and all.
            featured[0]["link"] = f"{self.href(self.articles[0])}?fbclid=IwAR2x8Kd0QmZ7pLvT4nB1cYhS9eWu3fJ6gRk"
        blocks = {c: self.listed([a for a in self.articles if a.category == c][:3], here) for c in self.categories}
        shown = featured + [v for items in blocks.values() for v in items]
        return self.render("sokhcn_home.html", modified=self.newest(shown), featured=featured, blocks=blocks,
                           here=here)

    def listing(self, query: dict[str, list[str]]) -> Response:
        by_id = {str(v): k for k, v in self.category_ids.items()}
        category = by_id.get(query.get("p_r_p_categoryId", [""])[0])
        try:
            delta = int(query.get(self.param("delta"), [str(self.per_page)])[0])
            cur = int(query.get(self.param("cur"), ["1"])[0])
        except ValueError:
            delta, cur = self.per_page, 1
        delta = min(max(delta, 1), self.deltas[-1])
        articles = [a for a in self.articles if category is None or a.category == category]
        pages = max(1, -(-len(articles) // delta))
        cur = min(max(cur, 1), pages)  # Liferay's search container clamps a page number past the end
        here = self.list_url(category, cur, delta if delta != self.per_page else None)
        items = self.listed(articles[(cur - 1) * delta : cur * delta], here)
        pager = [(n, self.list_url(category, n, delta)) for n in range(1, pages + 1)]
        return self.render("sokhcn_list.html", modified=self.newest(items), items=items, cur=cur, pages=pages,
                           pager=pager, delta=delta, total=len(articles), here=here,
                           delta_links=[(d, self.list_url(category, 1, d)) for d in self.deltas],
                           category_name=self.categories[category] if category else "Tin tức")

    def article(self, slug: str, query: dict[str, list[str]]) -> Response:
        article = next((a for a in self.articles if a.slug == slug), None)
        if article is None:
            return self.not_found()
        redirect = query.get(self.param("redirect"), [""])[0]
        if not redirect.startswith(self.base + "/"):  # Liferay only follows redirects to its own host
            redirect = self.list_url(article.category)
        if query.get("p_p_state") == ["pop_up"]:
            return self.render("sokhcn_print.html", modified=self.modified(article), a=self.view(article))
        here = self.href(article) + _SID_MARK
        others = [a for a in self.articles if a.category == article.category and a is not article][:5]
        return self.render("sokhcn_article.html", modified=self.modified(article), a=self.view(article),
                           back=redirect, others=self.listed(others, here), here=here)


# A district committee's documents ("Văn bản"): number, title, issued on, document id in the CMS.
DISTRICT_DOCUMENTS = (
    ("125-KH/HU", "Kế hoạch tuyên truyền kỷ niệm 82 năm Ngày thành lập Quân đội nhân dân Việt Nam và 37 năm "
     "Ngày hội Quốc phòng toàn dân", "10/11/2026", 215),
    ("121-KH/HU", "Kế hoạch kiểm điểm, đánh giá, xếp loại chất lượng tổ chức đảng, đảng viên năm 2026",
     "02/11/2026", 213),
    ("46-CV/BTGDVHU", "Công văn về việc hưởng ứng Cuộc thi chính luận về bảo vệ nền tảng tư tưởng của Đảng năm 2026",
     "28/10/2026", 211),
    ("118-QĐ/HU", "Quyết định kiện toàn Ban Chỉ đạo 35 huyện Tân Lập", "15/10/2026", 208),
    ("09-HD/UBKTHU", "Hướng dẫn thực hiện chương trình kiểm tra, giám sát năm 2027", "12/10/2026", 206),
)
_DOCUMENT_SLUG = re.compile(r"^/van-ban/[a-z0-9-]+\.(\d+)$")


class PartyCommitteeSite(Site):
    """Family (d): a district Party committee's site (Đảng bộ huyện) on a small local CMS.

    Articles are /<slug>.<id>; sections are short slugs (/xay-dung-dang) paginated with ?page=N.
    No feed, no sitemap (robots.txt names none), no ETag or Last-Modified, and links everywhere:
    menus, a marquee, "Tin mới" and "Văn bản" boxes, a footer of links. It reposts province news.
    """

    name = "dangbo"
    credit = "Huyện ủy Tân Lập"
    per_page = 6
    sends_validators = False  # many district CMSs send neither validator; conditional requests get 200
    robots = "User-agent: *\nDisallow: /quan-tri/\nDisallow: /tim-kiem\n"
    pages: ClassVar[dict[str, str]] = {
        "/gioi-thieu": "Giới thiệu chung",
        "/lich-su-dang-bo-huyen": "Lịch sử Đảng bộ huyện",
        "/ban-chap-hanh-dang-bo-huyen": "Ban Chấp hành Đảng bộ huyện",
        "/lien-he": "Liên hệ",
    }

    def href(self, article: FixtureArticle) -> str:
        return f"/{article.slug}.{article.number}"

    def documents(self) -> list[dict]:
        return [{"number": number, "title": title, "date": date, "file": _slugify(number) + ".pdf",
                 "href": f"/van-ban/{_slugify(title)}.{doc_id}"} for number, title, date, doc_id in DISTRICT_DOCUMENTS]

    def render(self, template: str, modified: datetime | None = None, **context: object) -> Response:
        return super().render(template, modified, documents=self.documents(), static_pages=self.pages, **context)

    def route(self, path: str, query: dict[str, list[str]], cookies: Mapping[str, str] | None = None) -> Response:
        if path == "/robots.txt":
            return Response(200, self.robots.encode(), "text/plain")
        if path == "/":
            items = [self.view(a) for a in self.articles]
            blocks = {c: [v for v in items if v["category"] == c][:4] for c in self.categories}
            return self.render("dangbo_home.html", featured=items[:5], blocks=blocks)
        name = path.strip("/")
        if name in self.categories:
            try:
                page = int(query.get("page", ["1"])[0])
            except ValueError:
                page = 1
            items = [self.view(a) for a in self.articles if self.category_of(a) == name]
            shown, pages = self.paged(items, page)
            if not 1 <= page <= pages:
                return self.not_found()
            return self.render("dangbo_list.html", items=shown, page=page, pages=pages, category=name,
                               category_name=self.categories[name])
        if path in self.pages:
            return self.render("dangbo_page.html", page_title=self.pages[path])
        if path == "/van-ban":
            return self.render("dangbo_documents.html")
        if _DOCUMENT_SLUG.match(path):
            doc = next((d for d in self.documents() if d["href"] == path), None)
            if doc:
                return self.render("dangbo_document.html", doc=doc)
        if path.startswith("/uploads/van-ban/") and any(path.endswith(d["file"]) for d in self.documents()):
            return Response(200, b"%PDF-1.4\n% scanned document\n%%EOF\n", "application/pdf")
        for article in self.articles:
            if self.href(article) == path:
                return self.render("dangbo_article.html", a=self.view(article), related=self.related(article))
        return self.not_found()


SITE_CLASSES: dict[str, type[Site]] = {
    "tinh": ProvincialPortal, "bao": WordPressNews, "sokhcn": LiferayPortal, "dangbo": PartyCommitteeSite,
}


class FixturePortals:
    """Starts every fixture site on its own loopback port; counts and logs the requests each receives."""

    def __init__(self, today: datetime | None = None, ports: tuple[int, ...] = ()) -> None:
        self.today = today or datetime.now(VN_TZ)
        self.ports = ports
        self.hits: Counter[str] = Counter()
        self._log: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()
        self.edits: dict[str, Edit] = {}
        self._servers: list[ThreadingHTTPServer] = []
        self.base_urls: dict[str, str] = {}
        self.sites: dict[str, Site] = {}

    @property
    def requests(self) -> list[tuple[str, str, int]]:
        """Every request so far, in order: (site name, path with query, status). A snapshot."""
        with self._lock:
            return list(self._log)

    def start(self) -> "FixturePortals":
        for index, (name, cls) in enumerate(SITE_CLASSES.items()):
            server = self._bind(self.ports[index] if index < len(self.ports) else 0, self._handler(name))
            server.daemon_threads = True
            base = f"http://127.0.0.1:{server.server_address[1]}"
            server.site = self.sites[name] = cls(base, self.today, self.edits)  # type: ignore[attr-defined]
            self.base_urls[name] = base
            self._servers.append(server)
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    @staticmethod
    def _bind(port: int, handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
        """The preferred port keeps URLs stable across demo runs; a busy one falls back to any port."""
        try:
            return ThreadingHTTPServer(("127.0.0.1", port), handler)
        except OSError:
            return ThreadingHTTPServer(("127.0.0.1", 0), handler)

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def edit(self, slug: str, paragraph: str) -> datetime:
        """Append a paragraph to an article on every site showing it; returns its new modification time.

        The time moves strictly forward (HTTP dates have whole seconds), so ETag, Last-Modified,
        article:modified_time, the sitemap's lastmod and the feed's entry all change with it.
        """
        article = next((a for a in load_articles() if a.slug == slug), None)
        if article is None:
            raise KeyError(f"no fixture article {slug!r}")
        with self._lock:
            previous = self.edits.get(slug)
            if previous:
                last = previous.modified
            else:
                delay = timedelta(minutes=SYNDICATION_DELAY_MINUTES) if article.syndicated else timedelta()
                last = article.published + delay + timedelta(hours=1)
            moment = max(datetime.now(VN_TZ).replace(microsecond=0), last.replace(microsecond=0) + timedelta(seconds=1))
            paragraphs = (*(previous.paragraphs if previous else ()), paragraph)
            self.edits[slug] = Edit(paragraphs, moment)
        return moment

    def reset_edits(self) -> None:
        with self._lock:
            self.edits.clear()

    def _handler(self, name: str) -> type[BaseHTTPRequestHandler]:
        hits = self.hits
        portals = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes; avoid the 40 ms stall

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                hits[f"{name}{parts.path}"] += 1
                site: Site = self.server.site  # type: ignore[attr-defined]
                resp = site.route(parts.path, parse_qs(parts.query), self.cookies())
                status, body = resp.status, resp.body
                headers = {"Content-Type": resp.content_type, **resp.headers}
                if status == 200 and site.sends_validators:
                    etag = resp.etag or strong_etag(body)
                    modified = resp.modified or SITE_LAUNCH
                    headers |= {"ETag": etag, "Last-Modified": http_date(modified)}
                    if not_modified(self.headers, etag, modified):
                        status, body = 304, b""
                        del headers["Content-Type"]
                with portals._lock:
                    portals._log.append((name, self.path, status))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if status != 304:  # a 304 never has a body, so it has no length either
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def cookies(self) -> dict[str, str]:
                try:
                    jar = SimpleCookie(self.headers.get("Cookie", ""))
                except CookieError:
                    return {}
                return {key: morsel.value for key, morsel in jar.items()}

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def sources(self) -> list[Source]:
        tinh, bao = self.base_urls["tinh"], self.base_urls["bao"]
        so, dangbo = self.base_urls["sokhcn"], self.base_urls["dangbo"]
        liferay = self.sites["sokhcn"]
        assert isinstance(liferay, LiferayPortal)
        liferay_pages = -(-len(liferay.articles) // liferay.per_page)
        return [
            Source(
                id="binhgiang-gov", name="Cổng TTĐT tỉnh Bình Giang", province="Bình Giang",
                homepage=f"{tinh}/",
                list_pages=[f"{tinh}/tin-tuc/{cat}" for cat in CATEGORIES],
                article_pattern=r"/tin-tuc/[a-z-]+/[a-z0-9-]+-\d+\.html$",
            ),
            Source(
                id="baobinhgiang", name="Báo Bình Giang", province="Bình Giang", homepage=f"{bao}/",
                feeds=[f"{bao}/feed/"], sitemaps=[f"{bao}/sitemap.xml"],
                article_pattern=r"/\d{4}/\d{2}/\d{2}/[a-z0-9-]+/$",
            ),
            # For now every page of the news list: today's crawler cannot follow Liferay's pagination
            # (session ids in the path). The sitemap lists pages, not articles, so it is left out.
            Source(
                id="sokhcn-hason", name="Sở Khoa học và Công nghệ tỉnh Hà Sơn", province="Hà Sơn",
                homepage=f"{so}/",
                list_pages=[so + liferay.list_url(cur=n).replace(_SID_MARK, "") for n in range(1, liferay_pages + 1)],
                article_pattern=r"/-/asset_publisher/[A-Za-z0-9]+/content/[a-z0-9-]+(;jsessionid=[0-9A-F]+)?$",
            ),
            Source(
                id="dangbo-tanlap", name="Đảng bộ huyện Tân Lập", province="Bình Giang", homepage=f"{dangbo}/",
                list_pages=[f"{dangbo}/{cat}" for cat in SITE_CATEGORIES["dangbo"]],
                article_pattern=r"^/[a-z0-9-]+\.\d+$",
            ),
        ]

    def homepage_only_sources(self) -> list[Source]:
        """The same sources as a user would first enter them: no list pages, feeds or patterns."""
        return [Source(id=s.id, name=s.name, province=s.province, homepage=s.homepage) for s in self.sources()]

    def write_plans(self, path: Path) -> Path:
        """The demo province's campaign plans, unless the data directory already has its own."""
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text((HERE / "plans.yaml").read_text(encoding="utf-8"), encoding="utf-8")
        return path

    def write_registry(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = [s.model_dump(exclude_defaults=True) for s in self.sources()]
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path


@contextmanager
def serve_fixture_portals(today: datetime | None = None, ports: tuple[int, ...] = ()) -> Iterator[FixturePortals]:
    portals = FixturePortals(today, ports).start()
    try:
        yield portals
    finally:
        portals.stop()
