"""The main job as Prefect flows: crawl → process → digest."""

from datetime import UTC, datetime

from prefect import flow, task
from prefect.client.schemas.objects import State
from prefect.tasks import exponential_backoff
from rich.console import Console

from crawlers.launcher import crawl
from crawlers.summary import CrawlSummary
from flows.digesting import latest_week, write_weekly_digest
from flows.processing import ProcessReport, process_archive
from flows.runlog import record_counts, recorded_run
from pipelines.tagging import load_taxonomy
from portalwatch.core.config import get_settings
from portalwatch.core.config_files import ConfigError
from portalwatch.core.progress import reporter
from portalwatch.core.sources import configured_sources, load_sources
from portalwatch.reports.neutralise import markup
from portalwatch.state.archive import RawArchive
from portalwatch.state.cadence import due_now
from portalwatch.state.health import LABELS, HealthLog
from portalwatch.state.lock import Busy, crawl_locks, job_lock
from portalwatch.store import open_store
from portalwatch.store.outbox import Outbox

# Stage lines go to stdout: progress for a CLI user, run output in a deployment's logs.
console = Console(highlight=False)


def _worth_retrying(task: object, task_run: object, state: State) -> bool:
    """A crawl that failed on the network may succeed later; a busy source or a broken registry will not."""
    return not isinstance(state.result(raise_on_failure=False), Busy | ConfigError)


@task(name="crawl", retries=3, retry_delay_seconds=exponential_backoff(backoff_factor=30),
      retry_condition_fn=_worth_retrying)
def crawl_task(delay: float | None = None, source_ids: list[str] | None = None,
               force: bool = False, skip_busy: bool = False, only_due: bool = False,
               limit: int | None = None) -> dict[str, CrawlSummary]:
    """Crawl the sources (all without source_ids); with skip_busy, those another run is crawling are left out;
    with only_due too, those no longer due once locked (another worker crawled them meanwhile); at most
    `limit` of them."""
    settings = get_settings()
    wanted = source_ids or [s.id for s in load_sources(settings.sources_file)]
    with crawl_locks(settings.locks_at, wanted, skip_busy=skip_busy or only_due, limit=limit) as free:
        if only_due and free:
            with HealthLog(settings.archive_db) as health:
                free = due_now([s for s in load_sources(settings.sources_file) if s.id in free], health,
                               datetime.now(UTC))
        if not free:
            return {}
        stats = crawl(settings.sources_file, settings.archive_db, settings.data_dir / "logs",
                      free if skip_busy or only_due else source_ids, delay, settings.user_agent, force,
                      reporter("crawl"))
    fetched = sum(s.articles_fetched for s in stats.values())
    failures = sum(s.failures for s in stats.values())
    record_counts(f"thu thập {len(stats)} nguồn: {fetched} trang mới, {failures} lỗi")
    return stats


@task(name="process")
def process_task(full: bool = False, wait: bool = False) -> ProcessReport:
    """Process the archive; a second run on the same data directory waits (wait) or says it is busy."""
    settings = get_settings()
    sources = {s.id: s for s in configured_sources(settings.sources_file)}
    outbox = Outbox(settings.outbox_dir)
    with job_lock(settings.locks_at, "process", "Một lượt xử lý", wait):
        store = open_store(settings)
        try:
            with RawArchive(settings.archive_db) as archive:
                report = process_archive(archive, store, load_taxonomy(settings.taxonomy), outbox, sources, full,
                                         progress=reporter("process"))
        finally:
            store.close()
    record_counts(f"xử lý {report.pages} trang: {report.new} bài mới, {report.skipped} bỏ qua, {report.queued} chờ")
    return report


@task(name="digest")
def digest_task(week: str, email: bool = False) -> dict[str, str]:
    """Write the week's digest; with email, also send it to PORTALWATCH_MAIL_TO."""
    return write_weekly_digest(week, email)


def describe(report: ProcessReport) -> str:
    line = (f"  {report.pages} trang → {report.articles} bài ({report.new} mới), {report.skipped} bỏ qua, "
            f"{report.duplicate_groups} nhóm bài trùng")
    if report.sent_from_outbox:
        line += f"; đã gửi {report.sent_from_outbox} bài chờ trong hàng đợi"
    if report.store_error:
        line += (f"\n  [bold red]Kho lưu trữ không truy cập được[/bold red]: {markup(report.store_error)}\n"
                 f"  {report.queued} bài đang chờ trong hàng đợi trên đĩa và sẽ được gửi ở lần chạy sau.")
    return line


@flow(name="portalwatch-crawl")
def crawl_flow(delay: float | None = None, source_ids: list[str] | None = None,
               force: bool = False) -> dict[str, CrawlSummary]:
    with recorded_run("portalwatch-crawl"):
        return crawl_task(delay, source_ids, force)


@flow(name="portalwatch-process")
def process_flow(full: bool = False) -> ProcessReport:
    with recorded_run("portalwatch-process"):
        return process_task(full)


@flow(name="portalwatch-pipeline")
def pipeline_flow(week: str | None = None, delay: float | None = None) -> dict:
    """Crawl every source, process what was fetched, write the digest; report each stage's counts."""
    with recorded_run("portalwatch-pipeline"):
        return _pipeline(week, delay)


def _pipeline(week: str | None, delay: float | None) -> dict:
    console.print("Thu thập (crawl)…")
    crawled = crawl_task(delay)
    for source_id, stats in crawled.items():
        console.print(f"  {source_id}: {stats.articles_fetched} trang mới, {stats.articles_changed} trang sửa, "
                      f"{stats.already_fetched} đã có, {stats.failures} lỗi — {LABELS[stats.health]}"
                      + (f": {markup(stats.health_message)}" if stats.health_message else ""))
    console.print("Xử lý (trích xuất, làm sạch, gắn chủ đề)…")
    processed = process_task()
    console.print(describe(processed))
    week = week or latest_week()
    console.print(f"Bản tin tuần {week}…")
    paths = digest_task(week)
    return {"crawl": crawled, "process": processed.model_dump(), "digest": paths, "week": week}
