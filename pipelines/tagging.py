"""Campaign tagging: weighted key-phrase and directive evidence per topic, multi-label."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import ahocorasick
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from pipelines.clean import clean_paragraphs
from pipelines.directives import find_directives
from pipelines.topic_model import Example, TopicModel, model_text, read
from portalwatch.core.config import PACKAGE_DIR
from portalwatch.core.config_files import (
    ConfigError,
    as_list,
    key_node,
    read_yaml,
    repeated,
    validate,
    validate_items,
)
from portalwatch.core.models import Article, TopicTag

# Labelled articles written for portalwatch (not taken from any portal): the learned model's training set.
SHIPPED_EXAMPLES = PACKAGE_DIR / "examples"

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
                                 ((n, read(n)) for n in self.sections) if key]

    def active_on(self, day: date) -> bool:
        return (self.active_from is None or day >= self.active_from) and (
            self.active_until is None or day <= self.active_until
        )

    def section_match(self, section: str) -> str:
        """The configured section name found in the article's section or breadcrumb, or "".

        section: as `read` gives it (tag() reads it once for every topic and the model)."""
        return next((name for name, pattern in self.section_patterns if pattern.search(section)), "") if section else ""


def _keys(phrases: list[str]) -> set[str]:
    """Phrases as matched: normalised, lowercased (an empty phrase would match everywhere). A phrase
    with a comma is also matched without it: portals write "phòng, chống dịch" and "phòng chống dịch",
    "kiểm tra, giám sát" and "kiểm tra giám sát" alike."""
    keys = {key for key in (read(p) for p in phrases) if key}
    return keys | {key.replace(", ", " ") for key in keys}


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
    model: TopicModel | None = None

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
        found = _longest_reading(found)
        hits: dict[int, list[tuple[str, float, bool]]] = {}
        for index, spans in found.items():
            spans.sort()
            taken, reached = [], 0
            counted: set[int] = set()  # occasion clauses that already gave this topic its half
            for start, minus_length, key, weak in spans:
                if start >= reached:  # the longest phrase starting here, after the previous hit
                    inside = next((n for n, (a, b) in enumerate(occasions) if a <= start < b), None)
                    if inside is None:
                        factor = WEAK_FACTOR if weak else 1.0
                    else:
                        # One occasion is one mention however it is spelt out ("kỷ niệm 80 năm Cách mạng
                        # Tháng Tám, Quốc khánh 2/9"): its first phrase counts half, the rest nothing.
                        factor = 0.0 if inside in counted else WEAK_FACTOR
                        counted.add(inside)
                    taken.append((key, factor, weak))
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


def _longest_reading(found: dict[int, list[tuple[int, int, str, bool]]]) -> dict[int, list[tuple[int, int, str, bool]]]:
    """Words are read once: where phrases of two topics share words, the longer phrase is what the
    words mean ("tập thể, cá nhân điển hình học tập và làm theo …" names the Hồ Chí Minh campaign's
    exemplars, not the emulation movement's), and the shorter one of the other topic is dropped.
    Items are (start, -length, key, weak); overlaps within one topic are left to the caller."""
    if len(found) < 2:
        return found
    spans = sorted((start, start - minus, index) for index, items in found.items() for start, minus, _, _ in items)
    outread: set[tuple[int, int, int]] = set()  # (start, end, topic) of the phrases a longer one reads otherwise
    group: list[tuple[int, int, int]] = []
    reach = -1
    # Phrases overlap only within runs of overlapping spans (a few words): compare within each run alone.
    for span in [*spans, (max(end for _, end, _ in spans), 0, -1)]:  # the last one closes the last run
        if span[0] >= reach:
            if len({index for _, _, index in group}) > 1:
                outread.update((a, b, i) for a, b, i in group
                               if any(j != i and d - c > b - a and c < b and a < d for c, d, j in group))
            group, reach = [], span[1]
        group.append(span)
        reach = max(reach, span[1])
    if not outread:
        return found
    kept = {index: [item for item in items if (item[0], item[0] - item[1], index) not in outread]
            for index, items in found.items()}
    return {index: items for index, items in kept.items() if items}


Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
_WHAT = "chủ đề"


class _Period(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: date | None = Field(None, alias="from")
    until: date | None = None


class _TopicEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Phrase
    name: Phrase
    phrases: list[Phrase] = []
    directives: list[Phrase] = []
    negative: list[Phrase] = []
    weak: list[Phrase] = []
    sections: list[Phrase] = []
    active: _Period | None = None
    min_score: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def has_evidence(self) -> "_TopicEntry":
        if not (self.phrases or self.directives):
            raise ValueError("cần ít nhất một cụm từ (phrases) hoặc một số hiệu văn bản (directives)")
        return self


class _TaxonomyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min_score: float = Field(3.0, gt=0)
    secondary_margin: float = Field(0.0, ge=0)
    occasion_markers: list[Phrase] = []
    # Labelled examples for the learned model: a file or folder of YAML lists, relative to the taxonomy
    # file; absent: the examples shipped with portalwatch; false: no learned model, the rules alone.
    examples: str | bool | None = None
    learned_threshold: float = Field(0.5, gt=0, lt=1)
    topics: list[Any] = Field(min_length=1)


class _ExampleEntry(BaseModel):
    model_config = ConfigDict(extra="ignore")  # id, source: for the people who label
    title: str = ""
    text: Phrase
    topics: list[Phrase]
    section: str = ""


def _examples(setting: str | bool | None, taxonomy_path: Path) -> list[Example]:
    if setting is False:
        return []
    location = SHIPPED_EXAMPLES if setting in (None, True) else taxonomy_path.parent / str(setting)
    files = sorted(location.glob("*.yaml")) if location.is_dir() else [location]
    examples = []
    for path in files:
        data, node = read_yaml(path, "ví dụ gắn nhãn", f"sửa khóa 'examples' trong {taxonomy_path}.")
        items = as_list(data, path, "ví dụ gắn nhãn", "- title: …\n  text: …\n  topics: [xay-dung-dang]")
        for entry in validate_items(_ExampleEntry, items, node, path, "ví dụ gắn nhãn"):
            examples.append(Example(entry.title, entry.text, tuple(entry.topics), entry.section))
    return examples


def load_taxonomy(path: Path) -> Taxonomy:
    """The taxonomy file, validated (a mistake is a ConfigError naming its line), with its learned model."""
    data, node = read_yaml(path, _WHAT, "tạo tệp hoặc đặt PORTALWATCH_TAXONOMY trỏ tới tệp đúng.")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: tệp {_WHAT} phải là một bảng khóa: giá trị với danh sách 'topics'.")
    settings = validate(_TaxonomyFile, data, node, path, f"tệp {_WHAT}")
    topics_node = key_node(node, "topics")
    entries = validate_items(_TopicEntry, settings.topics, topics_node, path, _WHAT)
    repeated([e.id for e in entries], topics_node, path, _WHAT)
    topics = [Topic(id=e.id, name=e.name, phrases=e.phrases, directives=e.directives, negative=e.negative,
                    active_from=e.active.start if e.active else None, active_until=e.active.until if e.active else None,
                    min_score=e.min_score, weak=e.weak, sections=e.sections) for e in entries]
    examples = _examples(settings.examples, path)
    model = TopicModel(examples, [t.id for t in topics], settings.learned_threshold) if examples else None
    return Taxonomy(topics=topics, min_score=settings.min_score, occasion_markers=settings.occasion_markers,
                    secondary_margin=settings.secondary_margin, model=model)


def tag(taxonomy: Taxonomy, title: str, lead: str, body: str, directives: list[str],
        published_at: datetime | None = None, section: str = "") -> list[TopicTag]:
    """Topics whose evidence reaches the threshold, best first; each with what fired."""
    parts = {"title": read(title), "lead": read(lead), "body": read(body)}
    section_read = read(section)
    found = {part: taxonomy.hits(text) for part, text in parts.items()}
    vetoed = set().union(*(v for _, v in found.values()))
    learned = (taxonomy.model.predict(model_text(parts["title"], section_read, parts["lead"], parts["body"]))
               if taxonomy.model else {})
    candidates: list[tuple[TopicTag, bool, float]] = []  # tag, whether it stands on its own, its threshold
    title_named = False
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
        filed_under = topic.section_match(section_read)
        score += SECTION_WEIGHT if filed_under else 0.0
        threshold = topic.min_score or taxonomy.min_score
        by_rules = score >= threshold and bool(specific or cited or filed_under)
        model = learned.get(topic.id)
        if not (by_rules or model):
            continue
        titled = by_rules and any(factor == 1.0 for _, factor, _ in found["title"][0].get(index, ()))
        # Many different specific phrases are a subject treated at length (a plan's section on it),
        # not a passing mention: such a topic stands with the title's.
        broad = by_rules and len({p for hits, _ in found.values() for p, _, weak in hits.get(index, ())
                                  if not weak}) >= 4
        title_named = title_named or titled or broad  # what the title is about outweighs passing mentions
        # The model reads the whole text: a topic it recognises is what the text is about, not a mention.
        candidates.append((TopicTag(topic_id=topic.id, score=score, phrases=list(phrases), directives=cited,
                                    section=filed_under, learned=model.probability if model else None,
                                    terms=model.terms if model else []), titled or broad or bool(model), threshold))
    tags = [found_tag for found_tag, stands, threshold in candidates
            if stands or not title_named or found_tag.score >= threshold + taxonomy.secondary_margin]
    return sorted(tags, key=lambda t: (-t.score, -(t.learned or 0)))


def article_topics(article: Article, taxonomy: Taxonomy) -> list[TopicTag]:
    """The article's topics computed again (the lead counts as lead, not again as body)."""
    rest = "\n\n".join(article.paragraphs[1:]) if article.paragraphs[:1] == [article.lead] else article.body
    return tag(taxonomy, article.title, article.lead, rest, article.directives, article.published_at,
               section=article.section)


def tag_article(article: Article, taxonomy: Taxonomy) -> Article:
    """The article with its topics recomputed."""
    return article.model_copy(update={"topics": article_topics(article, taxonomy)})


def tag_plain_text(taxonomy: Taxonomy, text: str, title: str = "", section: str = "") -> list[TopicTag]:
    """Topics of a plain text (no page around it): cleaned paragraphs, the first one as the lead."""
    paragraphs, _ = clean_paragraphs(text.replace("\r", "").splitlines())
    lead, rest = (paragraphs[0], "\n\n".join(paragraphs[1:])) if paragraphs else ("", "")
    return tag(taxonomy, title, lead, rest, find_directives(f"{title}\n{text}"), section=section)
