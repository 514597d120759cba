"""Campaign tagging: weighted key-phrase and directive evidence per topic, multi-label."""

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import ahocorasick
import yaml

from pipelines.clean import clean_paragraphs
from pipelines.directives import find_directives
from portalwatch.core.models import Article, TopicTag
from portalwatch.core.normalize import normalize_text

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
        self.keys = _keys(self.phrases)
        self.negative_keys = _keys(self.negative)

    def active_on(self, day: date) -> bool:
        return (self.active_from is None or day >= self.active_from) and (
            self.active_until is None or day <= self.active_until
        )


def _keys(phrases: list[str]) -> set[str]:
    """Phrases as matched: normalised, lowercased (an empty phrase would match everywhere)."""
    return {key for key in (normalize_text(p).lower() for p in phrases) if key}


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"  # what \w means in a Python regex


@dataclass
class Taxonomy:
    topics: list[Topic]
    min_score: float = 3.0

    def __post_init__(self) -> None:
        # One Aho-Corasick automaton over every topic's phrases reads each text once, instead of one
        # regular expression per topic scanning it again. Value: the phrase and which topics use it,
        # as (topic index, negative?).
        self._automaton = ahocorasick.Automaton()
        owners: dict[str, list[tuple[int, bool]]] = {}
        for index, topic in enumerate(self.topics):
            for key in topic.keys:
                owners.setdefault(key, []).append((index, False))
            for key in topic.negative_keys:
                owners.setdefault(key, []).append((index, True))
        for key, users in owners.items():
            self._automaton.add_word(key, (key, users))
        if owners:
            self._automaton.make_automaton()

    def hits(self, text: str) -> tuple[dict[int, list[str]], set[int]]:
        """Whole-word phrase hits in a normalised, lowercased text: per topic index the phrases found
        (leftmost, longest first, not overlapping: "nông thôn mới nâng cao" is one hit, not also
        "nông thôn mới"), and the topics one of whose negative phrases occurs."""
        found: dict[int, list[tuple[int, int, str]]] = {}
        vetoed: set[int] = set()
        if self._automaton.kind != ahocorasick.AHOCORASICK:
            return {}, vetoed
        last = len(text) - 1
        for end, (key, users) in self._automaton.iter(text):
            start = end - len(key) + 1
            if (start > 0 and _is_word(text[start - 1])) or (end < last and _is_word(text[end + 1])):
                continue
            for index, negative in users:
                if negative:
                    vetoed.add(index)
                else:
                    found.setdefault(index, []).append((start, -len(key), key))
        hits: dict[int, list[str]] = {}
        for index, spans in found.items():
            spans.sort()
            taken, reached = [], 0
            for start, minus_length, key in spans:
                if start >= reached:  # the longest phrase starting here, after the previous hit
                    taken.append(key)
                    reached = start - minus_length
            hits[index] = taken
        return hits, vetoed

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
    found = {part: taxonomy.hits(normalize_text(text).lower()) for part, text in parts.items()}
    vetoed = set().union(*(v for _, v in found.values()))
    tags: list[TopicTag] = []
    for index, topic in enumerate(taxonomy.topics):
        if published_at and not topic.active_on(published_at.date()):
            continue
        if index in vetoed:
            continue
        score = 0.0
        phrases: dict[str, None] = {}
        for part, (hits, _) in found.items():
            for phrase in hits.get(index, ()):
                score += WEIGHTS[part]
                phrases[phrase] = None
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
