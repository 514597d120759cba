"""Scrapy extension: when a crawl closes, judge and record its health from the crawl's stats alone."""

from datetime import UTC, datetime

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawlers import stats as keys
from crawlers.context import archive_db, crawl_source
from portalwatch.state.db import StateTarget
from portalwatch.state.health import CrawlStats, HealthLog


def crawl_stats(stats: dict) -> CrawlStats:
    """The counters the health log keeps for a crawl, from Scrapy's stats."""
    return CrawlStats(
        entry_pages=keys.count(stats, keys.ENTRY_PAGES), not_modified=keys.count(stats, keys.NOT_MODIFIED_ENTRY),
        links_found=keys.count(stats, keys.LINKS_FOUND), requested=keys.count(stats, keys.REQUESTED),
        new_articles=keys.count(stats, keys.ARTICLES_NEW), changed_articles=keys.count(stats, keys.ARTICLES_CHANGED),
        failures=keys.count(stats, keys.FAILURES), blocked=keys.count(stats, keys.BLOCKED),
        last_error=stats.get(keys.LAST_ERROR, ""),
    )


class HealthExtension:
    def __init__(self, source_id: str, path: StateTarget, stats: StatsCollector) -> None:
        self.source_id = source_id
        self.path = path
        self.stats = stats
        self.started_at = datetime.now(UTC)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "HealthExtension":
        assert crawler.stats is not None
        extension = cls(crawl_source(crawler.settings).id, archive_db(crawler.settings), crawler.stats)
        # Bound methods of an object the crawler keeps: held weakly by the signal, but alive.
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self.started_at = datetime.now(UTC)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        # Item pipelines close before spider_closed is sent: every write is counted by now.
        # "shutdown": Ctrl+C or SIGTERM (also the parent's death) stopped the crawl before it was done.
        with HealthLog(self.path) as health:
            run = health.record(self.source_id, self.started_at, crawl_stats(self.stats.get_stats()),
                                interrupted=reason == "shutdown")
        self.stats.set_value(keys.HEALTH, run.status.value)
        self.stats.set_value(keys.HEALTH_MESSAGE, run.message)
