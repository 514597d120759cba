"""The one generic spider: list pages (with pagination), feeds and sitemaps lead to articles."""

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import scrapy
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawlers.links import is_article_url, is_pagination_link, same_site
from portalwatch.archive import RawArchive
from portalwatch.models import RawPage, Skip, Source


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, source: str, archive_path: str, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.source = Source.model_validate_json(source)
        self.archive_path = Path(archive_path)
        with RawArchive(self.archive_path) as archive:
            self.seen = archive.fetched_urls(self.source.id)
        self.seen_again: set[str] = set()
        self.list_pages_requested = 0
        self.articles_requested = 0

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.source.feeds:
            yield scrapy.Request(url, self.parse_feed, errback=self.failed)
        for url in self.source.sitemaps:
            yield scrapy.Request(url, self.parse_sitemap, errback=self.failed)
        lists = self.source.list_pages
        if not (lists or self.source.feeds or self.source.sitemaps):
            lists = [self.source.homepage]
        for url in lists:
            request = self.list_request(url)
            if request:
                yield request

    def list_request(self, url: str) -> scrapy.Request | None:
        if self.list_pages_requested >= self.source.max_list_pages:
            self.crawler.stats.inc_value("portalwatch/list_pages_over_budget")
            return None
        self.list_pages_requested += 1
        return scrapy.Request(url, self.parse_list, errback=self.failed)

    def article_request(self, url: str) -> scrapy.Request | None:
        if not same_site(url, self.source.homepage) or not is_article_url(url, self.source.article_pattern):
            return None
        if url in self.seen:
            if url not in self.seen_again:  # an article is linked from many pages; count it once
                self.seen_again.add(url)
                self.crawler.stats.inc_value("portalwatch/already_fetched")
            return None
        if self.articles_requested >= self.source.max_articles:
            self.crawler.stats.inc_value("portalwatch/articles_over_budget")
            return None
        self.articles_requested += 1
        return scrapy.Request(url, self.parse_article, errback=self.failed)

    def parse_list(self, response: Response) -> Iterator[scrapy.Request]:
        self.crawler.stats.inc_value("portalwatch/list_pages")
        for link in response.css("a[href]"):
            url = response.urljoin(link.attrib["href"]).split("#", 1)[0]
            text = " ".join(link.css("::text").getall())
            if is_article_url(url, self.source.article_pattern):
                request = self.article_request(url)
            elif is_pagination_link(url, text, response.url):
                request = self.list_request(url)
            else:
                request = None
            if request:
                yield request

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        self.crawler.stats.inc_value("portalwatch/feeds")
        response.selector.remove_namespaces()
        links = response.xpath("//item/link/text() | //entry/link/@href").getall()
        for url in links:
            request = self.article_request(response.urljoin(url.strip()))
            if request:
                yield request

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        self.crawler.stats.inc_value("portalwatch/sitemaps")
        response.selector.remove_namespaces()
        for loc in response.xpath("//sitemap/loc/text()").getall():
            yield scrapy.Request(response.urljoin(loc.strip()), self.parse_sitemap, errback=self.failed)
        for loc in response.xpath("//url/loc/text()").getall():
            request = self.article_request(response.urljoin(loc.strip()))
            if request:
                yield request

    def parse_article(self, response: Response) -> Iterator[dict]:
        page = RawPage(
            url=response.url,
            source_id=self.source.id,
            status=response.status,
            fetched_at=datetime.now(UTC),
            content_type=response.headers.get("Content-Type", b"").decode("latin-1"),
            body=response.body,
        )
        yield {"page": page}

    def failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(HttpError):
            reason = f"HTTP {failure.value.response.status}"
        else:
            reason = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        self.crawler.stats.inc_value("portalwatch/failures")
        skip = Skip(url=request.url, source_id=self.source.id, stage="crawl", reason=reason,
                    recorded_at=datetime.now(UTC))
        with RawArchive(self.archive_path) as archive:
            archive.record_skip(skip)
