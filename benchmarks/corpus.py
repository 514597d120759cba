"""Synthetic article corpora for the store benchmark, generated one article at a time (bounded memory).

- `recombined`: the fixture portals' 400-odd paragraphs recombined five at a time. Every query of the
  benchmark's mix then matches about half the collection, which real coverage never does.
- `realistic`: text drawn word by word from a word-pair chain learned on our own texts about no campaign
  (portalwatch/examples and the fixture portals), with a few generated rare words, people's names,
  places, numbers and dates. About half the articles treat no campaign; the others one or two, and only
  those carry the topic's key phrases several times (a few also mention another topic in passing).

Match rates of the benchmark's ten text queries (all words, any order), measured at 3,000 articles:
recombined 41 % median; realistic 7–39 % (median about 25 %). For reference, the same queries on 272 real
portal texts studied here (excerpts, 732 characters on average, three quarters about a campaign) match
1–22 %. The chain's small vocabulary still makes common syllables ("số", "bộ", "phòng") co-occur more
than on real pages: calibrating that is left for the embedded-store work (issue 14).

Both are deterministic for a seed.
"""

import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import yaml

from pipelines.process import content_hash
from portalwatch.core import VN_TZ
from portalwatch.core.config import PACKAGE_DIR
from portalwatch.core.models import Article, TopicTag, article_id
from portalwatch.core.normalize import normalize_text
from portalwatch.fixture_portals.content import load_articles

DIRECTIVES = ["35-CT/TW", "05-CT/TW", "35-NQ/TW", "57-NQ/TW", "18-NQ/TW", "45-CT/TW"]
START = datetime(2025, 11, 24, tzinfo=VN_TZ)
SOURCES = 40
_ONSETS = ["", "b", "c", "ch", "d", "đ", "g", "gi", "h", "k", "kh", "l", "m", "n", "ng", "nh", "ph", "qu", "r",
           "s", "t", "th", "tr", "v", "x"]
_RIMES = ["a", "ai", "am", "an", "ang", "anh", "ao", "au", "ay", "ăm", "ăn", "ăng", "âm", "ân", "âng", "âu", "ây",
          "e", "em", "en", "eo", "ê", "êm", "ên", "ênh", "êu", "i", "im", "in", "inh", "iu", "o", "oa", "oai", "oan",
          "oang", "oanh", "oe", "oi", "om", "on", "ong", "ô", "ôi", "ôm", "ôn", "ông", "ơ", "ơi", "ơm", "ơn", "u",
          "ui", "um", "un", "ung", "uy", "uyên", "ư", "ưa", "ưng", "ương", "ươi", "yên"]
_TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
_FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
_MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Quốc", "Ngọc", "Xuân", "Thu"]


def _syllable(rng: random.Random) -> str:
    rime = rng.choice(_RIMES)
    # The tone mark goes on the rime's first vowel; NFC composes it.
    return normalize_text(rng.choice(_ONSETS) + rime[0] + rng.choice(_TONES) + rime[1:])


class _Chain:
    """Word pairs of our own texts: what follows each word, as often as it does."""

    def __init__(self, texts: list[str]) -> None:
        self.following: dict[str, list[str]] = defaultdict(list)
        self.starts: list[str] = []
        for text in texts:
            for sentence in text.replace("\n", " ").split(". "):
                words = sentence.split()
                if len(words) < 4:
                    continue
                self.starts.append(words[0])
                for a, b in pairwise(words):
                    self.following[a].append(b)

    def sentence(self, rng: random.Random, length: int, rare: list[str], rare_share: float) -> str:
        word = rng.choice(self.starts)
        words = [word]
        while len(words) < length:
            options = self.following.get(word)
            if not options or rng.random() < rare_share:  # a rare word, then start afresh
                words.append(rare[min(len(rare) - 1, int(rng.paretovariate(1.1)) - 1)])
                word = rng.choice(self.starts)
            else:
                word = rng.choice(options)
            words.append(word)
        return " ".join(words[:length]).rstrip(",;:") + "."


def _texts() -> list[str]:
    """Our texts about no campaign (weather, prices, traffic, culture…): the everyday language around
    which campaign phrases are placed on purpose, so that a campaign word is not everywhere."""
    texts = [a.title + ". " + " ".join(a.paragraphs) for a in load_articles() if not a.topics]
    for path in sorted((PACKAGE_DIR / "examples").glob("*.yaml")):
        texts += [f"{item.get('title', '')}. {item['text']}" for item in yaml.safe_load(path.read_text("utf-8"))
                  if not item["topics"]]
    return [normalize_text(t) for t in texts]


def _topic_phrases() -> dict[str, list[str]]:
    data = yaml.safe_load((PACKAGE_DIR / "taxonomy.yaml").read_text("utf-8"))
    return {t["id"]: t["phrases"] for t in data["topics"]}


def realistic(n: int, seed: int = 7) -> Iterator[Article]:
    rng = random.Random(seed)
    chain = _Chain(_texts())
    rare = list(dict.fromkeys(_syllable(rng) + " " + _syllable(rng) for _ in range(60000)))
    phrases = _topic_phrases()
    topics = list(phrases)
    places = [f"{kind} {_syllable(rng).title()} {_syllable(rng).title()}" for kind in ("xã", "phường", "huyện")
              for _ in range(300)]
    for i in range(n):
        chosen = rng.sample(topics, rng.choices([0, 1, 2], weights=[50, 40, 10])[0])
        person = f"{rng.choice(_FAMILY)} {rng.choice(_MIDDLE)} {_syllable(rng).title()}"
        day = START + timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
        sentences = [chain.sentence(rng, rng.randint(12, 30), rare, 0.03) for _ in range(rng.randint(4, 25))]
        # Facts as real reports carry them: who, where, when, how many.
        sentences[0] = (f"Ngày {day:%d/%m/%Y}, tại {rng.choice(places)}, đồng chí {person} chủ trì "
                        f"{rng.choice(['hội nghị', 'buổi làm việc', 'lễ', 'cuộc họp'])} với "
                        f"{rng.randint(20, 900)} đại biểu. {sentences[0]}")
        for topic in chosen:  # what the article is about: its phrases, several times
            for _ in range(rng.randint(2, 5)):
                at = rng.randrange(len(sentences))
                sentences[at] = f"{sentences[at][:-1]}, {rng.choice(phrases[topic]).lower()}."
        if rng.random() < 0.15:  # a passing mention of some other campaign
            at = rng.randrange(len(sentences))
            sentences[at] = f"{sentences[at][:-1]} {rng.choice(phrases[rng.choice(topics)]).lower()}."
        paragraphs = [" ".join(sentences[k:k + 4]) for k in range(0, len(sentences), 4)]
        title = chain.sentence(rng, rng.randint(8, 14), rare, 0.05).rstrip(".")
        if chosen:
            title = f"{title} {rng.choice(phrases[chosen[0]])}"
        title = title[:1].upper() + title[1:]
        source = f"portal{i % SOURCES}"
        url = f"https://{source}.example.vn/tin-tuc/bai-{i}.html"
        body = "\n\n".join(paragraphs)
        yield Article(
            id=article_id(url), url=url, canonical_url=url, source_id=source, province=f"Tỉnh {i % 10}",
            title=title, lead=paragraphs[0], body=body, published_at=day, fetched_at=datetime.now(UTC),
            content_hash=content_hash(title, paragraphs), topics=[TopicTag(topic_id=t, score=3.0) for t in chosen],
            directives=rng.sample(DIRECTIVES, rng.choice([0, 0, 0, 1])),
        )


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
