"""Incremental, resumable crawling, counted in the requests the site actually received."""

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from typer.testing import CliRunner

from flows.processing import process_archive
from pipelines.tagging import load_taxonomy
from portalwatch.cli import app
from portalwatch.core.config import PACKAGE_DIR
from portalwatch.core.models import Source
from portalwatch.fixture_portals.bulk import BulkSite
from portalwatch.fixture_portals.hostile import article_html
from portalwatch.fixture_portals.loopback import LoopbackServer, Reply
from portalwatch.state.archive import RawArchive
from portalwatch.store.base import SearchQuery
from portalwatch.store.outbox import Outbox
from portalwatch.store.sqlite import SQLiteStore
from tests.support import run_crawl

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def article_fetches(site: BulkSite) -> Counter[str]:
    """Article pages served in full (200), per path."""
    return Counter(s.path for s in site.server.log if s.path.startswith("/bai/") and s.status == 200)


def count(archive: Path, sql: str) -> int:
    if not archive.exists():
        return 0
    try:
        with sqlite3.connect(archive, timeout=1) as db:
            return db.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def archived_count(archive: Path) -> int:
    return count(archive, "SELECT COUNT(*) FROM pages")


def found_count(archive: Path) -> int:
    """Articles archived or waiting in the frontier: what the crawl has found so far."""
    return count(archive, "SELECT COUNT(*) FROM (SELECT url FROM pages UNION "
                          "SELECT url FROM frontier WHERE kind = 'article')")


def test_a_crawl_killed_midway_resumes_without_duplicates_or_losses(tmp_path: Path) -> None:
    site = BulkSite(articles=240, per_page=40, article_delay=0.05)
    archive = tmp_path / "archive.db"
    with site.server:
        registry = tmp_path / "sources.yaml"
        registry.write_text(yaml.safe_dump([site.source(concurrency=2).model_dump(exclude_defaults=True)]))
        crawl = subprocess.Popen([sys.executable, "-m", "crawlers.run", "--sources", str(registry), "--archive",
                                  str(archive), "--delay", "0", "--log-file", str(tmp_path / "killed.log")])
        # Killed once every list was read (so everything left is in the frontier) and 60 pages are on disk.
        deadline = time.monotonic() + 60
        while ((archived_count(archive) < 60 or found_count(archive) < 240) and time.monotonic() < deadline
               and crawl.poll() is None):
            time.sleep(0.05)
        os.kill(crawl.pid, signal.SIGKILL)
        crawl.wait()
        killed_at = archived_count(archive)
        assert 60 <= killed_at < 240, "the crawl should have been killed midway"
        before = article_fetches(site)

        # The next crawl may read one list page only: what the killed crawl had found must come from
        # the frontier, not from finding it again on the lists.
        stats = run_crawl(tmp_path, site.source(concurrency=2, max_list_pages=1))["bulk"]
        after = article_fetches(site) - before

    assert archived_count(archive) == 240  # no article lost
    assert stats.articles_fetched == 240 - killed_at
    # The second crawl fetched exactly what was not on disk yet, each page once: no archived page again.
    assert all(n == 1 for n in after.values())
    assert sum(after.values()) == 240 - killed_at
    # Pages served just before the kill but not yet written are the only ones asked twice.
    assert len(set(before) & set(after)) <= 16  # at most CONCURRENT_REQUESTS


def test_list_pages_over_the_budget_are_read_by_the_next_crawls(tmp_path: Path) -> None:
    site = BulkSite(articles=100, per_page=20)
    with site.server:
        source = site.source(max_list_pages=2)
        fetched = [run_crawl(tmp_path, source)["bulk"].articles_fetched for _ in range(4)]
        served = article_fetches(site)
    # Two list pages a crawl: the first crawl reads the two newest, each later one the front page
    # (nothing new there) and the oldest page it could not reach, until the archive is complete.
    assert fetched == [40, 20, 20, 20]
    assert archived_count(tmp_path / "archive.db") == 100
    assert len(served) == 100 and set(served.values()) == {1}


def test_an_unchanged_site_costs_its_sitemap_and_a_changed_article_keeps_its_history(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = BulkSite(articles=30)
    archive_path = tmp_path / "archive.db"
    with site.server:
        source = site.source(sitemap=True)
        assert run_crawl(tmp_path, source)["bulk"].articles_fetched == 30
        first = len(site.server.log)

        again = run_crawl(tmp_path, source)["bulk"]
        second = [s for s in site.server.log[first:] if s.path != "/robots.txt"]
        assert [(s.path, s.status) for s in second] == [("/sitemap.xml", 304)]
        assert again.health == "unchanged"

        correction = "Cập nhật: danh sách đại biểu đã được điều chỉnh theo kết luận của Ban Thường vụ."
        site.edit(7, correction)
        third_from = len(site.server.log)
        changed = run_crawl(tmp_path, source)["bulk"]
        third = [(s.path, s.status) for s in site.server.log[third_from:] if s.path != "/robots.txt"]
    assert third == [("/sitemap.xml", 200), (site.href(7), 200)]
    assert changed.articles_changed == 1 and changed.articles_fetched == 0

    with RawArchive(archive_path) as archive:
        url = f"{site.base}{site.href(7)}"
        [previous] = archive.revisions(url)
        assert b"danh s\xc3\xa1ch \xc4\x91\xe1\xba\xa1i bi\xe1\xbb\x83u" not in previous.body
        store = SQLiteStore(tmp_path / "store.db")
        try:
            process_archive(archive, store, load_taxonomy(PACKAGE_DIR / "taxonomy.yaml"), Outbox(tmp_path / "out"))
            hits = store.search(SearchQuery(text="danh sách đại biểu đã được điều chỉnh", limit=5)).hits
        finally:
            store.close()
    assert [h.article.url for h in hits] == [url]

    monkeypatch.setenv("PORTALWATCH_DATA_DIR", str(tmp_path))
    shown = CliRunner().invoke(app, ["history", url])
    versions = [line for line in shown.output.splitlines() if "Tin hoạt động cơ sở số 7" in line]
    lengths = [int(re.search(r"(\d+) ký tự", line).group(1)) for line in versions]  # type: ignore[union-attr]
    assert len(lengths) == 2 and lengths[0] < lengths[1]  # the original, then the corrected, longer one
    assert f"thêm {len(correction.split())} từ, bớt 0 từ" in versions[1]  # what the correction changed


def _age(archive: Path, hours: float) -> None:
    """Move every archived page's first and last fetch, and when each entry page was last asked, back in time,
    as if the hours had passed."""
    with sqlite3.connect(archive) as db:
        for table, column in (("pages", "first_fetched_at"), ("pages", "fetched_at"), ("entry_pace", "checked_at")):
            db.execute(f"UPDATE {table} SET {column} = strftime('%Y-%m-%dT%H:%M:%f+00:00', {column}, ?)",
                       (f"-{hours * 3600:.0f} seconds",))


def test_a_correction_on_a_site_without_sitemap_is_caught_by_the_decaying_rechecks(tmp_path: Path) -> None:
    """The list page shows the same links after an edit, so only asking the article again finds it: once an
    hour after its first fetch, a day, a week, conditionally (an unchanged article costs a 304)."""
    site = BulkSite(articles=12)
    archive = tmp_path / "archive.db"
    articles = {site.href(n) for n in range(1, 13)}
    with site.server:
        source = site.source()  # list pages only
        assert run_crawl(tmp_path, source)["bulk"].articles_fetched == 12
        site.edit(5, "Đính chính: hội nghị diễn ra vào sáng thứ Năm, không phải thứ Tư như tin trước.")

        start = len(site.server.log)
        soon = run_crawl(tmp_path, source)["bulk"]  # within the hour: the correction is not looked for yet
        assert not articles & {s.path for s in site.server.log[start:]}
        assert soon.rechecked == 0

        _age(archive, 1.5)
        start = len(site.server.log)
        later = run_crawl(tmp_path, source)["bulk"]
        asked = Counter((s.path, s.status) for s in site.server.log[start:] if s.path in articles)
        assert asked == Counter({**{(p, 304): 1 for p in articles - {site.href(5)}}, (site.href(5), 200): 1})
        assert later.rechecked == 12 and later.articles_changed == 1 and later.articles_fetched == 0

        start = len(site.server.log)
        run_crawl(tmp_path, source)  # the hour's check is done; the day's is not due
        assert not articles & {s.path for s in site.server.log[start:]}

        _age(archive, 24)
        start = len(site.server.log)
        assert run_crawl(tmp_path, source)["bulk"].rechecked == 12
        assert {(s.path, s.status) for s in site.server.log[start:] if s.path in articles} == \
            {(p, 304) for p in articles}

    with RawArchive(archive) as state:
        [before] = state.revisions(f"{site.base}{site.href(5)}")
        assert "Đính chính".encode() not in before.body
        assert "Đính chính".encode() in state.page(f"{site.base}{site.href(5)}").body  # type: ignore[union-attr]


@pytest.mark.parametrize("corrects", [False, True])
def test_rechecks_thin_out_on_a_source_that_never_corrects_and_stay_on_one_that_does(
        tmp_path: Path, corrects: bool) -> None:
    """A week after their first fetch, articles are asked a third time only where the earlier rechecks ever
    found a change: a source whose 60 articles all came back unchanged is then asked once, a day after."""
    site = BulkSite(articles=60)  # more than the evidence the crawler waits for before it thins out
    archive = tmp_path / "archive.db"
    articles = {site.href(n) for n in range(1, 61)}
    with site.server:
        source = site.source()
        run_crawl(tmp_path, source)
        if corrects:
            site.edit(7, "Cập nhật: số liệu được điều chỉnh theo báo cáo mới của Sở.")
        for hours in (1.5, 24):  # the hour's and the day's recheck: every article, on either schedule
            _age(archive, hours)
            start = len(site.server.log)
            run_crawl(tmp_path, source)
            assert {s.path for s in site.server.log[start:] if s.path in articles} == articles

        _age(archive, 24 * 6)  # a week after the first fetch
        start = len(site.server.log)
        run_crawl(tmp_path, source)
        asked = {s.path for s in site.server.log[start:] if s.path in articles}
        assert asked == (articles if corrects else set())


def _visits(tmp_path: Path, site: BulkSite, source: Source, plan: list[tuple[int, float]],
            pages: tuple[str, ...]) -> list[tuple[int, ...]]:
    """Crawls of the source, each after the site published some articles and some hours passed (plan); per
    crawl, how many times each of the pages was asked."""
    asked = []
    with site.server:
        for publish, hours in plan:
            site.articles += publish
            if hours:
                _age(tmp_path / "archive.db", hours)
            start = len(site.server.log)
            run_crawl(tmp_path, source)
            paths = [s.path for s in site.server.log[start:]]
            asked.append(tuple(paths.count(page) for page in pages))
    return asked


def test_an_entry_page_that_repeats_another_rests_and_one_with_articles_of_its_own_is_read_every_visit(
        tmp_path: Path) -> None:
    """Two list pages of one source: the first shows ten old articles and never a new one, the second is where
    new articles appear. After a visit in which the first brought nothing of its own it rests an hour (then
    longer); the second is asked on every visit, and no article is missed."""
    site = BulkSite(articles=12, per_page=10)  # oldest first: page 1 keeps articles 1-10, page 2 gets the rest
    source = site.source().model_copy(update={"list_pages": [f"{site.base}/tin-moi", f"{site.base}/tin-moi?trang=2"]})
    asked = _visits(tmp_path, site, source, [(0, 0), (3, 0), (2, 0), (1, 1.5), (1, 0)],
                    ("/tin-moi", "/tin-moi?trang=2"))
    # Visit 1: both bring new articles. Visit 2: only page 2 does, so page 1 rests through visit 3; an hour and a
    # half later (visit 4) it is asked again, brings nothing again, and rests two hours: not asked in visit 5.
    assert asked == [(1, 1), (1, 1), (0, 1), (1, 1), (0, 1)]
    assert article_fetches(site) == Counter({site.href(n): 1 for n in range(1, 20)})


def test_of_a_sitemap_and_a_list_page_listing_the_same_articles_the_sitemap_is_read_each_visit(tmp_path: Path) -> None:
    """A sitemap and a list page that both show every article: one request a visit serves, the sitemap (lighter,
    dated); the list page is asked again only when its rest is over."""
    site = BulkSite(articles=20, per_page=100)
    source = site.source(sitemap=True).model_copy(update={"list_pages": [f"{site.base}/tin-moi"]})
    asked = _visits(tmp_path, site, source, [(0, 0), (2, 0), (2, 0.5), (2, 1)], ("/sitemap.xml", "/tin-moi"))
    assert asked == [(1, 1), (1, 0), (1, 0), (1, 1)]
    assert article_fetches(site) == Counter({site.href(n): 1 for n in range(1, 27)})


def test_a_child_sitemap_unchanged_since_its_index_was_last_read_is_not_asked_again(tmp_path: Path) -> None:
    """A news site's sitemap index names a child per month (years of them): only the children whose <lastmod>
    moved since the last visit are asked again; every article is still found once."""
    parts = {"cu": list(range(1, 6)), "moi": [6, 7, 8]}
    stamps = {"cu": datetime(2026, 10, 31, tzinfo=UTC), "moi": datetime(2026, 11, 20, tzinfo=UTC)}

    def route(target: str, headers: dict[str, str]) -> Reply:
        path = urlsplit(target).path
        if path == "/sitemap.xml":
            children = "".join(f"<sitemap><loc>{server.base}/sitemap-{part}.xml</loc>"
                               f"<lastmod>{stamps[part].isoformat()}</lastmod></sitemap>" for part in parts)
            return BulkSite.validated(f'<?xml version="1.0"?><sitemapindex xmlns="{SITEMAP_NS}">{children}'
                                      "</sitemapindex>".encode(), max(stamps.values()), headers, "application/xml")
        if path.startswith("/sitemap-"):
            part = path.removeprefix("/sitemap-").removesuffix(".xml")
            urls = "".join(f"<url><loc>{server.base}/bai/tin-{n}.html</loc></url>" for n in parts[part])
            return BulkSite.validated(f'<?xml version="1.0"?><urlset xmlns="{SITEMAP_NS}">{urls}</urlset>'.encode(),
                                      stamps[part], headers, "application/xml")
        if path.startswith("/bai/tin-"):
            return Reply(body=article_html(f"Tin số {path}").encode())
        return Reply(status=404, body=b"not found")

    server = LoopbackServer(route)
    source = Source(id="bao", name="Báo thử", homepage=f"{server.base}/", sitemaps=[f"{server.base}/sitemap.xml"],
                    article_pattern=r"/bai/tin-\d+\.html$")
    asked = []
    with server:
        for publish in (None, 9):
            if publish:  # this month's child gains an article, and its <lastmod> moves
                parts["moi"].append(publish)
                stamps["moi"] = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
            start = len(server.log)
            run_crawl(tmp_path, source)
            paths = [s.path for s in server.log[start:]]
            asked.append((paths.count("/sitemap-cu.xml"), paths.count("/sitemap-moi.xml")))
    assert asked == [(1, 1), (0, 1)]
    fetched = Counter(s.path for s in server.log if s.path.startswith("/bai/") and s.status == 200)
    assert fetched == Counter({f"/bai/tin-{n}.html": 1 for n in range(1, 10)})


def test_a_correction_to_an_article_its_news_sitemap_no_longer_lists_is_caught_by_the_rechecks(
        tmp_path: Path) -> None:
    """A news sitemap lists the latest four articles: their corrections move its <lastmod>; the six older ones
    it dropped are asked again on the decaying schedule, as on a site without a sitemap, once a sitemap was
    read in the crawl."""
    site = BulkSite(articles=10, per_page=50, sitemap_keeps=4)
    source = site.source(sitemap=True).model_copy(update={"list_pages": [f"{site.base}/tin-moi"]})
    articles = {site.href(n) for n in range(1, 11)}
    with site.server:
        assert run_crawl(tmp_path, source)["bulk"].articles_fetched == 10
        site.edit(2, "Đính chính: số liệu về diện tích lúa được sửa theo báo cáo của Sở.")  # no longer listed
        site.edit(9, "Cập nhật: thêm ý kiến của lãnh đạo huyện.")  # listed: its <lastmod> moves
        _age(tmp_path / "archive.db", 1.5)
        start = len(site.server.log)
        run_crawl(tmp_path, source)
        asked = Counter((s.path, s.status) for s in site.server.log[start:] if s.path in articles)
    older = {site.href(n) for n in (1, 3, 4, 5, 6)}
    assert asked == Counter({**{(p, 304): 1 for p in older}, (site.href(2), 200): 1, (site.href(9), 200): 1})
    with RawArchive(tmp_path / "archive.db") as state:
        assert "Đính chính".encode() in state.page(f"{site.base}{site.href(2)}").body  # type: ignore[union-attr]


def test_a_site_with_a_sitemap_is_not_rechecked_article_by_article(tmp_path: Path) -> None:
    """Its lastmod announces corrections (the test above this one's neighbour checks that): no extra requests."""
    site = BulkSite(articles=6)
    with site.server:
        source = site.source(sitemap=True)
        run_crawl(tmp_path, source)
        _age(tmp_path / "archive.db", 30)
        start = len(site.server.log)
        assert run_crawl(tmp_path, source)["bulk"].rechecked == 0
        assert [s.path for s in site.server.log[start:] if s.path != "/robots.txt"] == ["/sitemap.xml"]
