"""The one generic spider: feeds, sitemaps and list pages (with pagination) lead to articles.

What must outlive the process lives in the archive database: archived pages (not fetched again
unless a sitemap or feed says they changed), the frontier (found but not fetched yet, so a killed
crawl resumes) and the validators of entry pages (conditional requests: an unchanged feed or list
page costs a 304). The spider reads that state when it starts and never writes it: every change it
decides on is an item (crawlers/items.py) that CrawlStatePipeline writes. It counts what it
decides in the crawl's stats (crawlers/stats.py); HealthExtension judges the crawl from them.
"""

from collections.abc import AsyncIterator, Generator, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Self
from urllib.parse import urljoin
from weakref import WeakKeyDictionary

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DontCloseSpider,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError
from twisted.python.failure import Failure

from crawlers import stats as keys
from crawlers.blocks import block_reason
from crawlers.context import ARCHIVE_SETTING, SOURCE_SETTING
from crawlers.discovery import (
    SitemapContent,
    changed_after,
    classify_links,
    discover,
    feeds_in,
    lists_articles,
    looks_like_feed,
    parse_sitemap,
    w3c_datetime,
)
from crawlers.entry_pace import due_entries
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
from crawlers.middlewares import RobotsUnreachable, conditional
from portalwatch.core.models import RawPage, Source
from portalwatch.core.page import Page
from portalwatch.core.urls import canonical_url, is_article_url, is_pagination_link, same_site
from portalwatch.state.archive import RawArchive
from portalwatch.state.db import state_target
from portalwatch.state.frontier import Found, Frontier

# Discovery is redone this often, in case a site added feeds or sections.
REDISCOVER_AFTER = timedelta(days=7)
# Menu links tried as list pages on discovery (the likeliest first).
MAX_CANDIDATE_LISTS = 15
# Block pages are small; real article and list pages are far bigger than this and skip the check.
BLOCK_PAGE_MAX_BYTES = 64 * 1024
# Rechecks adapt to what they find: a source none of whose recently rechecked articles had changed (at least
# this many of those first fetched in the window) is asked on its quiet schedule instead, which still reads
# every article once and so notices when the source starts correcting.
QUIET_EVIDENCE = 50
QUIET_WINDOW = timedelta(days=30)
# Statuses that will not get better by asking again.
_PERMANENT_STATUSES = {400, 401, 403, 404, 405, 410, 451}


_PAGES: "WeakKeyDictionary[TextResponse, Page]" = WeakKeyDictionary()


def page_of(response: TextResponse) -> Page:
    """The response as a Page: decoded by Scrapy, parsed at most once however many steps read it
    (block check, discovery, list links, canonical link)."""
    page = _PAGES.get(response)
    if page is None:
        page = _PAGES[response] = Page(response.url, response.body, header(response, "Content-Type"),
                                       text=response.text)
    return page


# What a callback yields: requests to schedule, and items for the state pipeline.
Output = Iterator[scrapy.Request | CrawlItem]


def original_url(request: scrapy.Request) -> str:
    """The URL first asked for, before any redirect: the one the frontier and skips know."""
    return (request.meta.get("redirect_urls") or [request.url])[0]


def header(response: Response, name: str) -> str:
    """A response header as text ("" when absent)."""
    return (response.headers.get(name) or b"").decode("latin-1")


def _feed_time(value: str) -> datetime | None:
    """An Atom <updated> (W3C datetime, read as sitemaps are) or an RSS date (RFC 822)."""
    moment = w3c_datetime(value)
    if moment is None and value.strip():
        try:
            moment = parsedate_to_datetime(value.strip())
        except (TypeError, ValueError):
            return None
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, source: str, archive_path: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source = Source.model_validate_json(source)
        # Read only: the state pipeline is the one writer.
        self.archive = RawArchive(state_target(archive_path), read_only=True)
        self.frontier = Frontier(self.archive.db)
        # Archived, or yielded to be archived in this crawl.
        self.archived = self.archive.fetched(self.source.id)
        self.aliases = self.frontier.aliases(self.source.id)
        self.requested: set[str] = set()
        self.links_seen: set[str] = set()
        self.fresh_links: set[str] = set()  # article links new to the source, met in this crawl
        self.paces = self.frontier.entry_paces(self.source.id)  # how each entry page served lately, when asked
        self.sitemap_listed: set[str] | None = None  # what sitemaps read in this crawl listed (None: none read)
        self.lists_requested: set[str] = set()
        self.article_pattern = self.source.article_pattern
        # A source given by its homepage alone: feeds, sitemaps and list pages are discovered.
        self.discovering = not (self.source.feeds or self.source.sitemaps or self.source.list_pages)
        self.found = Found(article_pattern=self.article_pattern)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        """The source and the archive come from the crawl's settings, as every component reads them."""
        kwargs.setdefault("source", crawler.settings.get(SOURCE_SETTING))
        kwargs.setdefault("archive_path", crawler.settings.get(ARCHIVE_SETTING))
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.recheck_unlisted, signal=signals.spider_idle)
        return spider

    def count(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key)

    def discovery_found(self) -> DiscoveryFound:
        """A copy of what discovery confirmed so far, for the pipeline to keep."""
        found = self.found
        return DiscoveryFound(self.source.id, Found(list(found.feeds), list(found.sitemaps), list(found.list_pages),
                                                    found.article_pattern))

    # -- requests ---------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request | CrawlItem]:
        # What an earlier crawl found but never fetched (killed, or over its budget) goes first; older
        # list pages left over wait until the entry pages had their share of the list budget.
        pending = self.frontier.pending(self.source.id)
        for url, kind in pending:
            if kind != "article":
                continue
            if self.is_known(url):  # archived just before a kill: done already
                yield Done((url,))
            elif request := self.article_request(url):
                yield request
        if self.discovering:
            cached = self.frontier.discovery(self.source.id, REDISCOVER_AFTER)
            if cached is None:  # robots.txt first: it names the sitemaps; then the homepage
                yield scrapy.Request(urljoin(self.source.homepage, "/robots.txt"), self.parse_robots,
                                     errback=self.failed, meta={"kind": "quiet", "handle_httpstatus_all": True})
                return
            # Not saved again: it keeps the date it was found, so it is redone once REDISCOVER_AFTER old.
            self.found = cached
            self.article_pattern = cached.article_pattern
        for output in self.entry_requests(self.found if self.discovering else None):
            yield output
        for url, kind in pending:
            if kind == "list":
                for output in self.list_request(url, pending=True):
                    yield output
        if not self.has_sitemap():
            for request in self.recheck_requests(set()):
                yield request

    def entry_requests(self, found: "Found | None") -> Output:
        """Every crawl starts from the feeds, sitemaps and first list pages (configured or discovered) that
        are due by what they brought lately (crawlers/entry_pace.py)."""
        feeds, sitemaps, lists = ((found.feeds, found.sitemaps, [self.source.homepage, *found.list_pages]) if found
                                  else (self.source.feeds, self.source.sitemaps, self.source.list_pages))
        due = set(due_entries([*feeds, *sitemaps, *lists], self.paces, datetime.now(UTC)))
        for url in feeds:
            if url in due:
                yield self.entry_request(url, self.parse_feed)
        for url in sitemaps:
            if url in due:
                yield self.entry_request(url, self.parse_sitemap)
        for url in lists:
            if url in due:
                yield from self.list_request(url, entry=True)

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        robots = response.text if response.status == 200 and isinstance(response, TextResponse) else ""
        # Unconditional: discovery needs the homepage itself, not a 304.
        yield self.entry_request(self.source.homepage, self.parse_home, robots=robots).replace(headers={})

    def parse_home(self, response: Response) -> Output:
        """Discovery: what the homepage and robots.txt say, then the homepage read as a list page."""
        if not isinstance(response, TextResponse) or response.status != 200:
            yield from self.parse_list(response)
            return
        found = discover(self.source.homepage, page_of(response), response.meta.get("robots"))
        self.article_pattern = self.article_pattern or found.article_pattern
        self.found.article_pattern = self.article_pattern
        yield self.discovery_found()
        self.lists_requested.add(response.url)
        for url in found.feeds:
            yield self.entry_request(url, self.parse_feed, candidate=True)
        for url in found.sitemaps:
            yield self.entry_request(url, self.parse_sitemap, candidate=True)
        for url in found.sitemap_guesses:  # the usual places: a 404 there is no error
            yield self.entry_request(url, self.parse_sitemap, candidate=True, kind="quiet",
                                     handle_httpstatus_all=True)
        for url in found.list_pages[:MAX_CANDIDATE_LISTS]:
            yield from self.list_request(url, entry=True, candidate=True)
        yield from self.parse_list(response)

    def entry_request(self, url: str, callback: Any, **meta: Any) -> scrapy.Request:
        """A feed, sitemap or first list page: asked conditionally, so an unchanged one costs a 304. Feeds and
        sitemaps are lighter than list pages and carry dates: among entry pages that bring the same articles,
        they rank first, to be the ones kept on every visit."""
        rank = 0 if callback == self.parse_feed else 1 if callback == self.parse_sitemap else 2
        return scrapy.Request(url, callback, errback=self.failed, headers=conditional(*self.frontier.validators(url)),
                              meta={"kind": "entry", "entry": url, "entry_rank": rank, "handle_httpstatus_list": [304],
                                    **meta})

    def list_request(self, url: str, entry: bool = False, pending: bool = False, candidate: bool = False) -> Output:
        """The request for a list page, if the budget allows; an older page enters the frontier first."""
        if url in self.lists_requested:
            return
        if not (entry or pending):  # an older page: in the frontier until read, this crawl or the next
            yield LinksFound(self.source.id, (url,), "list")
        if len(self.lists_requested) >= self.source.max_list_pages:
            self.count(keys.LIST_PAGES_OVER_BUDGET)
            return
        self.lists_requested.add(url)
        if entry:
            yield self.entry_request(url, self.parse_list, candidate=candidate)
        else:
            yield scrapy.Request(url, self.parse_list, errback=self.failed, meta={"kind": "list"})

    def is_known(self, url: str) -> bool:
        return url in self.archived or url in self.aliases

    def announces_change(self, url: str, changed: datetime | None) -> bool:
        """Whether a sitemap's or feed's date says an archived article changed after it was fetched."""
        return changed is not None and url in self.archived and changed_after(changed, self.archived[url])

    def article_requests(self, urls: Iterable[str], changed_since: dict[str, datetime] | None = None) -> Output:
        """Requests for article links not archived yet, and for archived ones a sitemap or feed says changed.

        Each URL enters the frontier before it is requested, so a crawl killed now loses nothing.
        """
        changed_since = changed_since or {}
        fresh, recheck = [], []
        for url in dict.fromkeys(urls):
            if url in self.requested:
                continue
            changed = self.announces_change(url, changed_since.get(url))
            if url in self.links_seen:  # met on a page without dates, before the sitemap that says it changed
                if changed:
                    recheck.append(url)
                continue
            self.links_seen.add(url)
            self.count(keys.LINKS_FOUND)
            if not self.is_known(url):
                fresh.append(url)
                self.fresh_links.add(url)
            elif changed:
                recheck.append(url)
            else:
                self.count(keys.ALREADY_FETCHED)
        if fresh or recheck:
            yield LinksFound(self.source.id, (*fresh, *recheck), "article")
        for url in fresh + recheck:
            request = self.article_request(url)
            if request:
                yield request

    def article_request(self, url: str) -> scrapy.Request | None:
        if url in self.requested:
            return None
        if len(self.requested) >= self.source.max_articles:
            self.count(keys.ARTICLES_OVER_BUDGET)
            return None
        if url in self.aliases:
            return None
        self.requested.add(url)
        self.count(keys.REQUESTED)
        return self.article_fetch(url)

    def has_sitemap(self) -> bool:
        return bool(self.source.sitemaps or self.found.sitemaps)

    def recheck_unlisted(self) -> None:
        """On a site with a sitemap, once the crawl has nothing left to do: the recent articles its sitemaps no
        longer list (a news sitemap keeps two days) are asked again on the decaying schedule, as on a site
        without one; those it lists announce their own corrections by <lastmod>. Only after a sitemap was
        read: one unchanged (304) or resting says nothing of what it lists, and the due ones wait."""
        if self.sitemap_listed is None or not self.has_sitemap():
            return
        listed, self.sitemap_listed = self.sitemap_listed, None  # once a crawl
        requests = list(self.recheck_requests(listed))
        for request in requests:
            self.crawler.engine.crawl(request)
        if requests:
            raise DontCloseSpider

    def recheck_requests(self, listed: set[str]) -> Iterator[scrapy.Request]:
        """Recent articles (but those in `listed`) asked again on the decaying schedule. After the new ones
        (a lower priority), and outside the budget of new articles: unchanged, each costs a 304."""
        now = datetime.now(UTC)
        asked, changed = self.archive.recheck_record(self.source.id, now - QUIET_WINDOW)
        quiet = asked >= QUIET_EVIDENCE and not changed
        hours = self.source.recheck_quiet_after_hours if quiet else self.source.recheck_after_hours
        after = [timedelta(hours=h) for h in hours]
        for url in self.archive.recheck_due(self.source.id, after, now)[:self.source.max_articles]:
            if url not in self.requested and url not in listed:
                self.requested.add(url)
                self.count(keys.RECHECKED)
                yield self.article_fetch(url, priority=-1)

    def article_fetch(self, url: str, priority: int = 0) -> scrapy.Request:
        """An article request, conditional when it is archived (an unchanged one answers 304)."""
        validators = self.archive.validators(url) if url in self.archived else ("", "")
        return scrapy.Request(url, self.parse_article, errback=self.failed, headers=conditional(*validators),
                              priority=priority, meta={"kind": "article", "handle_httpstatus_list": [304]})

    # -- responses --------------------------------------------------------------------------------

    def entry_seen(self, response: Response) -> Generator[CrawlItem, None, bool]:
        """Count an entry or list page; False when it has nothing to read (304 or a block page)."""
        if response.status == 304:
            self.count(keys.NOT_MODIFIED_ENTRY)
            yield from self.entry_listed(response, ())
            yield Done((response.url,))
            return False
        if not isinstance(response, TextResponse):
            yield self.record_failure(response.url, "không phải trang HTML/XML", True)
            return False
        blocked = block_reason(page_of(response)) if len(response.body) < BLOCK_PAGE_MAX_BYTES else None
        if blocked:
            yield self.blocked(response, blocked)
            return False
        self.count(keys.ENTRY_PAGES)
        etag, last_modified = self.validators_of(response)
        if response.meta.get("kind") == "entry" and (etag or last_modified):
            yield ValidatorsSeen(response.url, etag, last_modified)
        return True

    def parse_list(self, response: Response) -> Output:
        self.count(keys.LIST_PAGES)
        if response.meta.get("candidate") and response.status == 200 and isinstance(response, TextResponse):
            if not lists_articles(page_of(response), article_pattern=self.article_pattern):
                return  # a discovered menu link that is not a list of articles
            self.found.list_pages.append(response.url)
            yield self.discovery_found()
        if response.meta.get("candidate") and response.status == 304:  # confirmed by an earlier discovery
            self.found.list_pages.append(response.url)
            yield self.discovery_found()
        if not (yield from self.entry_seen(response)):
            return
        assert isinstance(response, TextResponse)  # entry_seen said so
        articles, pages = self.links_on(response)
        # New: neither archived nor already met in this crawl (a trap repeats the same links).
        unseen = [url for url in articles if not self.is_known(url) and url not in self.links_seen]
        yield from self.article_requests(articles)
        yield from self.entry_listed(response, articles)
        # Older pages of a list only hold older articles: once a page shows nothing new, stop paging.
        # (A calendar or paging trap shows nothing new either, so it ends here too.)
        if unseen:
            for url in pages:
                yield from self.list_request(url)
        yield Done((response.url,))

    def links_on(self, response: TextResponse) -> tuple[list[str], list[str]]:
        """(article links, pagination links) of a list page, by the source's pattern or by page structure."""
        page = page_of(response)
        if self.source.article_pattern is None:
            links = classify_links(page, article_pattern=self.article_pattern)
            return [canonical_url(u) for u in links.articles], links.pagination
        articles, pages = [], []
        for link in page.links:
            if is_article_url(link.url, self.article_pattern):
                if same_site(link.url, self.source.homepage):
                    articles.append(canonical_url(link.url))
            elif is_pagination_link(link.url, link.text, response.url):
                pages.append(link.url)
        return articles, pages

    def parse_feed(self, response: Response) -> Output:
        self.count(keys.FEEDS)
        if response.meta.get("candidate") and response.status == 200:
            if not looks_like_feed(response.body):  # an "RSS" page listing the real feeds
                if isinstance(response, TextResponse):
                    for url in feeds_in(page_of(response))[:MAX_CANDIDATE_LISTS]:
                        yield self.entry_request(url, self.parse_feed, candidate=True)
                return
            self.found.feeds.append(response.url)
            yield self.discovery_found()
        if response.meta.get("candidate") and response.status == 304:  # confirmed by an earlier discovery
            self.found.feeds.append(response.url)
            yield self.discovery_found()
        if not (yield from self.entry_seen(response)):
            return
        assert isinstance(response, TextResponse)  # entry_seen said so
        response.selector.remove_namespaces()
        changed: dict[str, datetime] = {}
        urls = []
        for item in response.xpath("//item | //entry"):
            link = (item.xpath("link/text()").get() or item.xpath("link/@href").get() or "").strip()
            if not link:
                continue
            url = canonical_url(response.urljoin(link))
            urls.append(url)
            updated = _feed_time(item.xpath("updated/text()").get() or "")
            if updated:
                changed[url] = updated
        yield from self.article_requests(self.own_articles(urls), changed)
        yield from self.entry_listed(response, urls)

    def parse_sitemap(self, response: Response) -> Output:
        self.count(keys.SITEMAPS)
        if response.meta.get("kind") == "quiet" and response.status not in (200, 304):
            return
        content = parse_sitemap(response.body, response.url) if response.status == 200 else SitemapContent()
        if response.meta.get("candidate"):
            if not (content.sitemaps or content.urls or response.status == 304):  # 304: confirmed before
                return
            self.found.sitemaps.append(response.url)
            yield self.discovery_found()
        if not (yield from self.entry_seen(response)):
            return
        entry = response.meta.get("entry", response.url)  # what children list counts for it
        asked = self.paces.get(entry)
        for url in content.sitemaps:
            lastmod = content.sitemap_lastmods.get(url)
            # An index names every child, years of them on a news site: one whose <lastmod> is older than the
            # last time this index was read is the same as then, and is not asked again (not even for a 304).
            if asked and lastmod and not changed_after(lastmod, asked[1]):
                continue
            yield self.entry_request(url, self.parse_sitemap, entry=entry)
        changed: dict[str, datetime] = {}
        urls = []
        for entry in content.urls:
            url = canonical_url(entry.loc)
            urls.append(url)
            if entry.lastmod:
                changed[url] = entry.lastmod
        self.sitemap_listed = (self.sitemap_listed or set()) | set(urls)
        yield from self.article_requests(self.own_articles(urls), changed)
        yield from self.entry_listed(response, urls)

    def entry_listed(self, response: Response, urls: Iterable[str]) -> Iterator[EntryListed]:
        """For an entry page (or a sitemap it led to): the articles it listed that are new to the source."""
        entry = response.meta.get("entry")
        if entry:
            yield EntryListed(self.source.id, entry, tuple(u for u in urls if u in self.fresh_links),
                              response.meta["entry_rank"])

    def own_articles(self, urls: list[str]) -> list[str]:
        pattern = self.article_pattern
        return [u for u in urls if same_site(u, self.source.homepage) and is_article_url(u, pattern)]

    def parse_article(self, response: Response) -> Iterator[CrawlItem]:
        requested = original_url(response.request) if response.request else response.url
        if response.status == 304:
            self.count(keys.NOT_MODIFIED_ARTICLE)
            yield Unchanged(requested)
            return
        if not isinstance(response, TextResponse):
            yield self.record_failure(requested, "không phải trang HTML", True)
            return
        blocked = block_reason(page_of(response)) if len(response.body) < BLOCK_PAGE_MAX_BYTES else None
        if blocked:
            yield self.blocked(response, blocked)
            return
        url = canonical_url(response.url)
        declared = page_of(response).canonical
        if declared:
            canonical = canonical_url(declared)
            if canonical != url and same_site(canonical, self.source.homepage):
                if canonical in self.archived and canonical != requested:
                    # A print view, session or tracking spelling of an archived article.
                    yield from self.remember_aliases(canonical, url, requested)
                    self.count(keys.DUPLICATE_VARIANTS)
                    yield Done((requested,))
                    return
                url = canonical
        # Moved or variant addresses lead here next time without a fetch.
        yield from self.remember_aliases(url, canonical_url(response.url), requested)
        etag, modified = self.validators_of(response)
        page = RawPage(url=url, source_id=self.source.id, status=response.status, fetched_at=datetime.now(UTC),
                       etag=etag, last_modified=modified, content_type=header(response, "Content-Type"),
                       body=response.body)
        self.archived[url] = page.fetched_at
        yield PageFetched(page, requested)

    def remember_aliases(self, canonical: str, *urls: str) -> Iterator[AliasesFound]:
        aliases = tuple(sorted(set(urls) - {canonical}))
        if aliases:
            self.aliases.update(dict.fromkeys(aliases, canonical))
            yield AliasesFound(self.source.id, canonical, aliases)

    @staticmethod
    def validators_of(response: Response) -> tuple[str, str]:
        return header(response, "ETag"), header(response, "Last-Modified")

    # -- failures ---------------------------------------------------------------------------------

    def blocked(self, response: Response, reason: str) -> FetchFailed:
        self.count(keys.BLOCKED)
        # Under the address first asked for: that is the one the frontier holds.
        url = original_url(response.request) if response.request else response.url
        return self.record_failure(url, f"bị chặn: {reason}", permanent=False)

    def failed(self, failure: Failure) -> Iterator[FetchFailed]:
        request = failure.request  # type: ignore[attr-defined]
        # A quiet request (a guess) fails silently, unless the host's robots.txt could not be read: that says
        # why nothing of it was fetched.
        if request.meta.get("kind") == "quiet" and not isinstance(failure.value, RobotsUnreachable):
            return
        reason, permanent = self.explain(failure)
        yield self.record_failure(original_url(request), reason, permanent)

    def explain(self, failure: Failure) -> tuple[str, bool]:
        """A readable reason, and whether asking again could help."""
        if isinstance(failure.value, HttpError):
            response = failure.value.response
            reason = f"HTTP {response.status}"
            retry_after = response.headers.get("Retry-After")
            if retry_after:
                reason += f" (Retry-After: {retry_after.decode('latin-1')})"
            return reason, response.status in _PERMANENT_STATUSES
        if isinstance(failure.value, RobotsUnreachable):  # before IgnoreRequest: this one is not for good
            cause = failure.value.cause
            why = self.explain(Failure(cause))[0] if isinstance(cause, BaseException) else f"HTTP {cause}"
            return f"robots.txt chưa đọc được ({why}): chưa tải gì của trang này, lần thu thập sau hỏi lại", False
        if failure.check(IgnoreRequest):
            message = str(failure.value) or "bị bỏ qua"
            if "robots.txt" in message.lower():
                return "robots.txt không cho phép", True
            return message, True
        if failure.check(DownloadCancelledError, CancelledError):  # a download over DOWNLOAD_MAXSIZE
            limit = self.crawler.settings.getint("DOWNLOAD_MAXSIZE") // (1024 * 1024)
            return f"trang quá lớn (hơn {limit} MB): không tải", True
        if failure.check(DownloadTimeoutError, TimeoutError, TCPTimedOutError):
            return f"quá thời gian chờ ({self.crawler.settings.getfloat('DOWNLOAD_TIMEOUT'):g} giây)", False
        if failure.check(DownloadConnectionRefusedError, CannotResolveHostError, ConnectionRefusedError,
                         DNSLookupError):
            return f"không kết nối được: {failure.getErrorMessage()}", False
        return f"{type(failure.value).__name__}: {failure.getErrorMessage()}", False

    def record_failure(self, url: str, reason: str, permanent: bool) -> FetchFailed:
        return FetchFailed(self.source.id, url, reason, permanent)

    def closed(self, reason: str) -> None:
        self.archive.close()
