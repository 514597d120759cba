"""Scheduled operation: one crawl-and-process deployment per source, each on its own schedule, the
weekly digest on Monday mornings, and the same-day alert checks every hour (PORTALWATCH_ALERT_INTERVAL_MINUTES).
`portalwatch serve` runs them against a Prefect server."""

from dataclasses import asdict
from datetime import date, timedelta
from typing import cast

from prefect import flow
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron, Interval

from flows.alerting import check_alerts
from flows.pipeline import crawl_task, digest_task, process_task
from flows.runlog import recorded_run
from portalwatch.core.config import get_settings
from portalwatch.core.models import Source
from portalwatch.reports.digest import iso_week
from portalwatch.state.health import LABELS, PROBLEMS

TIMEZONE = "Asia/Ho_Chi_Minh"
DEFAULT_CRAWL_CRON = "0 */6 * * *"
DIGEST_CRON = "0 7 * * 1"  # Mondays 07:00, for the week that just ended


@flow(name="portalwatch-source")
def source_flow(source_id: str) -> dict:
    """Crawl one source, then process what it brought; a failing source fails only its own run."""
    with recorded_run(f"portalwatch-source ({source_id})"):
        return _crawl_and_process(source_id)


def _crawl_and_process(source_id: str) -> dict:
    crawled = crawl_task(None, [source_id])
    # Sources finish at their own times: their processing runs queue up instead of failing on each other.
    result = {"crawl": crawled, "process": process_task(wait=True).model_dump()}
    stats = crawled.get(source_id)
    if stats and stats.health in PROBLEMS:  # silent failures must show as failed runs, not quiet ones
        raise SourceUnhealthy(f"{source_id}: {LABELS[stats.health]} — {stats.health_message}")
    return result


class SourceUnhealthy(RuntimeError):
    pass


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


def deployments(sources: list[Source], alert_minutes: int = 60) -> list[RunnerDeployment]:
    # to_deployment is sync-compatible: called outside an event loop it returns the deployment itself.
    crawls = [
        cast(RunnerDeployment, source_flow.to_deployment(
            name=f"crawl-{source.id}", parameters={"source_id": source.id}, tags=["crawl", source.id],
            schedules=[Cron(source.schedule or DEFAULT_CRAWL_CRON, timezone=TIMEZONE)],
            description=f"Thu thập và xử lý {source.name}",
        ))
        for source in sources
    ]
    digest = cast(RunnerDeployment, weekly_digest_flow.to_deployment(
        name="weekly-digest", tags=["digest"], schedules=[Cron(DIGEST_CRON, timezone=TIMEZONE)],
        description="Bản tin tuần, sáng thứ Hai",
    ))
    alerts = cast(RunnerDeployment, alerts_flow.to_deployment(
        name="alerts", tags=["alerts"],
        description="Cảnh báo trong ngày: đột biến, tìm kiếm đã lưu, khoảng trống kế hoạch, nguồn lỗi",
        schedules=[Interval(timedelta(minutes=alert_minutes), timezone=TIMEZONE)],
    ))
    return [*crawls, digest, alerts]
