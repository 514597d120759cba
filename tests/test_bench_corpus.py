"""The store benchmark's realistic corpus (benchmarks/corpus.py): streamed, deterministic, shaped like articles,
its content hash the process stage's, campaign phrases where the campaign is, lengths as measured on real ones."""

import statistics
from itertools import islice

import yaml

from benchmarks.corpus import realistic
from pipelines.process import content_hash
from portalwatch.core.config import PACKAGE_DIR
from portalwatch.core.normalize import fold

ARTICLES = list(realistic(1500))


def test_the_same_seed_gives_the_same_articles_and_another_seed_others() -> None:
    again = list(realistic(50))
    assert [(a.title, a.body, a.published_at, a.topics) for a in again] == \
        [(a.title, a.body, a.published_at, a.topics) for a in ARTICLES[:50]]
    other = list(realistic(50, seed=8))
    assert sum(a.body == b.body for a, b in zip(other, again, strict=True)) == 0


def test_articles_are_streamed_and_counted_as_asked() -> None:
    stream = realistic(10**9)  # nothing is built before it is asked for
    assert len(list(islice(stream, 3))) == 3
    assert len(ARTICLES) == 1500 and len({a.id for a in ARTICLES}) == 1500


def test_paragraphs_sentences_lead_and_content_hash_are_those_of_a_processed_article() -> None:
    for article in ARTICLES[:300]:
        paragraphs = article.body.split("\n\n")
        assert article.lead == paragraphs[0]
        assert all(p[0].isupper() or p[0].isdigit() for p in paragraphs), article.body[:200]
        assert all(p.endswith(".") and "  " not in p for p in paragraphs)
        assert article.title == article.title.strip() and article.title[:1] == article.title[:1].upper()
        assert article.content_hash == content_hash(article.title, paragraphs)


def test_a_campaigns_key_phrases_are_in_its_articles_and_seldom_elsewhere() -> None:
    topics = yaml.safe_load((PACKAGE_DIR / "taxonomy.yaml").read_text("utf-8"))["topics"]
    phrases = {t["id"]: [f" {fold(p)} " for p in t["phrases"]] for t in topics}

    def mentions(article_text: str, topic: str) -> bool:
        text = " " + " ".join(fold(article_text).replace(".", " ").replace(",", " ").split()) + " "
        return any(p in text for p in phrases[topic])

    about = [a for a in ARTICLES if any(t.topic_id == "chuyen-doi-so" for t in a.topics)]
    about_none = [a for a in ARTICLES if not a.topics]
    assert len(about) > 50 and len(about_none) > 500
    assert sum(mentions(f"{a.title} {a.body}", "chuyen-doi-so") for a in about) >= 0.9 * len(about)
    assert sum(mentions(f"{a.title} {a.body}", "chuyen-doi-so") for a in about_none) <= 0.1 * len(about_none)


def test_lengths_are_those_measured_on_real_articles() -> None:
    # 34 real articles: 917 syllables on average, half of them under 800, the shortest about 100
    syllables = [len(a.body.split()) for a in ARTICLES]
    assert 750 <= statistics.mean(syllables) <= 1100
    assert 650 <= statistics.median(syllables) <= 950
    assert min(syllables) >= 90
