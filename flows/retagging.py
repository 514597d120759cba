"""Re-tag stored articles after a taxonomy edit, without re-crawling or re-extracting."""

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import chain, islice

from pydantic import BaseModel

from pipelines.tagging import Taxonomy, tag_article
from portalwatch.core.models import Article, TopicTag
from portalwatch.store.base import ArticleStore, SearchQuery

# The workers' taxonomy: set before they fork, so they inherit it (its trained model included) rather
# than each receiving a pickled copy.
_taxonomy: Taxonomy | None = None


class RetagReport(BaseModel):
    articles: int = 0
    changed: int = 0


def _topics(articles: list[Article]) -> list[list[TopicTag]]:
    assert _taxonomy is not None
    return [tag_article(article, _taxonomy).topics for article in articles]


def _batches(articles: Iterable[Article], size: int) -> Iterator[list[Article]]:
    iterator = iter(articles)
    while batch := list(islice(iterator, size)):
        yield batch


def retag_store(store: ArticleStore, taxonomy: Taxonomy, batch_size: int = 500, write_size: int = 5_000,
                workers: int | None = None) -> RetagReport:
    """Tag every stored article again and write those whose tags changed, a batch at a time.

    Tagging is the work, and it is pure Python: worker processes (one per core) tag batches while this
    one reads the next ones and writes what changed. The scan streams and only a few batches are in
    flight, so a million articles never sit in memory; each is seen once, written or not. Changes are
    written write_size at a time: each write is a commit of the store's index, which costs the same for
    a few articles as for thousands."""
    global _taxonomy
    report = RetagReport()
    batches = _batches(store.scan(SearchQuery()), batch_size)
    first = next(batches, None)
    if first is None:  # an empty store: no model to train, no workers to start
        return report
    workers = workers or os.cpu_count() or 1
    if taxonomy.model is not None:
        taxonomy.model.fitted()  # trained once, here, before the workers fork
    _taxonomy = taxonomy
    changed: list[Article] = []

    def take(batch: list[Article], topics: "Future[list[list[TopicTag]]]") -> None:
        nonlocal changed
        for article, new in zip(batch, topics.result(), strict=True):
            report.articles += 1
            if new != article.topics:
                changed.append(article.model_copy(update={"topics": new}))
                report.changed += 1
        if len(changed) >= write_size:
            store.upsert(changed)
            changed = []

    # Forked before this process writes to the store: the workers only tag, and never touch it.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        in_flight: deque[tuple[list[Article], Future[list[list[TopicTag]]]]] = deque()
        for batch in chain([first], batches):
            in_flight.append((batch, pool.submit(_topics, batch)))
            if len(in_flight) > 2 * workers:
                take(*in_flight.popleft())
        while in_flight:
            take(*in_flight.popleft())
    if changed:
        store.upsert(changed)
    return report
