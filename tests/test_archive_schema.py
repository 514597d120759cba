"""The archive database's one schema: older files are migrated on open and keep every row.

The older files are built from the exact CREATE statements earlier releases ran
(tests/data/archive/*.sql), with rows written as those releases wrote them.
"""

import json
import sqlite3
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from portalwatch.core.models import RawPage
from portalwatch.state.archive import RawArchive
from portalwatch.state.db import SCHEMA_VERSION, open_db
from portalwatch.state.frontier import Frontier
from portalwatch.state.health import HealthLog, Status

SCHEMAS = Path(__file__).parent / "data" / "archive"
TABLES = {"pages", "revisions", "skips", "runs", "frontier", "validators", "discovered", "aliases",
          "crawl_runs", "robots", "entry_pace"}
INDEXES = {"pages_source", "frontier_source", "runs_started", "pages_first_fetched", "entry_pace_source"}
BASE = "https://binhgiang.gov.vn"
ARTICLE = f"{BASE}/tin-tuc/hoi-nghi-ban-chap-hanh-dang-bo-tinh-binh-giang-1024.html"
ARTICLE_BODY = "<html><body><h1>Hội nghị Ban Chấp hành Đảng bộ tỉnh Bình Giang</h1></body></html>".encode()
OLD_BODY = "<html><body><h1>Hội nghị Ban Chấp hành (bản cũ)</h1></body></html>".encode()
FETCHED = "2026-11-20T03:15:00+00:00"


def unversioned_archive(path: Path, release: str) -> None:
    """An archive.db as an earlier release (no schema version) left it, with rows in it."""
    db = sqlite3.connect(path)
    db.executescript((SCHEMAS / f"unversioned-{release}.sql").read_text(encoding="utf-8"))
    skip = (f"{BASE}/tin-tuc/trang-loi.html", "binhgiang-gov", "crawl", "HTTP 404", FETCHED)
    with db:
        db.execute("INSERT INTO skips VALUES (?, ?, ?, ?, ?)", skip)
        if release == "first-release":
            db.execute("INSERT INTO pages VALUES (?, ?, ?, ?, ?, ?)",
                       (ARTICLE, "binhgiang-gov", 200, FETCHED, "text/html; charset=utf-8",
                        zlib.compress(ARTICLE_BODY)))
            return
        db.execute("INSERT INTO pages VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
                   (ARTICLE, "binhgiang-gov", 200, FETCHED, "text/html; charset=utf-8", zlib.compress(ARTICLE_BODY),
                    '"e-1024"', "Fri, 20 Nov 2026 03:00:00 GMT", "3f1c"))
        db.execute("INSERT INTO revisions VALUES (?, ?, ?, ?)",
                   (ARTICLE, "2026-11-19T01:00:00+00:00", "text/html", zlib.compress(OLD_BODY)))
        db.execute("INSERT INTO run_counts VALUES (?, ?)", ("run-1", "thu thập 1 nguồn: 1 trang mới, 0 lỗi"))
        db.execute("INSERT INTO frontier VALUES (?, ?, ?, ?, ?, ?)",
                   (f"{BASE}/tin-tuc/dang-cho-1025.html", "binhgiang-gov", "article", 1, "HTTP 503", FETCHED))
        db.execute("INSERT INTO validators VALUES (?, ?, ?)", (f"{BASE}/rss", '"feed-7"', ""))
        db.execute("INSERT INTO discovered VALUES (?, ?, ?)",
                   ("binhgiang-gov", json.dumps({"feeds": [f"{BASE}/rss"], "sitemaps": [], "list_pages": [],
                                                 "article_pattern": None}), datetime.now(UTC).isoformat()))
        db.execute("INSERT INTO aliases VALUES (?, ?, ?)", (f"{ARTICLE}?print=1", "binhgiang-gov", ARTICLE))
        db.execute("INSERT INTO crawl_runs VALUES (?, ?, ?, ?, ?)",
                   ("binhgiang-gov", FETCHED, "ok", "", json.dumps({"entry_pages": 3, "links_found": 12,
                                                                   "new_articles": 1, "failures": 1,
                                                                   "last_error": "HTTP 404"})))
    db.close()


def schema(path: Path) -> tuple[int, list[tuple[str, str, str]]]:
    db = sqlite3.connect(path)
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        return version, sorted(db.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"))
    finally:
        db.close()


@pytest.mark.parametrize("release", ["first-release", "last-release"])
def test_an_unversioned_archive_is_migrated_on_open_and_keeps_its_rows(release: str, tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    unversioned_archive(path, release)
    assert schema(path)[0] == 0

    with RawArchive(path) as archive:
        page = archive.page(ARTICLE)
        assert page is not None and page.body == ARTICLE_BODY and page.source_id == "binhgiang-gov"
        assert page.fetched_at == datetime(2026, 11, 20, 3, 15, tzinfo=UTC)
        assert [(s.url, s.reason) for s in archive.skips("crawl")] == [(f"{BASE}/tin-tuc/trang-loi.html", "HTTP 404")]
        pending = [p.url for p in archive.pages(pending_only=True)]
        if release == "first-release":  # the columns added since: defaults, so the page is processed once more
            assert pending == [ARTICLE]
            assert archive.validators(ARTICLE) == ("", "")
        else:
            assert pending == []
            assert archive.validators(ARTICLE) == ('"e-1024"', "Fri, 20 Nov 2026 03:00:00 GMT")
            assert [r.body for r in archive.revisions(ARTICLE)] == [OLD_BODY]
            # Earlier runs keep their counts; their flow and times were Prefect's and are unknown here.
            [run] = archive.runs(10)
            assert (run.id, run.flow, run.started_at, run.counts) == ("run-1", "", None,
                                                                      "thu thập 1 nguồn: 1 trang mới, 0 lỗi")
            frontier = Frontier(archive.db)
            assert frontier.pending("binhgiang-gov") == [(f"{BASE}/tin-tuc/dang-cho-1025.html", "article")]
            assert frontier.validators(f"{BASE}/rss") == ('"feed-7"', "")
            assert frontier.aliases("binhgiang-gov") == {f"{ARTICLE}?print=1": ARTICLE}
            found = frontier.discovery("binhgiang-gov", timedelta(days=7))
            assert found is not None and found.feeds == [f"{BASE}/rss"]
    if release == "last-release":
        with HealthLog(path) as health:
            [run] = health.history("binhgiang-gov")
        assert (run.status, run.stats.links_found, run.stats.last_error) == (Status.OK, 12, "HTTP 404")

    version, objects = schema(path)
    assert version == SCHEMA_VERSION
    assert {name for kind, name, _ in objects if kind == "table"} == TABLES
    assert {name for kind, name, _ in objects if kind == "index"} == INDEXES
    columns = {row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(pages)")}
    assert {"processed", "etag", "last_modified", "body_hash"} <= columns
    # First archived: the earliest version kept (the revision of 19/11), so rechecks count from then.
    [(first,)] = sqlite3.connect(path).execute("SELECT first_fetched_at FROM pages")
    assert first == ("2026-11-19T01:00:00+00:00" if release == "last-release" else FETCHED)


def test_a_new_archive_is_created_at_the_current_version_with_every_table(tmp_path: Path) -> None:
    open_db(tmp_path / "archive.db").close()
    version, objects = schema(tmp_path / "archive.db")
    assert version == SCHEMA_VERSION
    assert {name for kind, name, _ in objects if kind == "table"} == TABLES


def test_opening_a_current_archive_again_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    unversioned_archive(path, "last-release")
    open_db(path).close()
    migrated = schema(path)
    # Another process is writing (a crawl): opening must not need the write lock, so it cannot wait for it.
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        open_db(path).close()  # a migration would wait for the lock, then fail
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert schema(path) == migrated


def test_an_archive_from_a_newer_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(RuntimeError, match="mới hơn"):
        open_db(path).close()


def test_walking_the_archive_while_marking_pages_processed_visits_each_page_once(tmp_path: Path) -> None:
    urls = [f"{BASE}/tin-tuc/bai-{i:04d}.html" for i in range(450)]  # more pages than one read holds
    with RawArchive(tmp_path / "archive.db") as archive:
        for url in urls:
            archive.save_page(RawPage(url=url, source_id="binhgiang-gov", status=200, fetched_at=datetime.now(UTC),
                                      body=f"<html><p>{url}</p></html>".encode()))
        seen = []
        for page in archive.pages(pending_only=True):  # as the process stage does: marked while walking
            seen.append(page.url)
            archive.mark_processed([page.url])
        assert seen == sorted(urls)
        assert list(archive.pages(pending_only=True)) == []
