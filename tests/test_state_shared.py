"""The crawl state on both backends: SQLite files (the default) and PostgreSQL shared by several workers.

The same assertions run on each; PostgreSQL is a real server on loopback (engine/postgres.sh, started by
`make test`), one fresh database per test.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from crawlers.launcher import crawl
from flows.processing import process_archive
from pipelines.tagging import load_taxonomy
from portalwatch.core.alerts import Alert
from portalwatch.core.config import PACKAGE_DIR, Settings
from portalwatch.core.models import RawPage, Skip
from portalwatch.fixture_portals.bulk import BulkSite
from portalwatch.state.alerts import AlertLog
from portalwatch.state.archive import RawArchive, Saved
from portalwatch.state.db import MIGRATIONS, StateTarget
from portalwatch.state.frontier import Frontier
from portalwatch.state.health import CrawlStats, HealthLog, Status
from portalwatch.state.lock import Busy, crawl_locks
from portalwatch.state.postgres import PgConnection, migrate_postgres
from portalwatch.state.robots import KeptRobots, RobotsStore
from portalwatch.store.base import SearchQuery
from portalwatch.store.outbox import Outbox
from portalwatch.store.sqlite import SQLiteStore

AT = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def locks_at(state: StateTarget) -> StateTarget:
    """Where jobs lock, as Settings.locks_at says: the data directory, or the shared database."""
    return state.parent if isinstance(state, Path) else state


def page(url: str, body: str, minutes: int = 0) -> RawPage:
    return RawPage(url=url, source_id="tinh", status=200, fetched_at=AT + timedelta(minutes=minutes),
                   content_type="text/html; charset=utf-8", body=body.encode(), etag='"v1"')


def test_the_archive_keeps_pages_versions_skips_and_runs(state: StateTarget) -> None:
    with RawArchive(state) as archive:
        assert archive.save_page(page("http://t/1", "<p>Bản đầu</p>")) == Saved.NEW
        assert archive.save_page(page("http://t/1", "<p>Bản đầu</p>", 5)) == Saved.UNCHANGED
        assert archive.save_page(page("http://t/1", "<p>Bản đã sửa</p>", 60)) == Saved.CHANGED
        for n in range(2, 452):  # more than one read batch of pages()
            archive.save_page(page(f"http://t/{n:03d}", f"<p>Tin {n}</p>"))
        [old] = archive.revisions("http://t/1")
        assert old.body == "<p>Bản đầu</p>".encode() and old.fetched_at == AT + timedelta(minutes=5)
        current = archive.page("http://t/1")
        assert current is not None and current.body == "<p>Bản đã sửa</p>".encode() and current.etag == '"v1"'
        assert archive.count_pages() == 451 == len(list(archive.pages(pending_only=True)))
        archive.mark_processed([f"http://t/{n:03d}" for n in range(2, 102)])
        assert archive.count_pages(pending_only=True) == 351
        assert len(archive.fetched("tinh")) == 451

        skip = Skip(url="http://t/404", source_id="tinh", stage="crawl", reason="HTTP 404", recorded_at=AT)
        archive.record_skip(skip)
        archive.record_skip(skip.model_copy(update={"reason": "HTTP 410"}))  # the newest reason wins
        assert [(s.url, s.reason) for s in archive.skips("crawl")] == [("http://t/404", "HTTP 410")]
        archive.clear_skip("http://t/404", "crawl")
        assert archive.skips() == []

        archive.start_run("r1", "portalwatch-crawl", AT)
        archive.add_run_counts("r1", "thu thập 1 nguồn")
        archive.add_run_counts("r1", "xử lý 3 trang")
        archive.end_run("r1", "completed", AT + timedelta(minutes=2))
        [run] = archive.runs(5)
        assert (run.flow, run.state) == ("portalwatch-crawl", "completed")
        assert run.counts == "thu thập 1 nguồn · xử lý 3 trang"


def test_recent_pages_come_due_for_a_recheck_an_hour_a_day_and_a_week_after_their_first_fetch(
        state: StateTarget) -> None:
    ages = [timedelta(hours=1), timedelta(days=1), timedelta(days=7)]
    with RawArchive(state) as archive:
        archive.save_page(page("http://t/1", "a"))
        assert archive.recheck_due("tinh", ages, AT + timedelta(minutes=59)) == []
        assert archive.recheck_due("tinh", ages, AT + timedelta(minutes=61)) == ["http://t/1"]
        archive.unchanged("http://t/1", AT + timedelta(minutes=61))  # a 304 answered the recheck
        assert archive.recheck_due("tinh", ages, AT + timedelta(hours=20)) == []
        assert archive.recheck_due("tinh", ages, AT + timedelta(days=1, minutes=1)) == ["http://t/1"]
        assert archive.recheck_due("tinh", ages, AT + timedelta(days=30)) == []  # too old to matter


def test_the_recheck_record_counts_articles_asked_again_and_those_that_had_changed(state: StateTarget) -> None:
    with RawArchive(state) as archive:
        for n in range(1, 5):
            archive.save_page(page(f"http://t/{n}", "bản đầu"))
        archive.save_page(page("http://old/1", "bản đầu", -40 * 24 * 60))
        assert archive.recheck_record("tinh", AT - timedelta(days=30)) == (0, 0)  # nothing asked again yet
        archive.unchanged("http://t/1", AT + timedelta(hours=1))
        archive.unchanged("http://t/2", AT + timedelta(hours=1))
        archive.save_page(page("http://t/3", "bản đã sửa", 60))
        archive.unchanged("http://old/1", AT + timedelta(hours=1))  # first fetched before the window
        assert archive.recheck_record("tinh", AT - timedelta(days=30)) == (3, 1)
        assert archive.recheck_record("tinh", AT + timedelta(minutes=1)) == (0, 0)


def test_the_frontier_keeps_found_urls_in_order_until_done(state: StateTarget) -> None:
    with RawArchive(state) as archive:
        frontier = Frontier(archive.db)
        urls = [f"http://t/{n}" for n in (9, 3, 7, 1)]  # found in this order, not sorted
        frontier.add("tinh", urls, "article")
        frontier.add("tinh", ["http://t/3"], "article")  # found again: still once, in its first place
        frontier.add("tinh", ["http://t/list?p=2"], "list")
        assert frontier.pending("tinh") == [(u, "article") for u in urls] + [("http://t/list?p=2", "list")]
        assert not frontier.failed("http://t/9", "HTTP 503", permanent=False)
        assert not frontier.failed("http://t/9", "HTTP 503", permanent=False)
        assert frontier.failed("http://t/9", "HTTP 503", permanent=False)  # the third time it is given up
        frontier.done("http://t/3")
        frontier.flush()
        assert [u for u, _ in frontier.pending("tinh")] == ["http://t/7", "http://t/1", "http://t/list?p=2"]
        frontier.remember_validators("http://t/rss", '"e1"', "")
        frontier.remember_validators("http://t/rss", '"e2"', "Tue, 01 Dec 2026 03:00:00 GMT")
        assert frontier.validators("http://t/rss") == ('"e2"', "Tue, 01 Dec 2026 03:00:00 GMT")
        frontier.add_alias("tinh", "http://t/7?in=1", "http://t/7")
        assert frontier.aliases("tinh") == {"http://t/7?in=1": "http://t/7"}


def test_crawl_health_history_and_back_off(state: StateTarget) -> None:
    with HealthLog(state) as health:
        health.record("tinh", AT, CrawlStats(entry_pages=2, links_found=40, new_articles=5))
        for hours in (1, 2):
            health.record("tinh", AT + timedelta(hours=hours), CrawlStats(last_error="Connection refused"))
        history = health.history("tinh")
        assert [r.status for r in history] == [Status.FAILED, Status.FAILED, Status.OK]
        assert history[-1].stats.new_articles == 5
        # Two failures in a row: it rests six hours after the last one.
        assert health.backoff_until("tinh") is None  # long past by now
        assert health.summary("tinh").last_good == history[-1]


def test_an_alert_is_recorded_once_and_owed_until_delivered(state: StateTarget) -> None:
    target = state.with_name("alerts.db") if isinstance(state, Path) else state
    alert = Alert(key="spike:xay-dung-dang:2026-12-01", kind="spike", title="Đột biến tin về xây dựng Đảng",
                  lines=["12 bài hôm nay, thường 3"])
    with AlertLog(target) as log:
        assert log.raise_alerts([(alert, ["a@tinh.test", "https://chat.test/hook"])], AT) == [alert]
        assert log.raise_alerts([(alert, ["a@tinh.test"])], AT + timedelta(hours=1)) == []  # never twice
        assert {d.recipient for d in log.owed()} == {"a@tinh.test", "https://chat.test/hook"}
        log.delivered([alert.key], "a@tinh.test", 1, AT)
        log.failed([alert.key], "https://chat.test/hook", 3, "HTTP 502")
        [owed] = log.owed()
        assert (owed.recipient, owed.attempts, owed.last_error) == ("https://chat.test/hook", 3, "HTTP 502")


def test_postgres_holds_the_same_tables_and_columns_as_sqlite(shared_state: str, tmp_path: Path) -> None:
    with RawArchive(tmp_path / "archive.db") as local, RawArchive(shared_state) as shared:
        assert isinstance(local.db, sqlite3.Connection)
        tables = [t for (t,) in local.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        expected = {t: [row[1] for row in local.db.execute(f"PRAGMA table_info({t})")] for t in tables}
        rows = shared.db.execute("SELECT table_name, column_name FROM information_schema.columns"
                                 " WHERE table_schema = 'public' AND table_name != 'schema_versions'"
                                 " ORDER BY table_name, ordinal_position").fetchall()
    found: dict[str, list[str]] = {}
    for table, column in rows:
        if (table, column) != ("frontier", "rowid"):  # SQLite's is implicit
            found.setdefault(table, []).append(column)
    assert found == expected
    assert len(MIGRATIONS) >= 3



def test_a_shared_state_of_the_previous_version_is_upgraded_in_place_keeping_its_pages(shared_state: str) -> None:
    """A PostgreSQL state written by the release before robots.txt was kept (schema 3) opens with this one, with
    the tables added since (robots.txt kept, entry pages' pace) ready."""
    old = PgConnection(shared_state)
    try:
        migrate_postgres(old, MIGRATIONS[:3], "archive")
        old.execute("INSERT INTO pages (url, source_id, status, fetched_at, body) VALUES (?, 'tinh', 200, ?, ?)",
                    ("http://t/1", AT.isoformat(), b"<p>old</p>"))
    finally:
        old.close()
    with RobotsStore(shared_state) as robots:  # the robots table is there now, and works
        robots.keep(KeptRobots("http://t/robots.txt", 200, "User-agent: *\nDisallow: /rieng/\n", AT, '"r1"'))
        assert robots.get("http://t/robots.txt") == KeptRobots("http://t/robots.txt", 200,
                                                               "User-agent: *\nDisallow: /rieng/\n", AT, '"r1"')
    with RawArchive(shared_state) as archive:
        assert archive.db.execute("SELECT url, source_id FROM pages").fetchall() == [("http://t/1", "tinh")]
        frontier = Frontier(archive.db)
        frontier.pace_entries("tinh", {"http://t/rss": (2, AT)})
        assert frontier.entry_paces("tinh") == {"http://t/rss": (2, AT)}
        assert archive.db.execute("SELECT version FROM schema_versions WHERE name = 'archive'").fetchone()[0] \
            == len(MIGRATIONS)

HOLDER = """
import sys, time
from portalwatch.state.lock import crawl_locks
with crawl_locks(sys.argv[1] if "://" in sys.argv[1] else __import__("pathlib").Path(sys.argv[1]), ["a", "b"]):
    print("held", flush=True)
    time.sleep(120)
"""


def test_a_source_is_crawled_by_one_worker_and_freed_the_moment_its_worker_dies(state: StateTarget) -> None:
    """Another process (on PostgreSQL: any machine) holds sources a and b; killed, its locks go with it."""
    place = locks_at(state)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(place)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with crawl_locks(place, ["a", "b", "c"], skip_busy=True) as free:
            assert free == ["c"]
        with pytest.raises(Busy, match="Một lượt thu thập nguồn a đang chạy ở tiến trình khác"), \
                crawl_locks(place, ["a"]):
            pass
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    deadline = time.monotonic() + 10  # the server notices the closed connection at once
    while True:
        try:
            with crawl_locks(place, ["a", "b"]) as held:
                assert held == ["a", "b"]
            break
        except Busy:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_a_crawl_into_the_shared_state_is_incremental_and_processed_by_any_worker(
        shared_state: str, tmp_path: Path) -> None:
    """A real crawl over HTTP writes pages, frontier and health to PostgreSQL; a second crawl fetches
    nothing again; another machine's processing reads the pages from there."""
    site = BulkSite(articles=25, per_page=10)
    with site.server:
        registry = tmp_path / "sources.yaml"
        registry.write_text(yaml.safe_dump([site.source().model_dump(exclude_defaults=True)]), encoding="utf-8")
        first = crawl(registry, shared_state, tmp_path / "logs", delay=0)["bulk"]
        served = Counter(s.path for s in site.server.log if s.path.startswith("/bai/"))
        again = crawl(registry, shared_state, tmp_path / "logs", delay=0)["bulk"]
        served_again = Counter(s.path for s in site.server.log if s.path.startswith("/bai/"))
    assert first.articles_fetched == 25 and first.health == Status.OK
    assert again.articles_fetched == 0 and served_again == served  # no article asked twice
    with HealthLog(shared_state) as health:
        assert [r.stats.new_articles for r in health.history("bulk")] == [0, 25]

    worker = Settings(data_dir=tmp_path / "elsewhere", state_url=shared_state)
    store = SQLiteStore(tmp_path / "store.db")
    try:
        with RawArchive(worker.archive_db) as archive:
            report = process_archive(archive, store, load_taxonomy(PACKAGE_DIR / "taxonomy.yaml"),
                                     Outbox(tmp_path / "out"))
        assert report.new == 25
        assert store.search(SearchQuery(text="Tin hoạt động cơ sở số 17", limit=3)).hits[0].article.url == \
            f"{site.base}{site.href(17)}"
    finally:
        store.close()


def test_a_source_another_worker_just_crawled_is_not_crawled_again(
        shared_state: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers found the same source due; the first crawled it. The second, once it holds the source's
    lock, looks again at the shared health and leaves it: no request reaches the site."""
    from flows.pipeline import crawl_task

    site = BulkSite(articles=8)
    monkeypatch.setenv("PORTALWATCH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PORTALWATCH_STATE_URL", shared_state)
    with site.server:
        (tmp_path / "sources.yaml").write_text(yaml.safe_dump([site.source().model_dump(exclude_defaults=True)]),
                                               encoding="utf-8")
        assert crawl_task.fn(0, ["bulk"], only_due=True)["bulk"].articles_fetched == 8  # never crawled: due
        served = len(site.server.log)
        assert crawl_task.fn(0, ["bulk"], only_due=True) == {}  # the other worker's view was stale
        assert len(site.server.log) == served


def test_a_shared_state_that_does_not_answer_is_one_clear_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PORTALWATCH_DATA_DIR": str(tmp_path),
           "PORTALWATCH_STATE_URL": f"postgresql://portalwatch:mat-khau-bi-mat@127.0.0.1:{port}/portalwatch"}
    (tmp_path / "sources.yaml").write_text("- id: tinh\n  name: Cổng tỉnh\n  homepage: https://tinh.gov.vn/\n",
                                           encoding="utf-8")
    shown = subprocess.run([str(Path(sys.executable).with_name("portalwatch")), "sources"], env=env,
                           capture_output=True, text=True, timeout=120)
    assert shown.returncode == 2
    assert f"Không kết nối được trạng thái dùng chung PostgreSQL ở 127.0.0.1:{port}/portalwatch" in shown.stdout
    assert "Traceback" not in shown.stdout + shown.stderr and "mat-khau-bi-mat" not in shown.stdout
