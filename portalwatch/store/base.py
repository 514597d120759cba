"""The store interface every backend implements, and its query and result records."""

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date, datetime
from typing import Literal, NamedTuple, Protocol

from pydantic import BaseModel, Field, model_validator

from portalwatch.core.models import Article, DedupKey, TopicTag


class StoreError(RuntimeError):
    """A store failure with a message that names the cause and the fix (shown to users as is)."""


class BadCursor(StoreError):
    """A --cursor that no page of this store printed."""

    def __init__(self, cursor: str) -> None:
        super().__init__(f"Mã trang sau không hợp lệ: {cursor!r}. Dùng đúng mã in ở cuối trang trước,"
                         " với cùng điều kiện tìm.")


class StoreUnavailable(StoreError):
    """The store cannot be reached now; work can wait and be retried."""


Interval = Literal["day", "week"]
# The most cited directives a search counts: far more than any page lists, few enough to answer quickly.
DIRECTIVE_FACETS = 200


class SearchQuery(BaseModel):
    text: str = ""
    topics: list[str] = Field(default_factory=list)  # any of
    sources: list[str] = Field(default_factory=list)  # any of
    provinces: list[str] = Field(default_factory=list)  # any of
    directive: str | None = None
    stories: list[str] = Field(default_factory=list)  # any of these duplicate groups (a story's copies)
    since: date | None = None  # inclusive, Vietnamese local date
    until: date | None = None  # inclusive
    limit: int = 20
    offset: int = 0
    cursor: str | None = None  # next_cursor of the previous page (deep paging)
    interval: Interval = "day"  # buckets of SearchResult.histogram

    @model_validator(mode="after")
    def _dates_in_order(self) -> "SearchQuery":
        """A window that ends before it starts holds nothing: say so rather than answer "no articles"."""
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"ngày bắt đầu {self.since:%d/%m/%Y} sau ngày kết thúc {self.until:%d/%m/%Y}; "
                             "đổi chỗ hai ngày")
        return self


class Hit(BaseModel):
    article: Article
    score: float = 0.0
    snippet: str = ""  # body text around the matches, matched words in <mark>


class SearchResult(BaseModel):
    total: int
    stories: int  # distinct duplicate groups among the matches
    hits: list[Hit]
    topic_counts: dict[str, int]
    source_counts: dict[str, int]
    # The DIRECTIVE_FACETS most cited directives among the matches: most articles first, then by number.
    directive_counts: dict[str, int]
    histogram: dict[str, int]  # first local day of each day/week bucket (YYYY-MM-DD) -> articles
    next_cursor: str | None = None  # None on the last page


class SourceFirst(BaseModel):
    """One source's share of a query's matches: when it first published one, and how many it has."""

    source_id: str
    first: datetime  # the earliest match's publication time, to the second
    articles: int


class UpsertResult(BaseModel):
    new: int = 0  # ids not stored before
    rejected: dict[str, str] = Field(default_factory=dict)  # article id -> reason


class StoredRecord(NamedTuple):
    """One stored article as its JSON document (Article.model_validate_json reads it), with the store's own
    key for it. The document is what the article's last write said: what the store keeps beside it (the
    story group) may have changed since; work that derives from the article's text does not mind."""

    key: int | str
    doc: bytes


class ArticleStore(Protocol):
    def upsert(self, articles: list[Article]) -> UpsertResult:
        """Insert or replace by id; searchable on return (inside bulk(): when the block ends)."""

    def bulk(self) -> AbstractContextManager[None]:
        """A bulk load (an index rebuild, a benchmark): what is upserted inside is searchable when the block
        ends, not each batch on return, which spares the index a refresh or commit per batch."""

    def get(self, article_id: str) -> Article | None: ...

    def count(self) -> int: ...

    def search(self, query: SearchQuery) -> SearchResult: ...

    def firsts(self, query: SearchQuery) -> list[SourceFirst]:
        """Each source with matches: its earliest match and its number of matches, earliest first (then by
        source id); one aggregation in the index, however many matches. Limit, cursor and interval are ignored."""

    def source_histograms(self, query: SearchQuery) -> dict[str, dict[str, int]]:
        """Each source with matches: its matches per bucket of query.interval (keys as in SearchResult.histogram,
        empty buckets left out); one aggregation in the index, however many sources. Limit, cursor ignored."""

    def scan(self, query: SearchQuery) -> Iterator[Article]:
        """Every article the query matches, newest first, without facets or limit, streamed in bounded
        memory. Rewriting an article while a scan runs neither repeats it nor skips another."""

    def records(self) -> Iterator[StoredRecord]:
        """Every stored article once, in whatever order the store reads fastest, streamed in bounded memory,
        unparsed (worker processes parse them). Rewriting an article while this runs neither repeats nor
        skips one."""

    def set_topics(self, topics: dict[int | str, list[TopicTag]]) -> None:
        """New topics for these articles (StoredRecord.key -> topics), the rest of each left as stored;
        searchable on return (inside bulk(): when the block ends)."""

    def dedup_keys(self) -> Iterator[DedupKey]:
        """Every stored article's grouping key, streamed: never all of them in a list."""

    def set_duplicate_groups(self, groups: dict[str, str | None]) -> None:
        """Article id -> group, for the given articles only."""

    def bodies(self, ids: list[str]) -> dict[str, str]:
        """Article id -> stored body, for the ids found."""

    def set_fingerprints(self, fingerprints: dict[str, list[int]]) -> None:
        """Article id -> fingerprint computed again from the stored body (a newer scheme)."""

    def newest_published(self) -> datetime | None:
        """When the newest stored article was published (None: the store is empty). Every page asks: one
        look-up of the newest article, not a search with facets over the whole store."""

    def close(self) -> None: ...


class BulkLoads:
    """bulk() for a store: a flag its writes read while the block runs, and its own end of a load."""

    _in_bulk = False

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Its end makes the load searchable, nested in another or not."""
        outer, self._in_bulk = self._in_bulk, True
        try:
            yield
        finally:
            self._in_bulk = outer
            self._end_bulk()

    def _end_bulk(self) -> None:
        raise NotImplementedError


def newest_published(store: ArticleStore) -> datetime | None:
    """When the newest stored article was published (None: the store is empty): what the pages' "data up
    to" line, the plan grids and the digest's default week read."""
    return store.newest_published()
