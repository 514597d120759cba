"""The fixture portals on loopback: one site of each family, each on its own port of 127.0.0.1.

Four site families, as Vietnamese portals really are, one module each: (a) a provincial portal
(`provincial`), (b) a WordPress newspaper with feed and sitemaps (`wordpress`), (c) a Liferay
department portal with long portlet URLs, session ids, print and tracking variants of every article
(`liferay`) and (d) a district Party-committee site with neither feed nor sitemap nor HTTP
validators (`district`). All are served by the one loopback server (`loopback.LoopbackServer`),
as the hostile and bulk test sites are.
"""

import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml

from portalwatch.core import VN_TZ
from portalwatch.core.models import Source
from portalwatch.fixture_portals.content import (
    CATEGORIES,
    HERE,
    SITE_CATEGORIES,
    SYNDICATION_DELAY_MINUTES,
    load_articles,
)
from portalwatch.fixture_portals.district import PartyCommitteeSite
from portalwatch.fixture_portals.liferay import SID_MARK, LiferayPortal
from portalwatch.fixture_portals.loopback import LoopbackServer, Reply
from portalwatch.fixture_portals.provincial import MALFORMED, MISSING, NO_DATE, ProvincialPortal
from portalwatch.fixture_portals.site import SITE_LAUNCH, Edit, Site, http_date, not_modified, strong_etag
from portalwatch.fixture_portals.wordpress import WordPressNews

# The families' names stay importable from here, where tests and tools have always found them.
__all__ = [
    "MALFORMED", "MISSING", "NO_DATE", "SITE_CLASSES", "FixturePortals", "LiferayPortal", "PartyCommitteeSite",
    "ProvincialPortal", "WordPressNews", "serve_fixture_portals",
]

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
        self._servers: list[LoopbackServer] = []
        self.base_urls: dict[str, str] = {}
        self.sites: dict[str, Site] = {}

    @property
    def requests(self) -> list[tuple[str, str, int]]:
        """Every request so far, in order: (site name, path with query, status). A snapshot."""
        with self._lock:
            return list(self._log)

    def start(self) -> "FixturePortals":
        for index, (name, cls) in enumerate(SITE_CLASSES.items()):
            server = LoopbackServer(self._route(name), self.ports[index] if index < len(self.ports) else 0)
            self.sites[name] = cls(server.base, self.today, self.edits)
            self.base_urls[name] = server.base
            self._servers.append(server.__enter__())
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.__exit__(None, None, None)

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

    def _route(self, name: str) -> Callable[[str, dict[str, str]], Reply]:
        def route(target: str, headers: dict[str, str]) -> Reply:
            return self._serve(name, target, headers)

        return route

    def _serve(self, name: str, target: str, headers: dict[str, str]) -> Reply:
        """One request to one site: its page, with validators (or a 304) where the site sends them."""
        parts = urlsplit(target)
        self.hits[f"{name}{parts.path}"] += 1
        site = self.sites[name]
        resp = site.route(parts.path, parse_qs(parts.query), _cookies(headers))
        reply = Reply(resp.status, resp.body, resp.content_type, dict(resp.headers))
        if resp.status == 200 and site.sends_validators:
            etag = resp.etag or strong_etag(resp.body)
            modified = resp.modified or SITE_LAUNCH
            reply.headers |= {"ETag": etag, "Last-Modified": http_date(modified)}
            if not_modified(headers, etag, modified):
                reply.status, reply.body = 304, b""
        with self._lock:
            self._log.append((name, target, reply.status))
        return reply

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
                list_pages=[so + liferay.list_url(cur=n).replace(SID_MARK, "") for n in range(1, liferay_pages + 1)],
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


def _cookies(headers: Mapping[str, str]) -> dict[str, str]:
    try:
        jar = SimpleCookie(headers.get("cookie", ""))
    except CookieError:
        return {}
    return {key: morsel.value for key, morsel in jar.items()}
