"""The records that flow between stages: raw pages in, articles and skips out."""

import hashlib
import re
import struct
from datetime import date, datetime
from typing import Annotated, NamedTuple
from urllib.parse import urlsplit

from cronsim import CronSim, CronSimError
from pydantic import BaseModel, Field, field_validator, model_validator

_SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def web_address(value: str) -> str:
    """An http(s) URL with a host, as every configured address must be."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"'{value}' không phải địa chỉ web (cần dạng https://ten-mien.gov.vn/)")
    return value.strip()


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
    max_list_pages: int = Field(default=50, ge=1)
    max_articles: int = Field(default=5000, ge=1)
    delay: float | None = Field(default=None, ge=0)  # seconds between requests to the site (default: the crawler's)
    concurrency: int | None = Field(default=None, ge=1)  # requests in flight to the site at once
    timeout: float | None = Field(default=None, gt=0)  # seconds before a slow response is given up
    # When `portalwatch serve` crawls it: by default as often as it publishes, within these bounds
    # (state/cadence.py); a cron line in Asia/Ho_Chi_Minh time overrides that.
    # On a site without a sitemap (whose lastmod would announce a correction), archived articles are asked
    # again, conditionally, this many hours after their first fetch: a corrected article is caught.
    recheck_after_hours: list[Annotated[float, Field(gt=0)]] = Field(default_factory=lambda: [1.0, 24.0, 168.0])
    # Once the source's recent rechecks have found no change at all (crawlers/spiders/portal.py), only these:
    # every article is still asked once, a day after, so a source that starts correcting is noticed.
    recheck_quiet_after_hours: list[Annotated[float, Field(gt=0)]] = Field(default_factory=lambda: [24.0])
    min_interval_minutes: int = Field(default=10, ge=1)
    max_interval_minutes: int = Field(default=300, ge=1)
    schedule: str | None = None
    # CSS selectors that win over generic extraction: title, body, date, author, lead.
    selectors: dict[str, str] = Field(default_factory=dict)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SOURCE_ID.match(value):
            raise ValueError(f"mã nguồn '{value}' chỉ được gồm chữ thường không dấu, số, '-' và '_'")
        return value

    @field_validator("homepage")
    @classmethod
    def _homepage(cls, value: str) -> str:
        return web_address(value)

    @field_validator("list_pages", "feeds", "sitemaps")
    @classmethod
    def _addresses(cls, values: list[str]) -> list[str]:
        return [web_address(v) for v in values]

    @field_validator("article_pattern")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"biểu thức chính quy không hợp lệ ({exc})") from exc
        return value

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                next(CronSim(value, datetime(2026, 1, 1)))
            except (CronSimError, StopIteration) as exc:
                raise ValueError(f"lịch '{value}' không phải dòng cron (ví dụ \"0 */6 * * *\": mỗi 6 giờ)") from exc
        return value


    @model_validator(mode="after")
    def _bounds(self) -> "Source":
        if self.min_interval_minutes > self.max_interval_minutes:
            raise ValueError(f"min_interval_minutes ({self.min_interval_minutes}) lớn hơn max_interval_minutes "
                             f"({self.max_interval_minutes})")
        return self


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
    section: str = ""  # the configured section name that the article's section matched, if it counted
    learned: float | None = None  # the learned model's probability, when it recognised the topic
    terms: list[str] = Field(default_factory=list)  # the text's words that weighed most for the model


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
    # For near-duplicates: the scheme's number, then the MinHash of the body (pipelines.dedup).
    fingerprint: list[int] = Field(default_factory=list)

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.body.split("\n\n") if p]

    @property
    def topic_ids(self) -> list[str]:
        return [t.topic_id for t in self.topics]


class DedupKey(NamedTuple):
    """What story grouping needs of a stored article: a plain tuple, as the keys of every stored
    article stream by each time the store is grouped."""

    id: str
    content_hash: str
    published_ts: float  # Unix time
    duplicate_group: str | None  # as stored
    fingerprint: bytes  # as stored: the numbers as uint32, little-endian

    @classmethod
    def of(cls, article: Article) -> "DedupKey":
        return cls(article.id, article.content_hash, article.published_at.timestamp(), article.duplicate_group,
                   fingerprint_bytes(article.fingerprint))


def fingerprint_bytes(values: list[int]) -> bytes:
    """A fingerprint as the stores keep it: uint32, little-endian."""
    return struct.pack(f"<{len(values)}I", *values)


class Skip(BaseModel):
    """A page that did not become an article, and why: a recorded, visible outcome."""

    url: str
    source_id: str
    stage: str  # "crawl" or "process"
    reason: str
    recorded_at: datetime


def article_id(canonical_url: str) -> str:
    return hashlib.sha1(canonical_url.encode()).hexdigest()[:16]
