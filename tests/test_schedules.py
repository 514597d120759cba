"""Scheduled operation: one deployment per source on its own schedule, the digest on Monday mornings."""

from typer.testing import CliRunner

from flows.deployments import DEFAULT_CRAWL_CRON, DIGEST_CRON, TIMEZONE, deployments
from portalwatch.cli import app
from portalwatch.core.models import Source
from portalwatch.fixture_portals.content import articles_on
from portalwatch.fixture_portals.server import SITE_CLASSES
from tests.support import PipelineRun


def test_each_source_gets_its_own_crawl_schedule_and_the_digest_runs_monday_7am() -> None:
    sources = [Source(id="camau-gov", name="Cổng TTĐT tỉnh Cà Mau", homepage="https://camau.gov.vn/",
                      schedule="30 */2 * * *"),
               Source(id="baocamau", name="Báo Cà Mau", homepage="https://baocamau.vn/")]
    planned = {d.name: d for d in deployments(sources, alert_minutes=90)}
    assert set(planned) == {"crawl-camau-gov", "crawl-baocamau", "weekly-digest", "alerts"}
    assert planned["alerts"].schedules[0].schedule.interval.total_seconds() == 90 * 60
    schedules = {name: d.schedules[0].schedule for name, d in planned.items() if name != "alerts"}
    assert schedules["crawl-camau-gov"].cron == "30 */2 * * *"
    assert schedules["crawl-baocamau"].cron == DEFAULT_CRAWL_CRON
    assert schedules["weekly-digest"].cron == DIGEST_CRON == "0 7 * * 1"
    assert {s.timezone for s in schedules.values()} == {TIMEZONE} == {"Asia/Ho_Chi_Minh"}
    assert planned["crawl-camau-gov"].parameters == {"source_id": "camau-gov"}


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
