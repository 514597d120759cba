"""The crawl state's one writer (the item pipeline) and the order its writes reach the disk."""

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import yaml
from scrapy.utils.test import get_crawler

from crawlers import stats as keys
from crawlers.items import Done, FetchFailed, LinksFound, PageFetched
from crawlers.pipelines import CrawlStatePipeline
from portalwatch.core.models import RawPage
from portalwatch.fixture_portals.bulk import BulkSite
from portalwatch.state.archive import RawArchive
from portalwatch.state.frontier import Frontier

ROOT = Path(__file__).parent.parent


def test_links_are_in_the_frontier_on_disk_before_their_requests_are_sent(tmp_path: Path) -> None:
    """Kill-safety: a crawl killed the moment a request leaves loses no URL, whatever it was."""
    site = BulkSite(articles=60, per_page=20)
    registry, report = tmp_path / "sources.yaml", tmp_path / "probe.json"
    with site.server:
        registry.write_text(yaml.safe_dump([site.source(max_list_pages=2).model_dump(exclude_defaults=True)],
                                           allow_unicode=True), encoding="utf-8")
        subprocess.run([sys.executable, "-m", "tests.frontier_probe", str(registry), str(tmp_path / "archive.db"),
                        str(report)], cwd=ROOT, check=True, timeout=300)
    seen = json.loads(report.read_text())
    # Two list pages may be read: the first (an entry page, never in the frontier) and its page 2,
    # which lead to articles 1-40.
    articles = {url.removeprefix(site.base) for url, kind, _ in seen if kind == "article"}
    assert articles == {site.href(n) for n in range(1, 41)}
    assert [url.removeprefix(site.base) for url, kind, _ in seen if kind == "list"] == ["/tin-moi?trang=2"]
    assert [url for url, _, in_frontier in seen if not in_frontier] == []


def pipeline(tmp_path: Path) -> tuple[CrawlStatePipeline, dict]:
    crawler = get_crawler(settings_dict={"PORTALWATCH_ARCHIVE": str(tmp_path / "archive.db")})
    assert crawler.stats is not None
    state = CrawlStatePipeline.from_crawler(crawler)
    state.open_spider()
    return state, crawler.stats.get_stats()


def page(url: str, body: str) -> RawPage:
    return RawPage(url=url, source_id="binhgiang-gov", status=200, fetched_at=datetime.now(UTC),
                   content_type="text/html; charset=utf-8", body=body.encode())


def test_the_state_pipeline_writes_each_item_and_counts_what_it_wrote(tmp_path: Path) -> None:
    base = "https://binhgiang.gov.vn/tin-tuc"
    state, stats = pipeline(tmp_path)
    state.process_item(LinksFound("binhgiang-gov", (f"{base}/a-1.html", f"{base}/a-2.html", f"{base}/a-3.html"),
                                  "article"))
    # Fetched under a redirect's target: the URL first asked for leaves the frontier too.
    state.process_item(PageFetched(page(f"{base}/a-1-moi.html", "<p>Bản tin số 1</p>"), f"{base}/a-1.html"))
    state.process_item(Done((f"{base}/a-2.html",)))
    for _ in range(2):
        state.process_item(FetchFailed("binhgiang-gov", f"{base}/a-3.html", "HTTP 503", permanent=False))
    state.process_item(PageFetched(page(f"{base}/a-1-moi.html", "<p>Bản tin số 1, đã sửa</p>"), f"{base}/a-1-moi.html"))
    state.close_spider()

    assert (stats[keys.ARTICLES_NEW], stats[keys.ARTICLES_CHANGED], stats[keys.FAILURES]) == (1, 1, 2)
    assert stats[keys.LAST_ERROR] == "HTTP 503"
    with RawArchive(tmp_path / "archive.db") as archive:
        assert set(archive.fetched("binhgiang-gov")) == {f"{base}/a-1-moi.html"}
        assert len(archive.revisions(f"{base}/a-1-moi.html")) == 1
        # Two transient failures of three allowed: still waiting for the next crawl, and said so.
        assert Frontier(archive.db).pending("binhgiang-gov") == [(f"{base}/a-3.html", "article")]
        [skip] = archive.skips("crawl")
        assert skip.reason == "HTTP 503 — sẽ thử lại ở lần thu thập sau"

    state, stats = pipeline(tmp_path)
    state.process_item(FetchFailed("binhgiang-gov", f"{base}/a-3.html", "HTTP 503", permanent=False))
    state.close_spider()
    with RawArchive(tmp_path / "archive.db") as archive:
        assert Frontier(archive.db).pending("binhgiang-gov") == []  # third failure: given up
        assert [s.reason for s in archive.skips("crawl")] == ["HTTP 503"]
