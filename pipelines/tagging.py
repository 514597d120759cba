"""Campaign tagging: weighted key-phrase and directive evidence per topic, multi-label."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import yaml

from pipelines.clean import clean_paragraphs
from pipelines.directives import find_directives
from pipelines.normalize import normalize_text
from portalwatch.models import Article, TopicTag

WEIGHTS = {"title": 3.0, "lead": 2.0, "body": 1.0}
DIRECTIVE_WEIGHT = 3.0


@dataclass
class Topic:
    id: str
    name: str
    phrases: list[str]
    directives: list[str] = field(default_factory=list)
    negative: list[str] = field(default_factory=list)
    active_from: date | None = None
    active_until: date | None = None
    min_score: float | None = None

    def __post_init__(self) -> None:
        self.pattern = _alternation(self.phrases)
        self.negative_pattern = _alternation(self.negative) if self.negative else None

    def active_on(self, day: date) -> bool:
        return (self.active_from is None or day >= self.active_from) and (
            self.active_until is None or day <= self.active_until
        )


def _alternation(phrases: list[str]) -> re.Pattern[str]:
    # Longest first, so "nông thôn mới nâng cao" is one hit, not also "nông thôn mới".
    keys = sorted({normalize_text(p).lower() for p in phrases}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(k) for k in keys) + r")(?!\w)")


@dataclass
class Taxonomy:
    topics: list[Topic]
    min_score: float = 3.0

    def get(self, topic_id: str) -> Topic:
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        raise KeyError(topic_id)

    @property
    def names(self) -> dict[str, str]:
        return {t.id: t.name for t in self.topics}


def load_taxonomy(path: Path) -> Taxonomy:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    topics = []
    for item in data["topics"]:
        active = item.get("active") or {}
        topics.append(Topic(
            id=item["id"], name=item["name"], phrases=item.get("phrases") or [],
            directives=item.get("directives") or [], negative=item.get("negative") or [],
            active_from=active.get("from"), active_until=active.get("until"), min_score=item.get("min_score"),
        ))
    return Taxonomy(topics=topics, min_score=float(data.get("min_score", 3)))


def tag(taxonomy: Taxonomy, title: str, lead: str, body: str, directives: list[str],
        published_at: datetime | None = None) -> list[TopicTag]:
    """Topics whose evidence reaches the threshold, best first; each with what fired."""
    parts = {"title": title, "lead": lead, "body": body}
    parts = {part: normalize_text(text).lower() for part, text in parts.items()}
    tags: list[TopicTag] = []
    for topic in taxonomy.topics:
        if published_at and not topic.active_on(published_at.date()):
            continue
        if topic.negative_pattern and any(topic.negative_pattern.search(t) for t in parts.values()):
            continue
        score = 0.0
        phrases: dict[str, None] = {}
        for part, text in parts.items():
            for match in topic.pattern.finditer(text):
                score += WEIGHTS[part]
                phrases[match.group(1)] = None
        cited = [d for d in topic.directives if d in directives]
        score += DIRECTIVE_WEIGHT * len(cited)
        if score >= (topic.min_score or taxonomy.min_score):
            tags.append(TopicTag(topic_id=topic.id, score=score, phrases=list(phrases), directives=cited))
    return sorted(tags, key=lambda t: -t.score)


def tag_article(article: Article, taxonomy: Taxonomy) -> Article:
    """The article with its topics recomputed (the lead counts as lead, not again as body)."""
    rest = "\n\n".join(article.paragraphs[1:]) if article.paragraphs[:1] == [article.lead] else article.body
    topics = tag(taxonomy, article.title, article.lead, rest, article.directives, article.published_at)
    return article.model_copy(update={"topics": topics})


def tag_plain_text(taxonomy: Taxonomy, text: str, title: str = "") -> list[TopicTag]:
    """Topics of a plain text (no page around it): cleaned paragraphs, the first one as the lead."""
    paragraphs, _ = clean_paragraphs(text.replace("\r", "").splitlines())
    lead, rest = (paragraphs[0], "\n\n".join(paragraphs[1:])) if paragraphs else ("", "")
    return tag(taxonomy, title, lead, rest, find_directives(f"{title}\n{text}"))
