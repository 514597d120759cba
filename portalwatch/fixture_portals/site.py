"""What every fixture site shares: the response, article views and templates, and HTTP validators.

Each site family lives in its own module (provincial, wordpress, liferay, district) on this base;
`server.py` serves them all on loopback.
"""

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

from jinja2 import Environment, FileSystemLoader, select_autoescape

from portalwatch.core import VN_TZ
from portalwatch.fixture_portals.content import (
    HERE,
    SITE_CATEGORIES,
    SYNDICATION_DELAY_MINUTES,
    FixtureArticle,
    articles_on,
)

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
# Last-Modified of pages that change with no article (robots.txt, static pages, error pages).
SITE_LAUNCH = datetime(2026, 1, 5, 8, 0, tzinfo=VN_TZ)

TEMPLATES = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html", "xml"]))


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


def vn_dateline(moment: datetime) -> str:
    return f"{WEEKDAYS[moment.weekday()]}, {moment:%d/%m/%Y - %H:%M}"


def slugify(text: str) -> str:
    """A URL slug as Vietnamese CMSs make them: marks dropped, đ as d, words joined by hyphens."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def strong_etag(body: bytes) -> str:
    return f'"{hashlib.sha1(body).hexdigest()[:20]}"'


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def not_modified(headers: Mapping[str, str], etag: str, modified: datetime) -> bool:
    """RFC 9110 13.2.2: If-None-Match (weak comparison) decides; If-Modified-Since only without it.

    headers: the request's, names in lower case (as the loopback server passes them).
    """
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags
    if_modified_since = headers.get("if-modified-since")
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
            "dateline": vn_dateline(moment),
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
        page = TEMPLATES.get_template(template).render(
            base=self.base,
            today=vn_dateline(self.today).split(" - ")[0],
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
