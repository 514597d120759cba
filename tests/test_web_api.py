"""The web interface's JSON API, pages and CSV over HTTP from a real uvicorn, with the same assertions on
the embedded store and on the engine. Expectations come from the fixture YAML, never from a store query."""

import csv
import html
import io
import re
import shutil
import struct
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree

import httpx
import pytest
import yaml

from pipelines.tagging import load_taxonomy
from portalwatch import fixture_portals
from portalwatch.core import VN_TZ
from portalwatch.core.config import PACKAGE_DIR, Settings
from portalwatch.core.models import Article, RawPage
from portalwatch.core.plans import load_plans
from portalwatch.fixture_portals.content import SYNDICATION_DELAY_MINUTES, load_articles
from portalwatch.fixture_portals.provincial import ProvincialPortal
from portalwatch.reports.charts import MAX_LINES
from portalwatch.state.archive import RawArchive
from portalwatch.store import open_store
from tests.support import (
    SOURCE_OF_SITE,
    fixture_store_articles,
    fixture_week,
    make,
    plan_coverage,
    published_on,
    serve_web,
)

HOSTILE_TITLE = '=HYPERLINK("http://x.test")<script>alert(1)</script>" onmouseover="alert(2)'
HOSTILE_DIRECTIVE = '<script>alert(6)</script>-CT/TW"'
HOSTILE = make("javascript:alert(3)", HOSTILE_TITLE, "<img src=x onerror=alert(4)> Tin độc hại về 'xây dựng Đảng'.",
               datetime(2026, 11, 10, 8, tzinfo=VN_TZ), source="doc-hai", directives=(HOSTILE_DIRECTIVE,))
# The other characters that start a formula in a spreadsheet.
FORMULAS = [make(f"http://doc-hai.test/{i}", f"{start}cmd|' /C calc'!A0 tin {i}", "Nội dung.",
                 datetime(2026, 11, 11, 8, i, tzinfo=VN_TZ), source="doc-hai") for i, start in enumerate("+-@")]
HOSTILE_SOURCE_NAME = '"><script>alert(5)</script>'
FIXTURES, GROUPS = fixture_store_articles()
FIXTURE_PLANS = Path(fixture_portals.__file__).with_name("plans.yaml")


def write_registry(path: Path) -> None:
    sources = [{"id": source, "name": f"Nguồn {source}", "homepage": f"http://{site}.test/"}
               for site, source in SOURCE_OF_SITE.items()]
    sources.append({"id": "doc-hai", "name": HOSTILE_SOURCE_NAME, "homepage": "http://doc-hai.test/"})
    path.write_text(yaml.safe_dump(sources, allow_unicode=True), encoding="utf-8")


@pytest.fixture(params=["sqlite", "elasticsearch"])
def web(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[httpx.Client]:
    """A client of the web interface over a store holding every fixture copy and one hostile article."""
    settings = Settings(data_dir=tmp_path)
    if request.param == "elasticsearch":
        settings = Settings(data_dir=tmp_path, es_url=request.getfixturevalue("engine_url"),
                            es_alias=request.getfixturevalue("es_alias"))
    write_registry(settings.sources_file)
    shutil.copy(FIXTURE_PLANS, settings.plans_file)
    store = open_store(settings)
    store.upsert([*FIXTURES, HOSTILE, *FORMULAS])
    store.set_duplicate_groups(GROUPS)
    store.close()
    with serve_web(settings) as base, httpx.Client(base_url=base, timeout=60) as client:
        yield client


def test_search_totals_and_facets_match_the_fixtures(web: httpx.Client) -> None:
    fixtures = load_articles()
    found = web.get("/api/v1/search", params={"limit": 5}).json()
    assert found["total"] == len(FIXTURES) + 4 == sum(len(a.sites) for a in fixtures) + 4
    assert found["stories"] == len(fixtures) + 4
    assert found["topic_counts"] == dict(Counter(t for a in fixtures for t in a.topics for _ in a.sites))
    assert found["data_until"] == max(a.published_at for a in FIXTURES).isoformat()
    assert len(found["hits"]) == 5


def test_a_week_on_one_topic_counts_what_the_fixtures_publish_then(web: httpx.Client) -> None:
    monday = date(2026, 11, 16)
    week = fixture_week(monday)
    topic = max(week.topic_counts(), key=lambda t: (week.topic_counts()[t], t))
    found = web.get("/api/v1/search", params={"topic": topic, "since": "2026-11-16", "until": "2026-11-22",
                                              "interval": "week"}).json()
    assert found["total"] == week.topic_counts()[topic]
    assert found["stories"] == week.stories_on(topic)
    assert found["histogram"] == {"2026-11-16": week.topic_counts()[topic]}
    expected_sources = Counter(s for s, a in week.copies if topic in a.topics)
    assert found["source_counts"] == dict(expected_sources)


def test_paging_with_the_cursor_visits_every_match_once(web: httpx.Client) -> None:
    seen: list[str] = []
    params = {"limit": "7", "source": "baobinhgiang"}
    while True:
        page = web.get("/api/v1/search", params=params).json()
        seen += [h["id"] for h in page["hits"]]
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    expected = {a.id for a in FIXTURES if a.source_id == "baobinhgiang"}
    assert len(seen) == len(expected) and set(seen) == expected


def test_story_sizes_and_copies_follow_the_syndication(web: httpx.Client) -> None:
    syndicated = next(a for a in load_articles() if len(a.sites) == 3)
    first = next(a for a in FIXTURES if a.url == f"http://{syndicated.sites[0]}.test/{syndicated.slug}.html")
    found = web.get("/api/v1/search", params={"q": f'"{syndicated.title}"'}).json()
    sizes = {h["id"]: h["story_size"] for h in found["hits"]}
    assert sizes[first.id] == 3
    article = web.get(f"/api/v1/articles/{first.id}").json()
    copies = [c["source_id"] for c in article["copies"]]  # the reposts appear at the same time: any order
    assert copies[0] == SOURCE_OF_SITE[syndicated.sites[0]]
    assert sorted(copies[1:]) == sorted(SOURCE_OF_SITE[s] for s in syndicated.sites[1:])
    assert [c["delay_minutes"] for c in article["copies"]] == [0, SYNDICATION_DELAY_MINUTES, SYNDICATION_DELAY_MINUTES]
    # The story on its own: the same copies, by the story's id.
    story = web.get(f"/api/v1/stories/{article['article']['duplicate_group']}").json()
    assert story["copies"] == article["copies"]
    assert {c["title"] for c in story["copies"]} == {syndicated.title}
    assert web.get("/api/v1/stories/no-such-story").status_code == 404


def test_a_bad_query_is_explained_in_vietnamese(web: httpx.Client) -> None:
    refused = web.get("/api/v1/search", params={"q": "-covid"})
    assert refused.status_code == 400
    assert "loại trừ" in refused.json()["detail"]
    assert web.get("/api/v1/search", params={"since": "16/11/2026"}).status_code == 400
    backwards = web.get("/api/v1/search", params={"since": "2026-11-20", "until": "2026-11-01"})
    assert backwards.status_code == 400 and "đổi chỗ" in backwards.json()["detail"]
    assert web.get("/xuat.csv", params={"q": "-covid"}).status_code == 400  # no empty file passed off as a result
    page = web.get("/", params={"q": "-covid"})
    assert page.status_code == 200 and "loại trừ" in page.text and 'value="-covid"' in page.text


def test_csv_export_has_every_match_with_a_bom_and_neutralised_cells(web: httpx.Client) -> None:
    body = web.get("/xuat.csv").content
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) - 1 == len(FIXTURES) + 4
    titles = {r[3] for r in rows[1:]}
    assert {t[:2] for t in titles if "HYPERLINK" in t or "calc" in t} == {"'=", "'+", "'-", "'@"}
    on_topic = list(csv.reader(io.StringIO(web.get("/xuat.csv", params={"topic": "chuyen-doi-so"}).text)))
    assert len(on_topic) - 1 == sum(1 for a in FIXTURES if "chuyen-doi-so" in a.topic_ids)


def test_portal_text_is_escaped_on_every_page(web: httpx.Client) -> None:
    results = web.get("/", params={"q": "độc hại"})
    assert results.headers["content-security-policy"].startswith("default-src 'none'; script-src 'self'")
    article = web.get(f"/bai/{HOSTILE.id}")
    for page in (results, article):
        assert page.status_code == 200
        text = page.text
        assert "<script>alert" not in text and "<img src=x" not in text
        assert "&lt;script&gt;alert(1)" in text  # shown as text, not dropped
        assert 'onmouseover="alert' not in text
        assert 'href="javascript:' not in text
    assert "&#34;&gt;&lt;script&gt;alert(5)" in results.text  # the source's name in the facets and results
    assert "<mark>" in results.text  # only our own markup survives in the snippet


def test_the_article_page_shows_topics_with_their_evidence(web: httpx.Client) -> None:
    article = next(a for a in FIXTURES if a.topics)
    page = web.get(f"/bai/{article.id}").text
    assert article.title.replace("'", "&#39;").replace('"', "&#34;") in page
    assert f'href="{article.url}"' in page
    assert web.get("/bai/khong-co").status_code == 404


def test_health(web: httpx.Client) -> None:
    health = web.get("/api/v1/health").json()
    assert health["status"] == "ok" and health["articles"] == len(FIXTURES) + 4


def test_the_api_is_described_without_loading_anything_from_elsewhere(web: httpx.Client) -> None:
    spec = web.get("/api/v1/openapi.json").json()
    paths = {"/api/v1/search", "/api/v1/articles/{article_id}", "/api/v1/sources", "/api/v1/health"}
    assert paths <= set(spec["paths"])
    names = [p["name"] for p in spec["paths"]["/api/v1/search"]["get"]["parameters"]]
    assert names[:3] == ["q", "topic", "source"] and "cursor" in names
    docs = web.get("/api/v1/docs").text
    assert "GET /api/v1/search" in docs and "<code>cursor</code>" in docs
    assert "<script src=\"http" not in docs


def test_compare_counts_each_named_query_by_source_and_day(web: httpx.Client) -> None:
    wide = next(a for a in load_articles() if len(a.sites) == 3)
    single = next(a for a in load_articles() if len(a.sites) == 1)
    params = [("ten", "Ba nơi đăng"), ("q", f'"{wide.title}"'), ("ten", ""), ("q", f'"{single.title}"'),
              ("ten", "trống"), ("q", " ")]
    compared = web.get("/api/v1/compare", params=params).json()["queries"]
    assert [q["name"] for q in compared] == ["Ba nơi đăng", f'"{single.title}"']  # unnamed: its text
    assert [q["total"] for q in compared] == [3, 1]
    assert compared[0]["source_counts"] == {SOURCE_OF_SITE[s]: 1 for s in wide.sites}
    days = Counter(published_on(wide, s).date().isoformat() for s in wide.sites)
    assert compared[0]["histogram"] == dict(days)
    assert web.get("/api/v1/compare", params=params[:2]).status_code == 400  # one query compares nothing
    bad = web.get("/api/v1/compare", params=[("ten", "A"), ("q", "-covid"), ("q", "dang")])
    assert bad.status_code == 400 and "«A»" in bad.json()["detail"]
    page = web.get("/so-sanh", params=params).text
    assert page.count("<polyline") == 2 and "Ba nơi đăng" in page


def test_plan_grids_count_each_bound_source_weekly_and_mark_the_gaps(web: httpx.Client) -> None:
    plans = load_plans(FIXTURE_PLANS)
    data_until = max(a.published_at for a in [*FIXTURES, HOSTILE, *FORMULAS]).date()
    grids = web.get("/api/v1/plans").json()
    assert [g["name"] for g in grids] == [p.name for p in plans]
    zeros = 0
    for plan, grid in zip(plans, grids, strict=True):
        last = min(plan.until, data_until)
        expected = plan_coverage(plan, last)
        final_week = date.fromisoformat(grid["weeks"][-1])
        assert final_week <= last < final_week + timedelta(days=7)
        for source, row in grid["counts"].items():
            assert row == {week: expected[source][week] for week in grid["weeks"]}
            zeros += sum(1 for n in row.values() if not n)
    assert zeros  # the fixtures leave some bound source silent on a campaign in some week
    assert web.get("/ke-hoach").text.count('class="gap"') == zeros


def citations(articles: list, number: str) -> list[tuple[str, datetime, int]]:
    """(source, its first article citing the number, its articles citing it), earliest first."""
    citing = [a for a in articles if number in a.directives]
    rows = [(s, min(a.published_at for a in citing if a.source_id == s), sum(a.source_id == s for a in citing))
            for s in {a.source_id for a in citing}]
    return sorted(rows, key=lambda row: (row[1], row[0]))


def test_directives_are_listed_most_cited_first_and_faceted_in_search(web: httpx.Client) -> None:
    everything = [*FIXTURES, HOSTILE, *FORMULAS]
    counts = sorted(Counter(d for a in everything for d in a.directives).items(), key=lambda i: (-i[1], i[0]))
    listed = web.get("/api/v1/directives").json()
    assert [(d["number"], d["articles"]) for d in listed] == counts
    assert list(web.get("/api/v1/search").json()["directive_counts"].items()) == counts
    on_topic = [a for a in everything if "chuyen-doi-so" in a.topic_ids and a.published_at.date() >= date(2026, 11, 1)]
    listed = web.get("/api/v1/directives", params={"topic": "chuyen-doi-so", "since": "2026-11-01"}).json()
    assert {d["number"]: d["articles"] for d in listed} == dict(Counter(d for a in on_topic for d in a.directives))
    # The search page's facet links to the search on each directive, within the same filters.
    page = web.get("/", params={"topic": "chuyen-doi-so"}).text
    for number in {d for a in everything if "chuyen-doi-so" in a.topic_ids for d in a.directives}:
        assert f'href="/?topic=chuyen-doi-so&amp;directive={quote(number, safe="")}"' in page


def test_a_directives_spread_names_each_sources_first_citation_and_the_silent_ones(web: httpx.Client) -> None:
    everything = [*FIXTURES, HOSTILE, *FORMULAS]
    configured = [*SOURCE_OF_SITE.values(), "doc-hai"]
    by_sources = Counter(d for a in everything for d in a.directives)
    # The most cited directive some fixture source never cites, and one whose number has two slashes.
    number = next(n for n, _ in by_sources.most_common()
                  if {a.source_id for a in FIXTURES if n in a.directives} < set(SOURCE_OF_SITE.values()))
    for asked in (number, "178/2024/NĐ-CP"):
        expected = citations(everything, asked)
        for path in (asked, quote(asked, safe="")):  # as typed, or with its slashes encoded
            spread = web.get(f"/api/v1/directives/{path}").json()
            assert spread["number"] == asked
            assert [(s["source_id"], datetime.fromisoformat(s["first_cited"]), s["articles"])
                    for s in spread["sources"]] == expected
            assert spread["silent"] == [s for s in configured if s not in {row[0] for row in expected}]
            first_days = Counter(row[1].date() for row in expected)
            days = (max(first_days) - min(first_days)).days + 1
            assert len(spread["curve"]) == days and list(spread["curve"].values())[-1] == len(expected)
            assert list(spread["curve"].values()) == sorted(spread["curve"].values())  # cumulative
    assert "dangbo-tanlap" in web.get(f"/api/v1/directives/{number}").json()["silent"]
    # Filtered on sources, only those are expected to cite it.
    narrowed = web.get(f"/api/v1/directives/{number}", params=[("source", "dangbo-tanlap"), ("source", "baobinhgiang")])
    assert narrowed.json()["silent"] == ["dangbo-tanlap"]
    assert web.get("/api/v1/directives/").status_code == 404
    page = web.get("/van-ban", params={"so": number}).text
    assert page.count('class="silent"') == len(web.get(f"/api/v1/directives/{number}").json()["silent"])
    assert "Chưa dẫn" in page and "Số nguồn đã dẫn" in page and "<polyline" in page


def test_a_hostile_directive_and_source_name_are_escaped_on_the_directive_pages(web: httpx.Client) -> None:
    for page in (web.get("/van-ban").text, web.get("/van-ban", params={"so": HOSTILE_DIRECTIVE}).text,
                 web.get("/", params={"source": "doc-hai"}).text):
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(6)&lt;/script&gt;-CT/TW&#34;" in page
    spread = web.get("/van-ban", params={"so": HOSTILE_DIRECTIVE}).text
    assert "&#34;&gt;&lt;script&gt;alert(5)" in spread  # the source that cited it, by its configured name


# ---------------------------------------------------------------- timeline options, chart downloads, versions

EVERY = [*FIXTURES, HOSTILE, *FORMULAS]  # what the web fixture stores


def _bucket(article: Article, interval: str = "day") -> str:
    day = article.published_at.astimezone(VN_TZ).date()
    return (day - timedelta(days=day.weekday()) if interval == "week" else day).isoformat()


def _per_bucket(articles: list[Article], interval: str = "day") -> dict[str, int]:
    return dict(Counter(_bucket(a, interval) for a in articles))


def _top(counts: Counter[str]) -> list[str]:
    return sorted(counts, key=lambda key: (-counts[key], key))[:MAX_LINES]


def test_share_mode_divides_each_bucket_by_all_its_articles(web: httpx.Client) -> None:
    topic = Counter(t for a in FIXTURES for t in a.topic_ids).most_common(1)[0][0]
    since, until = date(2026, 11, 9), date(2026, 11, 22)
    window = [a for a in EVERY if since <= a.published_at.astimezone(VN_TZ).date() <= until]
    matches, everything = _per_bucket([a for a in window if topic in a.topic_ids]), _per_bucket(window)
    found = web.get("/api/v1/search", params={"topic": topic, "since": since.isoformat(), "until": until.isoformat(),
                                              "mode": "share"}).json()["timeline"]
    assert found["mode"] == "share" and found["totals"] == everything
    [line] = found["series"]
    assert line["counts"] == matches
    assert line["values"] == pytest.approx({day: matches.get(day, 0) / n for day, n in everything.items()})
    assert 0 < max(line["values"].values()) <= 1


def test_split_draws_one_line_per_top_topic_or_source_within_the_search(web: httpx.Client) -> None:
    topics = Counter(t for a in FIXTURES for t in a.topic_ids)
    found = web.get("/api/v1/search", params={"split": "topic", "interval": "week"}).json()["timeline"]
    assert [line["key"] for line in found["series"]] == _top(topics)
    for line in found["series"]:
        assert line["counts"] == _per_bucket([a for a in EVERY if line["key"] in a.topic_ids], "week")
    # Within a search: one source's topics; then the sources of one topic, each narrowed to that source.
    source = "baobinhgiang"
    own = [a for a in EVERY if a.source_id == source]
    found = web.get("/api/v1/search", params={"source": source, "split": "topic"}).json()["timeline"]
    assert [line["key"] for line in found["series"]] == _top(Counter(t for a in own for t in a.topic_ids))
    for line in found["series"]:
        assert line["counts"] == _per_bucket([a for a in own if line["key"] in a.topic_ids])
    topic = _top(topics)[0]
    on_topic = [a for a in EVERY if topic in a.topic_ids]
    found = web.get("/api/v1/search", params={"topic": topic, "split": "source", "mode": "share"}).json()["timeline"]
    assert [line["key"] for line in found["series"]] == _top(Counter(a.source_id for a in on_topic))
    everything = _per_bucket(EVERY)
    for line in found["series"]:
        mine = _per_bucket([a for a in on_topic if a.source_id == line["key"]])
        assert line["values"] == pytest.approx({day: mine.get(day, 0) / n for day, n in everything.items()})
    # Topics filtered on (any of them) split into those very topics, each line that topic alone.
    chosen = _top(topics)[1:3]
    found = web.get("/api/v1/search", params=[*(("topic", t) for t in chosen), ("split", "topic")]).json()
    assert [line["key"] for line in found["timeline"]["series"]] == chosen
    for line in found["timeline"]["series"]:
        assert line["counts"] == _per_bucket([a for a in EVERY if line["key"] in a.topic_ids])
    assert web.get("/api/v1/search", params={"split": "tinh"}).status_code == 400


SVG = "{http://www.w3.org/2000/svg}"


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_charts_download_as_svg_and_as_the_same_chart_in_png(web: httpx.Client) -> None:
    names = dict(load_taxonomy(PACKAGE_DIR / "taxonomy.yaml").names)
    params = {"split": "topic", "mode": "share", "interval": "week"}
    svg = web.get("/bieu-do.svg", params=params)
    png = web.get("/bieu-do.png", params=params)
    for download, kind in ((svg, "svg"), (png, "png")):
        assert download.status_code == 200
        assert download.headers["content-disposition"] == f'attachment; filename="portalwatch-bieu-do.{kind}"'
    drawn = ElementTree.fromstring(svg.content)
    text = "".join(drawn.itertext())
    assert "Tỷ lệ trên tổng số bài theo tuần" in text and "%" in text
    top = _top(Counter(t for a in FIXTURES for t in a.topic_ids))
    legend = [g.findtext(f"{SVG}title") for g in drawn.iter(f"{SVG}g")]
    assert legend == [names[t] for t in top]
    assert png.headers["content-type"] == "image/png" and len(png.content) > 5_000
    assert _png_size(png.content) == (int(drawn.get("width", "")), int(drawn.get("height", "")))
    # The compare page's own links, a query left unnamed among them (named by its text).
    compare = [("ten", ""), ("q", '"chuyển đổi số"'), ("ten", "Xây dựng Đảng"), ("q", '"xây dựng Đảng"')]
    links = dict(re.findall(r'<a href="([^"]+)"[^>]*>Tải (SVG|PNG)</a>', web.get("/so-sanh", params=compare).text))
    svg, png = (web.get(html.unescape(href)) for href in sorted(links, key=links.__getitem__, reverse=True))
    drawn = ElementTree.fromstring(svg.content)
    assert [g.findtext(f"{SVG}title") for g in drawn.iter(f"{SVG}g")] == ['"chuyển đổi số"', "Xây dựng Đảng"]
    assert _png_size(png.content) == (int(drawn.get("width", "")), int(drawn.get("height", "")))
    assert "attachment" in png.headers["content-disposition"]
    # Portal text (a hostile source name) stays text in the drawing and in its raster.
    by_source = web.get("/bieu-do.svg", params={"split": "source"})
    legend = [g.findtext(f"{SVG}title") for g in ElementTree.fromstring(by_source.content).iter(f"{SVG}g")]
    assert HOSTILE_SOURCE_NAME in legend
    assert _png_size(web.get("/bieu-do.png", params={"split": "source"}).content)[0] == 760
    # A split down to one line still names it.
    one = ElementTree.fromstring(web.get("/bieu-do.svg", params={"source": "baobinhgiang", "split": "source"}).content)
    assert [g.findtext(f"{SVG}title") for g in one.iter(f"{SVG}g")] == ["Nguồn baobinhgiang"]
    assert web.get("/bieu-do.gif").status_code == 404


def _downloads(page: str) -> tuple[httpx.URL, httpx.URL]:
    """The SVG and PNG links a page gives its chart."""
    links = {kind: html.unescape(href) for href, kind in re.findall(r'<a href="([^"]+)"[^>]*>Tải (SVG|PNG)</a>', page)}
    return httpx.URL(links["SVG"]), httpx.URL(links["PNG"])


def test_a_directives_spread_downloads_as_svg_and_as_the_same_chart_in_png(web: httpx.Client) -> None:
    number = "57-NQ/TW"
    first_days = {row[1].date() for row in citations(EVERY, number)}
    svg, png = (web.get(url) for url in _downloads(web.get("/van-ban", params={"so": number}).text))
    for download, kind in ((svg, "svg"), (png, "png")):
        assert download.status_code == 200
        assert download.headers["content-disposition"] == f'attachment; filename="portalwatch-van-ban.{kind}"'
    drawn = ElementTree.fromstring(svg.content)
    assert number in "".join(drawn.itertext()) and "Số nguồn đã dẫn theo ngày" in drawn.get("aria-label", "")
    assert len(list(drawn.iter(f"{SVG}circle"))) == (max(first_days) - min(first_days)).days + 1
    assert png.headers["content-type"] == "image/png"
    assert _png_size(png.content) == (int(drawn.get("width", "")), int(drawn.get("height", "")))
    assert web.get("/van-ban/bieu-do.svg", params={"so": "999-CT/TW"}).status_code == 404  # cited nowhere


def test_directive_numbers_are_found_as_users_type_them(web: httpx.Client) -> None:
    citing = [a for a in EVERY if "05-CT/TW" in a.directives]
    assert citing
    for typed in ("05-CT/TW", "5-CT/TW", "5-ct/tw", " 5 - CT / TW "):
        assert web.get("/api/v1/search", params={"directive": typed}).json()["total"] == len(citing)
        assert f'<strong id="total">{len(citing)}</strong>' in web.get("/", params={"directive": typed}).text
    cited = citations(EVERY, "35-CT/TW")
    page = web.get("/van-ban", params={"so": "35-ct/tw"}).text
    assert '<span id="number">35-CT/TW</span>' in page and f'<strong id="cited">{len(cited)}</strong>' in page
    spread = web.get("/api/v1/directives/35-ct/tw").json()
    assert spread["number"] == "35-CT/TW" and [s["source_id"] for s in spread["sources"]] == [c[0] for c in cited]
    # What is no number stays as typed, and finds nothing rather than everything.
    assert web.get("/api/v1/search", params={"directive": "35 CT"}).json()["total"] == 0


def test_sources_carry_their_articles_per_day_and_their_next_crawl(web: httpx.Client) -> None:
    last = max(a.published_at for a in EVERY).astimezone(VN_TZ).date()
    window = [(last - timedelta(days=n)).isoformat() for n in reversed(range(30))]
    configured = [*SOURCE_OF_SITE.values(), "doc-hai"]
    asked = datetime.now(UTC)
    rows = web.get("/api/v1/sources").json()
    assert [r["id"] for r in rows] == configured
    for row in rows:
        published = [a for a in EVERY if a.source_id == row["id"]]
        per_day = Counter(_bucket(a) for a in published)
        assert row["daily"] == {day: per_day.get(day, 0) for day in window}
        assert sum(row["daily"].values()) == len(published)  # the fixtures span less than the 30 days
        # No crawl recorded here: each source is due at once, and says why.
        assert row["reason"] == "chưa thu thập lần nào"
        assert asked <= datetime.fromisoformat(row["next_crawl"]) <= datetime.now(UTC)
    page = web.get("/nguon").text
    for source in configured:
        row = page[page.index(f'id="nguon-{source}"'):]
        row = row[:row.index("</tr>")]
        assert row.count('<figure class="chart small">') == 1 and row.count("<rect") == len(window)
        assert "chưa thu thập lần nào" in row
    # Each small chart downloads, its bars titled with the day's count.
    svg, png = (web.get(url) for url in _downloads(page))  # the last row's
    drawn = ElementTree.fromstring(svg.content)
    source = httpx.URL(str(svg.url)).params["source"]
    per_day = Counter(_bucket(a) for a in EVERY if a.source_id == source)
    assert [r.findtext(f"{SVG}title") for r in drawn.iter(f"{SVG}rect")] == [
        f"{date.fromisoformat(day):%d/%m/%Y}: {per_day.get(day, 0)} bài" for day in window]
    assert "attachment" in png.headers["content-disposition"]
    assert _png_size(png.content) == (int(drawn.get("width", "")), int(drawn.get("height", ""))) == (240, 70)
    assert web.get("/nguon/bieu-do.svg", params={"source": "khong-co"}).status_code == 404


def test_the_article_page_lists_each_stored_version_with_what_changed(web: httpx.Client, tmp_path: Path) -> None:
    portal = ProvincialPortal("http://tinh.test", datetime(2026, 11, 23, 9, tzinfo=VN_TZ))
    fixture = next(a for a in load_articles() if portal.name in a.sites)
    stored = next(a for a in FIXTURES if a.url == f"http://tinh.test/{fixture.slug}.html")
    addition = "Đính chính: <script>alert(6)</script> số liệu hộ tịch đã được Sở Tư pháp cập nhật lại sau rà soát."
    corrected = replace(fixture, title=f"{fixture.title} (cập nhật)", body=f"{fixture.body.rstrip()}\n\n{addition}\n")
    times = [datetime(2026, 11, 20, 8, tzinfo=VN_TZ), datetime(2026, 11, 21, 9, 30, tzinfo=VN_TZ)]
    with RawArchive(Settings(data_dir=tmp_path).archive_db) as archive:
        for version, at in zip((fixture, corrected), times, strict=True):
            html = portal.render(f"{portal.name}_article.html", a=portal.view(version), related=[]).body
            archive.save_page(RawPage(url=stored.url, source_id=stored.source_id, status=200, fetched_at=at,
                                      content_type="text/html; charset=utf-8", body=html))
    versions = web.get(f"/api/v1/articles/{stored.id}").json()["versions"]
    assert [v["fetched_at"] for v in versions] == [t.isoformat() for t in times]
    assert [v["title"] for v in versions] == [fixture.title, corrected.title]
    assert versions[0]["change"] is None
    change = versions[1]["change"]
    assert change["title_changed"] and change["words_removed"] == 0
    assert change["words_added"] == len(addition.split())
    assert change["added"] == [" ".join(addition.split()[:12]) + " …"]
    page = web.get(f"/bai/{stored.id}").text
    shown = page[page.index('class="versions"'):]
    assert shown.index("20/11/2026 08:00") < shown.index("21/11/2026 09:30")
    assert "Đổi tiêu đề." in shown and f"Thêm {len(addition.split())} từ, bớt 0 từ." in shown
    assert "&lt;script&gt;alert(6)" in shown and "<script>alert(6)" not in page
    # An article whose page was fetched once says so.
    other = next(a for a in FIXTURES if a.id != stored.id)
    assert web.get(f"/api/v1/articles/{other.id}").json()["versions"] == []
