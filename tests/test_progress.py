"""Progress of the long stages: what the crawl and the processing report while they run, and the
command line's bars, drawn only on a terminal (logs and pipes keep the plain stage lines)."""

import io
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from crawlers.launcher import crawl
from flows.processing import process_archive
from pipelines.tagging import load_taxonomy
from portalwatch import cli
from portalwatch.core.config import PACKAGE_DIR
from portalwatch.core.progress import reporter
from portalwatch.fixture_portals.bulk import BulkSite
from portalwatch.state.archive import RawArchive
from portalwatch.store.outbox import Outbox
from portalwatch.store.sqlite import SQLiteStore
from tests.support import fill_archive

Call = tuple[int, int | None, str]


def test_processing_reports_every_page_done_against_the_total_known_up_front(tmp_path: Path) -> None:
    pages = 30  # fill_archive writes this many distinct article pages, none processed yet
    fill_archive(tmp_path / "archive.db", pages)
    calls: list[Call] = []
    store = SQLiteStore(tmp_path / "portalwatch.db")
    try:
        with RawArchive(tmp_path / "archive.db") as archive:
            report = process_archive(archive, store, load_taxonomy(PACKAGE_DIR / "taxonomy.yaml"),
                                     Outbox(tmp_path / "outbox"), batch_size=7,
                                     progress=lambda done, total, note: calls.append((done, total, note)))
    finally:
        store.close()
    assert [done for done, _, _ in calls] == list(range(1, pages + 1))
    assert {total for _, total, _ in calls} == {pages}
    assert calls[-1] == (pages, pages, f"{pages} bài, 0 bỏ qua")
    assert report.pages == pages


def test_a_crawl_reports_its_responses_while_it_runs_and_what_it_archived_at_the_end(tmp_path: Path) -> None:
    site = BulkSite(articles=40, per_page=10, article_delay=0.02)
    calls: list[Call] = []
    with site.server:
        registry = tmp_path / "sources.yaml"
        registry.write_text(yaml.safe_dump([site.source().model_dump(exclude_defaults=True)], allow_unicode=True),
                            encoding="utf-8")
        summary = crawl(registry, tmp_path / "archive.db", tmp_path / "logs", delay=0,
                        progress=lambda done, total, note: calls.append((done, total, note)))
    assert summary["bulk"].articles_fetched == 40
    fetched = [done for done, _, _ in calls]
    assert fetched == sorted(fetched)  # never backwards
    done, total, note = calls[-1]
    assert total == done and done >= 40 + 4  # the articles and the four list pages, at least
    assert note == "40 trang bài mới hoặc đã sửa"
    assert all(total is None for _, total, _ in calls[:-1])  # a crawl's total is unknown until it ends
    assert not list((tmp_path / "logs").glob("*.progress.json"))  # the exchange file is gone


def test_progress_bars_are_drawn_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr(cli, "console", Console(file=out, width=160, force_terminal=True))
    with cli._progress():
        report = reporter("process")
        assert report is not None
        for done in range(1, 11):
            report(done, 10, f"{done} bài, 0 bỏ qua")
    drawn = out.getvalue()
    assert "Xử lý" in drawn and "10/10" in drawn and "trang/giây" in drawn and "10 bài, 0 bỏ qua" in drawn

    plain = io.StringIO()
    monkeypatch.setattr(cli, "console", Console(file=plain, width=160))  # a pipe or a log file
    with cli._progress():
        assert reporter("process") is None  # the stages skip counting and print their lines as before
    assert plain.getvalue() == ""
