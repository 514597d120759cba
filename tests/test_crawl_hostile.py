"""The crawler against a portal that misbehaves in every way real ones do (a real Scrapy crawl on loopback)."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crawlers.summary import CrawlSummary
from pipelines.process import process_page
from pipelines.tagging import load_taxonomy
from portalwatch.cli import app
from portalwatch.core.config import PACKAGE_DIR
from portalwatch.core.models import Article, Source
from portalwatch.fixture_portals import hostile
from portalwatch.fixture_portals.hostile import HostileSite
from portalwatch.fixture_portals.loopback import LoopbackServer, Reply
from portalwatch.state.archive import RawArchive
from portalwatch.state.frontier import Frontier
from portalwatch.state.health import HealthLog
from tests.support import run_crawl


@dataclass
class HostileCrawl:
    site: HostileSite
    canary: LoopbackServer
    stats: CrawlSummary
    archive: Path

    def url(self, path: str) -> str:
        return self.site.base + path

    def skips(self) -> dict[str, str]:
        with RawArchive(self.archive) as archive:
            return {s.url.removeprefix(self.site.base): s.reason for s in archive.skips("crawl")}

    def archived(self) -> set[str]:
        with RawArchive(self.archive) as archive:
            return {url.removeprefix(self.site.base) for url in archive.fetched("tanlap-hostile")}


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileCrawl]:
    tmp = tmp_path_factory.mktemp("hostile")
    with LoopbackServer(lambda path, headers: Reply(body=b"secret")) as canary:
        site = HostileSite(canary.base)
        with site.server:
            stats = run_crawl(tmp, site.source())["tanlap-hostile"]
            yield HostileCrawl(site, canary, stats, tmp / "archive.db")


def test_ordinary_articles_and_redirects_within_the_site_are_archived(hostile_crawl: HostileCrawl) -> None:
    archived = hostile_crawl.archived()
    assert {*hostile.NORMAL, hostile.MOVED_TO, hostile.CP1258} <= archived
    assert hostile.MOVED not in archived  # kept under the address it moved to


def test_redirect_loops_and_redirects_out_of_the_source_are_refused(hostile_crawl: HostileCrawl) -> None:
    skips = hostile_crawl.skips()
    assert "vòng lặp chuyển hướng" in skips[hostile.LOOP_A]
    assert "sang trang khác (lien-ket-ngoai.example)" in skips[hostile.OFFSITE]
    assert "địa chỉ nội bộ 192.168.10.20" in skips[hostile.PRIVATE]
    assert "địa chỉ nội bộ 127.0.0.1" in skips[hostile.LOOPBACK]
    assert hostile_crawl.canary.log == []  # the other loopback server never saw a request


def test_a_50_mb_response_is_cut_off_and_recorded(hostile_crawl: HostileCrawl) -> None:
    assert "trang quá lớn (hơn 10 MB)" in hostile_crawl.skips()[hostile.HUGE]
    assert hostile.HUGE not in hostile_crawl.archived()


def test_a_windows_1258_page_with_a_wrong_charset_header_reads_correctly(hostile_crawl: HostileCrawl) -> None:
    with RawArchive(hostile_crawl.archive) as archive:
        page = next(p for p in archive.pages() if p.url.endswith(hostile.CP1258))
    assert "charset=utf-8" in page.content_type  # the server's header is wrong; the page says windows-1258
    article = process_page(page, load_taxonomy(PACKAGE_DIR / "taxonomy.yaml"))
    assert isinstance(article, Article)
    assert article.title == hostile.CP1258_TITLE
    assert "Nghị quyết của Tỉnh ủy về chuyển đổi số" in article.body


def test_a_slow_page_times_out_is_recorded_and_waits_for_the_next_crawl(hostile_crawl: HostileCrawl) -> None:
    assert "quá thời gian chờ (1 giây)" in hostile_crawl.skips()[hostile.SLOW]
    with RawArchive(hostile_crawl.archive) as archive:
        pending = dict(Frontier(archive.db).pending("tanlap-hostile"))
    assert pending.get(hostile_crawl.url(hostile.SLOW)) == "article"


def test_retry_after_is_waited_for_then_the_page_is_fetched(hostile_crawl: HostileCrawl) -> None:
    server = hostile_crawl.site.server
    for path in (hostile.RATE_LIMITED, hostile.MAINTENANCE):
        first, second = server.requests_to(path)
        assert (first.status, second.status) == (first.status, 200) and first.status in (429, 503)
        assert second.at - first.at >= 0.9
        assert path in hostile_crawl.archived()
    assert hostile_crawl.stats.retry_after_waits == 2


def test_a_long_retry_after_is_not_hammered_but_kept_for_later(hostile_crawl: HostileCrawl) -> None:
    assert len(hostile_crawl.site.server.requests_to(hostile.LONG_WAIT)) == 1
    assert "HTTP 429 (Retry-After: 3600" in hostile_crawl.skips()[hostile.LONG_WAIT]
    with RawArchive(hostile_crawl.archive) as archive:
        pending = dict(Frontier(archive.db).pending("tanlap-hostile"))
    assert hostile_crawl.url(hostile.LONG_WAIT) in pending


def test_robots_txt_is_obeyed(hostile_crawl: HostileCrawl) -> None:
    assert hostile_crawl.site.server.requests_to(hostile.FORBIDDEN) == []
    assert "robots.txt" in hostile_crawl.skips()[hostile.FORBIDDEN]


def test_paging_and_calendar_traps_end_at_the_first_page_with_nothing_new(hostile_crawl: HostileCrawl) -> None:
    server = hostile_crawl.site.server
    assert len(server.requests_to("/tin-tuc?trang=")) == 1  # page 2 repeats page 1: paging stops there
    assert server.requests_to(hostile.CALENDAR) == []


def test_every_response_is_kept_in_a_readable_warc(hostile_crawl: HostileCrawl) -> None:
    from warcio.archiveiterator import ArchiveIterator

    records = []
    for path in sorted((hostile_crawl.archive.parent / "warc" / "tanlap-hostile").glob("*.warc.gz")):
        with path.open("rb") as stream:
            records += [(r.rec_headers.get_header("WARC-Target-URI").removeprefix(hostile_crawl.site.base),
                         r.http_headers.get_statuscode(), r.content_stream().read())
                        for r in ArchiveIterator(stream) if r.rec_type == "response"]
    statuses = {(url, status) for url, status, _ in records}
    # Lists, articles, redirects and errors alike, with their bodies.
    assert {("/tin-tuc", "200"), (hostile.MOVED, "301"), (hostile.LONG_WAIT, "429"), (hostile.NORMAL[0], "200")} \
        <= statuses
    body = next(b for url, status, b in records if url == hostile.NORMAL[0])
    assert "Bài viết thử nghiệm".encode() in body
    # One record per response the site gave; the slow and the huge page were cut off, so gave none.
    served = [s for s in hostile_crawl.site.server.log if s.path not in (hostile.SLOW, hostile.HUGE)]
    assert len(records) == len(served)


def test_requests_identify_the_crawler_with_a_contact_url(hostile_crawl: HostileCrawl) -> None:
    agents = {seen.headers.get("user-agent", "") for seen in hostile_crawl.site.server.log}
    assert agents and all(a.startswith("portalwatch/") and "(+http" in a for a in agents)


def test_a_working_site_with_bad_pages_is_healthy_and_its_errors_are_counted(hostile_crawl: HostileCrawl) -> None:
    assert hostile_crawl.stats.health == "ok"
    assert hostile_crawl.stats.failures >= 8


def test_an_unchanged_site_costs_one_conditional_request(hostile_crawl: HostileCrawl, tmp_path: Path) -> None:
    """Re-crawl: the list page answers 304; only URLs left in the frontier (slow, rate-limited) are retried."""
    server = hostile_crawl.site.server
    before = len(server.log)
    stats = run_crawl(hostile_crawl.archive.parent, hostile_crawl.site.source())["tanlap-hostile"]
    again = [s for s in server.log[before:] if s.path != "/robots.txt"]
    listing = [s for s in again if s.path.startswith("/tin-tuc?") or s.path == "/tin-tuc"]
    assert [s.status for s in listing] == [304]
    assert {s.path for s in again} - {"/tin-tuc"} == {hostile.SLOW, hostile.LONG_WAIT}
    assert stats.health == "unchanged"


@pytest.mark.parametrize(("mode", "reason"), [("captcha", "captcha"), ("login", "đăng nhập")])
def test_block_pages_are_reported_and_a_source_blocked_twice_is_backed_off(mode: str, reason: str,
                                                                            tmp_path: Path) -> None:
    site = HostileSite("http://127.0.0.1:9")
    site.mode = mode
    with site.server:
        first = run_crawl(tmp_path, site.source())["tanlap-hostile"]
        assert first.health == "blocked" and reason in first.health_message
        assert run_crawl(tmp_path, site.source())["tanlap-hostile"].health == "blocked"
        before = len(site.server.log)
        third = run_crawl(tmp_path, site.source())["tanlap-hostile"]
        assert third.health == "backed_off" and "tạm hoãn" in third.health_message
        assert len(site.server.log) == before  # resting: not asked at all
        assert run_crawl(tmp_path, site.source(), force=True)["tanlap-hostile"].health == "blocked"


def test_a_layout_change_that_hides_every_article_is_not_mistaken_for_a_quiet_week(tmp_path: Path) -> None:
    site = HostileSite("http://127.0.0.1:9")
    source = site.source(max_articles=3)
    with site.server:
        assert run_crawl(tmp_path, source)["tanlap-hostile"].health == "ok"
        site.mode = "relayout"
        changed = run_crawl(tmp_path, source)["tanlap-hostile"]
    assert changed.health == "empty"
    assert "bố cục trang có thể đã đổi" in changed.health_message
    with HealthLog(tmp_path / "archive.db") as health:
        assert [r.status for r in health.history("tanlap-hostile")] == ["empty", "ok"]


def test_a_dead_source_is_reported_as_failing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dead = Source(id="chet", name="Nguồn không còn", homepage="http://127.0.0.1:9/", list_pages=["http://127.0.0.1:9/tin"])
    stats = run_crawl(tmp_path, dead)["chet"]
    assert stats.health == "failed"
    assert "không kết nối được" in stats.health_message
    monkeypatch.setenv("PORTALWATCH_DATA_DIR", str(tmp_path))  # --data-dir would leak into later tests
    shown = CliRunner().invoke(app, ["sources"])
    assert shown.exit_code == 1  # a failing source makes `portalwatch sources` fail, for cron and monitoring
    row = next(line for line in shown.output.splitlines() if "chet" in line)
    assert "lỗi" in row
