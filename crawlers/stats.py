"""The crawl's counters: every one is kept once, in Scrapy's stats collector, under these keys.

The spider counts what it decides (links, requests, budgets, 304s, block pages), the state
pipeline what it writes (new and changed pages, failures). The health extension and the
summary both read them from there.
"""

from collections.abc import Mapping
from typing import Any, Final

PREFIX: Final = "portalwatch/"
# Spider
LINKS_FOUND: Final = PREFIX + "links_found"  # distinct article links seen, new or already archived
REQUESTED: Final = PREFIX + "requested"  # article requests sent
ALREADY_FETCHED: Final = PREFIX + "already_fetched"
RECHECKED: Final = PREFIX + "rechecked"  # archived articles asked again (conditionally) on the decaying schedule
ENTRY_PAGES: Final = PREFIX + "entry_pages"  # feeds, sitemaps and list pages fetched with content
NOT_MODIFIED_ENTRY: Final = PREFIX + "not_modified/entry"  # feeds, sitemaps and list pages answering 304
NOT_MODIFIED_ARTICLE: Final = PREFIX + "not_modified/article"
BLOCKED: Final = PREFIX + "blocked"
LIST_PAGES: Final = PREFIX + "list_pages"
FEEDS: Final = PREFIX + "feeds"
SITEMAPS: Final = PREFIX + "sitemaps"
ARTICLES_OVER_BUDGET: Final = PREFIX + "articles_over_budget"
LIST_PAGES_OVER_BUDGET: Final = PREFIX + "list_pages_over_budget"
DUPLICATE_VARIANTS: Final = PREFIX + "duplicate_variants"
# Downloader middleware
RETRY_AFTER_WAITS: Final = PREFIX + "retry_after_waits"
ROBOTS_KEPT: Final = PREFIX + "robots_kept"  # hosts whose robots.txt the crawl state held, less than a day old
# State pipeline
ARTICLES_NEW: Final = PREFIX + "articles_fetched"
ARTICLES_CHANGED: Final = PREFIX + "articles_changed"
FAILURES: Final = PREFIX + "failures"
LAST_ERROR: Final = PREFIX + "last_error"
# Health extension
HEALTH: Final = PREFIX + "health"
HEALTH_MESSAGE: Final = PREFIX + "health_message"


def count(stats: Mapping[str, Any], key: str) -> int:
    return int(stats.get(key, 0))
