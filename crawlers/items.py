"""What the spider yields: one typed item per change to the crawl state it decides on.

The spider only decides; CrawlStatePipeline writes each item to the archive database, in the
order the spider yielded them. A synchronous pipeline handles an item before Scrapy takes the
next output of the same callback, so links yielded before their requests are on disk before
those requests are sent (tests/test_crawl_state.py checks it): a crawl killed at any moment
resumes from the frontier.
"""

from dataclasses import dataclass
from typing import Literal

from portalwatch.core.models import RawPage
from portalwatch.state.frontier import Found


@dataclass(frozen=True)
class LinksFound:
    """URLs to fetch: they enter the frontier, and stay there until their outcome is known."""

    source_id: str
    urls: tuple[str, ...]
    kind: Literal["article", "list"]


@dataclass(frozen=True)
class PageFetched:
    """An article page to archive, under its canonical URL; `requested` is the URL first asked for."""

    page: RawPage
    requested: str


@dataclass(frozen=True)
class Done:
    """URLs whose outcome is known without archiving anything (304, a list page read, a duplicate)."""

    urls: tuple[str, ...]


@dataclass(frozen=True)
class Unchanged:
    """An archived article asked again that answered 304: checked now, nothing to archive."""

    url: str


@dataclass(frozen=True)
class FetchFailed:
    """A page that could not be fetched or read; asking again may help unless permanent."""

    source_id: str
    url: str
    reason: str
    permanent: bool


@dataclass(frozen=True)
class AliasesFound:
    """Other spellings of an article (moved, print view, tracking parameters) that lead to canonical."""

    source_id: str
    canonical: str
    urls: tuple[str, ...]


@dataclass(frozen=True)
class ValidatorsSeen:
    """The ETag / Last-Modified of an entry page, sent back next time as a conditional request."""

    url: str
    etag: str
    last_modified: str


@dataclass(frozen=True)
class EntryListed:
    """The articles an entry page (with the sitemaps it leads to) listed that the source had not had before
    this crawl: none when it answered 304. What each brings sets its pace (crawlers/entry_pace.py)."""

    source_id: str
    url: str
    new_articles: tuple[str, ...]
    rank: int  # 0 a feed, 1 a sitemap, 2 a list page: among pages that bring the same, the lower serves


@dataclass(frozen=True)
class DiscoveryFound:
    """What discovery has confirmed so far for a source given by its homepage (the latest one counts)."""

    source_id: str
    found: Found


CrawlItem = (LinksFound | PageFetched | Done | Unchanged | FetchFailed | AliasesFound | ValidatorsSeen
             | EntryListed | DiscoveryFound)
