"""The web interface in a real browser: Debian's chromium driven by Playwright against uvicorn on loopback."""

import csv
import io
import os
import shutil
import struct
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, expect, sync_playwright

from pipelines.tagging import load_taxonomy
from portalwatch import fixture_portals
from portalwatch.core import VN_TZ
from portalwatch.core.config import PACKAGE_DIR, Settings
from portalwatch.core.models import TopicTag
from portalwatch.core.plans import load_plans
from portalwatch.fixture_portals.content import load_articles
from portalwatch.reports.charts import MAX_LINES
from portalwatch.state.alerts import AlertLog
from portalwatch.state.health import CrawlStats, HealthLog
from portalwatch.store import open_store
from portalwatch.web.auth import Users
from tests.support import SOURCE_OF_SITE, fixture_store_articles, make, plan_coverage, serve_web

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FIXTURES, GROUPS = fixture_store_articles()
EVIDENCE = make("http://tinh.test/bang-chung.html", "Chi bộ học tập Chỉ thị 05-CT/TW",
                "Chi bộ tổ chức học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh.",
                datetime(2026, 11, 18, 9, tzinfo=VN_TZ), source="binhgiang-gov").model_copy(update={"topics": [
                    TopicTag(topic_id="hoc-tap-lam-theo-bac", score=4.5, phrases=["làm theo", "phong cách Hồ Chí Minh"],
                             directives=["05-CT/TW"], section="Xây dựng Đảng")]})


def _downloads_the_chart_as_png(page: Page, chart: Locator, saved: Path) -> None:
    """The page's "Tải PNG" link gives a PNG of the chart's very size."""
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải PNG").click()
    download.value.save_as(saved)
    png = saved.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", png[16:24]) == (int(chart.get_attribute("width") or 0),
                                                int(chart.get_attribute("height") or 0))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium (Playwright cannot download its own browsers here), for this module only: Playwright's
    sync API keeps an event loop marked running in the main thread while it is started, and Prefect's
    sync-or-async calls in later tests would then return coroutines."""
    if not CHROMIUM:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it")
        pytest.skip("chromium is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=["--disable-gpu", "--disable-dev-shm-usage"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def _fill(settings: Settings) -> None:
    store = open_store(settings)
    store.upsert([*FIXTURES, EVIDENCE])
    store.set_duplicate_groups(GROUPS)
    store.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("web"))
    _fill(settings)
    shutil.copy(Path(fixture_portals.__file__).with_name("plans.yaml"), settings.plans_file)
    with serve_web(settings) as base:
        yield base


@pytest.fixture
def page_errors(page: Page) -> list[str]:
    """Console errors (a Content-Security-Policy refusal among them) of the test's page."""
    errors: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)
    page.on("console", record)
    return errors


def test_search_flow_type_submit_facet_reload(site: str, page: Page, page_errors: list[str]) -> None:
    story = next(a for a in load_articles() if len(a.sites) == 3)
    page.goto(site)
    page.get_by_label("Từ khóa").fill(f'"{story.title}"')
    page.get_by_role("button", name="Tìm").click()
    expect(page.locator("#total")).to_have_text("3")
    expect(page.locator("#stories")).to_have_text("1")
    source = SOURCE_OF_SITE[story.sites[1]]
    page.locator(".facets").get_by_role("link", name=source).click()
    expect(page.locator("#total")).to_have_text("1")
    assert f"source={source}" in page.url
    page.reload()
    expect(page.locator("#total")).to_have_text("1")
    expect(page.get_by_label("Từ khóa")).to_have_value(f'"{story.title}"')
    assert page_errors == []  # htmx ran under the policy: no eval, no inline script or style refused


def test_csv_download_has_a_bom_and_every_match(site: str, page: Page, tmp_path: Path) -> None:
    page.goto(f"{site}/?topic=chuyen-doi-so")
    expected = sum(1 for a in FIXTURES if "chuyen-doi-so" in a.topic_ids)
    expect(page.locator("#total")).to_have_text(str(expected))
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải CSV mọi bài khớp").click()
    saved = tmp_path / "export.csv"
    download.value.save_as(saved)
    body = saved.read_bytes()
    assert body.startswith("\ufeff".encode())
    assert len(list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))) - 1 == expected


def test_article_page_shows_the_evidence(site: str, page: Page) -> None:
    page.goto(f"{site}/bai/{EVIDENCE.id}")
    evidence = page.locator(".evidence")
    expect(evidence).to_contain_text("Học tập và làm theo tư tưởng")
    expect(evidence).to_contain_text("Cụm từ: làm theo, phong cách Hồ Chí Minh")
    expect(evidence).to_contain_text("Văn bản: 05-CT/TW")
    expect(evidence).to_contain_text("Chuyên mục: Xây dựng Đảng")


def test_search_works_without_javascript(site: str, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site)
    page.get_by_label("Nguồn").fill("binhgiang-gov")
    page.get_by_label("Biểu đồ").select_option("week")
    page.get_by_role("button", name="Tìm").click()
    expected = sum(1 for a in [*FIXTURES, EVIDENCE] if a.source_id == "binhgiang-gov")
    expect(page.locator("#total")).to_have_text(str(expected))
    expect(page.locator(".hits > li")).to_have_count(20)
    page.get_by_role("link", name="Trang sau »").click()
    expect(page.locator(".hits > li")).to_have_count(expected - 20)
    assert "cursor=" in page.url and "source=binhgiang-gov" in page.url
    context.close()


def test_a_screenshot_of_the_search_page(site: str, page: Page, tmp_path_factory: pytest.TempPathFactory) -> None:
    page.set_viewport_size({"width": 1200, "height": 1400})
    page.goto(f"{site}/?q=xay+dung+dang&interval=week")
    expect(page.locator("svg[role=img]")).to_contain_text("Số bài theo tuần")
    shot = Path(os.environ.get("PORTALWATCH_TEST_ARTIFACTS") or tmp_path_factory.mktemp("artifacts")) / "tim-kiem.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG") and struct.unpack(">I", png[16:20])[0] == 1200
    print(f"screenshot: {shot}")


def test_login_refused_then_accepted(tmp_path: Path, page: Page) -> None:
    settings = Settings(data_dir=tmp_path)
    _fill(settings)
    Users(settings.users_file).add("bientap", "mat-khau-dai-1", "reader")
    with serve_web(settings) as base:
        page.goto(f"{base}/?source=baobinhgiang")
        expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
        page.get_by_label("Tên đăng nhập").fill("bientap")
        page.get_by_label("Mật khẩu").fill("sai-mat-khau")
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page.get_by_role("alert")).to_have_text("Sai tên đăng nhập hoặc mật khẩu.")
        page.get_by_label("Mật khẩu").fill("mat-khau-dai-1")
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page.locator("header")).to_contain_text("bientap (chỉ đọc)")
        # back on the page asked for, its search kept
        expect(page.locator("#total")).to_have_text(str(sum(1 for a in FIXTURES if a.source_id == "baobinhgiang")))
        session = next(c for c in page.context.cookies() if c["name"] == "pw_session")
        assert session["httpOnly"] and session["sameSite"] == "Strict"
        page.get_by_role("button", name="Đăng xuất").click()
        expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
        signed_out = page.request.get(f"{base}/api/v1/health")  # with the context's cookies, none left
        assert signed_out.status == 401 and "Cần đăng nhập" in signed_out.json()["detail"]


def test_compare_page_overlays_two_named_queries(site: str, page: Page) -> None:
    page.goto(f"{site}/so-sanh")
    page.get_by_label("Tên 1").fill("Chuyển đổi số")
    page.get_by_label("Từ khóa 1").fill('"chuyển đổi số"')
    page.get_by_label("Tên 2").fill("Nông thôn mới")
    page.get_by_label("Từ khóa 2").fill('"nông thôn mới"')
    page.get_by_label("Biểu đồ").select_option("week")
    page.get_by_role("button", name="So sánh").click()
    chart = page.locator("figure.chart svg")
    expect(chart.locator("polyline")).to_have_count(2)
    expect(chart).to_contain_text("Chuyển đổi số")
    expect(chart).to_contain_text("Nông thôn mới")
    header = page.locator(".compare-table thead th")
    expect(header).to_have_text(["Nguồn", "Chuyển đổi số", "Nông thôn mới"])
    page.reload()
    expect(page.get_by_label("Từ khóa 2")).to_have_value('"nông thôn mới"')


def test_plan_grid_marks_a_bound_source_silent_on_the_campaign(site: str, page: Page) -> None:
    plan = load_plans(Path(fixture_portals.__file__).with_name("plans.yaml"))[-1]
    last = min(plan.until, max(a.published_at for a in [*FIXTURES, EVIDENCE]).date())
    coverage = plan_coverage(plan, last)
    monday = plan.start - timedelta(days=plan.start.weekday())
    weeks = [(monday + timedelta(days=7 * i)).isoformat() for i in range((last - monday).days // 7 + 1)]
    silent = [(source, week) for source, row in coverage.items() for week in weeks if not row[week]]
    assert silent, "the fixtures should leave a gap in this plan"
    page.goto(f"{site}/ke-hoach")
    grid = page.locator(f'section.plan:has(h2:text-is("{plan.name}"))')
    for source, week in silent:
        cell = grid.locator(f'td[data-source="{source}"][data-week="{week}"]')
        expect(cell).to_have_class("gap")
        expect(cell).to_have_text("0 ✗")


@pytest.fixture(scope="module")
def signed_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, str]]:
    """A server where everyone signs in: an admin and a reader."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("roles"))
    _fill(settings)
    Users(settings.users_file).add("quantri", "mat-khau-dai-1", "admin")
    Users(settings.users_file).add("bientap", "mat-khau-dai-1", "reader")
    with serve_web(settings) as base:
        yield settings, base


def _sign_in(page: Page, base: str, name: str) -> None:
    page.goto(f"{base}/dang-nhap")
    page.get_by_label("Tên đăng nhập").fill(name)
    page.get_by_label("Mật khẩu").fill("mat-khau-dai-1")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("header")).to_contain_text(name)


def _saved_queries(settings: Settings) -> dict[str, dict]:
    with AlertLog(settings.alerts_db) as log:
        return {s.name: s.query for s in log.saved_searches()}


def test_an_admin_saves_a_search_finds_it_listed_and_removes_it(signed_site: tuple[Settings, str], page: Page,
                                                                page_errors: list[str]) -> None:
    settings, base = signed_site
    expected = sum(1 for a in FIXTURES if "chuyen-doi-so" in a.topic_ids and a.source_id == "baobinhgiang")
    _sign_in(page, base, "quantri")
    page.get_by_label("Chủ đề").select_option("chuyen-doi-so")
    page.get_by_label("Nguồn").fill("baobinhgiang")
    page.get_by_role("button", name="Tìm").click()
    expect(page.locator("#total")).to_have_text(str(expected))
    page.get_by_text("Lưu tìm kiếm").click()
    page.get_by_label("Tên tìm kiếm").fill("Chuyển đổi số trên báo tỉnh")
    page.get_by_label("Người nhận").fill("ban-tuyen-giao@binhgiang.test")
    page.get_by_label("Bài mới khớp").select_option("daily")
    page.get_by_role("button", name="Lưu", exact=True).click()

    expect(page).to_have_url(f"{base}/tim-kiem-da-luu")
    row = page.locator('tr[data-name="Chuyển đổi số trên báo tỉnh"]')
    expect(row).to_contain_text("ban-tuyen-giao@binhgiang.test")
    expect(row).to_contain_text("gộp theo ngày")
    assert _saved_queries(settings) == {"Chuyển đổi số trên báo tỉnh": {"topics": ["chuyen-doi-so"],
                                                                       "sources": ["baobinhgiang"]}}
    row.get_by_role("link", name="mọi bài").click()  # the query, back on the search page
    expect(page.locator("#total")).to_have_text(str(expected))
    page.go_back()
    page.locator('tr[data-name="Chuyển đổi số trên báo tỉnh"]').get_by_role("button", name="Xóa").click()
    expect(page.locator(".empty")).to_contain_text("Chưa có tìm kiếm nào được lưu.")
    assert _saved_queries(settings) == {}
    assert page_errors == []


def test_a_reader_sees_no_save_form(signed_site: tuple[Settings, str], page: Page) -> None:
    _, base = signed_site
    _sign_in(page, base, "bientap")
    page.goto(f"{base}/?topic=chuyen-doi-so")
    expect(page.locator("#total")).to_have_text(str(sum(1 for a in FIXTURES if "chuyen-doi-so" in a.topic_ids)))
    expect(page.get_by_text("Lưu tìm kiếm")).to_have_count(0)
    expect(page.locator("form.save-search")).to_have_count(0)
    page.get_by_role("link", name="Đã lưu").click()
    expect(page.get_by_role("heading", name="Tìm kiếm đã lưu")).to_be_visible()
    expect(page.get_by_role("button", name="Xóa")).to_have_count(0)
def test_directive_page_draws_the_spread_and_marks_the_silent_sources(tmp_path: Path, page: Page,
                                                                     page_errors: list[str]) -> None:
    settings = Settings(data_dir=tmp_path)
    _fill(settings)
    registry = [{"id": s, "name": f"Cổng {s}", "homepage": f"http://{s}.test/"}
                for s in [*SOURCE_OF_SITE.values(), "xa-im-lang"]]
    settings.sources_file.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
    everything = [*FIXTURES, EVIDENCE]
    number = "57-NQ/TW"
    citing = [a for a in everything if number in a.directives]
    first = {s: min(a.published_at for a in citing if a.source_id == s) for s in {a.source_id for a in citing}}
    days = (max(first.values()).date() - min(first.values()).date()).days + 1
    silent = [s["id"] for s in registry if s["id"] not in first]
    assert "dangbo-tanlap" in silent  # the fixtures leave a source silent on it
    with serve_web(settings) as base:
        page.goto(f"{base}/van-ban")
        expected = Counter(d for a in everything for d in a.directives)[number]
        row = page.locator("table.directives tr", has=page.get_by_role("link", name=number, exact=True))
        expect(row.locator("td").last).to_have_text(str(expected))
        row.get_by_role("link", name=number, exact=True).click()
        expect(page.locator("#number")).to_have_text(number)
        chart = page.locator("figure.chart svg")
        expect(chart).to_contain_text("Số nguồn đã dẫn theo ngày")
        expect(chart.locator("circle")).to_have_count(days)
        expect(page.locator("#cited")).to_have_text(str(len(first)))
        _downloads_the_chart_as_png(page, chart, tmp_path / "lan-toa.png")
        for source in silent:
            expect(page.locator(f'tr.silent[data-source="{source}"]')).to_contain_text("Chưa dẫn")
        earliest = min(first, key=lambda s: (first[s], s))
        cited = page.locator(f'tr[data-source="{earliest}"]')
        expect(cited).to_contain_text(first[earliest].strftime("%d/%m/%Y %H:%M"))
        cited.get_by_role("link").click()  # that source's articles citing it, on the search page
        expect(page.locator("#total")).to_have_text(str(sum(a.source_id == earliest for a in citing)))
        assert f"source={earliest}" in page.url and "directive=57-NQ%2FTW" in page.url
    assert page_errors == []


def test_share_by_topic_chosen_in_the_form_survives_a_reload_and_downloads_as_png(
        site: str, page: Page, tmp_path: Path) -> None:
    counts = Counter(t for a in [*FIXTURES, EVIDENCE] for t in a.topic_ids)
    top = sorted(counts, key=lambda t: (-counts[t], t))[:MAX_LINES]
    names = dict(load_taxonomy(PACKAGE_DIR / "taxonomy.yaml").names)
    page.goto(site)
    page.get_by_label("Đo bằng").select_option(label="tỷ lệ trên tổng số bài")
    page.get_by_label("Tách đường").select_option(label="theo chủ đề")
    page.get_by_role("button", name="Tìm").click()
    expect(page.locator("figure.chart svg")).to_contain_text("Tỷ lệ trên tổng số bài theo ngày")
    assert "mode=share" in page.url and "split=topic" in page.url
    page.reload()
    expect(page.get_by_label("Đo bằng")).to_have_value("share")
    expect(page.get_by_label("Tách đường")).to_have_value("topic")
    chart = page.locator("figure.chart svg")
    expect(chart.locator("polyline")).to_have_count(len(top))
    assert chart.locator("g.legend > title").all_text_contents() == [names[t] for t in top]
    expect(chart).to_contain_text("%")
    _downloads_the_chart_as_png(page, chart, tmp_path / "bieu-do.png")


def test_sources_page_draws_each_sources_articles_per_day_and_says_when_it_is_crawled_next(
        tmp_path: Path, page: Page, page_errors: list[str]) -> None:
    settings = Settings(data_dir=tmp_path)
    _fill(settings)
    ids = [*SOURCE_OF_SITE.values(), "xa-moi"]
    registry = [{"id": s, "name": f"Cổng {s}", "homepage": f"http://{s}.test/", "min_interval_minutes": 90}
                for s in ids]
    settings.sources_file.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
    crawled = datetime.now(UTC) - timedelta(minutes=30)
    with HealthLog(settings.archive_db) as health:
        health.record("baobinhgiang", crawled, CrawlStats(entry_pages=2, links_found=15, new_articles=3))
    everything = [*FIXTURES, EVIDENCE]
    last = max(a.published_at for a in everything).astimezone(VN_TZ).date()
    first = last - timedelta(days=29)
    with serve_web(settings) as base:
        page.goto(f"{base}/nguon")
        for source in ids:
            bars = page.locator(f"#nguon-{source} figure.chart.small svg rect")
            expect(bars).to_have_count(30)
            busiest = Counter(a.published_at.astimezone(VN_TZ).date() for a in everything
                              if a.source_id == source and first <= a.published_at.astimezone(VN_TZ).date())
            if busiest:  # the day it published most, as the bar's title says
                day, n = max(busiest.items(), key=lambda item: (item[1], item[0]))
                expect(bars.locator("title", has_text=f"{day:%d/%m/%Y}: {n} bài")).to_have_count(1)
        due = (crawled + timedelta(minutes=90)).astimezone(VN_TZ)
        planned = page.locator("#nguon-baobinhgiang td.next-crawl")
        expect(planned).to_contain_text(f"{due:%d/%m/%Y %H:%M}")
        expect(planned).to_contain_text("mới thu thập một lần: thử lại sau 1 giờ 30 phút")
        expect(page.locator("#nguon-xa-moi td.next-crawl")).to_contain_text("chưa thu thập lần nào")
    assert page_errors == []
