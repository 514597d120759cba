"""The whole pipeline against the fixture portals on loopback: real Scrapy crawl, real Prefect flows."""

import csv
import json
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pipelines.tagging import load_taxonomy
from portalwatch.cli import app
from portalwatch.core import VN_TZ
from portalwatch.core.config import PACKAGE_DIR
from portalwatch.core.models import Article
from portalwatch.core.normalize import fold, normalize_text
from portalwatch.fixture_portals.content import (
    SYNDICATION_DELAY_MINUTES,
    FixtureArticle,
    articles_on,
    load_articles,
)
from portalwatch.fixture_portals.server import SITE_CLASSES
from portalwatch.state.archive import RawArchive
from portalwatch.store.base import SearchQuery
from portalwatch.store.sqlite import SQLiteStore
from tests.support import SOURCE_OF_SITE, PipelineRun, fixture_week, make, published_on

COMMENT_FORM = ("Email của bạn", "Trả lời", "Bình luận", "Lưu tên của tôi", "Phản hồi")


@pytest.fixture
def store(pipeline_run: PipelineRun) -> Iterator[SQLiteStore]:
    opened = SQLiteStore(pipeline_run.settings.store_path)
    yield opened
    opened.close()


def stored(store: SQLiteStore) -> list[Article]:
    return [h.article for h in store.search(SearchQuery(limit=10000)).hits]


def by_site_and_title(store: SQLiteStore) -> dict[tuple[str, str], Article]:
    """Stored articles keyed by source and fixture title (titles are stored normalised)."""
    return {(a.source_id, a.title): a for a in stored(store)}


def key(site: str, title: str) -> tuple[str, str]:
    return SOURCE_OF_SITE[site], normalize_text(title)


def test_every_fixture_article_is_found_once_per_source(store: SQLiteStore) -> None:
    counts = store.search(SearchQuery(limit=0)).source_counts
    assert set(SOURCE_OF_SITE) == set(SITE_CLASSES)
    assert counts == {SOURCE_OF_SITE[site]: len(articles_on(site)) for site in SITE_CLASSES}
    assert store.count() == sum(counts.values())


def test_syndicated_articles_form_one_duplicate_group_led_by_the_earliest(store: SQLiteStore) -> None:
    articles = by_site_and_title(store)
    syndicated = [a for a in load_articles() if a.syndicated]
    assert syndicated
    for fixture in syndicated:
        copies = [articles[key(site, fixture.title)] for site in fixture.sites]
        original = copies[0]  # the first site publishes first; the other copies it later
        assert {c.duplicate_group for c in copies} == {original.id}
    assert any(len(a.sites) > 2 for a in syndicated), "one story is reposted by two sites"
    grouped = [a for a in articles.values() if a.duplicate_group]
    assert len(grouped) == sum(len(a.sites) for a in syndicated)
    assert store.search(SearchQuery(limit=0)).stories == len(load_articles())


def test_comment_forms_and_page_furniture_stay_out_of_bodies(store: SQLiteStore) -> None:
    for article in stored(store):
        for text in (*COMMENT_FORM, "Lượt xem", "Tin liên quan", "Đã truy cập", "Bài viết liên quan"):
            assert text not in article.body, (article.url, text)


def test_dates_parse_to_the_right_day_and_hour(store: SQLiteStore) -> None:
    articles = by_site_and_title(store)
    for fixture in load_articles():
        for site in fixture.sites:
            expected = fixture.published
            if site != fixture.sites[0]:
                expected += timedelta(minutes=SYNDICATION_DELAY_MINUTES)
            assert articles[key(site, fixture.title)].published_at == expected, fixture.slug


def test_query_without_diacritics_finds_text_with_them(pipeline_run: PipelineRun) -> None:
    fixture = next(a for a in load_articles() if "xay-dung-dang" in a.topics)
    result = CliRunner().invoke(app, ["search", fold(fixture.title), "--format", "json"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)["hits"]
    assert hits[0]["title"] == normalize_text(fixture.title)


def test_cli_search_with_topic_and_date_filters(pipeline_run: PipelineRun) -> None:
    args = ["search", "xay dung dang", "--topic", "xay-dung-dang", "--since", "2026-11-01", "--format", "json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["total"] == len(data["hits"]) > 0
    for hit in data["hits"]:
        assert "xay-dung-dang" in [t["topic_id"] for t in hit["topics"]]
        assert hit["published_at"] >= "2026-11-01"
    assert data["topic_counts"]["xay-dung-dang"] == data["total"]
    table = CliRunner().invoke(app, [*args[:-2], "--limit", "3"], env={"COLUMNS": "400"})  # as a table
    assert table.exit_code == 0, table.output
    # Each hit shows where to read it and why it matched; the facets name the topics in Vietnamese.
    for hit in data["hits"][:3]:
        assert hit["url"] in table.output
    assert "xây dựng Đảng" in table.output.split("Số bài theo chủ đề")[0]  # a snippet with the match
    assert "Xây dựng, chỉnh đốn Đảng và hệ thống chính trị" in table.output
    assert "--cursor 3" in table.output  # how to see the next page

    typo = CliRunner().invoke(app, ["search", "--topic", "xay-dung-dag"], env={"COLUMNS": "200"})
    assert typo.exit_code == 2 and "có phải xay-dung-dang?" in typo.output  # not an empty result


def test_cli_pages_through_every_match_with_the_printed_cursor(pipeline_run: PipelineRun) -> None:
    seen: list[str] = []
    args = ["search", "dang", "--limit", "7", "--format", "json"]
    while True:
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        seen += [hit["id"] for hit in data["hits"]]
        if not data["next_cursor"]:
            break
        args = ["search", "dang", "--limit", "7", "--format", "json", "--cursor", data["next_cursor"]]
    assert len(seen) == len(set(seen)) == data["total"] > 7
    bad = CliRunner().invoke(app, ["search", "dang", "--cursor", "abc"])
    assert bad.exit_code != 0 and "Mã trang sau không hợp lệ" in str(bad.exception)


def test_cli_exports_every_match_as_csv(pipeline_run: PipelineRun, tmp_path: Path) -> None:
    args = ["search", "xay dung dang", "--since", "2026-11-01", "--limit", "2"]
    expected = json.loads(CliRunner().invoke(app, [*args, "--limit", "500", "--format", "json"]).output)
    out = tmp_path / "ket-qua.csv"
    result = CliRunner().invoke(app, [*args, "--format", "csv", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8 only with the BOM
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == expected["total"] > 2  # every match, not one page
    assert list(rows[0]) == ["Ngày đăng", "Mã nguồn", "Tỉnh", "Tiêu đề", "Địa chỉ", "Chủ đề", "Văn bản chỉ đạo",
                             "Mã tin", "Tác giả", "Sa pô"]  # headers in Vietnamese, for spreadsheet users
    assert sorted(r["Địa chỉ"] for r in rows) == sorted(h["url"] for h in expected["hits"])
    published = [datetime.fromisoformat(r["Ngày đăng"]) for r in rows]
    assert published == sorted(published, reverse=True)  # newest first
    first = next(h for h in expected["hits"] if h["url"] == rows[0]["Địa chỉ"])
    assert rows[0]["Tiêu đề"] == first["title"]
    assert rows[0]["Chủ đề"] == "; ".join(t["topic_id"] for t in first["topics"])
    assert rows[0]["Ngày đăng"].endswith("+07:00")
    assert len({r["Mã tin"] for r in rows}) == expected["stories"]


def stored_copies(store: SQLiteStore, monday: date) -> list[tuple[FixtureArticle, Article]]:
    """The stored article of each fixture copy the YAML dates in the week of `monday` (Vietnam time).

    Which articles belong to the week comes from the fixture content; the stored article gives only
    what the pipeline made of each (its topics, as tagged, and its directives).
    """
    articles = by_site_and_title(store)
    site_of = {source: site for site, source in SOURCE_OF_SITE.items()}
    return [(fixture, articles[key(site_of[source], fixture.title)]) for source, fixture in fixture_week(monday).copies]


def topic_counts(copies: list[tuple[FixtureArticle, Article]]) -> Counter[str]:
    return Counter(t for _, article in copies for t in article.topic_ids)


def test_digest_counts_the_fixture_week(pipeline_run: PipelineRun, store: SQLiteStore) -> None:
    paths = pipeline_run.result["digest"]
    digest = json.loads(Path(paths["json"]).read_text(encoding="utf-8"))
    monday = date(2026, 11, 16)
    week, before = fixture_week(monday), fixture_week(monday - timedelta(days=7))
    assert (digest["start"], digest["end"]) == ("2026-11-16", "2026-11-22")
    assert digest["articles"] == week.articles == 30  # the YAML's week 47
    assert digest["stories"] == week.stories
    assert digest["previous_articles"] == before.articles
    assert {s["id"]: s["articles"] for s in digest["sources"]} == week.source_counts()
    assert {s["id"]: s["previous"] for s in digest["sources"]} == before.source_counts()
    this, previous = stored_copies(store, monday), stored_copies(store, monday - timedelta(days=7))
    assert {t["id"]: t["articles"] for t in digest["topics"] if t["articles"]} == topic_counts(this)
    assert {t["id"]: t["previous"] for t in digest["topics"] if t["previous"]} == topic_counts(previous)
    html = Path(paths["html"]).read_text(encoding="utf-8")
    assert "Bản tin theo dõi tuyên truyền tuần 2026-W47" in html
    assert f"<strong>{week.articles}</strong> bài viết" in html
    markdown = Path(paths["md"]).read_text(encoding="utf-8")
    assert "## Theo chủ đề tuyên truyền" in markdown


def test_bad_pages_are_recorded_as_skips_with_reasons(pipeline_run: PipelineRun) -> None:
    with RawArchive(pipeline_run.settings.archive_db) as archive:
        skips = {s.url.rsplit("/", 1)[-1]: s for s in archive.skips()}
    assert skips["bai-viet-da-go-9003.html"].stage == "crawl"
    assert skips["bai-viet-da-go-9003.html"].reason == "HTTP 404"
    assert "không trích xuất được nội dung" in skips["trang-loi-du-lieu-9001.html"].reason
    assert skips["gioi-thieu-chung-ve-tinh-binh-giang-9002.html"].reason == "không tìm thấy ngày đăng trên trang"
    assert len(skips) == 3
    assert pipeline_run.result["process"]["skipped"] == 2
    dead = skips["bai-viet-da-go-9003.html"]
    shown = CliRunner().invoke(app, ["skips", "--source", dead.source_id], env={"COLUMNS": "60"})
    assert shown.exit_code == 0, shown.output
    # The URL is shown whole (folded over lines, never cut), so the user can open the page.
    url_column = "".join(line.split("│")[3].strip() for line in shown.output.splitlines() if line.startswith("│"))
    assert dead.url in url_column
    # A source id that is not configured is a mistake to point out, not an empty list.
    others = CliRunner().invoke(app, ["skips", "--source", dead.source_id + "x"])
    assert others.exit_code == 2 and "không có nguồn" in others.output and dead.source_id in others.output


def test_rerunning_crawl_and_process_changes_nothing(pipeline_run: PipelineRun, store: SQLiteStore) -> None:
    """A re-crawl costs only the sources' entry pages (first list pages, feeds, sitemaps); nothing changes."""
    from flows.pipeline import crawl_flow, process_flow

    portals = pipeline_run.portals
    before = {a.id: a for a in stored(store)}
    requests_before = len(portals.requests)
    crawled = crawl_flow(delay=0)
    assert set(crawled) == set(SOURCE_OF_SITE.values())
    assert all(stats.articles_fetched == 0 and stats.articles_changed == 0 for stats in crawled.values())
    assert all(stats.health in ("ok", "unchanged") for stats in crawled.values())
    report = process_flow()
    assert report.new == 0
    assert {a.id: a for a in stored(store)} == before

    entry = {(site, url.removeprefix(portals.base_urls[site]))
             for site, source_id in SOURCE_OF_SITE.items()
             for source in portals.sources() if source.id == source_id
             for url in (*source.list_pages, *source.feeds, *source.sitemaps)}
    again = {(site, path) for site, path, _ in portals.requests[requests_before:] if path != "/robots.txt"}
    assert again <= entry
    # Validators are sent back: unchanged entry pages of the sites that give them cost a 304 (those asked: a
    # page that only repeats what another lists rests between visits, crawlers/entry_pace.py).
    statuses: dict[str, set[int]] = {}
    for site, path, status in portals.requests[requests_before:]:
        if path != "/robots.txt":
            statuses.setdefault(site, set()).add(status)
    assert statuses["bao"] == statuses["tinh"] == {304}
    assert statuses["dangbo"] == {200}  # the district site sends no validators


def test_digest_trends_gaps_matrix_and_directives_follow_the_fixture_weeks(pipeline_run: PipelineRun,
                                                                          store: SQLiteStore) -> None:
    paths = pipeline_run.result["digest"]
    digest = json.loads(Path(paths["json"]).read_text(encoding="utf-8"))
    monday = date(2026, 11, 16)
    this = stored_copies(store, monday)
    earlier = [stored_copies(store, monday - timedelta(days=7 * n)) for n in range(1, 5)]
    for topic in digest["topics"]:
        assert topic["stories"] == len({f.slug for f, a in this if topic["id"] in a.topic_ids}), topic["id"]
        assert topic["average"] == sum(topic_counts(week)[topic["id"]] for week in earlier) / 4, topic["id"]
    coverage: dict[str, Counter[str]] = {}
    for _, article in this:
        coverage.setdefault(article.source_id, Counter()).update(article.topic_ids)
    assert {s["id"]: s["topics"] for s in digest["sources"] if s["topics"]} == coverage
    plans = yaml.safe_load(pipeline_run.settings.plans_file.read_text(encoding="utf-8"))
    names = {s["id"]: s["name"] for s in digest["sources"]}
    topic_names = {t["id"]: t["name"] for t in digest["topics"]}
    expected_gaps = {(p["name"], names[s], topic_names[t]) for p in plans for s in p.get("sources") or names
                     for t in p["topics"] if not coverage.get(s, Counter())[t]}
    assert {(g["plan"], g["source"], g["topic"]) for g in digest["gaps"]} == expected_gaps
    assert any(g["topic"].startswith("Bầu cử") for g in digest["gaps"])  # the quiet campaign of the week
    # New directives: cited by this week's fixture copies and by none the YAML dates earlier.
    cited_before = {d for fixture in load_articles() for site in fixture.sites
                    if published_on(fixture, site).date() < monday
                    for d in by_site_and_title(store)[key(site, fixture.title)].directives}
    cited_now: dict[str, set[str]] = {}
    for _, article in this:
        for directive in article.directives:
            cited_now.setdefault(directive, set()).add(article.url)
    expected_new = {d: urls for d, urls in cited_now.items() if d not in cited_before}
    assert {c["directive"]["key"]: {s["url"] for s in c["articles"]} for c in digest["new_directives"]} == expected_new
    assert expected_new, "the fixture week cites directives never cited before"
    rows = list(csv.DictReader(Path(paths["csv"]).read_text(encoding="utf-8-sig").splitlines()))
    assert sum(int(r["Số bài"]) for r in rows) == sum(topic_counts(this).values())
    assert {r["Chủ đề"] for r in rows} == set(load_taxonomy(PACKAGE_DIR / "taxonomy.yaml").names.values())
    for chart in ("topics", "coverage"):
        assert Path(paths["html"]).with_name(f"digest-2026-W47-{chart}.png").read_bytes().startswith(b"\x89PNG")


def test_digest_escapes_text_from_portals(tmp_path: Path) -> None:
    from portalwatch.reports.digest import build_digest, write_digest

    hostile = make("http://x/1", "<script>alert('x')</script> Hội nghị", "Nội dung <img src=x onerror=alert(1)>.",
                   datetime(2026, 11, 17, 9, tzinfo=VN_TZ))
    embedded = SQLiteStore(tmp_path / "store.db")
    embedded.upsert([hostile])
    digest = build_digest(embedded, "2026-W47", {"a": "Nguồn <b>A</b>"}, {"xay-dung-dang": "Xây dựng Đảng"}, [])
    html = write_digest(digest, tmp_path)["html"].read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Nguồn <b>A</b>" not in html
    embedded.close()
