"""Downloader middlewares: redirects that stay inside the source, and waiting as a server's Retry-After asks."""

import asyncio
import ipaddress
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro

from crawlers import stats as keys

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
