"""The weekly coverage digest: per-topic and per-source counts with trends, the sources × topics
coverage matrix, coverage gaps against the campaign plans, newly cited directives, top stories
and crawl health."""

import base64
import csv
import json
import re
from datetime import date, timedelta
from pathlib import Path

from jinja2 import Environment, PackageLoader
from markupsafe import Markup
from pydantic import BaseModel

from portalwatch.core import VN_TZ
from portalwatch.core.models import Article, Directive, Skip
from portalwatch.core.plans import CampaignPlan
from portalwatch.reports.neutralise import csv_cell, html_link, markdown, markdown_link, plain
from portalwatch.store.base import ArticleStore, SearchQuery

_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")
TOP_STORIES = 10
TOP_PER_TOPIC = 3
TREND_WEEKS = 4


class Story(BaseModel):
    title: str
    url: str
    source: str
    published: str
    copies: int
    topics: list[str]


class TopicLine(BaseModel):
    id: str
    name: str
    articles: int
    stories: int
    previous: int
    average: float  # articles per week over the TREND_WEEKS weeks before this one
    top: list[Story]

    @property
    def change(self) -> int:
        return self.articles - self.previous

    @property
    def change_vs_average(self) -> float:
        return self.articles - self.average


class SourceLine(BaseModel):
    id: str
    name: str
    articles: int
    previous: int
    skipped: int
    topics: dict[str, int]  # this week's row of the coverage matrix


class Gap(BaseModel):
    plan: str
    source: str
    topic: str


class CitedDirective(BaseModel):
    directive: Directive
    articles: list[Story]


class Digest(BaseModel):
    week: str
    start: date
    end: date
    articles: int
    stories: int
    previous_articles: int
    topics: list[TopicLine]
    sources: list[SourceLine]
    failing_sources: list[str]
    gaps: list[Gap]
    new_directives: list[CitedDirective]
    top_stories: list[Story]
    skips: list[Skip]


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(week: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week written like 2026-W47."""
    match = _WEEK.match(week)
    try:
        if not match:
            raise ValueError(week)
        monday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError as exc:
        raise ValueError(f"tuần {week!r} không có: viết theo tuần ISO, ví dụ 2026-W47 (tuần 1 đến 52 hoặc 53)") from exc
    return monday, monday + timedelta(days=6)


def _story(group: list[Article], source_names: dict[str, str], topic_names: dict[str, str]) -> Story:
    first = min(group, key=lambda a: a.published_at)
    return Story(title=first.title, url=first.url, source=source_names.get(first.source_id, first.source_id),
                 published=f"{first.published_at:%d/%m/%Y %H:%M}", copies=len(group),
                 topics=[topic_names.get(t, t) for t in first.topic_ids])


def _ranked_groups(articles: list[Article]) -> list[list[Article]]:
    """Stories (duplicate groups), most syndicated and most on-campaign first."""
    groups: dict[str, list[Article]] = {}
    for article in articles:
        groups.setdefault(article.duplicate_group or article.id, []).append(article)
    return sorted(groups.values(), key=lambda g: (
        -len(g), -max(sum(t.score for t in a.topics) for a in g), -max(a.published_at.timestamp() for a in g)))


def build_digest(store: ArticleStore, week: str, source_names: dict[str, str], topic_names: dict[str, str],
                 skips: list[Skip], plans: list[CampaignPlan] | None = None,
                 crawl_problems: dict[str, str] | None = None) -> Digest:
    """The week's digest. crawl_problems: source id → what its last crawl in the week found wrong (block page,
    layout…). Of the skips, those recorded in the week count (any week's may be passed)."""
    start, end = week_bounds(week)
    skips = [s for s in skips if start <= s.recorded_at.astimezone(VN_TZ).date() <= end]
    in_week = SearchQuery(since=start, until=end, limit=0)
    this = store.search(in_week)
    earlier = [store.search(SearchQuery(since=start - timedelta(days=7 * n), until=end - timedelta(days=7 * n),
                                        limit=0)) for n in range(1, TREND_WEEKS + 1)]
    articles = list(store.scan(in_week))
    groups = _ranked_groups(articles)

    def story(group: list[Article]) -> Story:
        return _story(group, source_names, topic_names)

    topics = []
    for topic_id, name in topic_names.items():
        on_topic = [g for g in groups if any(topic_id in a.topic_ids for a in g)]
        topics.append(TopicLine(
            id=topic_id, name=name, articles=this.topic_counts.get(topic_id, 0), stories=len(on_topic),
            previous=earlier[0].topic_counts.get(topic_id, 0),
            average=sum(r.topic_counts.get(topic_id, 0) for r in earlier) / TREND_WEEKS,
            top=[story(g) for g in on_topic[:TOP_PER_TOPIC]],
        ))
    topics.sort(key=lambda t: (-t.articles, t.id))

    rows: dict[str, dict[str, int]] = {}
    for article in articles:
        row = rows.setdefault(article.source_id, {})
        for topic_id in article.topic_ids:
            row[topic_id] = row.get(topic_id, 0) + 1
    sources = []
    for source_id in sorted(set(source_names) | set(this.source_counts)):
        sources.append(SourceLine(
            id=source_id, name=source_names.get(source_id, source_id), articles=this.source_counts.get(source_id, 0),
            previous=earlier[0].source_counts.get(source_id, 0),
            skipped=sum(s.source_id == source_id and s.stage == "crawl" for s in skips),
            topics=rows.get(source_id, {})))
    # A dead link is not a failing source; silence, or more errors than articles, is.
    problems = {source_names.get(sid, sid): problem for sid, problem in (crawl_problems or {}).items()}
    failing = [s.name for s in sources if s.name not in problems and (
        (s.articles == 0 and (s.previous or s.skipped)) or s.skipped > s.articles)]
    failing += [f"{name} ({problem})" for name, problem in problems.items()]

    gaps = [Gap(plan=plan.name, source=line.name, topic=topic_names.get(topic_id, topic_id))
            for plan in plans or [] if plan.active_during(start, end)
            for line in sources if plan.sources is None or line.id in plan.sources
            for topic_id in plan.topics if not line.topics.get(topic_id)]

    return Digest(
        week=week, start=start, end=end, articles=this.total, stories=this.stories,
        previous_articles=earlier[0].total, topics=topics, sources=sources, failing_sources=failing, gaps=gaps,
        new_directives=_new_directives(store, articles, start, source_names, topic_names),
        top_stories=[story(g) for g in groups[:TOP_STORIES]], skips=skips,
    )


def _new_directives(store: ArticleStore, articles: list[Article], start: date, source_names: dict[str, str],
                    topic_names: dict[str, str]) -> list[CitedDirective]:
    """Directives cited this week that no earlier article cited, with the articles citing them."""
    citing: dict[str, tuple[Directive, list[Article]]] = {}
    for article in sorted(articles, key=lambda a: a.published_at):
        for directive in article.directive_details:
            citing.setdefault(directive.key, (directive, []))[1].append(article)
    before = start - timedelta(days=1)
    return [CitedDirective(directive=directive, articles=[_story([a], source_names, topic_names) for a in cited])
            for key, (directive, cited) in citing.items()
            if store.search(SearchQuery(directive=key, until=before, limit=0)).total == 0]


def decimal(value: float, signed: bool = False) -> str:
    """One decimal with the Vietnamese decimal comma: 1,2 (and +1,2 when signed)."""
    return (f"{value:+.1f}" if signed else f"{value:.1f}").replace(".", ",")


# Portal text is untrusted: everything rendered into the HTML digest is escaped.
templates = Environment(loader=PackageLoader("portalwatch.reports"),
                   autoescape=lambda name: name is not None and ".html" in name, trim_blocks=True, lstrip_blocks=True,
                   # No control character or terminal escape from portal text reaches any output.
                   finalize=lambda value: value if isinstance(value, Markup) else plain(value))
# Markdown has no autoescape: its template passes every portal value through these.
templates.filters.update(md=markdown, md_link=markdown_link, html_link=html_link, decimal=decimal)


def render_html(digest: Digest, chart_sources: dict[str, str]) -> str:
    """The HTML digest; chart_sources gives each chart's src (a data: URI in files, cid: in e-mail)."""
    return templates.get_template("digest.html.j2").render(d=digest, charts=chart_sources)


def write_digest(digest: Digest, out_dir: Path) -> dict[str, Path]:
    """HTML (inline styles, charts embedded) and Markdown for readers; JSON and CSV with the numbers."""
    from portalwatch.reports.charts import coverage_heatmap, topic_bars

    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"digest-{digest.week}"
    paths = {fmt: out_dir / f"{stem}.{fmt}" for fmt in ("html", "md", "json", "csv")}
    charts = {"topics": topic_bars(digest), "coverage": coverage_heatmap(digest)}
    for name, png in charts.items():
        (out_dir / f"{stem}-{name}.png").write_bytes(png)
    inline = {name: f"data:image/png;base64,{base64.b64encode(png).decode()}" for name, png in charts.items()}
    paths["html"].write_text(render_html(digest, inline), encoding="utf-8")
    paths["md"].write_text(templates.get_template("digest.md.j2").render(d=digest, stem=stem), encoding="utf-8")
    paths["json"].write_text(json.dumps(digest.model_dump(mode="json"), ensure_ascii=False, indent=2),
                             encoding="utf-8")
    with paths["csv"].open("w", encoding="utf-8-sig", newline="") as out:  # the BOM: Excel reads it as UTF-8
        writer = csv.writer(out)
        writer.writerow(["Mã nguồn", "Nguồn", "Mã chủ đề", "Chủ đề", "Số bài"])
        for line in digest.sources:
            for topic in digest.topics:
                writer.writerow([csv_cell(line.id), csv_cell(line.name), topic.id, csv_cell(topic.name),
                                 line.topics.get(topic.id, 0)])
    return paths
