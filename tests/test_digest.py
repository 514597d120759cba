"""The weekly digest against the fixture portals' own ground truth (tests/support.fixture_week):
which fixture article each source publishes when, and its labelled topics, straight from the YAML.

The store is filled with the fixture articles as labelled (no crawl, no extraction, no tagger), so
every expected number comes from the fixture content, never from a store query like the digest's own.
"""

from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from flows.digesting import crawl_problems
from pipelines.tagging import load_taxonomy
from portalwatch.core import VN_TZ
from portalwatch.core.config import PACKAGE_DIR
from portalwatch.core.models import Article, Skip
from portalwatch.core.plans import load_plans
from portalwatch.fixture_portals.content import HERE, load_articles
from portalwatch.reports.digest import Digest, build_digest, write_digest
from portalwatch.state.health import CrawlStats, HealthLog
from portalwatch.store.sqlite import SQLiteStore
from tests.support import SOURCE_OF_SITE, FixtureWeek, fixture_week, make, published_on

WEEK, MONDAY = "2026-W47", date(2026, 11, 16)
NAMES = {source: source.upper() for source in SOURCE_OF_SITE.values()}
# Two articles of our own on either side of the week's start, in Vietnam time: 00:20 on Monday
# is still Sunday in UTC, so a window cut in UTC (or a day late or early) moves them.
JUST_BEFORE = make("http://ranh-gioi.test/1", "Tin cuối tuần trước", "Bản tin đêm Chủ nhật về xây dựng Đảng.",
                   datetime(2026, 11, 15, 23, 40, tzinfo=VN_TZ), source="binhgiang-gov", topics=("xay-dung-dang",))
JUST_AFTER = make("http://ranh-gioi.test/2", "Tin đầu tuần", "Bản tin rạng sáng thứ Hai về xây dựng Đảng.",
                  datetime(2026, 11, 16, 0, 20, tzinfo=VN_TZ), source="binhgiang-gov", topics=("xay-dung-dang",))


def fixture_articles() -> tuple[list[Article], dict[str, str]]:
    """Every copy of every fixture article as labelled, and the duplicate groups (led by the first site)."""
    articles, groups = [], {}
    for fixture in load_articles():
        copies = [make(f"http://{site}.test/{fixture.slug}", fixture.title, "\n\n".join(fixture.paragraphs),
                       published_on(fixture, site), source=SOURCE_OF_SITE[site], topics=fixture.topics)
                  for site in fixture.sites]
        articles += copies
        if len(copies) > 1:
            groups |= {copy.id: copies[0].id for copy in copies}
    return articles, groups


@pytest.fixture(scope="module")
def digest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Digest]:
    store = SQLiteStore(tmp_path_factory.mktemp("digest") / "store.db")
    articles, groups = fixture_articles()
    store.upsert([*articles, JUST_BEFORE, JUST_AFTER])
    store.set_duplicate_groups(groups)
    topics = load_taxonomy(PACKAGE_DIR / "taxonomy.yaml").names
    yield build_digest(store, WEEK, NAMES, topics, [], load_plans(HERE / "plans.yaml"))
    store.close()


def week(weeks_back: int = 0) -> FixtureWeek:
    return fixture_week(MONDAY - timedelta(days=7 * weeks_back))


def with_boundary(counts: dict[str, int], weeks_back: int) -> dict[str, int]:
    """Fixture counts plus our boundary article of that week (after: this week; before: the last)."""
    extra = {0: JUST_AFTER, 1: JUST_BEFORE}.get(weeks_back)
    return dict(Counter(counts) + Counter(extra.topic_ids if extra else ()))


def test_the_week_holds_the_fixture_articles_published_in_it(digest: Digest) -> None:
    assert (digest.start, digest.end) == (MONDAY, date(2026, 11, 22))
    assert week().articles == 30 and week(1).articles == 21  # the YAML's weeks 47 and 46, as written
    assert digest.articles == week().articles + 1  # and the article 20 minutes into Monday
    assert digest.stories == week().stories + 1
    assert digest.previous_articles == week(1).articles + 1  # and the one 20 minutes before it


def test_topic_lines_count_the_fixture_labels(digest: Digest) -> None:
    lines = {line.id: line for line in digest.topics}
    for topic, line in lines.items():
        assert line.articles == with_boundary(week().topic_counts(), 0).get(topic, 0), topic
        assert line.previous == with_boundary(week(1).topic_counts(), 1).get(topic, 0), topic
        assert line.stories == week().stories_on(topic) + (topic in JUST_AFTER.topic_ids), topic
        earlier = [with_boundary(week(n).topic_counts(), n).get(topic, 0) for n in range(1, 5)]
        assert line.average == sum(earlier) / 4, topic
    assert [line.articles for line in digest.topics] == sorted((line.articles for line in digest.topics), reverse=True)
    assert lines["chuyen-doi-so"].articles == week().topic_counts()["chuyen-doi-so"] > 0


def test_source_lines_and_the_coverage_matrix(digest: Digest) -> None:
    coverage = week().coverage()
    coverage["binhgiang-gov"] = with_boundary(coverage["binhgiang-gov"], 0)
    assert {line.id: line.topics for line in digest.sources if line.topics} == coverage
    counts, previous = Counter(week().source_counts()), Counter(week(1).source_counts())
    counts["binhgiang-gov"] += 1  # the boundary articles
    previous["binhgiang-gov"] += 1
    assert {line.id: line.articles for line in digest.sources} == {source: counts[source] for source in NAMES}
    assert {line.id: line.previous for line in digest.sources} == {source: previous[source] for source in NAMES}


def test_gaps_are_the_planned_topics_a_bound_source_did_not_cover(digest: Digest) -> None:
    coverage = week().coverage()
    coverage["binhgiang-gov"] = with_boundary(coverage["binhgiang-gov"], 0)
    topic_names = {line.id: line.name for line in digest.topics}
    expected = {(plan.name, NAMES[source], topic_names[topic])
                for plan in load_plans(HERE / "plans.yaml") if plan.active_during(MONDAY, MONDAY + timedelta(days=6))
                for source in plan.sources or NAMES for topic in plan.topics
                if not coverage.get(source, {}).get(topic)}
    assert {(g.plan, g.source, g.topic) for g in digest.gaps} == expected
    assert ("BAOBINHGIANG", topic_names["bau-cu"]) in {(g.source, g.topic) for g in digest.gaps}


def test_top_stories_lead_with_the_most_syndicated(digest: Digest) -> None:
    copies = Counter(article.slug for _, article in week().copies)
    assert [story.copies for story in digest.top_stories] == sorted([*copies.values(), 1], reverse=True)[:10]
    widest = max(copies, key=lambda slug: copies[slug])
    assert digest.top_stories[0].title == next(a.title for a in load_articles() if a.slug == widest)


def test_fixture_week_reads_the_yaml_not_the_code_under_test() -> None:
    """The ground truth itself, spot-checked by hand against the YAML: Monday 07:45 is in week 47,
    the Sunday 20:45 poll report in week 46."""
    slugs = {article.slug for _, article in week().copies}
    assert "guong-dang-vien-tre-lam-kinh-te-gioi-o-xa-vung-cao-thanh-son" in slugs
    assert "cu-tri-xa-quynh-lam-no-nuc-di-bau-cu-bo-sung-dai-bieu-hdnd-xa" in {a.slug for _, a in week(1).copies}


# ---------------------------------------------------------------- what belongs to the week


def skip(url: str, source: str, when: datetime) -> Skip:
    return Skip(url=url, source_id=source, stage="crawl", reason="HTTP 404", recorded_at=when)


def test_skips_and_per_source_errors_are_the_weeks_own(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "store.db")
    inside = [skip("http://a.test/1", "a", datetime(2026, 11, 16, 0, 10, tzinfo=VN_TZ)),  # Monday, just after 00:00
              skip("http://a.test/2", "a", datetime(2026, 11, 22, 23, 50, tzinfo=VN_TZ))]  # Sunday night
    outside = [skip("http://a.test/3", "a", datetime(2026, 11, 15, 23, 50, tzinfo=VN_TZ)),  # the Sunday before
               skip("http://b.test/4", "b", datetime(2026, 11, 23, 0, 10, tzinfo=VN_TZ))]  # the Monday after
    try:
        this_week = build_digest(store, WEEK, {"a": "A", "b": "B"}, {}, [*inside, *outside])
        long_ago = build_digest(store, "1999-W47", {"a": "A", "b": "B"}, {}, [*inside, *outside])
    finally:
        store.close()
    assert this_week.skips == inside
    assert {line.id: line.skipped for line in this_week.sources} == {"a": 2, "b": 0}
    assert this_week.failing_sources == ["A"]  # more errors than articles, in this week
    assert long_ago.skips == [] and long_ago.failing_sources == []
    assert {line.id: line.skipped for line in long_ago.sources} == {"a": 0, "b": 0}


def test_a_failed_crawl_is_a_failing_source_only_in_the_digest_of_its_week(tmp_path: Path) -> None:
    archive = tmp_path / "archive.db"
    with HealthLog(archive) as health:  # nothing fetched: a failed crawl
        health.record("a", datetime(2026, 11, 18, 9, tzinfo=VN_TZ), CrawlStats(last_error="HTTP 503"))
        health.record("b", datetime(2026, 11, 9, 9, tzinfo=VN_TZ), CrawlStats(last_error="HTTP 503"))
    assert set(crawl_problems(archive, ["a", "b"], WEEK)) == {"a"}
    assert set(crawl_problems(archive, ["a", "b"], "2026-W46")) == {"b"}
    assert crawl_problems(archive, ["a", "b"], "1999-W47") == {}
    assert crawl_problems(archive, ["a", "b"], "2026-W48") == {}  # no crawl that week


def test_the_written_digest_says_this_week_names_topics_and_writes_decimal_commas(
        digest: Digest, tmp_path: Path) -> None:
    markdown = write_digest(digest, tmp_path)["md"].read_text(encoding="utf-8")
    html = (tmp_path / f"digest-{WEEK}.html").read_text(encoding="utf-8")
    assert digest.gaps
    for gap in digest.gaps:
        assert f"**{gap.source}** chưa có bài nào trong tuần này về *{gap.topic}*" in markdown
    matrix_head = next(line for line in markdown.splitlines() if line.startswith("| Nguồn \\ chủ đề"))
    assert [cell.strip() for cell in matrix_head.strip("|").split("|")][1:] == [t.name for t in digest.topics]
    for line in digest.topics:  # average and change against it, e.g. 1,2 and +0,8
        average = f"{line.average:.1f}".replace(".", ",")
        change = f"{line.change_vs_average:+.1f}".replace(".", ",")
        assert f"| {average} | {change} |" in markdown
        assert f">{average}</td>" in html and f">{change}</td>" in html
    assert "xay-dung-dang" not in html and "xay-dung-dang" not in markdown  # names, never ids
