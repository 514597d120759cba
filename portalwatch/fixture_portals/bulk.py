"""A generated portal of N article pages behind paged lists and a sitemap, with ETag/Last-Modified.

For the crawl benchmark (10,000 pages), and for the resume and revision tests, which count the
requests it actually received.
"""

from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from hashlib import sha1
from urllib.parse import parse_qs, urlsplit

from portalwatch.core.models import Source
from portalwatch.fixture_portals.hostile import article_html
from portalwatch.fixture_portals.loopback import LoopbackServer, Reply

_PUBLISHED = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


class BulkSite:
    def __init__(self, articles: int, per_page: int = 50, article_delay: float = 0.0,
                 sitemap_keeps: int | None = None) -> None:
        self.articles = articles
        self.sitemap_keeps = sitemap_keeps  # a news sitemap lists only the latest articles
        self.per_page = per_page
        self.article_delay = article_delay
        self.edits: dict[int, tuple[str, datetime]] = {}  # article number -> (added paragraph, when)
        self.server = LoopbackServer(self.route)

    @property
    def base(self) -> str:
        return self.server.base

    def href(self, number: int) -> str:
        return f"/bai/tin-hoat-dong-co-so-so-{number}.html"

    def source(self, sitemap: bool = False, **limits: object) -> Source:
        entry = {"sitemaps": [f"{self.base}/sitemap.xml"]} if sitemap else {"list_pages": [f"{self.base}/tin-moi"]}
        budget = {"max_articles": self.articles, "max_list_pages": self.articles // self.per_page + 2}
        return Source(id="bulk", name="Cổng tin thử tải", homepage=f"{self.base}/", **entry,  # type: ignore[arg-type]
                      article_pattern=r"/bai/[a-z0-9-]+-\d+\.html$", **(budget | limits))  # type: ignore[arg-type]

    def edit(self, number: int, paragraph: str) -> None:
        """The site corrects an article: its body, Last-Modified and sitemap <lastmod> change."""
        self.edits[number] = (paragraph, datetime.now(UTC).replace(microsecond=0))

    def modified(self, number: int) -> datetime:
        return self.edits[number][1] if number in self.edits else _PUBLISHED

    def route(self, target: str, headers: dict[str, str]) -> Reply:
        path, query = urlsplit(target).path, parse_qs(urlsplit(target).query)
        if path == "/robots.txt":
            return Reply(body=b"User-agent: *\nAllow: /\n", content_type="text/plain")
        if path == "/tin-moi":
            return self.listing(int(query.get("trang", ["1"])[0]))
        if path == "/sitemap.xml":
            return self.sitemap(headers)
        if path.startswith("/bai/"):
            number = int(path.rsplit("-", 1)[-1].removesuffix(".html"))
            if 1 <= number <= self.articles:
                return self.article(number, headers)
        return Reply(status=404, body=b"not found")

    def listing(self, page: int) -> Reply:
        first = (page - 1) * self.per_page + 1
        numbers = range(first, min(first + self.per_page, self.articles + 1))
        items = "".join(f'<li><a href="{self.href(n)}">Tin hoạt động cơ sở số {n}</a></li>' for n in numbers)
        more = f'<a href="/tin-moi?trang={page + 1}">»</a>' if numbers.stop <= self.articles else ""
        return Reply(body=f"<html><body><ul>{items}</ul><div class='paging'>{more}</div></body></html>".encode())

    def sitemap(self, headers: dict[str, str]) -> Reply:
        entries = "".join(f"<url><loc>{self.base}{self.href(n)}</loc><lastmod>{self.modified(n).isoformat()}</lastmod>"
                          "</url>" for n in range(max(1, self.articles - (self.sitemap_keeps or self.articles) + 1),
                                                  self.articles + 1))
        body = (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"{entries}</urlset>").encode()
        return self.validated(body, max((self.modified(n) for n in self.edits), default=_PUBLISHED), headers,
                              "application/xml")

    def article(self, number: int, headers: dict[str, str]) -> Reply:
        html = article_html(f"Tin hoạt động cơ sở số {number}")
        if number in self.edits:
            html = html.replace("</div><div class=\"footer\">", f"<p>{self.edits[number][0]}</p></div>"
                                                              "<div class=\"footer\">")
        reply = self.validated(html.encode(), self.modified(number), headers)
        reply.delay = self.article_delay
        return reply

    @staticmethod
    def validated(body: bytes, modified: datetime, headers: dict[str, str],
                  content_type: str = "text/html; charset=utf-8") -> Reply:
        """A reply with ETag and Last-Modified, or 304 when the request's validators still match."""
        etag = f'"{sha1(body).hexdigest()[:16]}"'
        validators = {"ETag": etag, "Last-Modified": format_datetime(modified, usegmt=True)}
        since = headers.get("if-modified-since")
        if headers.get("if-none-match") == etag or (
                "if-none-match" not in headers and since and parsedate_to_datetime(since) >= modified):
            return Reply(status=304, headers=validators)
        return Reply(body=body, content_type=content_type, headers=validators)


