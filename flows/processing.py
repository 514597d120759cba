"""Processing the raw archive into the store: the process stage's plain function, which the flow wraps.

Reading the archive, writing the store and the outbox happen here; pipelines.process.process_page stays pure.
"""

from collections.abc import Callable
from datetime import UTC, datetime

from pydantic import BaseModel

from pipelines.dedup import StoryKeys, fingerprint, group_stories
from pipelines.process import process_page
from pipelines.tagging import Taxonomy
from portalwatch.core.models import Article, Skip, Source
from portalwatch.state.archive import RawArchive
from portalwatch.store.base import ArticleStore, StoreUnavailable
from portalwatch.store.outbox import Outbox


def _skip_article(article: Article, reason: str) -> Skip:
    return Skip(url=article.url, source_id=article.source_id, stage="process", reason=reason,
                recorded_at=datetime.now(UTC))


class ProcessReport(BaseModel):
    pages: int = 0
    articles: int = 0
    new: int = 0
    skipped: int = 0
    queued: int = 0  # waiting in the outbox until the store is reachable
    sent_from_outbox: int = 0
    duplicate_groups: int = 0
    store_error: str = ""


def process_archive(archive: RawArchive, store: ArticleStore, taxonomy: Taxonomy, outbox: Outbox,
                    sources: dict[str, Source] | None = None, full: bool = False,
                    batch_size: int = 200,
                    progress: Callable[[int, int | None, str], None] | None = None) -> ProcessReport:
    """Process archived pages into the store: new and changed ones, or all of them with full.

    Re-running leaves the store as it was. When the store is unreachable, processed articles go
    to the outbox on disk and are sent first on the next run. With progress, it is told the pages
    done after each page, with the total counted up front.
    """
    report = ProcessReport()
    sources = sources or {}

    def reject(articles: list[Article], rejected: dict[str, str]) -> None:
        for article in articles:
            if article.id in rejected:
                archive.record_skip(_skip_article(article, rejected[article.id]))
                report.skipped += 1

    def send(batch: list[Article]) -> None:
        if not report.store_error:
            try:
                result = store.upsert(batch)
                report.new += result.new
                reject(batch, result.rejected)
                return
            except StoreUnavailable as exc:
                report.store_error = str(exc)
        outbox.put(batch)
        report.queued += len(batch)

    try:
        for sent, result in outbox.drain(store):
            report.sent_from_outbox += len(sent)
            report.new += result.new
            reject(sent, result.rejected)
    except StoreUnavailable as exc:
        report.store_error = str(exc)

    batch: list[Article] = []
    done: list[str] = []
    total = archive.count_pages(pending_only=not full) if progress else 0

    def tell() -> None:  # the pages done so far (a crawl running meanwhile may add a few to the total)
        if progress:
            progress(report.pages, max(total, report.pages), f"{report.articles} bài, {report.skipped} bỏ qua")

    for page in archive.pages(pending_only=not full):
        if report.pages:  # the page before is done (skipped ones leave the loop body early)
            tell()
        report.pages += 1
        done.append(page.url)
        outcome = process_page(page, taxonomy, sources.get(page.source_id))
        if isinstance(outcome, Skip):
            archive.record_skip(outcome)
            report.skipped += 1
            continue
        archive.clear_skip(page.url, "process")
        batch.append(outcome)
        report.articles += 1
        if len(batch) >= batch_size:
            send(batch)
            archive.mark_processed(done)
            batch, done = [], []
    if batch:
        send(batch)
    archive.mark_processed(done)
    total = report.pages  # what was there to do, in the end
    tell()

    if not report.store_error:
        report.duplicate_groups = group_duplicates(store)
    return report


def group_duplicates(store: ArticleStore, batch_size: int = 500) -> int:
    """Group the whole store into stories and write the groups that changed; returns the number of
    stories of more than one article. Fingerprints missing or of an older scheme are computed
    again from the stored bodies first and written back, so that happens once per article."""
    keys = StoryKeys(store.dedup_keys())
    stale = keys.stale()
    for start in range(0, len(stale), batch_size):
        batch = {keys.ids[index]: index for index in stale[start : start + batch_size]}
        fresh = {article_id: fingerprint(body) for article_id, body in store.bodies(list(batch)).items()}
        for article_id, values in fresh.items():
            keys.refresh(batch[article_id], values)
        store.set_fingerprints(fresh)
    stories = group_stories(keys)
    store.set_duplicate_groups(stories.changes())
    return stories.count
