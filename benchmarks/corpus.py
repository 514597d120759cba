"""Synthetic article corpora for the store benchmark, generated one article at a time (bounded memory).

- `recombined`: the fixture portals' 400-odd paragraphs recombined five at a time: every query of the
  benchmark's mix matches about half the collection, which real coverage never does.
- `realistic`: text drawn two words at a time, with numpy, in batches. Each article dwells on one of our own
  texts (portalwatch/examples and the fixture portals: 458 texts, grouped by campaign or none)
  and draws most of its word pairs from it, some from any text of its campaigns (or of none), and a share
  from generated tails: rare compounds of our syllables, people's names and places, numbers and dates,
  each Zipf-distributed; then 45 % of the pairs repeat one used earlier in the article, as real articles
  dwell on their own words. About half the articles treat no campaign, the others one or two, and only
  those carry that campaign's key phrases (a few also mention another in passing).

Calibrated against real Vietnamese texts studied outside this repository (facts and figures only):
272 portal excerpts (732 characters on average, three quarters about a campaign) and 34 whole articles
from national and provincial papers. Length: lognormal, geometric mean 795 syllables, log deviation 0.61
(the whole articles; mean 917 syllables, 4,232 characters; generated: 950 and 4,255). Repetition: distinct
syllables among an article's first 100 / 400 / 800 are 0.67 / 0.44 / 0.32 of them in real articles, 0.65 /
0.43 / 0.32 generated. Numbers: 2.4–3.6 % of real words, 3.9 % generated. Dates of the tails and datelines:
12 % written with leading zeros (06/11), as measured; those inside our texts stay as we wrote them.

Match rates of the benchmark's ten text queries (all words, any order, diacritics folded, title and body),
in % of articles, corpora at 5,000 articles; "@730": title and first 730 characters of the body, to compare
with the real excerpts:

| query               | real excerpts | real, whole (est. / 34) | recombined | realistic | realistic @730 |
|---------------------|---------------|-------------------------|------------|-----------|----------------|
| xay dung dang       | 15.1 (12.5)   | 37.0 / 35.3             | 57.4       | 35.3      | 5.7            |
| chuyển đổi số       |  7.4  (5.4)   | 29.6 / 61.8             | 59.6       | 47.6      | 6.1            |
| nong thon moi       |  5.9  (3.9)   | 13.1 /  2.9             | 40.4       | 26.7      | 5.0            |
| bầu cử              |  5.9  (4.9)   |  9.1 /  2.9             | 31.1       | 11.8      | 5.3            |
| thi dua yeu nuoc    |  5.5  (4.2)   | 11.5 / 23.5             | 10.9       |  9.6      | 0.6            |
| quốc phòng          | 22.1 (18.7)   | 42.8 / 38.2             | 48.3       | 45.8      | 8.1            |
| tham nhung          | 13.2 (15.0)   | 41.3 / 61.8             | 42.2       | 38.1      | 7.0            |
| đại hội đảng bộ     | 14.0 (10.2)   | 40.0 / 35.3             | 58.0       | 39.7      | 7.0            |
| hoc tap va lam theo |  5.5  (3.6)   | 18.8 / 11.8             | 31.6       | 15.3      | 2.1            |
| Đề án 06            |  1.1  (0.7)   |  6.9 /  5.9             |  5.5       |  3.7      | 0.7            |
| median              |  6.6  (5.1)   | 24.2 / 29.4             | 41.3       | 31.0      | 5.5            |

Real excerpts: in brackets, weighted to the generator's mix (half the articles about no campaign). Excerpts
understate what whole articles match: a query of common syllables ("tham nhung" is also "tham gia … nhưng")
finds them more often in 4,000 characters than in 730. Two estimates for whole real articles: first, a
same-campaign (or same no-campaign) run of excerpts as long as a real article, times 0.65 (on the 34 whole
articles, runs of 730-character pieces of different articles matched 45 % median against the articles' own
29 %: a real article repeats its words rather than bringing new ones); second, the 34 whole articles
themselves (national news, fewer campaign words). Both say a median near 25–30 %, which the realistic corpus
gives, with excerpt-length rates as the real excerpts'. The realistic corpus before this calibration (short
articles of 345 syllables, drawn from a word-pair chain, with almost no repetition) matched 7–40 % (median
25 %) whole and 7 % at 730 characters: a similar median, from too little text with too many distinct words.

Generation: about 9,000 articles per CPU second (5,000–9,000 a second of wall-clock time on a shared 2-core
machine), several times the embedded store's indexing rate there. Both corpora are deterministic for a seed,
and the first n articles of the realistic corpus are the same whatever n is.
"""

import functools
import hashlib
import math
import random
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import numpy as np
import yaml

from pipelines.process import content_hash
from portalwatch.core import VN_TZ
from portalwatch.core.config import PACKAGE_DIR
from portalwatch.core.models import Article, TopicTag, article_id
from portalwatch.core.normalize import fold, normalize_text
from portalwatch.fixture_portals.content import load_articles

DIRECTIVES = ["35-CT/TW", "05-CT/TW", "35-NQ/TW", "57-NQ/TW", "18-NQ/TW", "45-CT/TW"]
START = datetime(2025, 11, 24, tzinfo=VN_TZ)
SOURCES = 40
# Calibration (see the module docstring for what each was measured against).
LENGTH_MEDIAN_LOG = math.log(795)  # syllables of a real article: geometric mean 795,
LENGTH_SIGMA = 0.61  # log standard deviation 0.61
# Shares of an article's units (word pairs): from its own text, from any text of its campaigns, rare words,
# names and places, numbers and dates.
SHARES = [0.6, 0.15, 0.18, 0.04, 0.03]
_CUMULATIVE_SHARES = np.cumsum(SHARES) / sum(SHARES)
REPEAT = 0.45  # units that repeat one used earlier in the same article
RARE_WORDS = 100_000
ZERO_PADDED = 0.12  # dates written 06/11 rather than 6/11
_BATCH = 512  # articles drawn at once: numpy's cost per call is shared by all of them
_FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
_MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Quốc", "Ngọc", "Xuân", "Thu"]


def _topic_phrases() -> dict[str, list[str]]:
    data = yaml.safe_load((PACKAGE_DIR / "taxonomy.yaml").read_text("utf-8"))
    return {t["id"]: t["phrases"] for t in data["topics"]}


_WORD = re.compile(r"\w+(?:[.,/%-]\w+)*%?")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")


def _units(text: str) -> list[str]:
    """The two-word units of a text: each pair of neighbouring words within a sentence, so that
    compounds ("xây dựng", "nông thôn", "đề án") stay together and their parts co-occur as they do.
    A sentence's first word is lowercased unless it looks like a name (its next word is capitalised too)."""
    units: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        words = _WORD.findall(sentence)
        if len(words) < 2:
            continue
        if not words[1][:1].isupper():
            words[0] = words[0].lower()
        units += [f"{a} {b}" for a, b in pairwise(words)]
    return units


def _topic_texts() -> dict[str, list[str]]:
    """Our texts (fixture portals and tagging examples) by campaign; "" for those about none."""
    texts: dict[str, list[str]] = defaultdict(list)
    for a in load_articles():
        for topic in a.topics or [""]:
            texts[topic].append(a.title + ". " + "\n".join(a.paragraphs))
    for path in sorted((PACKAGE_DIR / "examples").glob("*.yaml")):
        for item in yaml.safe_load(path.read_text("utf-8")):
            for topic in item["topics"] or [""]:
                texts[topic].append(f"{item.get('title', '')}. {item['text']}")
    return {t: [normalize_text(x) for x in xs] for t, xs in sorted(texts.items())}


@dataclass
class _Vocabulary:
    """Every unit an article can hold, written four ways (as inside a sentence, ending one, ending a
    paragraph, opening one) and folded two ways (inside, ending: whitespace does not count in the content
    hash); our texts as sequences of unit indices, by campaign ("" for none); the generated tails."""

    written: "_Strings"  # 4 × units
    folded: "_Strings"  # 2 × units
    phrases: dict[str, list[int]]  # campaign -> unit index of each of its key phrases
    sequence: np.ndarray  # unit indices of our texts, one text after another
    texts: dict[str, list[tuple[int, int]]]  # campaign -> (start, length) in sequence of each text
    groups: dict[str, tuple[int, int]]  # campaign -> (start, length) in sequence of all its texts
    tails: list[tuple[int, int, int]]  # rare words, names, numbers: first unit index, how many, Zipf offset


@functools.lru_cache(maxsize=2)  # built in a second; read-only once built
def _vocabulary(seed: int) -> _Vocabulary:
    rng = random.Random(seed)
    index: dict[str, int] = {}
    sequence: list[int] = []
    texts: dict[str, list[tuple[int, int]]] = {}
    groups: dict[str, tuple[int, int]] = {}
    for topic, group in _topic_texts().items():
        texts[topic] = []
        for text in group:
            found = _units(text)
            texts[topic].append((len(sequence), len(found)))
            sequence += [index.setdefault(u, len(index)) for u in found]
        groups[topic] = (texts[topic][0][0], len(sequence) - texts[topic][0][0])
    units = list(index)
    inventory = sorted({w.lower() for u in units for w in u.split() if w.isalpha()})
    tails: list[tuple[int, int, int]] = []

    def tail(items: list[str], offset: int) -> None:
        tails.append((len(units), len(items), offset))
        units.extend(items)

    # The long tail real text has and our few texts lack: compounds of our own syllables.
    tail(list(dict.fromkeys(f"{rng.choice(inventory)} {rng.choice(inventory)}" for _ in range(RARE_WORDS))), 10)
    people = [f"{rng.choice(_FAMILY)} {rng.choice(_MIDDLE)} {rng.choice(inventory).title()}" for _ in range(20000)]
    places = [f"{kind} {rng.choice(inventory).title()} {rng.choice(inventory).title()}"
              for kind in ("xã", "phường", "thôn", "huyện") for _ in range(500)]
    tail([name for pair in zip(people[:2000], places, strict=True) for name in pair] + people[2000:], 5)
    numbers = [str(n) for n in range(1, 1000)] + [f"{n / 10:.1f}".replace(".", ",") for n in range(1, 1000)]
    numbers += [f"{d}/{m}" if rng.random() > ZERO_PADDED else f"{d:02}/{m:02}"
                for m in range(1, 13) for d in range(1, 29)]
    rng.shuffle(numbers)
    tail(numbers, 3)
    phrases: dict[str, list[int]] = {}
    for topic, items in _topic_phrases().items():
        phrases[topic] = list(range(len(units), len(units) + len(items)))
        units += items
    # Way after way: a unit written way w is string w * len(units) + its index.
    encoded = [u.encode() for u in units]
    capitalised = [(u[:1].upper() + u[1:]).encode() for u in units]
    written = _Strings([(encoded, b" "), (encoded, b". "), (encoded, b".\n\n"), (capitalised, b" ")])
    keys = [fold(u).encode() for u in units]
    folded = _Strings([(keys, b" "), (keys, b". ")])
    return _Vocabulary(written, folded, phrases, np.array(sequence, dtype=np.int64), texts, groups, tails)


class _Strings:
    """Many short strings in one UTF-8 buffer: numpy gathers thousands of them into one text at the cost
    of a few array operations, where joining Python strings pays for each one."""

    def __init__(self, ways: list[tuple[list[bytes], bytes]]) -> None:
        """ways: strings (encoded), each followed by a suffix; several ways of writing the same ones, one
        after another. Joined without a list of every string written every way, which would take far more
        memory than the buffer itself."""
        self.lengths = np.concatenate([np.fromiter(map(len, items), np.int64, len(items)) + len(suffix)
                                       for items, suffix in ways])
        self.offsets = np.cumsum(self.lengths) - self.lengths
        self.buffer = np.frombuffer(b"".join(suffix.join(items) + suffix for items, suffix in ways), dtype=np.uint8)

    def gather(self, ids: np.ndarray, bounds: list[int]) -> tuple[bytes, list[int]]:
        """The strings `ids` one after another, and where the strings at `bounds` start (a bound past the
        last string: where the text ends)."""
        lengths = self.lengths[ids]
        ends = np.cumsum(lengths)
        starts = ends - lengths
        total = int(ends[-1]) if len(ends) else 0
        # int32 halves the memory traffic of this, the generator's largest array (a batch is a few MB)
        where = np.repeat((self.offsets[ids] - starts).astype(np.int32), lengths)
        where += np.arange(total, dtype=np.int32)
        return self.buffer.take(where).tobytes(), np.append(starts, total)[bounds].tolist()


def _draw(vocab: _Vocabulary, gen: np.random.Generator, spans: np.ndarray, counts: np.ndarray,
          repeat: float) -> tuple[np.ndarray, np.ndarray]:
    """Unit indices of several texts at once, one after another (counts[j] for text j), and where each
    text starts. Most units come from one of our texts (spans[j, 0]: the matter text j dwells on, as a
    real article does), some from any text of its campaigns (spans[j, 1] and [j, 2]: (start, length) in
    the sequence), the rest from the generated tails; then a `repeat` share repeats a unit used earlier
    in the same text."""
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    kinds = np.searchsorted(_CUMULATIVE_SHARES, gen.random(total))
    which = np.where(kinds == 0, 0, 1 + gen.integers(0, 2, total))  # own text, or one of two campaign spans
    chosen = spans[owner, which]
    at = gen.random(total)
    ids = vocab.sequence[chosen[:, 0] + (at * chosen[:, 1]).astype(np.int64)]
    for kind, (first, count, offset) in enumerate(vocab.tails, start=2):
        # Zipf: the unit of rank r weighs 1 / (r + offset), a few common, most rare; its cumulative
        # weight is about log((r + offset) / offset), inverted here.
        where = kinds == kind
        ranks = offset * ((count + offset) / offset) ** at[where] - offset
        ids[where] = first + np.minimum(ranks.astype(np.int64), count - 1)
    position = np.arange(total) - starts[owner]
    again = np.flatnonzero((gen.random(total) < repeat) & (position >= 10))  # the first words have nothing to repeat
    ids[again] = ids[starts[owner[again]] + (gen.random(len(again)) * position[again]).astype(np.int64)]
    return ids, starts


def _layout(gen: np.random.Generator, starts: np.ndarray, total: int) -> np.ndarray:
    """How each unit is written: 0 inside a sentence, 1 ending one, 2 ending a paragraph, 3 opening a
    sentence. Sentences of 14 units (28 syllables) on average, 1.7 of them to a paragraph, as measured."""
    first = np.zeros(total, dtype=bool)
    first[starts] = True
    last = np.roll(first, -1)
    ends = gen.random(total) < 1 / 14
    ends &= ~np.roll(last, -1)  # the last unit ends a sentence: the one before it does not
    ends |= last
    opens = np.roll(ends, 1) | first
    ends &= ~opens | last  # no one-unit sentence
    opens = np.roll(ends, 1) | first
    paragraph = (gen.random(total) < 0.6) | last
    return np.where(ends, np.where(paragraph, 2, 1), np.where(opens, 3, 0))


def realistic(n: int, seed: int = 7) -> Iterator[Article]:
    rng = random.Random(seed)
    gen = np.random.default_rng(seed)
    vocab = _vocabulary(seed)
    phrases = _topic_phrases()
    topics = list(phrases)
    units = len(vocab.folded.lengths) // 2
    for batch in range(0, n, _BATCH):
        size = _BATCH  # always: the first n articles are the same whatever n is
        chosen = [rng.sample(topics, rng.choices([0, 1, 2], weights=[50, 40, 10])[0]) for _ in range(size)]
        spans = np.array([[rng.choice(vocab.texts[rng.choice(c or [""])]), vocab.groups[(c or [""])[0]],
                           vocab.groups[(c or [""])[-1]]] for c in chosen], dtype=np.int64)
        syllables = np.clip(gen.lognormal(LENGTH_MEDIAN_LOG, LENGTH_SIGMA, size), 100, 4000)
        ids, starts = _draw(vocab, gen, spans, (syllables // 2).astype(np.int64), REPEAT)
        layout = _layout(gen, starts, len(ids))
        bounds = [*starts.tolist(), len(ids)]
        days = [START + timedelta(minutes=rng.randrange(3 * 365 * 24 * 60)) for _ in range(size)]
        datelines = [("" if rng.random() > 0.6 else f"{day:%d/%m/%Y}, " if rng.random() < ZERO_PADDED
                      else f"{day.day}/{day.month}/{day.year}, ") for day in days]
        for j in range(size):
            _mention(rng, vocab, chosen[j], ids, layout, bounds[j], bounds[j + 1])
            if datelines[j]:  # most reports open with the date: the first word is then inside the sentence
                layout[bounds[j]] = 0
        text, text_at = vocab.written.gather(layout * units + ids, bounds)
        keys, keys_at = vocab.folded.gather(((layout == 1) | (layout == 2)) * units + ids, bounds)
        title_ids, title_starts = _draw(vocab, gen, spans, gen.integers(5, 10, size), 0)
        titles, titles_at = vocab.written.gather(title_ids, [*title_starts.tolist(), len(title_ids)])
        for j in range(min(size, n - batch)):
            title = titles[titles_at[j]:titles_at[j + 1]].decode()
            if chosen[j] and rng.random() < 0.7:
                title += rng.choice(phrases[chosen[j][0]])
            body = text[text_at[j]:text_at[j + 1]].decode().rstrip()
            folded = keys[keys_at[j]:keys_at[j + 1]].rstrip()  # folded Vietnamese is ASCII: no need to decode
            if datelines[j]:
                body, folded = f"Ngày {datelines[j]}{body}", f"ngay {datelines[j]}".encode() + folded
            yield _article(rng, batch + j, chosen[j], title.strip(), body, folded, days[j])


def _mention(rng: random.Random, vocab: _Vocabulary, chosen: list[str], ids: np.ndarray, layout: np.ndarray,
             start: int, end: int) -> None:
    """What the article is about: its campaigns' key phrases, a few times each, in place of words inside
    sentences; sometimes another campaign's in passing."""
    mentions = [rng.choice(vocab.phrases[t]) for t in chosen for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.15:
        mentions.append(rng.choice(vocab.phrases[rng.choice(list(vocab.phrases))]))
    for phrase in mentions:
        at = rng.randrange(start + 1, end)
        if layout[at] == 0:
            ids[at] = phrase


def _article(rng: random.Random, i: int, chosen: list[str], title: str, body: str, folded: bytes,
             day: datetime) -> Article:
    title = title[:1].upper() + title[1:]
    source = f"portal{i % SOURCES}"
    url = f"https://{source}.example.vn/tin-tuc/bai-{i}.html"
    return Article(
        id=article_id(url), url=url, canonical_url=url, source_id=source, province=f"Tỉnh {i % 10}",
        title=title, lead=body[:body.find("\n\n")] if "\n\n" in body else body, body=body, published_at=day,
        fetched_at=datetime.now(UTC), content_hash=_content_hash(title, folded),
        topics=[TopicTag(topic_id=t, score=3.0) for t in chosen],
        directives=rng.sample(DIRECTIVES, rng.choice([0, 0, 0, 1])),
    )


def _content_hash(title: str, folded: bytes) -> str:
    """content_hash() of the article, from its body folded word by word: fold() works character by
    character, so that is the folded body, and it is single-spaced, so there is no whitespace left to
    normalise (the long text need not be split and joined again)."""
    return hashlib.sha1(f"{fold(title)} ".encode() + folded).hexdigest()


def recombined(n: int, seed: int = 7) -> Iterator[Article]:
    rng = random.Random(seed)
    fixtures = load_articles()
    paragraphs = [normalize_text(p) for a in fixtures for p in a.paragraphs]
    titles = [normalize_text(a.title) for a in fixtures]
    topics = list(_topic_phrases())
    for i in range(n):
        body = "\n\n".join(rng.sample(paragraphs, 5))
        title = f"{rng.choice(titles)} ({i})"
        source = f"portal{i % SOURCES}"
        url = f"https://{source}.example.vn/tin-tuc/bai-{i}.html"
        published = START + timedelta(minutes=rng.randrange(365 * 24 * 60))
        yield Article(
            id=article_id(url), url=url, canonical_url=url, source_id=source, province=f"Tỉnh {i % 10}",
            title=title, lead=body.split("\n\n")[0], body=body, published_at=published, fetched_at=datetime.now(UTC),
            content_hash=content_hash(title, [body]),
            topics=[TopicTag(topic_id=t, score=3.0) for t in rng.sample(topics, rng.choice([0, 1, 1, 2]))],
            directives=rng.sample(DIRECTIVES, rng.choice([0, 0, 1])),
        )


CORPORA = {"recombined": recombined, "realistic": realistic}
