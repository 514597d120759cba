from datetime import datetime, timedelta

from pipelines.dedup import duplicate_groups, fingerprint
from pipelines.process import content_hash
from portalwatch.core import VN_TZ
from portalwatch.core.models import DedupKey
from portalwatch.fixture_portals.content import load_articles

T0 = datetime(2026, 11, 17, 8, 0, tzinfo=VN_TZ)


def key(article_id: str, paragraphs: list[str], hours: int) -> DedupKey:
    return DedupKey(id=article_id, content_hash=content_hash("", paragraphs), published_at=T0 + timedelta(hours=hours),
                    duplicate_group=None, fingerprint=fingerprint("\n\n".join(paragraphs)))


def test_edited_copies_join_the_earliest_article_and_other_stories_stay_apart() -> None:
    articles = [a for a in load_articles() if len(a.paragraphs) >= 4]
    original, same_topic = articles[0].paragraphs, articles[1].paragraphs
    keys = [
        key("copy-trimmed", [*original[:-1], "Quang cảnh hội nghị. Ảnh: BBG"], hours=3),
        key("original", original, hours=0),
        key("copy-byline", ["Theo Cổng TTĐT tỉnh Bình Giang", *original], hours=5),
        key("exact-copy", original, hours=1),
        key("other-story", same_topic, hours=2),
    ]
    groups = duplicate_groups(keys)
    assert {groups[k] for k in ("original", "copy-trimmed", "copy-byline", "exact-copy")} == {"original"}
    assert groups["other-story"] is None


def test_no_two_fixture_stories_are_mistaken_for_copies() -> None:
    keys = [key(a.slug, a.paragraphs, hours=i) for i, a in enumerate(load_articles())]
    assert all(group is None for group in duplicate_groups(keys).values())


def test_fingerprints_are_those_of_a_plain_datasketch_minhash() -> None:
    """Stored fingerprints stay comparable: the fast path hashes exactly as MinHash.update_batch does."""
    from datasketch import MinHash

    from pipelines.dedup import NUM_PERM, SCHEME, SHINGLE_WORDS
    from portalwatch.core.normalize import fold

    for body in ["", "Đảng bộ xã", "\n\n".join(load_articles()[0].paragraphs)]:
        words = fold(body).split()
        shingles = {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}
        sketch = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME)
        sketch.update_batch([s.encode() for s in shingles])
        assert fingerprint(body) == sketch.hashvalues.tolist()
