"""Scrapy item pipeline: the one writer of the crawl state (archive and frontier) during a crawl.

It opens the archive database when the spider opens and closes it when the spider closes;
each item the spider yields is one change, applied as it arrives (synchronously: see
crawlers/items.py for why that order matters). It counts what it wrote in the crawl's stats.
"""

from datetime import UTC, datetime

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawlers import stats as keys
from crawlers.context import archive_db
from crawlers.entry_pace import judged
from crawlers.items import (
    AliasesFound,
    CrawlItem,
    DiscoveryFound,
    Done,
    EntryListed,
    FetchFailed,
    LinksFound,
    PageFetched,
    Unchanged,
    ValidatorsSeen,
)
from portalwatch.core.models import Skip
from portalwatch.state.archive import RawArchive, Saved
from portalwatch.state.db import StateTarget
from portalwatch.state.frontier import Found, Frontier


class CrawlStatePipeline:
    def __init__(self, path: StateTarget, stats: StatsCollector) -> None:
        self.path = path
        self.stats = stats
        self.archive: RawArchive | None = None
        self.frontier: Frontier | None = None
        self.discovered: dict[str, Found] = {}
        # source -> (rank, entry page) -> new articles it listed
        self.listed: dict[str, dict[tuple[int, str], set[str]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "CrawlStatePipeline":
        assert crawler.stats is not None
        return cls(archive_db(crawler.settings), crawler.stats)

    def open_spider(self, spider: Spider | None = None) -> None:
        self.archive = RawArchive(self.path)
        self.frontier = Frontier(self.archive.db)

    def close_spider(self, spider: Spider | None = None) -> None:
        assert self.archive is not None and self.frontier is not None
        self.frontier.flush()
        for source_id, found in self.discovered.items():
            if found.feeds or found.sitemaps or found.list_pages:
                self.frontier.save_discovery(source_id, found)
        # Judged once the crawl has read every entry page: which brought what the others did not.
        for source_id, listed in self.listed.items():
            paces = self.frontier.entry_paces(source_id)
            ordered = {url: new for (_, url), new in sorted(listed.items())}  # feeds first, as ties go to the first
            self.frontier.pace_entries(source_id, judged(ordered, paces, datetime.now(UTC)))
        self.archive.close()
        self.archive = self.frontier = None

    def process_item(self, item: CrawlItem, spider: Spider | None = None) -> CrawlItem:
        archive, frontier = self.archive, self.frontier
        assert archive is not None and frontier is not None
        match item:
            case LinksFound(source_id, urls, kind):
                frontier.add(source_id, list(urls), kind)
            case PageFetched(page, requested):
                outcome = archive.save_page(page)
                frontier.done(requested, page.url)
                if outcome == Saved.NEW:
                    self.stats.inc_value(keys.ARTICLES_NEW)
                elif outcome == Saved.CHANGED:
                    self.stats.inc_value(keys.ARTICLES_CHANGED)
            case Done(urls):
                frontier.done(*urls)
            case Unchanged(url):
                archive.unchanged(url, datetime.now(UTC))
                frontier.done(url)
            case FetchFailed(source_id, url, reason, permanent):
                self.stats.inc_value(keys.FAILURES)
                self.stats.set_value(keys.LAST_ERROR, reason)
                if not frontier.failed(url, reason, permanent):
                    reason += " — sẽ thử lại ở lần thu thập sau"
                archive.record_skip(Skip(url=url, source_id=source_id, stage="crawl", reason=reason,
                                         recorded_at=datetime.now(UTC)))
            case AliasesFound(source_id, canonical, urls):
                for url in urls:
                    frontier.add_alias(source_id, url, canonical)
            case ValidatorsSeen(url, etag, last_modified):
                frontier.remember_validators(url, etag, last_modified)
            case EntryListed(source_id, url, new_articles, rank):
                self.listed.setdefault(source_id, {}).setdefault((rank, url), set()).update(new_articles)
            case DiscoveryFound(source_id, found):
                self.discovered[source_id] = found
        return item
