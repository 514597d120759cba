"""The weekly coverage digest: per-topic and per-source counts, trend, top stories, crawl health."""

import json
import re
from datetime import date, timedelta
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel

from portalwatch.config import PACKAGE_DIR
from portalwatch.models import Article, Skip
from portalwatch.store.base import ArticleStore, SearchQuery, iter_hits

_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")
TOP_STORIES = 10


class TopicLine(BaseModel):
    id: str
    name: str
    articles: int
    previous: int

    @property
    def change(self) -> int:
        return self.articles - self.previous


class SourceLine(BaseModel):
    id: str
    name: str
    articles: int
    previous: int
    skipped: int


class Story(BaseModel):
    title: str
    url: str
    source: str
    published: str
    copies: int
    topics: list[str]


class Digest(BaseModel):
    week: str
    start: date
    end: date
    articles: int
    stories: int
    previous_articles: int
    topics: list[TopicLine]
    sources: list[SourceLine]
    top_stories: list[Story]
    skips: list[Skip]


def week_bounds(week: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week written like 2026-W47."""
    match = _WEEK.match(week)
    if not match:
        raise ValueError(f"week must look like 2026-W47, got {week!r}")
    monday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    return monday, monday + timedelta(days=6)


def _stories(articles: list[Article], source_names: dict[str, str], topic_names: dict[str, str]) -> list[Story]:
    """One line per story (duplicate group), most syndicated and most on-campaign first."""
    groups: dict[str, list[Article]] = {}
    for article in articles:
        groups.setdefault(article.duplicate_group or article.id, []).append(article)
    ranked = sorted(
        groups.values(),
        key=lambda g: (-len(g), -max(sum(t.score for t in a.topics) for a in g), -g[0].published_at.timestamp()),
    )
    stories = []
    for group in ranked[:TOP_STORIES]:
        first = min(group, key=lambda a: a.published_at)
        stories.append(Story(
            title=first.title, url=first.url, source=source_names.get(first.source_id, first.source_id),
            published=f"{first.published_at:%d/%m/%Y %H:%M}", copies=len(group),
            topics=[topic_names.get(t, t) for t in first.topic_ids],
        ))
    return stories


def build_digest(store: ArticleStore, week: str, source_names: dict[str, str], topic_names: dict[str, str],
                 skips: list[Skip]) -> Digest:
    start, end = week_bounds(week)
    in_week = SearchQuery(since=start, until=end, limit=0)
    this = store.search(in_week)
    before = store.search(SearchQuery(since=start - timedelta(days=7), until=start - timedelta(days=1), limit=0))
    topics = [
        TopicLine(id=tid, name=name, articles=this.topic_counts.get(tid, 0), previous=before.topic_counts.get(tid, 0))
        for tid, name in topic_names.items()
    ]
    topics.sort(key=lambda t: (-t.articles, t.id))
    source_ids = sorted(set(source_names) | set(this.source_counts))
    sources = [
        SourceLine(id=sid, name=source_names.get(sid, sid), articles=this.source_counts.get(sid, 0),
                   previous=before.source_counts.get(sid, 0), skipped=sum(s.source_id == sid for s in skips))
        for sid in source_ids
    ]
    return Digest(
        week=week, start=start, end=end, articles=this.total, stories=this.stories,
        previous_articles=before.total, topics=topics, sources=sources,
        top_stories=_stories(list(iter_hits(store, in_week)), source_names, topic_names), skips=skips,
    )


_env = Environment(loader=FileSystemLoader(PACKAGE_DIR / "templates"), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)


def write_digest(digest: Digest, out_dir: Path) -> dict[str, Path]:
    """HTML and Markdown for readers, JSON with the numbers behind them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {fmt: out_dir / f"digest-{digest.week}.{fmt}" for fmt in ("html", "md", "json")}
    paths["html"].write_text(_env.get_template("digest.html.j2").render(d=digest), encoding="utf-8")
    paths["md"].write_text(_env.get_template("digest.md.j2").render(d=digest), encoding="utf-8")
    paths["json"].write_text(json.dumps(digest.model_dump(mode="json"), ensure_ascii=False, indent=2),
                             encoding="utf-8")
    return paths
