import hashlib
import os
import random
import subprocess
import sys
import zlib
from datetime import datetime, timedelta

import numpy as np
import pytest

from pipelines.dedup import (
    BANDS,
    NUM_PERM,
    ROWS,
    SCHEME_TAG,
    SHINGLE_WORDS,
    SIMILARITY,
    StoryKeys,
    duplicate_groups,
    fingerprint,
    group_stories,
)
from pipelines.process import content_hash
from portalwatch.core import VN_TZ
from portalwatch.core.models import DedupKey, fingerprint_bytes
from portalwatch.core.normalize import fold
from portalwatch.fixture_portals.content import load_articles

T0 = datetime(2026, 11, 17, 8, 0, tzinfo=VN_TZ)


def key(article_id: str, paragraphs: list[str], hours: int) -> DedupKey:
    return DedupKey(article_id, content_hash("", paragraphs), (T0 + timedelta(hours=hours)).timestamp(), None,
                    fingerprint_bytes(fingerprint("\n\n".join(paragraphs))))


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


# The fingerprint scheme written out in plain Python, one value at a time: the numpy code must
# compute exactly this, or fingerprints stored earlier would stop comparing with new ones.
def _constant(label: str) -> int:
    return int.from_bytes(hashlib.blake2b(label.encode(), digest_size=8).digest(), "little")


def _fmix64(x: int) -> int:
    mask = (1 << 64) - 1
    x ^= x >> 33
    x = x * 0xFF51AFD7ED558CCD & mask
    x ^= x >> 33
    x = x * 0xC4CEB9FE1A85EC53 & mask
    return x ^ x >> 33


def spelled_out_fingerprint(body: str) -> list[int]:
    mask = (1 << 64) - 1
    words = [zlib.crc32(w.encode()) for w in fold(body).split()]
    words += [0] * (SHINGLE_WORDS - len(words))  # fewer than five words: one shingle, padded
    positions = [_constant(f"word-position{i}") | 1 for i in range(SHINGLE_WORDS)]
    shingles = {_fmix64(sum(w * p for w, p in zip(words[s : s + SHINGLE_WORDS], positions, strict=True)) & mask) >> 32
                for s in range(len(words) - SHINGLE_WORDS + 1)}
    values = [min(((_constant(f"perm-a{i}") * x + _constant(f"perm-b{i}")) & mask) >> 32 for x in shingles)
              for i in range(NUM_PERM)]
    return [SCHEME_TAG, *values]


def test_fingerprints_follow_the_scheme_written_out() -> None:
    for body in ["", "Đảng bộ xã", "Một hai ba bốn năm", "\n\n".join(load_articles()[0].paragraphs)]:
        assert fingerprint(body) == spelled_out_fingerprint(body)


def test_fingerprints_do_not_depend_on_the_process() -> None:
    """Python's hash() of a str changes with every process; the fingerprint must not."""
    body = "\n\n".join(load_articles()[1].paragraphs)
    code = ("import sys; from pipelines.dedup import fingerprint;"
            "print(fingerprint(sys.stdin.read()))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run([sys.executable, "-c", code], input=body, capture_output=True, text=True, env=env,
                           check=True).stdout
    assert other.strip() == str(fingerprint(body))


def test_lsh_bands_are_datasketchs_for_recall_weighted_errors() -> None:
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=SIMILARITY, num_perm=NUM_PERM, weights=(0.1, 0.9))
    assert (lsh.b, lsh.r) == (BANDS, ROWS)


VOCABULARY = str.split("tỉnh Bình Giang ủy ban nhân dân hội nghị triển khai kế hoạch tuyên truyền xây dựng Đảng "
              "chính quyền cơ sở huyện xã phường đoàn thể nông thôn mới thủy lợi giao thông học tập làm theo "
              "tư tưởng đạo đức phong cách cán bộ đảng viên nhiệm vụ giải pháp năm tháng tuần kết quả đánh giá "
              "chỉ đạo phối hợp kiểm tra giám sát thực hiện nghị quyết chỉ thị báo cáo tổng kết phát động "
              "phong trào thi đua khen thưởng tập thể cá nhân điển hình tiên tiến")


def text_of(rng: random.Random, words: int) -> list[str]:
    return [rng.choice(VOCABULARY) + str(rng.randrange(40)) for _ in range(words)]


def shingle_jaccard(a: list[str], b: list[str]) -> float:
    def shingles(words: list[str]) -> set[str]:
        return {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}
    return len(shingles(a) & shingles(b)) / len(shingles(a) | shingles(b))


def test_estimated_jaccard_stays_near_the_true_one() -> None:
    """Pairs of invented texts with a chosen number of words replaced: the fingerprints' share of
    equal values estimates the shingle sets' Jaccard (64 values: a standard error of at most 1/16)."""
    rng = random.Random(7)
    errors = []
    for _ in range(200):
        words = text_of(rng, rng.randint(80, 500))
        edited = list(words)
        for i in rng.sample(range(len(words)), rng.randint(0, len(words) // 6)):
            edited[i] = "khác"
        a, b = np.array(fingerprint(" ".join(words))[1:]), np.array(fingerprint(" ".join(edited))[1:])
        errors.append(float(np.mean(a == b)) - shingle_jaccard(words, edited))
    assert max(map(abs, errors)) < 0.25
    assert abs(float(np.mean(errors))) < 0.02  # no bias
    assert float(np.sqrt(np.mean(np.square(errors)))) < 0.075


def planted_texts(rng: random.Random) -> tuple[list[DedupKey], dict[str, str | None]]:
    """Stories of invented texts, each original followed by copies with 1 word in 60 replaced (a
    shingle Jaccard near 0.85), and rewrites sharing only their first third with an original
    (near 0.2), which stay alone; the expected groups come from how they were made."""
    keys: list[DedupKey] = []
    expected: dict[str, str | None] = {}
    for story in range(120):
        words = text_of(rng, rng.randint(150, 400))
        leader = f"s{story}-0"
        copies = rng.randint(0, 3)
        for copy in range(copies + 1):
            edited = list(words)
            if copy:
                for start in range(rng.randrange(60), len(words), 60):
                    edited[start] = "sửa"
            article_id = f"s{story}-{copy}"
            keys.append(DedupKey(article_id, f"hash-{article_id}", 1000.0 * story + copy, None,
                                 fingerprint_bytes(fingerprint(" ".join(edited)))))
            expected[article_id] = leader if copies else None
        rewrite = words[: len(words) // 3] + text_of(rng, len(words) - len(words) // 3)
        keys.append(DedupKey(f"r{story}", f"hash-r{story}", 1000.0 * story + 9, None,
                             fingerprint_bytes(fingerprint(" ".join(rewrite)))))
        expected[f"r{story}"] = None
    return keys, expected


def test_planted_near_copies_are_grouped_and_rewrites_left_alone() -> None:
    keys, expected = planted_texts(random.Random(11))
    rng = random.Random(3)
    rng.shuffle(keys)  # the order keys arrive in does not matter
    assert duplicate_groups(keys) == expected


def test_leader_is_the_earliest_then_the_smallest_id_and_copies_without_fingerprints_join_by_hash() -> None:
    keys = [DedupKey("b", "same", 100.0, None, b""), DedupKey("c", "same", 50.0, None, b""),
            DedupKey("a", "same", 50.0, None, b""), DedupKey("d", "other", 10.0, None, b"")]
    assert duplicate_groups(keys) == {"a": "a", "b": "a", "c": "a", "d": None}


def test_only_changed_groups_are_written() -> None:
    body = "\n\n".join(load_articles()[0].paragraphs)
    sketch = fingerprint_bytes(fingerprint(body))
    keys = [
        DedupKey("old", "h1", 1.0, "old", sketch),  # stays the leader
        DedupKey("kept", "h2", 2.0, "old", sketch),  # already in its group
        DedupKey("new", "h3", 3.0, None, sketch),  # joins
        DedupKey("left", "h4", 4.0, "old", fingerprint_bytes(fingerprint("Một bài khác hẳn về thủy lợi"))),
        DedupKey("alone", "h5", 5.0, None, b""),
    ]
    stories = group_stories(StoryKeys(keys))
    assert stories.changes() == {"new": "old", "left": None}
    assert stories.count == 1


def test_old_scheme_or_missing_fingerprints_are_stale_and_join_only_by_hash_until_refreshed() -> None:
    body = "\n\n".join(load_articles()[0].paragraphs)
    current = fingerprint(body)
    keys = StoryKeys([
        DedupKey("new", "h1", 1.0, None, fingerprint_bytes(current)),
        DedupKey("old-scheme", "h2", 2.0, None, fingerprint_bytes(current[1:])),  # 64 values: no scheme number
        DedupKey("none", "h3", 3.0, None, b""),
        DedupKey("other-scheme", "h4", 4.0, None, fingerprint_bytes([SCHEME_TAG + 1, *current[1:]])),
    ])
    assert keys.stale() == [1, 2, 3]
    assert group_stories(keys).count == 0
    keys.refresh(1, fingerprint(body))
    assert dict(group_stories(keys).groups()) == {"new": "new", "old-scheme": "new", "none": None,
                                                  "other-scheme": None}


def oracle_groups(keys: list[DedupKey]) -> dict[str, str | None]:
    """The grouping as it was written before, for comparison: datasketch's MinHashLSH queried with
    every sketch, each candidate checked by its estimated Jaccard, a union-find over ids."""
    from datasketch import MinHash, MinHashLSH

    parent = {k.id: k.id for k in keys}

    def root(node: str) -> str:
        while parent[node] != node:
            node = parent[node]
        return node

    def join(a: str, b: str) -> None:
        parent[root(a)] = root(b)

    first: dict[str, str] = {}
    for k in keys:
        join(k.id, first.setdefault(k.content_hash, k.id))
    lsh = MinHashLSH(threshold=SIMILARITY, num_perm=NUM_PERM, weights=(0.1, 0.9))
    sketches = {}
    for k in keys:
        values = np.frombuffer(k.fingerprint, dtype="<u4")
        if len(values) == NUM_PERM + 1 and values[0] == SCHEME_TAG:
            sketches[k.id] = MinHash(num_perm=NUM_PERM, hashvalues=values[1:], scheme="affine32")
            lsh.insert(k.id, sketches[k.id])
    for article_id, sketch in sketches.items():
        for other in lsh.query(sketch):
            if other != article_id and sketch.jaccard(sketches[other]) >= SIMILARITY:
                join(article_id, other)
    members: dict[str, list[DedupKey]] = {}
    for k in keys:
        members.setdefault(root(k.id), []).append(k)
    groups: dict[str, str | None] = {}
    for cluster in members.values():
        leader = min(cluster, key=lambda k: (k.published_ts, k.id)).id if len(cluster) > 1 else None
        groups.update((k.id, leader) for k in cluster)
    return groups


def synthetic_keys(seed: int, stories: int) -> list[DedupKey]:
    """Sketches made directly: each story a random sketch and copies of it with some values
    changed (from none to 40 of 64, around the threshold), some sharing one band and nothing else,
    big runs of identical sketches, crowds of sketches each sharing 44-52 values with a template
    (with each other, about the threshold), exact copies by content hash and a few keys without a
    sketch."""
    rng = np.random.default_rng(seed)
    keys: list[DedupKey] = []

    def add(values: np.ndarray, content: str | None = None) -> None:
        i = len(keys)
        stored = np.concatenate(([SCHEME_TAG], values)).astype("<u4").tobytes() if len(values) else b""
        keys.append(DedupKey(f"k{i}", content or f"h{i}", float(rng.integers(0, 50)), None, stored))

    for _ in range(stories):
        base = rng.integers(0, 2**32, NUM_PERM, dtype=np.uint64)
        for _ in range(int(rng.integers(1, 6))):
            copy = base.copy()
            changed = rng.choice(NUM_PERM, int(rng.integers(0, 41)), replace=False)
            copy[changed] = rng.integers(0, 2**32, len(changed), dtype=np.uint64)
            add(copy)
        if rng.random() < 0.3:  # one band in common only
            other = rng.integers(0, 2**32, NUM_PERM, dtype=np.uint64)
            other[:ROWS] = base[:ROWS]
            add(other)
        if rng.random() < 0.1:
            add(np.array([]), content=keys[-1].content_hash)
    crowd = rng.integers(0, 2**32, NUM_PERM, dtype=np.uint64)
    for _ in range(40):
        add(crowd)
    for _ in range(30):  # one band shared by many, most of them too different to join
        other = rng.integers(0, 2**32, NUM_PERM, dtype=np.uint64)
        other[ROWS : 2 * ROWS] = crowd[ROWS : 2 * ROWS]
        add(other)
    for _ in range(3):  # crowds around a template: pairs near the threshold, joined one by one
        template = rng.integers(0, 2**32, NUM_PERM, dtype=np.uint64)
        for _ in range(60):
            member = rng.integers(0, 2**32, NUM_PERM, dtype=np.uint64)
            kept = rng.choice(NUM_PERM, int(rng.integers(44, 53)), replace=False)
            member[kept] = template[kept]
            add(member)
    order = rng.permutation(len(keys))
    return [keys[i] for i in order]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_grouping_gives_the_answers_of_datasketchs_lsh(seed: int) -> None:
    keys = synthetic_keys(seed, stories=300)
    expected = oracle_groups(keys)
    assert sum(1 for g in expected.values() if g) > 300  # the case is not trivial
    for chunk in (5, 1 << 17):  # candidate pairs compared a few at a time, or all at once
        assert dict(group_stories(StoryKeys(keys), chunk=chunk).groups()) == expected
