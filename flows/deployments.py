"""Scheduled operation: one scheduler run every few minutes crawls the sources that are due (each at the
pace it publishes, state/cadence.py) and processes what they brought; the weekly digest on Monday
mornings; the same-day alert checks every hour (PORTALWATCH_ALERT_INTERVAL_MINUTES).
`portalwatch serve` runs them against a Prefect server."""

from contextlib import suppress
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import cast

from prefect import flow
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron, Interval
from prefect.types.entrypoint import EntrypointType

from crawlers.summary import CrawlSummary
from flows.alerting import check_alerts
from flows.pipeline import crawl_task, digest_task, process_task
from flows.runlog import record_counts, recorded_run
from portalwatch.core.config import get_settings
from portalwatch.core.sources import load_sources
from portalwatch.reports.digest import iso_week
from portalwatch.state.cadence import due_now
from portalwatch.state.health import PROBLEMS, HealthLog

TIMEZONE = "Asia/Ho_Chi_Minh"
DIGEST_CRON = "0 7 * * 1"  # Mondays 07:00, for the week that just ended


@flow(name="portalwatch-crawl-due")
def crawl_due_flow(batch: int | None = None) -> dict:
    """Crawl the sources that are due, a batch at a time (together in one crawler, politeness per site), until
    none is left that another worker does not hold; then process what came. Runs on several workers share
    the sources so: each takes due ones nobody holds, and a worker's sources are free the moment it dies.
    The registry is read on each run, so an edited sources.yaml takes effect without a restart. A failing
    source does not fail the run: it backs off, and its health shows in `portalwatch sources` and alerts."""
    with recorded_run("portalwatch-crawl-due"):
        settings = get_settings()
        crawled: dict[str, CrawlSummary] = {}
        while True:
            with HealthLog(settings.archive_db) as health:
                due = [s for s in due_now(load_sources(settings.sources_file), health, datetime.now(UTC))
                       if s not in crawled]
            done = crawl_task(None, due, only_due=True, limit=batch or settings.crawl_batch) if due else {}
            if not done:  # nothing due, or every due source is another worker's now
                break
            crawled.update(done)
        if not crawled:
            record_counts("không nguồn nào đến lượt thu thập")
            return {"crawl": {}, "process": None}
        failing = sorted(source for source, stats in crawled.items() if stats.health in PROBLEMS)
        if failing:
            record_counts(f"nguồn có vấn đề: {', '.join(failing)}")
        return {"crawl": crawled, "process": process_task(wait=True).model_dump()}


@flow(name="portalwatch-weekly-digest")
def weekly_digest_flow(week: str | None = None) -> dict[str, str]:
    week = week or iso_week(date.today() - timedelta(days=7))
    with recorded_run("portalwatch-weekly-digest"):
        return digest_task(week, email=bool(get_settings().smtp_host))


@flow(name="portalwatch-alerts")
def alerts_flow() -> dict:
    """The alert checks (a thin shell: flows/alerting.py does the work)."""
    with recorded_run("portalwatch-alerts"):
        return asdict(check_alerts(wait=True))  # after a manual check still under way


def deployments(scheduler_minutes: int = 5, alert_minutes: int = 60, work_pool: str | None = None
                ) -> list[RunnerDeployment]:
    """The scheduled deployments: for `serve` (run in its process), or for a work pool's workers, which find
    the flows by module path wherever portalwatch is installed."""
    # to_deployment is sync-compatible: called outside an event loop it returns the deployment itself.
    pool: dict = {"work_pool_name": work_pool, "entrypoint_type": EntrypointType.MODULE_PATH} if work_pool else {}
    crawls = cast(RunnerDeployment, crawl_due_flow.to_deployment(
        name="crawl-due", tags=["crawl"],
        schedules=[Interval(timedelta(minutes=scheduler_minutes), timezone=TIMEZONE)],
        description="Thu thập các nguồn đến lượt (theo nhịp đăng bài của từng nguồn) rồi xử lý", **pool,
    ))
    digest = cast(RunnerDeployment, weekly_digest_flow.to_deployment(
        name="weekly-digest", tags=["digest"], schedules=[Cron(DIGEST_CRON, timezone=TIMEZONE)],
        description="Bản tin tuần, sáng thứ Hai", **pool,
    ))
    alerts = cast(RunnerDeployment, alerts_flow.to_deployment(
        name="alerts", tags=["alerts"],
        description="Cảnh báo trong ngày: đột biến, tìm kiếm đã lưu, khoảng trống kế hoạch, nguồn lỗi",
        schedules=[Interval(timedelta(minutes=alert_minutes), timezone=TIMEZONE)], **pool,
    ))
    return [crawls, digest, alerts]


def deploy_to_pool(pool: str, scheduler_minutes: int = 5, alert_minutes: int = 60) -> list[RunnerDeployment]:
    """Register the deployments in a process work pool of the configured Prefect server (made if missing):
    `prefect worker start --pool <pool>` on each machine then runs them."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists

    # Made before, by us or by `prefect worker start`: nothing to do.
    with get_client(sync_client=True) as client, suppress(ObjectAlreadyExists):
        client.create_work_pool(WorkPoolCreate(name=pool, type="process"))
    planned = deployments(scheduler_minutes, alert_minutes, pool)
    for deployment in planned:
        deployment.apply()
    return planned
