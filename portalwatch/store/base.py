"""The store interface every backend implements, and its query and result records."""

from datetime import date, datetime
from typing import Protocol

from pydantic import BaseModel, Field

from portalwatch.models import Article


class SearchQuery(BaseModel):
    text: str = ""
    topics: list[str] = Field(default_factory=list)  # any of
    sources: list[str] = Field(default_factory=list)  # any of
    directive: str | None = None
    since: date | None = None  # inclusive, Vietnamese local date
    until: date | None = None  # inclusive
    limit: int = 20
    offset: int = 0


class Hit(BaseModel):
    article: Article
    score: float = 0.0
    snippet: str = ""


class SearchResult(BaseModel):
    total: int
    stories: int  # distinct duplicate groups among the matches
    hits: list[Hit]
    topic_counts: dict[str, int]
    source_counts: dict[str, int]
    day_counts: dict[str, int]  # YYYY-MM-DD -> articles


class DedupKey(BaseModel):
    id: str
    content_hash: str
    published_at: datetime
    duplicate_group: str | None


class ArticleStore(Protocol):
    def upsert(self, articles: list[Article]) -> int:
        """Insert or replace by id; returns how many ids were new."""

    def get(self, article_id: str) -> Article | None: ...

    def count(self) -> int: ...

    def search(self, query: SearchQuery) -> SearchResult: ...

    def dedup_keys(self) -> list[DedupKey]: ...

    def set_duplicate_groups(self, groups: dict[str, str | None]) -> None: ...

    def close(self) -> None: ...
