"""The Nguồn page and /api/v1/sources: each source's last crawl, failing and backing-off state, and skips
with their reasons, read from the crawl state a real health log and archive hold."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml

from portalwatch.core import VN_TZ
from portalwatch.core.config import Settings
from portalwatch.core.models import Skip
from portalwatch.state.archive import RawArchive
from portalwatch.state.health import CrawlStats, HealthLog
from tests.support import serve_web

HOSTILE_NAME = "Cổng <script>alert(1)</script>"


@pytest.fixture
def web(tmp_path: Path) -> Iterator[httpx.Client]:
    settings = Settings(data_dir=tmp_path)
    settings.sources_file.write_text(yaml.safe_dump([
        {"id": "tinh-a", "name": "Cổng tỉnh A", "homepage": "http://a.test/", "min_interval_minutes": 120},
        {"id": "tinh-b", "name": HOSTILE_NAME, "homepage": "http://b.test/"},
        {"id": "tinh-c", "name": "Cổng tỉnh C", "homepage": "http://c.test/"},
    ], allow_unicode=True), encoding="utf-8")
    now = datetime.now(UTC)
    with HealthLog(settings.archive_db) as health:
        health.record("tinh-a", now - timedelta(hours=1), CrawlStats(entry_pages=3, links_found=20, new_articles=4))
        for hours in (3, 2):  # two failures in a row: the source backs off
            health.record("tinh-b", now - timedelta(hours=hours), CrawlStats(last_error="Connection refused"))
    with RawArchive(settings.archive_db) as archive:
        for i, reason in enumerate(["không có ngày đăng", "không có ngày đăng", "HTTP 404"]):
            archive.record_skip(Skip(url=f"http://a.test/{i}", source_id="tinh-a", stage="process", reason=reason,
                                     recorded_at=now))
    with serve_web(settings) as base, httpx.Client(base_url=base, timeout=60) as client:
        yield client


def test_sources_page_shows_health_back_off_and_skips(web: httpx.Client) -> None:
    page = web.get("/nguon")
    assert page.status_code == 200
    text = page.text
    assert "<script>alert(1)" not in text and "&lt;script&gt;alert(1)" in text
    failing = text[text.index('id="nguon-tinh-b"'):text.index('id="nguon-tinh-c"')]
    assert 'class="problem"' in text[text.index('id="nguon-tinh-b"') - 40:text.index('id="nguon-tinh-b"')]
    assert "lỗi: không tải được trang nào: Connection refused" in failing and "tạm hoãn tới" in failing
    healthy = text[text.index('id="nguon-tinh-a"'):text.index('id="nguon-tinh-b"')]
    assert "bình thường" in healthy and "không có ngày đăng (2)" in healthy and "HTTP 404 (1)" in healthy
    assert "chưa thu thập" in text[text.index('id="nguon-tinh-c"'):]


def test_sources_api(web: httpx.Client) -> None:
    rows = {r["id"]: r for r in web.get("/api/v1/sources").json()}
    assert rows["tinh-a"]["status"] == "ok" and rows["tinh-a"]["skips"] == 3
    assert rows["tinh-a"]["skip_reasons"] == {"không có ngày đăng": 2, "HTTP 404": 1}
    assert rows["tinh-b"]["problem"] and rows["tinh-b"]["backoff_until"] is not None
    assert rows["tinh-c"]["last_crawl"] is None and rows["tinh-c"]["status_text"] == "chưa thu thập"


def test_each_sources_next_crawl_and_why(web: httpx.Client) -> None:
    rows = {r["id"]: r for r in web.get("/api/v1/sources").json()}
    # Crawled once an hour ago: tried again after its shortest interval (two hours), to learn its pace.
    once = rows["tinh-a"]
    assert datetime.fromisoformat(once["next_crawl"]) == datetime.fromisoformat(once["last_crawl"]) + timedelta(hours=2)
    assert once["reason"] == "mới thu thập một lần: thử lại sau 2 giờ để đo nhịp đăng bài"
    # Failing: not before its back-off ends.
    assert rows["tinh-b"]["next_crawl"] == rows["tinh-b"]["backoff_until"]
    assert "tạm hoãn" in rows["tinh-b"]["reason"]
    page = web.get("/nguon").text
    planned = page[page.index('id="nguon-tinh-a"'):page.index('id="nguon-tinh-b"')]
    due = datetime.fromisoformat(once["next_crawl"]).astimezone(VN_TZ)
    assert f"{due:%d/%m/%Y %H:%M}" in planned and "để đo nhịp đăng bài" in planned
    never = page[page.index('id="nguon-tinh-c"'):]
    assert "ngay" in never and "chưa thu thập lần nào" in never
    # An empty store: no articles per day to draw.
    assert 'class="chart small"' not in page and all(r["daily"] == {} for r in rows.values())


def test_digests_are_listed_shown_sandboxed_and_downloadable(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    settings.digest_dir.mkdir(parents=True)
    for week in ("2026-W46", "2026-W47"):
        for fmt in ("html", "md", "json", "csv"):
            (settings.digest_dir / f"digest-{week}.{fmt}").write_text(f"Bản tin {week} ({fmt})", encoding="utf-8")
    (tmp_path / "secret.html").write_text("bí mật", encoding="utf-8")
    with serve_web(settings) as base, httpx.Client(base_url=base) as web:
        listing = web.get("/ban-tin").text
        assert listing.index("Tuần 47/2026") < listing.index("Tuần 46/2026")  # newest first
        shown = web.get("/ban-tin/2026-W47.html")
        assert shown.text == "Bản tin 2026-W47 (html)"
        assert "sandbox" in shown.headers["content-security-policy"]
        assert "script-src" not in shown.headers["content-security-policy"]
        table = web.get("/ban-tin/2026-W46.csv")
        assert table.headers["content-disposition"].startswith("attachment")
        assert table.text == "Bản tin 2026-W46 (csv)"
        for name in ("2026-W48.html", "..%2Fsecret.html", "2026-W47.py"):
            assert web.get(f"/ban-tin/{name}").status_code == 404
        # The API lists the same weeks with their files, and serves a week's JSON.
        assert web.get("/api/v1/digests").json() == [
            {"week": week, "files": {fmt: f"/ban-tin/{week}.{fmt}" for fmt in ("html", "md", "json", "csv")}}
            for week in ("2026-W47", "2026-W46")]
        assert web.get("/api/v1/digests/2026-W46").text == "Bản tin 2026-W46 (json)"
        for week in ("2026-W48", "..%2Fsecret", "2026"):
            assert web.get(f"/api/v1/digests/{week}").status_code == 404
