"""Story clusters across sources: exact copies (same normalised text) and near-duplicates
(MinHash/LSH over word shingles), each cluster led by its earliest article.

Grouping reads the whole store, so it keeps one row per article in numpy arrays (a million
fingerprints are 256 MB) and finds the LSH candidates by sorting band hashes, not with a dict per
band: memory grows with the articles, not with Python objects per article.
"""

import hashlib
import zlib
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from portalwatch.core.models import DedupKey
from portalwatch.core.normalize import fold

NUM_PERM = 64
SHINGLE_WORDS = 5
# Jaccard similarity of shingle sets above which two bodies are one story: a copy with a byline
# added, a caption changed or the last paragraph trimmed stays well above it; two reports of the
# same event written separately stay well below.
SIMILARITY = 0.6
# LSH bands of ROWS hash values each: what datasketch's MinHashLSH(threshold=SIMILARITY,
# num_perm=NUM_PERM, weights=(0.1, 0.9)) picks (a test checks it). Every candidate pair is then
# checked by its estimated Jaccard, so a false candidate costs one comparison while a missed one is
# a copy left alone: weighed 1 to 9. A pair whose shingle sets share 70 % is a candidate 99 times in
# 100 (the even weights' 10 x 6 bands: 71 in 100).
BANDS, ROWS = 16, 4
# Every fingerprint starts with its scheme's number, so a store can tell fingerprints of an older
# scheme (which do not compare with these) and have them computed again from the body. Scheme 1,
# datasketch's SHA-1 per shingle, had no number: 64 values alone.
SCHEME = "words-crc32-v2"
SCHEME_TAG = 2
FINGERPRINT_LEN = 1 + NUM_PERM
_U64 = np.uint64


def _constants(label: str, count: int) -> np.ndarray:
    """Fixed pseudo-random 64-bit constants, derived from their label so they never change with a
    library's random generator: fingerprints stored today must compare with those of later runs."""
    return np.array([int.from_bytes(hashlib.blake2b(f"{label}{i}".encode(), digest_size=8).digest(), "little")
                     for i in range(count)], dtype=_U64)


# Multiply-add-shift ((a*x + b) mod 2^64) >> 32 over 32-bit shingle hashes: a strongly universal
# family, one member per permutation.
_PERM_A, _PERM_B = _constants("perm-a", NUM_PERM), _constants("perm-b", NUM_PERM)
_POSITION = _constants("word-position", SHINGLE_WORDS) | _U64(1)  # odd: each word's hash kept whole
_COLUMN_MIX = _constants("column", NUM_PERM) | _U64(1)


def _mix(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser, in place: every input bit reaches every output bit."""
    x ^= x >> _U64(33)
    x *= _U64(0xFF51AFD7ED558CCD)
    x ^= x >> _U64(33)
    x *= _U64(0xC4CEB9FE1A85EC53)
    x ^= x >> _U64(33)
    return x


def fingerprint(body: str) -> list[int]:
    return fingerprint_folded(fold(body))


def fingerprint_folded(folded_body: str) -> list[int]:
    """SCHEME_TAG, then the MinHash of the body's word 5-shingles; folded_body is fold(body)
    (folding is per character, so the folded paragraphs joined give the same words).

    Each word is hashed once (CRC-32, stable across processes, unlike hash()), a shingle's hash
    combines its five word hashes by position, and the permutations run over all shingles at once.
    A body of fewer than five words is one shingle.
    """
    words = folded_body.split()
    hashes = np.fromiter(map(zlib.crc32, map(str.encode, words)), dtype=_U64, count=len(words))
    if len(hashes) < SHINGLE_WORDS:
        hashes = np.pad(hashes, (0, SHINGLE_WORDS - len(hashes)))
    count = len(hashes) - SHINGLE_WORDS + 1
    shingles = hashes[:count] * _POSITION[0]
    for i in range(1, SHINGLE_WORDS):
        shingles += hashes[i : i + count] * _POSITION[i]
    shingles = _mix(shingles) >> _U64(32)
    # One shingles x permutations array, added to in place; the shift comes after the minimum (shifting
    # keeps order, so the minimum's top half is the minimum of the top halves): one pass less over it.
    values = np.multiply.outer(shingles, _PERM_A)
    values += _PERM_B
    sketch = values.min(axis=0) >> _U64(32)
    return [SCHEME_TAG, *sketch.tolist()]


_CURRENT_SIZE = 4 * FINGERPRINT_LEN
_CURRENT_HEAD = SCHEME_TAG.to_bytes(4, "little")
_NO_SKETCH = bytes(4 * NUM_PERM)


class StoryKeys:
    """The keys of every stored article in compact arrays, read from a stream of DedupKey."""

    def __init__(self, keys: Iterable[DedupKey]) -> None:
        self.ids: list[str] = []
        self.current: list[str | None] = []  # the stored group
        published = array("d")
        sketches = bytearray()
        fresh = bytearray()  # 1 when the stored fingerprint is of the current scheme
        first_with_hash: dict[str, int] = {}
        same_a, same_b = array("q"), array("q")  # pairs of exact copies (same content hash)
        for i, key in enumerate(keys):
            self.ids.append(key.id)
            self.current.append(key.duplicate_group)
            published.append(key.published_ts)
            current = len(key.fingerprint) == _CURRENT_SIZE and key.fingerprint[:4] == _CURRENT_HEAD
            sketches += memoryview(key.fingerprint)[4:] if current else _NO_SKETCH
            fresh.append(current)
            first = first_with_hash.setdefault(key.content_hash, i)
            if first != i:
                same_a.append(first)
                same_b.append(i)
        del first_with_hash
        self.published = np.frombuffer(published, dtype=np.float64)
        self.sketches = np.frombuffer(sketches, dtype="<u4").reshape(-1, NUM_PERM)
        self.fresh = np.frombuffer(fresh, dtype=np.bool_)
        self.exact = (np.frombuffer(same_a, dtype=np.int64), np.frombuffer(same_b, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.ids)

    def stale(self) -> list[int]:
        """Articles whose stored fingerprint is missing or of an older scheme."""
        return np.flatnonzero(~self.fresh).tolist()

    def refresh(self, index: int, values: list[int]) -> None:
        """Put in a fingerprint computed again (fingerprint()) for the article at index."""
        self.sketches[index] = values[1:]
        self.fresh[index] = True


@dataclass
class Stories:
    """The grouping of StoryKeys: each article's leader, -1 when it stands alone."""

    keys: StoryKeys
    leader: np.ndarray

    @property
    def count(self) -> int:
        """Stories of more than one article."""
        return len(np.unique(self.leader[self.leader >= 0]))

    def groups(self) -> Iterator[tuple[str, str | None]]:
        ids = self.keys.ids
        for i, leader in enumerate(self.leader.tolist()):
            yield ids[i], ids[leader] if leader >= 0 else None

    def changes(self) -> dict[str, str | None]:
        """Article id -> new group, for the articles whose stored group differs."""
        return {article_id: group for (article_id, group), stored in zip(self.groups(), self.keys.current, strict=True)
                if group != stored}


def duplicate_groups(keys: Iterable[DedupKey]) -> dict[str, str | None]:
    """Article id -> id of the earliest article of its story, or None when it stands alone."""
    return dict(group_stories(StoryKeys(keys)).groups())


def group_stories(keys: StoryKeys, chunk: int = 1 << 17) -> Stories:
    """Exact copies and near-duplicates joined; chunk bounds the candidate pairs compared at once.

    Same answers as datasketch's MinHashLSH queried with each sketch and every candidate checked
    by its estimated Jaccard: candidates share a band's hash values exactly; pairs already in
    one story are not compared again.
    """
    n = len(keys)
    parent = np.arange(n, dtype=np.int64)
    _join(parent, *keys.exact)
    sketches = keys.sketches
    # Identical sketches join outright (a Jaccard of 1); LSH sees one of each.
    fresh = np.flatnonzero(keys.fresh)
    order, whole = _sorted_hashes(_row_hash(sketches, fresh, slice(None)))
    same = np.flatnonzero(whole[1:] == whole[:-1])
    a, b = fresh[order[same]], fresh[order[same + 1]]
    equal = _equal_counts(sketches, a, b, slice(None), chunk) == NUM_PERM
    _join(parent, a[equal], b[equal])
    firsts = np.ones(len(fresh), dtype=np.bool_)
    firsts[same[equal] + 1] = False
    distinct = np.sort(fresh[order[firsts]])  # in storage order: rows are then read in sequence
    del whole, order, same, a, b, equal, firsts
    for band in range(BANDS):
        columns = slice(band * ROWS, (band + 1) * ROWS)
        for a, b in _band_pairs(sketches, distinct, columns, parent, chunk):
            a, b = _apart(parent, a, b)
            if len(a):
                similar = _equal_counts(sketches, a, b, slice(None), chunk) / NUM_PERM >= SIMILARITY
                _join(parent, a[similar], b[similar])
        _compress(parent)
    return Stories(keys, _leaders(keys, _roots(parent, np.arange(n))))


def _row_hash(sketches: np.ndarray, rows: np.ndarray, columns: slice, block: int = 1 << 15) -> np.ndarray:
    """A 64-bit hash of each row's values in columns; equal values give equal hashes. Rows are
    read a block at a time: no copy of every row at once."""
    mix = _COLUMN_MIX[columns]
    hashed = np.empty(len(rows), dtype=_U64)
    for start in range(0, len(rows), block):
        hashed[start : start + block] = sketches[rows[start : start + block], columns].astype(_U64) @ mix
    return _mix(hashed)


def _sorted_hashes(hashed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order, hashes in that order), with the hashes cut to the bits left beside an index: one
    plain sort of hash and index packed together is several times faster than an argsort."""
    bits = max(1, (len(hashed) - 1).bit_length())
    packed = (hashed >> _U64(bits) << _U64(bits)) | np.arange(len(hashed), dtype=_U64)
    packed.sort()
    return (packed & _U64((1 << bits) - 1)).astype(np.int64), packed >> _U64(bits)


def _equal_counts(sketches: np.ndarray, a: np.ndarray, b: np.ndarray, columns: slice, chunk: int) -> np.ndarray:
    """How many of the values in columns each pair (a[i], b[i]) shares, chunk pairs at a time."""
    counts = np.empty(len(a), dtype=np.int64)
    for start in range(0, len(a), chunk):
        end = start + chunk
        counts[start:end] = np.count_nonzero(sketches[a[start:end], columns] == sketches[b[start:end], columns],
                                             axis=1)
    return counts


def _band_pairs(sketches: np.ndarray, rows: np.ndarray, columns: slice, parent: np.ndarray,
                chunk: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Pairs of rows whose values in columns are equal, in batches of about chunk pairs; the caller
    joins each batch's similar pairs before asking for the next.

    Rows are sorted by the band's hash; equal ones are neighbours, and the pairs d places apart
    are found from those d - 1 apart (a run of m equal rows yields its m(m-1)/2 pairs in m - 1 steps).
    At every power of two of d, runs whose rows are all in one story already are left: a crowd of
    similar articles (a template) costs a few steps once it is joined, not m(m-1)/2 comparisons.
    """
    order, hashed = _sorted_hashes(_row_hash(sketches, rows, columns))
    at = np.flatnonzero(hashed[1:] == hashed[:-1])
    sorted_rows = rows[order]
    del order
    starts = np.flatnonzero(np.r_[True, hashed[1:] != hashed[:-1]])  # where each run of equal hashes starts
    found_a: list[np.ndarray] = []
    found_b: list[np.ndarray] = []
    found = 0
    distance, check = 1, 2
    while len(at):
        a, b = sorted_rows[at], sorted_rows[at + distance]
        equal = _equal_counts(sketches, a, b, columns, chunk) == ROWS  # not a hash collision
        found_a.append(a[equal])
        found_b.append(b[equal])
        found += len(found_a[-1])
        if found >= chunk:
            yield np.concatenate(found_a), np.concatenate(found_b)
            found_a, found_b, found = [], [], 0
        distance += 1
        at = at[at + distance < len(hashed)]
        at = at[hashed[at + distance] == hashed[at]]
        if distance == check and len(at):
            check *= 2
            at = _unjoined_runs(parent, sorted_rows, starts, at)
    if found:
        yield np.concatenate(found_a), np.concatenate(found_b)


def _unjoined_runs(parent: np.ndarray, sorted_rows: np.ndarray, starts: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The positions of at whose run (of equal band hashes) still spans more than one story."""
    run = np.searchsorted(starts, at, side="right") - 1
    active = np.unique(run)
    lengths = np.diff(np.r_[starts, len(sorted_rows)])[active]
    offsets = np.cumsum(lengths) - lengths
    positions = np.repeat(starts[active] - offsets, lengths) + np.arange(lengths.sum())
    roots = _roots(parent, sorted_rows[positions])
    joined = np.minimum.reduceat(roots, offsets) == np.maximum.reduceat(roots, offsets)
    return at[~joined[np.searchsorted(active, run)]]


def _roots(parent: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    found = parent[nodes]
    while True:
        up = parent[found]
        if np.array_equal(up, found):
            return found
        found = up


def _apart(parent: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs not yet in one story."""
    apart = _roots(parent, a) != _roots(parent, b)
    return a[apart], b[apart]


def _join(parent: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
    """Union-find over indices, a batch of pairs at a time: a root's parent is always a smaller
    index, so each story's root is its smallest index and the forest never loops."""
    touched = np.concatenate((a, b))
    while len(a):
        root_a, root_b = _roots(parent, a), _roots(parent, b)
        apart = root_a != root_b
        a, b, root_a, root_b = a[apart], b[apart], root_a[apart], root_b[apart]
        # One root may meet several others in a batch: it takes the smallest, the rest join next round.
        np.minimum.at(parent, np.maximum(root_a, root_b), np.minimum(root_a, root_b))
    parent[touched] = _roots(parent, touched)  # their paths shortened for the next batches


def _compress(parent: np.ndarray) -> None:
    parent[:] = _roots(parent, np.arange(len(parent)))


def _leaders(keys: StoryKeys, root: np.ndarray) -> np.ndarray:
    """Each article's leader, the earliest of its story (publication time, then id), -1 alone."""
    sizes = np.bincount(root, minlength=len(root))
    members = np.flatnonzero(sizes[root] > 1)
    leader = np.full(len(root), -1, dtype=np.int64)
    if not len(members):
        return leader
    ids = np.array([keys.ids[i] for i in members.tolist()])
    order = members[np.lexsort((ids, keys.published[members], root[members]))]
    starts = np.flatnonzero(np.r_[True, root[order[1:]] != root[order[:-1]]])
    first = np.empty(len(root), dtype=np.int64)
    first[root[order[starts]]] = order[starts]
    leader[members] = first[root[members]]
    return leader
