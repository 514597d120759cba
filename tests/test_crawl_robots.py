"""robots.txt kept in the crawl state between crawl processes, on both backends (RFC 9309: up to 24 hours).

Every crawl is its own process, as in production; the site on loopback counts what it was asked.
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from crawlers.launcher import crawl
from crawlers.summary import CrawlSummary
from portalwatch.fixture_portals.bulk import BulkSite
from portalwatch.fixture_portals.loopback import Reply
from portalwatch.state.archive import RawArchive
from portalwatch.state.db import StateTarget
from portalwatch.state.robots import RobotsStore

ALLOW_ALL = b"User-agent: *\nAllow: /\n"


class RobotsSite(BulkSite):
    """A bulk site whose robots.txt can change, fail or vanish; unchanged, it answers a conditional request 304."""

    def __init__(self, articles: int) -> None:
        super().__init__(articles=articles, per_page=50)
        self.robots_status, self.robots_body = 200, ALLOW_ALL
        self.robots_changed = datetime(2026, 11, 1, tzinfo=UTC)

    def set_robots(self, status: int, body: bytes = b"") -> None:
        self.robots_status, self.robots_body = status, body
        self.robots_changed = datetime.now(UTC).replace(microsecond=0)

    def route(self, target: str, headers: dict[str, str]) -> Reply:
        if urlsplit(target).path != "/robots.txt":
            return super().route(target, headers)
        if self.robots_status == 200:
            return self.validated(self.robots_body, self.robots_changed, headers, "text/plain")
        return Reply(status=self.robots_status, body=b"<html><body>Error</body></html>")

    def asked(self, since: int, path: str = "/robots.txt") -> list[int]:
        """Statuses of the requests for path served from log position `since` on."""
        return [s.status for s in self.server.log[since:] if s.path == path]

    def others(self, since: int) -> list[str]:
        return [s.path for s in self.server.log[since:] if s.path != "/robots.txt"]


def crawl_once(site: RobotsSite, state: StateTarget, tmp: Path) -> CrawlSummary:
    registry = tmp / "sources.yaml"
    registry.write_text(yaml.safe_dump([site.source().model_dump(exclude_defaults=True)]), encoding="utf-8")
    # force: two failed crawls in a row back a source off, which is not what these tests are about
    return crawl(registry, state, tmp / "logs", delay=0, force=True)["bulk"]


def age(state: StateTarget, site: RobotsSite, hours: float) -> None:
    """Time passes: the kept robots.txt is `hours` older."""
    with RobotsStore(state) as store:
        kept = store.get(f"{site.base}/robots.txt")
        assert kept is not None
        store.keep(replace(kept, fetched_at=kept.fetched_at - timedelta(hours=hours)))


def test_robots_txt_is_asked_once_a_day_and_a_new_rule_applies_once_it_is_asked_again(
        state: StateTarget, tmp_path: Path) -> None:
    site = RobotsSite(articles=4)
    with site.server:
        assert crawl_once(site, state, tmp_path).articles_fetched == 4
        assert site.asked(0) == [200]

        site.articles = 6  # two new articles, and the site now forbids its articles to crawlers
        site.set_robots(200, b"User-agent: *\nDisallow: /bai/\n")
        mark = len(site.server.log)
        age(state, site, 23)  # still within the day: the kept rules are used, robots.txt is not asked
        assert crawl_once(site, state, tmp_path).articles_fetched == 2
        assert site.asked(mark) == []

        site.articles = 8
        mark = len(site.server.log)
        age(state, site, 2)  # over a day old: asked again, conditionally, and the new rule holds
        assert crawl_once(site, state, tmp_path).articles_fetched == 0
        assert site.asked(mark) == [200]
        conditional = next(s for s in site.server.log[mark:] if s.path == "/robots.txt").headers
        assert "if-none-match" in {k.lower() for k in conditional}
        assert not [p for p in site.others(mark) if p.startswith("/bai/")]

        mark = len(site.server.log)
        age(state, site, 25)  # unchanged since: a 304, and the kept rules still forbid the articles
        assert crawl_once(site, state, tmp_path).articles_fetched == 0
        assert site.asked(mark) == [304]
        assert not [p for p in site.others(mark) if p.startswith("/bai/")]
        assert crawl_once(site, state, tmp_path).articles_fetched == 0
        assert site.asked(mark) == [304]  # the 304 renewed the day
    with RawArchive(state) as archive:
        forbidden = {s.url for s in archive.skips("crawl") if "robots.txt không cho phép" in s.reason}
    assert forbidden == {f"{site.base}{site.href(n)}" for n in (7, 8)}  # 5 and 6 came under the old rules


def test_a_server_error_on_robots_txt_stops_that_crawl_only_and_a_missing_one_allows_all(
        state: StateTarget, tmp_path: Path) -> None:
    site = RobotsSite(articles=3)
    with site.server:
        site.set_robots(503)
        failed = crawl_once(site, state, tmp_path)
        assert site.others(0) == []  # nothing of the site is fetched while its rules cannot be read
        assert failed.health == "failed" and "robots.txt chưa đọc được (HTTP 503)" in failed.health_message

        mark = len(site.server.log)
        crawl_once(site, state, tmp_path)
        assert site.asked(mark) and set(site.asked(mark)) == {503}  # not kept: asked again by the next crawl

        site.set_robots(404)  # no robots.txt: everything allowed, and that is kept for the day
        mark = len(site.server.log)
        assert crawl_once(site, state, tmp_path).articles_fetched == 3
        assert site.asked(mark) == [404]
        mark = len(site.server.log)
        crawl_once(site, state, tmp_path)
        assert site.asked(mark) == []
    with RawArchive(state) as archive:
        assert not [s for s in archive.skips("crawl") if "không cho phép" in s.reason]  # nothing given up for good


def test_a_source_found_by_its_homepage_says_why_nothing_was_fetched_when_robots_txt_fails(tmp_path: Path) -> None:
    site = RobotsSite(articles=3)
    site.set_robots(500)
    with site.server:
        registry = tmp_path / "sources.yaml"
        homepage_only = {"id": "bulk", "name": "Cổng chỉ có trang chủ", "homepage": f"{site.base}/"}
        registry.write_text(yaml.safe_dump([homepage_only]), encoding="utf-8")
        failed = crawl(registry, tmp_path / "archive.db", tmp_path / "logs", delay=0)["bulk"]
    assert site.others(0) == []
    assert failed.health == "failed" and "robots.txt chưa đọc được (HTTP 500)" in failed.health_message
