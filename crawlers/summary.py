"""What one crawl of one source did, as it crosses from the crawl process to its caller (JSON on stdout)."""

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, TypeAdapter

from crawlers import stats as keys
from portalwatch.state.health import CrawlRun, Status


class CrawlSummary(BaseModel):
    articles_fetched: int = 0  # new pages archived
    articles_changed: int = 0  # archived pages whose content changed (the old version kept)
    already_fetched: int = 0  # article links met that were archived before
    not_modified: int = 0  # 304 answers, entry pages and articles
    rechecked: int = 0  # archived articles asked again in case they were corrected
    failures: int = 0
    blocked: int = 0  # block, captcha or login pages instead of content
    list_pages: int = 0
    feeds: int = 0
    sitemaps: int = 0
    articles_over_budget: int = 0  # left in the frontier for the next crawl
    list_pages_over_budget: int = 0
    duplicate_variants: int = 0  # other spellings of an archived article, not archived again
    retry_after_waits: int = 0
    finish_reason: str = ""
    health: Status = Status.FAILED
    health_message: str = ""

    @classmethod
    def from_stats(cls, stats: Mapping[str, Any]) -> "CrawlSummary":
        """From a finished crawler's stats (a crawl that never closed has no health: failed)."""
        counted = {name: keys.count(stats, keys.PREFIX + name) for name in cls.model_fields
                   if isinstance(cls.model_fields[name].default, int)}
        counted["not_modified"] = (keys.count(stats, keys.NOT_MODIFIED_ENTRY)
                                   + keys.count(stats, keys.NOT_MODIFIED_ARTICLE))
        return cls(**counted, finish_reason=stats.get("finish_reason", ""),
                   health=stats.get(keys.HEALTH, Status.FAILED), health_message=stats.get(keys.HEALTH_MESSAGE, ""))

    @classmethod
    def backed_off(cls, run: CrawlRun) -> "CrawlSummary":
        """A source not crawled this time: still resting after repeated failures."""
        return cls(health=run.status, health_message=run.message)


# One crawl process reports on every source it crawled: {source id: summary}.
SUMMARIES = TypeAdapter(dict[str, CrawlSummary])
