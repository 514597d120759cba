"""Scheduled operation: the crawl scheduler every few minutes, the digest on Monday mornings, the alert checks."""

from typer.testing import CliRunner

from flows.deployments import DIGEST_CRON, TIMEZONE, deployments
from portalwatch.cli import app
from portalwatch.fixture_portals.content import articles_on
from portalwatch.fixture_portals.server import SITE_CLASSES
from tests.support import PipelineRun


def test_one_scheduler_deployment_crawls_what_is_due_and_the_digest_runs_monday_7am() -> None:
    """Not one deployment per source: a registry of 1,500 sources is one scheduler that picks the due ones."""
    planned = {d.name: d for d in deployments(scheduler_minutes=7, alert_minutes=90)}
    assert set(planned) == {"crawl-due", "weekly-digest", "alerts"}
    assert planned["crawl-due"].schedules[0].schedule.interval.total_seconds() == 7 * 60
    assert planned["alerts"].schedules[0].schedule.interval.total_seconds() == 90 * 60
    digest = planned["weekly-digest"].schedules[0].schedule
    assert digest.cron == DIGEST_CRON == "0 7 * * 1"
    assert {d.schedules[0].schedule.timezone for d in planned.values()} == {TIMEZONE} == {"Asia/Ho_Chi_Minh"}


def test_runs_lists_the_pipeline_run_with_its_state(pipeline_run: PipelineRun) -> None:
    result = CliRunner(env={"COLUMNS": "300"}).invoke(app, ["runs", "--limit", "50"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "portalwatch-pipeline" in line)
    assert "xong" in line  # completed
    # Counts are kept per run, summed over its sources (the 404 is the one failure).
    crawled, processed = pipeline_run.result["crawl"], pipeline_run.result["process"]
    fetched = sum(stats.articles_fetched for stats in crawled.values())
    assert f"thu thập {len(SITE_CLASSES)} nguồn: {fetched} trang mới, 1 lỗi" in result.output
    # Every fixture article is new once per site showing it; the two broken pages are skipped.
    new = sum(len(articles_on(site)) for site in SITE_CLASSES)
    assert f"xử lý {processed['pages']} trang: {new} bài mới, 2 bỏ qua, 0 chờ" in result.output
