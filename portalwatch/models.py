"""The records that flow between stages: raw pages in, articles and skips out."""

import hashlib
from datetime import date, datetime

from pydantic import BaseModel, Field


class Source(BaseModel):
    """One monitored portal, as configured in the source registry (sources.yaml)."""

    id: str
    name: str
    province: str = ""
    homepage: str
    list_pages: list[str] = Field(default_factory=list)
    feeds: list[str] = Field(default_factory=list)
    sitemaps: list[str] = Field(default_factory=list)
    # Regex that article URLs match; without it a URL-shape heuristic decides.
    article_pattern: str | None = None
    # Limits per crawl. Articles over the budget wait in the frontier for the next crawl.
    max_list_pages: int = 50
    max_articles: int = 5000
    delay: float | None = None  # seconds between requests to the site (default: the crawler's)
    concurrency: int | None = None  # requests in flight to the site at once
    timeout: float | None = None  # seconds before a slow response is given up
    # When `portalwatch serve` crawls it: a cron line in Asia/Ho_Chi_Minh time (default every 6 hours).
    schedule: str | None = None
    # CSS selectors that win over generic extraction: title, body, date, author, lead.
    selectors: dict[str, str] = Field(default_factory=dict)


class RawPage(BaseModel):
    """One fetched response as kept in the raw archive."""

    url: str
    source_id: str
    status: int
    fetched_at: datetime
    content_type: str = ""
    body: bytes = b""
    # HTTP validators, sent back on the next fetch so an unchanged page costs a 304.
    etag: str = ""
    last_modified: str = ""


class TopicTag(BaseModel):
    topic_id: str
    score: float
    phrases: list[str] = Field(default_factory=list)
    directives: list[str] = Field(default_factory=list)


class Directive(BaseModel):
    """A cited Party or state document."""

    key: str  # normalised number, e.g. "05-CT/TW", "125/2025/NĐ-CP"
    kind: str  # Vietnamese document type: Chỉ thị, Nghị quyết, Quyết định…
    issuer: str  # as stated ("của Bộ Chính trị") or read from the number's issuer code
    issued_on: date | None = None


class Article(BaseModel):
    id: str
    url: str
    canonical_url: str
    source_id: str
    province: str = ""
    title: str
    lead: str = ""
    section: str = ""  # the portal's section or breadcrumb leaf, e.g. "Xây dựng Đảng"
    body: str  # paragraphs separated by a blank line
    author: str = ""
    attribution: str = ""
    images: list[str] = Field(default_factory=list)  # absolute URLs, the share image first
    published_at: datetime  # timezone-aware, Asia/Ho_Chi_Minh
    updated_at: datetime | None = None  # the page's own "updated" time, when it shows one
    fetched_at: datetime
    language: str = "vi"
    content_hash: str
    topics: list[TopicTag] = Field(default_factory=list)
    directives: list[str] = Field(default_factory=list)  # keys of directive_details, for search
    directive_details: list[Directive] = Field(default_factory=list)
    duplicate_group: str | None = None
    fingerprint: list[int] = Field(default_factory=list)  # MinHash of the body, for near-duplicates

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.body.split("\n\n") if p]

    @property
    def topic_ids(self) -> list[str]:
        return [t.topic_id for t in self.topics]


class Skip(BaseModel):
    """A page that did not become an article, and why: a recorded, visible outcome."""

    url: str
    source_id: str
    stage: str  # "crawl" or "process"
    reason: str
    recorded_at: datetime


def article_id(canonical_url: str) -> str:
    return hashlib.sha1(canonical_url.encode()).hexdigest()[:16]
