"""Re-tag stored articles after a taxonomy edit, without re-crawling or re-extracting."""

import multiprocessing
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import chain

from pydantic import BaseModel

from pipelines.tagging import Taxonomy, article_topics
from portalwatch.core.batches import batches
from portalwatch.core.models import Article, TopicTag
from portalwatch.store.base import ArticleStore, StoredRecord

# The workers' taxonomy: set before they fork, so they inherit it (its trained model included) rather
# than each receiving a pickled copy.
_taxonomy: Taxonomy | None = None


class RetagReport(BaseModel):
    articles: int = 0
    changed: int = 0


def _changes(records: list[StoredRecord]) -> dict[int | str, list[TopicTag]]:
    """The new topics of the records whose topics change."""
    assert _taxonomy is not None
    changed: dict[int | str, list[TopicTag]] = {}
    for key, doc in records:
        article = Article.model_validate_json(doc)
        topics = article_topics(article, _taxonomy)
        if topics != article.topics:
            changed[key] = topics
    return changed


def retag_store(store: ArticleStore, taxonomy: Taxonomy, batch_size: int = 500, write_size: int = 5_000,
                workers: int | None = None) -> RetagReport:
    """Tag every stored article again and write the topics that changed, a batch at a time.

    Tagging is the work, and it is pure Python: worker processes (one per core) parse and tag batches of
    records while this one reads the next ones unparsed, in the store's own order, and writes the topics that
    changed (only them: the rest of each record stays as it is). The records stream and only a few batches
    are in flight, so a million articles never sit in memory; each is seen once. Changes are written
    write_size at a time, in one bulk load: the embedded index commits every BULK_COMMIT records, not per
    write, and the whole retag is searchable when it ends."""
    global _taxonomy
    report = RetagReport()
    read = batches(store.records(), batch_size)
    first = next(read, None)
    if first is None:  # an empty store: no model to train, no workers to start
        return report
    workers = workers or os.cpu_count() or 1
    if taxonomy.model is not None:
        taxonomy.model.fitted()  # trained once, here, before the workers fork
    _taxonomy = taxonomy
    changed: dict[int | str, list[TopicTag]] = {}

    def write() -> None:
        nonlocal changed
        report.changed += len(changed)
        store.set_topics(changed)
        changed = {}

    def take(batch: list[StoredRecord], topics: "Future[dict[int | str, list[TopicTag]]]") -> None:
        report.articles += len(batch)
        changed.update(topics.result())
        if len(changed) >= write_size:
            write()

    # Forked before this process writes to the store: the workers only tag, and never touch it.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool, store.bulk():
        in_flight: deque[tuple[list[StoredRecord], Future[dict[int | str, list[TopicTag]]]]] = deque()
        for batch in chain([first], read):
            in_flight.append((batch, pool.submit(_changes, batch)))
            if len(in_flight) > 2 * workers:
                take(*in_flight.popleft())
        while in_flight:
            take(*in_flight.popleft())
        if changed:
            write()
    return report
