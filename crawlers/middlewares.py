"""Downloader middlewares: redirects that stay inside the source, waiting as a server's Retry-After asks, and
robots.txt kept between crawls."""

import asyncio
import ipaddress
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

from crawlers import stats as keys
from crawlers.context import archive_db
from portalwatch.state.robots import KeptRobots, RobotsStore

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _host(hostname: str) -> str:
    return hostname.lower().removeprefix("www.")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _is_internal(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    if not _is_ip(host):
        return False
    address = ipaddress.ip_address(host)
    return address.is_private or address.is_loopback or address.is_link_local or address.is_reserved


def redirect_refusal(target: str, homepage: str) -> str | None:
    """Why a redirect from a source's page to target must not be followed (None: follow it).

    Allowed: the source's own host and port (with or without www., http upgraded to https) and
    its subdomains. Refused: other sites, and loopback or private addresses that are not the source.
    """
    t, h = urlsplit(target), urlsplit(homepage)
    if t.scheme not in _DEFAULT_PORTS:
        return f"chuyển hướng tới {target}: giao thức không hỗ trợ"
    t_host, h_host = _host(t.hostname or ""), _host(h.hostname or "")
    t_port, h_port = t.port or _DEFAULT_PORTS[t.scheme], h.port or _DEFAULT_PORTS.get(h.scheme, 80)
    if t_host == h_host and (t_port == h_port or {t_port, h_port} == {80, 443}):
        return None
    if not _is_ip(t_host) and not _is_ip(h_host) and t_host.endswith("." + h_host):
        return None
    if _is_internal(t_host):
        return f"chuyển hướng tới địa chỉ nội bộ {t.netloc} ngoài nguồn: không theo"
    return f"chuyển hướng sang trang khác ({t.netloc}): không theo"


class _SourceBoundRedirects:
    """Mixin for Scrapy's redirect middlewares: refuse loops and redirects out of the source."""

    crawler: Crawler

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        seen = [*request.meta.get("redirect_urls", []), request.url]
        if redirected.url in seen:
            raise IgnoreRequest(f"vòng lặp chuyển hướng: {' → '.join([*seen, redirected.url])}")
        homepage = self.crawler.spider.source.homepage  # type: ignore[union-attr]
        refusal = redirect_refusal(redirected.url, homepage)
        if refusal:
            raise IgnoreRequest(refusal)
        return super()._redirect(redirected, request, reason)  # type: ignore[misc]


class SourceRedirectMiddleware(_SourceBoundRedirects, RedirectMiddleware):
    pass


class SourceMetaRefreshMiddleware(_SourceBoundRedirects, MetaRefreshMiddleware):
    pass


def retry_after_seconds(value: str, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date (RFC 9110)."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware:
    """On 429/503 with Retry-After: pause the whole site as asked, then retry.

    A wait longer than RETRY_AFTER_MAX is not sat through in this run: the response goes on as
    an error (recorded, and the URL stays in the frontier), and Scrapy's own retry is told not to
    hammer the server immediately.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_wait = crawler.settings.getfloat("RETRY_AFTER_MAX", 120)
        self.max_times = crawler.settings.getint("RETRY_TIMES", 2)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "RetryAfterMiddleware":
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Any:
        # Synchronous for every ordinary response: a coroutine per response costs real throughput.
        header = response.headers.get("Retry-After")
        if response.status not in (429, 503) or header is None:
            return response
        wait = retry_after_seconds(header.decode("latin-1"))
        tries = request.meta.get("retry_after_times", 0)
        if wait is None or wait > self.max_wait or tries >= self.max_times:
            request.meta["dont_retry"] = True
            return response
        return deferred_from_coro(self._wait_and_retry(request, wait, tries))

    async def _wait_and_retry(self, request: Request, wait: float, tries: int) -> Request:
        slot_key: str | None = request.meta.get("download_slot")
        engine = self.crawler.engine
        slot = engine.downloader.slots.get(slot_key) if engine and slot_key is not None else None
        pace = slot.delay if slot is not None else 0.0
        if slot is not None:  # the whole site asked for a pause, not just this URL
            slot.delay = max(pace, wait)
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(keys.RETRY_AFTER_WAITS)
        await asyncio.sleep(wait)
        if slot is not None:
            slot.delay = pace
        retry = request.replace(dont_filter=True)
        retry.meta["retry_after_times"] = tries + 1
        return retry


def conditional(etag: str, last_modified: str) -> dict[str, str]:
    """Request headers that let an unchanged page answer 304."""
    return {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", last_modified)) if v}


class RobotsUnreachable(IgnoreRequest):
    """robots.txt answered a server error or nothing: RFC 9309 (2.3.1.4) says assume everything disallowed.
    For this crawl only: the spider records its requests as failures to try again, never as forbidden."""

    def __init__(self, cause: BaseException | int) -> None:
        super().__init__(f"robots.txt unreachable: {cause}")
        self.cause = cause  # the download's exception, or the HTTP status


class KeptRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with each host's robots.txt taken from the crawl state while it is less
    than a day old (state/robots.py), asked again conditionally after that, and RFC 9309's error cases:
    a 4xx means no rules (kept like rules), a server error or no answer disallows the host for this crawl."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.state = archive_db(crawler.settings)
        self._unreachable: dict[str, BaseException | int] = {}  # netloc -> why its robots.txt could not be read

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        cause = self._unreachable.get(urlparse_cached(request).netloc)
        if cause is not None:
            raise RobotsUnreachable(cause)
        super().process_request_2(rp, request)

    async def robot_parser(self, request: Request) -> RobotParser | None:
        netloc = urlparse_cached(request).netloc
        if netloc not in self._parsers:  # the first request to the host: the others wait for its answer
            waiting: Deferred[RobotParser | None] = Deferred()
            self._parsers[netloc] = waiting
            loaded = None
            try:
                loaded = await self._load(request)
            finally:  # whatever happened, the waiting requests go on
                self._parsers[netloc] = loaded
                waiting.callback(loaded)
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(parser)
        return parser

    def _rules(self, kept: KeptRobots) -> RobotParser | None:
        return build_from_crawler(self._parserimpl, self.crawler, kept.body.encode()) if kept.status == 200 else None

    async def _load(self, request: Request) -> RobotParser | None:
        url = urlparse_cached(request)
        robots_url, now = f"{url.scheme}://{url.netloc}/robots.txt", datetime.now(UTC)
        with RobotsStore(self.state) as store:
            kept = store.get(robots_url)
        if kept is not None and kept.fresh(now):
            self._stats.inc_value(keys.ROBOTS_KEPT)
            return self._rules(kept)
        headers = conditional(kept.etag, kept.last_modified) if kept is not None else {}
        asked = Request(robots_url, headers=headers, priority=self.DOWNLOAD_PRIORITY, callback=NO_CALLBACK,
                        meta={"dont_obey_robotstxt": True})
        assert self.crawler.engine is not None
        try:
            response = await self.crawler.engine.download_async(asked)
        except IgnoreRequest:  # a redirect out of the site, or a loop: no robots.txt to be had (RFC 9309 2.3.1.2)
            return None
        except Exception as exc:  # unreachable: nothing is kept, the next crawl asks again
            self._unreachable[url.netloc] = exc
            return None
        self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        etag, modified = ((response.headers.get(h) or b"").decode("latin-1") for h in ("ETag", "Last-Modified"))
        status = response.status
        if status == 304 and kept is not None:
            kept = replace(kept, fetched_at=now)
        elif 200 <= status < 300:
            kept = KeptRobots(robots_url, 200, response.body.decode("utf-8-sig", errors="ignore"), now, etag, modified)
        elif 400 <= status < 500 and status != 429:  # "unavailable": no rules; 429 is the server asking for a pause
            kept = KeptRobots(robots_url, status, "", now, etag, modified)
        else:  # a server error (after Scrapy's retries): disallow the host for this crawl, keep nothing
            self._unreachable[url.netloc] = status
            return None
        with RobotsStore(self.state) as store:
            store.keep(kept)
        return self._rules(kept)
