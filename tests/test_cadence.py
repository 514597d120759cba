"""Adaptive crawl scheduling: each source crawled at the pace it publishes, within its bounds."""

import random
import statistics
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from portalwatch.cli import app
from portalwatch.core.config import get_settings
from portalwatch.core.models import Source
from portalwatch.fixture_portals.server import FixturePortals
from portalwatch.state.cadence import next_crawl
from portalwatch.state.health import CrawlRun, CrawlStats, HealthLog, Status

NOW = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
SOURCE = Source(id="tinh", name="Cổng tỉnh", homepage="https://tinh.gov.vn/")


def _run(at: datetime, new: int, status: Status = Status.OK) -> CrawlRun:
    return CrawlRun("tinh", at, status, "", CrawlStats(entry_pages=1, links_found=20, requested=new, new_articles=new))


def _history(*runs: tuple[float, int]) -> list[CrawlRun]:
    """Runs as (hours before NOW, new articles), newest first as HealthLog gives them."""
    return sorted((_run(NOW - timedelta(hours=h), n) for h, n in runs), key=lambda r: r.started_at, reverse=True)


def _simulate(rate_per_day: float, days: int, seed: int, source: Source = SOURCE,
              learning_days: int = 1) -> list[float]:
    """A source publishing at random (Poisson) times, crawled whenever the scheduler, looking every five
    minutes, finds it due; each crawl finds what was published since the one before (the first, a backlog of
    300). Returns every article's delay from publication to crawl, in hours, after the days of learning."""
    chance = random.Random(seed)
    published, t = [], 0.0
    while t < days * 24:
        t += chance.expovariate(rate_per_day / 24)
        published.append(t)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    history: list[CrawlRun] = []
    delays, seen, minute = [], 0, 0
    while minute < days * 24 * 60:
        now = start + timedelta(minutes=minute)
        if next_crawl(source, history, None).due(now):
            hours = minute / 60
            fresh = [p for p in published[seen:] if p <= hours]
            seen += len(fresh)
            if hours > 24 * learning_days:
                delays += [hours - p for p in fresh]
            history.insert(0, CrawlRun(source.id, now, Status.OK, "",
                                       CrawlStats(entry_pages=1, links_found=20, requested=len(fresh),
                                                  new_articles=len(fresh) + (300 if not history else 0))))
        minute += 5
    return delays


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


@pytest.mark.parametrize("rate", [10, 40, 150])
def test_a_source_publishing_ten_or_more_a_day_is_read_within_the_hour(rate: float) -> None:
    delays = _simulate(rate, days=8, seed=rate)
    assert len(delays) > rate * 5  # the simulation saw a week of articles
    assert _p95(delays) <= 1.0


@pytest.mark.parametrize("rate", [40, 150])
def test_a_new_busy_source_is_read_within_the_hour_from_its_first_day(rate: float) -> None:
    """Its first crawl's backlog says nothing of its pace, nor does an empty crawl just after it: a young
    history must not push a busy source hours away."""
    delays = _simulate(rate, days=1, seed=rate, learning_days=0)
    assert len(delays) > rate / 2
    assert _p95(delays) <= 1.0


@pytest.mark.parametrize("rate", [0.3, 1, 4])
def test_a_quiet_source_is_still_read_within_six_hours(rate: float) -> None:
    delays = _simulate(rate, days=30, seed=int(rate * 10))
    assert delays
    assert _p95(delays) <= 6.0 + 5 / 60  # the scheduler looks every five minutes


def test_quiet_sources_are_visited_far_less_often_than_busy_ones() -> None:
    """Politeness and cost: crawls a day follow what a source publishes, not one fixed pace for all."""
    busy = _history(*[(h, 3) for h in range(12, 0, -1)])  # three new articles every hour
    quiet = _history(*[(h, 0) for h in range(72, 0, -6)])  # nothing new in three days
    busy_next, quiet_next = next_crawl(SOURCE, busy, None), next_crawl(SOURCE, quiet, None)
    # Seventy a day: a visit every 40 minutes finds two new ones, fresh within the hour and not wasteful.
    assert timedelta(minutes=30) < busy_next.due_at - busy[0].started_at < timedelta(hours=1)
    assert quiet_next.due_at - quiet[0].started_at == timedelta(minutes=SOURCE.max_interval_minutes)
    assert "tối đa" in quiet_next.reason
    # The same quiet source, once it publishes again, is looked at sooner.
    woke = _history(*[(h, 0) for h in range(72, 6, -6)], (3, 4), (1, 5))
    assert next_crawl(SOURCE, woke, None).due_at - woke[0].started_at < timedelta(hours=2)


def test_a_first_crawls_backlog_is_not_taken_for_the_publishing_rate() -> None:
    history = _history((30, 2000), (24, 0), (18, 1), (12, 0), (6, 0))  # the first crawl found years of archive
    planned = next_crawl(SOURCE, history, None)
    assert planned.rate is not None and planned.rate < 2
    assert planned.due_at - history[0].started_at > timedelta(hours=4)


def test_bounds_cron_backoff_and_interrupted_runs_win_over_the_rate() -> None:
    busy = _history(*[(h, 5) for h in range(6, 0, -1)])
    slow = SOURCE.model_copy(update={"min_interval_minutes": 120})
    assert next_crawl(slow, busy, None).due_at - busy[0].started_at == timedelta(hours=2)
    # A cron line (Vietnam time) overrides the rhythm: "30 */2" after a crawl at 11:00 (04:00 UTC) is 12:30.
    fixed = SOURCE.model_copy(update={"schedule": "30 */2 * * *"})
    assert next_crawl(fixed, busy, None).due_at == datetime(2026, 12, 7, 5, 30, tzinfo=UTC)
    until = NOW + timedelta(hours=9)
    assert next_crawl(SOURCE, busy, until).due_at == until
    stopped = [_run(NOW - timedelta(minutes=3), 0, Status.INTERRUPTED), *busy]
    assert next_crawl(SOURCE, stopped, None).due_at == stopped[0].started_at + timedelta(minutes=10)
    # Over its budget last time: the rest waits in the frontier, fetched at the shortest interval.
    budget = SOURCE.model_copy(update={"max_articles": 5})
    assert next_crawl(budget, busy, None).due_at == busy[0].started_at + timedelta(minutes=10)
    assert next_crawl(SOURCE, [], None).due(NOW)


def test_bounds_must_be_in_order() -> None:
    with pytest.raises(ValueError, match="min_interval_minutes"):
        Source(id="x", name="x", homepage="https://x.vn/", min_interval_minutes=400, max_interval_minutes=60)


def test_the_scheduler_crawls_the_busy_source_and_leaves_the_quiet_one(
        prefect_harness: None, portals: FixturePortals, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real scheduled flow over the fixture portals: due sources are crawled in one run, the others not."""
    from flows.deployments import crawl_due_flow

    monkeypatch.setenv("PORTALWATCH_DATA_DIR", str(tmp_path))
    settings = get_settings()
    portals.write_registry(settings.sources_file)
    ids = sorted(s.id for s in portals.sources())
    first = crawl_due_flow()
    assert sorted(first["crawl"]) == ids  # never crawled: all due
    assert first["process"]["new"] > 0
    before = len(portals.requests)
    assert crawl_due_flow()["crawl"] == {}  # just crawled: nobody is due, nothing is fetched
    assert len(portals.requests) == before

    # Give two sources a past instead: one found 20 new articles at every crawl for a day, the other nothing.
    busy, quiet = ids[0], ids[1]
    with HealthLog(settings.archive_db) as health:
        with health.db:
            health.db.execute("DELETE FROM crawl_runs WHERE source_id IN (?, ?)", (busy, quiet))
        for minutes in [*range(24 * 60, 0, -240), 60]:  # the last an hour ago
            at = datetime.now(UTC) - timedelta(minutes=minutes)
            health.record(busy, at, CrawlStats(entry_pages=1, links_found=30, requested=20, new_articles=20))
            health.record(quiet, at, CrawlStats(entry_pages=1, links_found=30))
    third = crawl_due_flow()
    assert list(third["crawl"]) == [busy]
    crawled_sites = {site for site, _, _ in portals.requests[before:]}
    assert len(crawled_sites) == 1

    table = CliRunner(env={"COLUMNS": "400"}).invoke(app, ["sources"]).output
    quiet_line = next(line for line in table.splitlines() if line.startswith(f"│ {quiet}"))
    assert "bài mới/ngày" in quiet_line and "tối đa" in quiet_line
