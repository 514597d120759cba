"""A small real HTTP server that serves the fixture portals on 127.0.0.1."""

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape

from portalwatch import VN_TZ
from portalwatch.fixture_portals.content import (
    CATEGORIES,
    HERE,
    SYNDICATION_DELAY_MINUTES,
    FixtureArticle,
    articles_on,
)
from portalwatch.models import Source

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
PER_PAGE = {"tinh": 8, "bao": 6}
# Broken pages linked from the portal's "Xã hội" list like any other article.
MALFORMED, NO_DATE, MISSING = 9001, 9002, 9003

_env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html", "xml"]))


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"


def _vn_dateline(moment: datetime) -> str:
    return f"{WEEKDAYS[moment.weekday()]}, {moment:%d/%m/%Y - %H:%M}"


class Site:
    """One fixture site: routes a path to a response."""

    name: str
    credit: str  # photo credit on the copies this site makes of other sites' articles

    def __init__(self, base: str, today: datetime) -> None:
        self.base = base
        self.today = today
        self.articles = articles_on(self.name)

    def published(self, article: FixtureArticle) -> datetime:
        if article.syndicated and article.sites[0] != self.name:
            return article.published + timedelta(minutes=SYNDICATION_DELAY_MINUTES)
        return article.published

    def href(self, article: FixtureArticle) -> str:
        raise NotImplementedError

    def view(self, article: FixtureArticle) -> dict:
        moment = self.published(article)
        paragraphs = article.paragraphs
        if article.syndicated and article.sites[0] != self.name:
            # A copy as newspapers make them: last paragraph trimmed, a photo caption added.
            paragraphs = [*paragraphs[:-1], f"Quang cảnh sự kiện. Ảnh: {self.credit}"]
        return {
            "href": self.href(article),
            "title": article.title,
            "lead": article.lead,
            "paragraphs": paragraphs,
            "author": article.author,
            "attribution": article.attribution,
            "category": article.category,
            "category_name": CATEGORIES[article.category],
            "number": article.number,
            "dateline": _vn_dateline(moment),
            "date_short": f"{moment:%d/%m/%Y}",
            "iso": moment.isoformat(),
            "iso_modified": (moment + timedelta(hours=1)).isoformat(),
        }

    def render(self, template: str, **context: object) -> Response:
        latest = [self.view(a) for a in self.articles[:6]]
        page = _env.get_template(template).render(
            base=self.base,
            today=_vn_dateline(self.today).split(" - ")[0],
            categories=CATEGORIES,
            latest=latest,
            **context,
        )
        return Response(200, page.encode("utf-8"))

    def paged(self, items: list, page: int) -> tuple[list, int]:
        size = PER_PAGE[self.name]
        pages = max(1, -(-len(items) // size))
        return items[(page - 1) * size : page * size], pages

    def related(self, article: FixtureArticle) -> list[dict]:
        same = [a for a in self.articles if a.category == article.category and a is not article]
        return [self.view(a) for a in same[:3]]

    def not_found(self) -> Response:
        return Response(404, "<html><body><h1>404 - Không tìm thấy trang</h1></body></html>".encode())

    def route(self, path: str, query: dict[str, list[str]]) -> Response:
        raise NotImplementedError


class ProvincialPortal(Site):
    """Family (a): a provincial portal with category lists and numbered pagination."""

    name = "tinh"
    credit = "Cổng TTĐT tỉnh"
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

    def route(self, path: str, query: dict[str, list[str]]) -> Response:
        if path == "/robots.txt":
            return Response(200, self.robots.encode(), "text/plain")
        if path == "/":
            return self.render("tinh_home.html", items=[self.view(a) for a in self.articles[:10]])
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
            "tinh_list.html", items=shown, page=page, pages=pages, category=category,
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
                return self.render("tinh_article.html", a=self.view(article), related=self.related(article))
        return self.not_found()


class WordPressNews(Site):
    """Family (b): a WordPress newspaper with RSS, a sitemap index and comment forms."""

    name = "bao"
    credit = "Báo Bình Giang"
    feed_size = 15

    @property
    def robots(self) -> str:
        rules = "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n"
        return f"{rules}\nSitemap: {self.base}/sitemap.xml\n"

    def href(self, article: FixtureArticle) -> str:
        return f"{self.published(article):/%Y/%m/%d}/{article.slug}/"

    def route(self, path: str, query: dict[str, list[str]]) -> Response:
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
                    return self.render("bao_article.html", a=self.view(article), related=self.related(article))
        return self.not_found()

    def listing(self, items: list[FixtureArticle], page: int, list_base: str, name: str | None) -> Response:
        shown, pages = self.paged([self.view(a) for a in items], page)
        if page > pages:
            return self.not_found()
        return self.render("bao_list.html", items=shown, page=page, pages=pages, list_base=list_base,
                           category_name=name)

    def feed(self) -> Response:
        return self.xml("bao_feed.xml", items=[self.view(a) | {"rfc822": format_datetime(self.published(a))}
                                                for a in self.articles[: self.feed_size]])

    def sitemap_index(self) -> Response:
        return self.xml("bao_sitemap_index.xml")

    def sitemap(self) -> Response:
        return self.xml("bao_sitemap.xml", items=[self.view(a) for a in self.articles])

    def xml(self, template: str, **context: object) -> Response:
        body = _env.get_template(template).render(base=self.base, **context)
        return Response(200, body.encode("utf-8"), "application/xml; charset=utf-8")


SITE_CLASSES: dict[str, type[Site]] = {"tinh": ProvincialPortal, "bao": WordPressNews}


class FixturePortals:
    """Starts every fixture site on its own loopback port; counts the requests each receives."""

    def __init__(self, today: datetime | None = None, ports: tuple[int, ...] = ()) -> None:
        self.today = today or datetime.now(VN_TZ)
        self.ports = ports
        self.hits: Counter[str] = Counter()
        self._servers: list[ThreadingHTTPServer] = []
        self.base_urls: dict[str, str] = {}

    def start(self) -> "FixturePortals":
        for index, (name, cls) in enumerate(SITE_CLASSES.items()):
            server = self._bind(self.ports[index] if index < len(self.ports) else 0, self._handler(name))
            server.daemon_threads = True
            base = f"http://127.0.0.1:{server.server_address[1]}"
            server.site = cls(base, self.today)  # type: ignore[attr-defined]
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

    def _handler(self, name: str) -> type[BaseHTTPRequestHandler]:
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes; avoid the 40 ms stall

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                hits[f"{name}{parts.path}"] += 1
                resp = self.server.site.route(parts.path, parse_qs(parts.query))  # type: ignore[attr-defined]
                self.send_response(resp.status)
                self.send_header("Content-Type", resp.content_type)
                self.send_header("Content-Length", str(len(resp.body)))
                self.end_headers()
                self.wfile.write(resp.body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def sources(self) -> list[Source]:
        tinh, bao = self.base_urls["tinh"], self.base_urls["bao"]
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
        ]

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
