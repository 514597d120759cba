"""Scheduled operation: one crawl-and-process deployment per source, each on its own schedule, and
the weekly digest on Monday mornings. `portalwatch serve` runs them against a Prefect server."""

from datetime import date, timedelta
from typing import cast

from prefect import flow
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

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


def deployments(sources: list[Source]) -> list[RunnerDeployment]:
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
    return [*crawls, digest]
