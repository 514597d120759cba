"""Campaign tagging: weighted key-phrase and directive evidence per topic, multi-label."""

import re
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
# The portal filed the article under a section named for the topic ("Xây dựng Đảng"): as strong as a
# mention in the lead, so it tags only with some evidence in the text as well.
SECTION_WEIGHT = 2.0
# A weak phrase (generic words such as "khen thưởng") and any phrase inside an occasion clause
# ("nhân dịp kỷ niệm 133 năm Ngày sinh Chủ tịch Hồ Chí Minh, …": the anniversary is when the event
# happened, not what it is about) count this fraction of their place's weight.
WEAK_FACTOR = 0.5
OCCASION_MAX = 160  # characters an occasion clause may run before a sentence end closes it anyway
OCCASION_END = re.compile(r"[.;:!?\n]|\)\s*,|\s[-–]\s")


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
    weak: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.keys = _keys(self.phrases)
        self.weak_keys = _keys(self.weak) - self.keys
        self.negative_keys = _keys(self.negative)
        self.section_patterns = [(name, _whole_word(key)) for name, key in
                                 ((n, normalize_text(n).lower()) for n in self.sections) if key]

    def active_on(self, day: date) -> bool:
        return (self.active_from is None or day >= self.active_from) and (
            self.active_until is None or day <= self.active_until
        )

    def section_match(self, section: str) -> str:
        """The configured section name found in the article's section or breadcrumb, or ""."""
        folded = normalize_text(section).lower()
        return next((name for name, pattern in self.section_patterns if pattern.search(folded)), "") if folded else ""


def _keys(phrases: list[str]) -> set[str]:
    """Phrases as matched: normalised, lowercased (an empty phrase would match everywhere)."""
    return {key for key in (normalize_text(p).lower() for p in phrases) if key}


def _whole_word(key: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(key)}(?!\w)")


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"  # what \w means in a Python regex


@dataclass
class Taxonomy:
    topics: list[Topic]
    min_score: float = 3.0
    occasion_markers: list[str] = field(default_factory=list)
    # When the title names some topic, a topic it does not name needs this much more: what the title is
    # about outweighs passing mentions further down.
    secondary_margin: float = 0.0

    def __post_init__(self) -> None:
        # One Aho-Corasick automaton over every topic's phrases and the occasion markers reads each text
        # once, instead of one regular expression per topic scanning it again. Value: the phrase and who
        # uses it, as (topic index, kind) with kind "phrase", "weak" or "negative", or (-1, "occasion").
        self._automaton = ahocorasick.Automaton()
        owners: dict[str, list[tuple[int, str]]] = {}
        for index, topic in enumerate(self.topics):
            for kind, keys in (("phrase", topic.keys), ("weak", topic.weak_keys), ("negative", topic.negative_keys)):
                for key in keys:
                    owners.setdefault(key, []).append((index, kind))
        for key in _keys(self.occasion_markers):
            owners.setdefault(key, []).append((-1, "occasion"))
        for key, users in owners.items():
            self._automaton.add_word(key, (key, users))
        if owners:
            self._automaton.make_automaton()

    @staticmethod
    def _occasions(text: str, markers: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Spans of occasion clauses: from a marker ("nhân dịp", "chào mừng"…) to the end of its clause."""
        spans = []
        for start, end in markers:
            stop = OCCASION_END.search(text, end, end + OCCASION_MAX)
            spans.append((start, stop.start() if stop else min(len(text), end + OCCASION_MAX)))
        return spans

    def hits(self, text: str) -> tuple[dict[int, list[tuple[str, float, bool]]], set[int]]:
        """Whole-word phrase hits in a normalised, lowercased text: per topic index the phrases found with
        their weight factor and whether the phrase is a weak one (leftmost, longest first, not
        overlapping: "nông thôn mới nâng cao" is one hit, not also "nông thôn mới"), and the topics one of
        whose negative phrases occurs."""
        found: dict[int, list[tuple[int, int, str, bool]]] = {}
        markers: list[tuple[int, int]] = []
        vetoed: set[int] = set()
        if self._automaton.kind != ahocorasick.AHOCORASICK:
            return {}, vetoed
        last = len(text) - 1
        for end, (key, users) in self._automaton.iter(text):
            start = end - len(key) + 1
            if (start > 0 and _is_word(text[start - 1])) or (end < last and _is_word(text[end + 1])):
                continue
            for index, kind in users:
                if kind == "occasion":
                    markers.append((start, end + 1))
                elif kind == "negative":
                    vetoed.add(index)
                else:
                    found.setdefault(index, []).append((start, -len(key), key, kind == "weak"))
        occasions = self._occasions(text, markers) if found and markers else []
        hits: dict[int, list[tuple[str, float, bool]]] = {}
        for index, spans in found.items():
            spans.sort()
            taken, reached = [], 0
            for start, minus_length, key, weak in spans:
                if start >= reached:  # the longest phrase starting here, after the previous hit
                    inside = any(a <= start < b for a, b in occasions)
                    taken.append((key, WEAK_FACTOR if weak or inside else 1.0, weak))
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
            weak=item.get("weak") or [], sections=item.get("sections") or [],
        ))
    return Taxonomy(topics=topics, min_score=float(data.get("min_score", 3)),
                    occasion_markers=data.get("occasion_markers") or [],
                    secondary_margin=float(data.get("secondary_margin", 0)))


def tag(taxonomy: Taxonomy, title: str, lead: str, body: str, directives: list[str],
        published_at: datetime | None = None, section: str = "") -> list[TopicTag]:
    """Topics whose evidence reaches the threshold, best first; each with what fired."""
    parts = {"title": title, "lead": lead, "body": body}
    found = {part: taxonomy.hits(normalize_text(text).lower()) for part, text in parts.items()}
    vetoed = set().union(*(v for _, v in found.values()))
    candidates: list[tuple[TopicTag, bool, float]] = []  # tag, named in the title, its threshold
    for index, topic in enumerate(taxonomy.topics):
        if published_at and not topic.active_on(published_at.date()):
            continue
        if index in vetoed:
            continue
        score = 0.0
        phrases: dict[str, None] = {}
        specific = False  # weak phrases support a tag but never make one alone
        for part, (hits, _) in found.items():  # title, lead, body: a weak phrase counts once, where it weighs most
            for phrase, factor, weak in hits.get(index, ()):
                if not (weak and phrase in phrases):
                    score += WEIGHTS[part] * factor
                phrases[phrase] = None
                specific = specific or not weak
        cited = [d for d in topic.directives if d in directives]
        score += DIRECTIVE_WEIGHT * len(cited)
        filed_under = topic.section_match(section)
        score += SECTION_WEIGHT if filed_under else 0.0
        threshold = topic.min_score or taxonomy.min_score
        if score >= threshold and (specific or cited or filed_under):
            titled = any(factor == 1.0 for _, factor, _ in found["title"][0].get(index, ()))
            # Many different specific phrases are a subject treated at length (a plan's section on it),
            # not a passing mention: such a topic stands with the title's.
            broad = len({p for hits, _ in found.values() for p, _, weak in hits.get(index, ()) if not weak}) >= 4
            candidates.append((TopicTag(topic_id=topic.id, score=score, phrases=list(phrases), directives=cited,
                                        section=filed_under), titled or broad, threshold))
    title_named = any(titled for _, titled, _ in candidates)  # broad ones too: they outweigh passing mentions
    tags = [found_tag for found_tag, titled, threshold in candidates
            if titled or not title_named or found_tag.score >= threshold + taxonomy.secondary_margin]
    return sorted(tags, key=lambda t: -t.score)


def tag_article(article: Article, taxonomy: Taxonomy) -> Article:
    """The article with its topics recomputed (the lead counts as lead, not again as body)."""
    rest = "\n\n".join(article.paragraphs[1:]) if article.paragraphs[:1] == [article.lead] else article.body
    topics = tag(taxonomy, article.title, article.lead, rest, article.directives, article.published_at,
                 section=article.section)
    return article.model_copy(update={"topics": topics})


def tag_plain_text(taxonomy: Taxonomy, text: str, title: str = "", section: str = "") -> list[TopicTag]:
    """Topics of a plain text (no page around it): cleaned paragraphs, the first one as the lead."""
    paragraphs, _ = clean_paragraphs(text.replace("\r", "").splitlines())
    lead, rest = (paragraphs[0], "\n\n".join(paragraphs[1:])) if paragraphs else ("", "")
    return tag(taxonomy, title, lead, rest, find_directives(f"{title}\n{text}"), section=section)
