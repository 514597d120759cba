"""Story clusters across sources: exact copies (same normalised text) and near-duplicates
(MinHash/LSH over word shingles), each cluster led by its earliest article."""

import hashlib

import numpy as np
from datasketch import MinHash, MinHashLSH

from portalwatch.core.models import DedupKey
from portalwatch.core.normalize import fold

NUM_PERM = 64
SHINGLE_WORDS = 5
# Jaccard similarity of shingle sets above which two bodies are one story: a copy with a byline
# added, a caption changed or the last paragraph trimmed stays well above it; two reports of the
# same event written separately stay well below.
SIMILARITY = 0.6
# Fixed, so fingerprints stored today compare with those computed by later versions.
SCHEME = "affine32"


# The permutations depend only on the seed: drawn once, not again for every article. The template
# takes ready hash values (hashfunc=int), computed below exactly as datasketch's default sha1_hash32
# does (the first 4 bytes of SHA-1, little-endian) but without a Python call per shingle, so the
# fingerprints are bit-for-bit those of MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME).update_batch.
_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME, hashfunc=int)
_sha1 = hashlib.sha1


def fingerprint(body: str) -> list[int]:
    return fingerprint_folded(fold(body))


def fingerprint_folded(folded_body: str) -> list[int]:
    """MinHash of the body's word 5-shingles; folded_body is fold(body) (folding is per character,
    so the folded paragraphs joined give the same words)."""
    words = folded_body.split()
    if len(words) > SHINGLE_WORDS:  # zip of shifted word lists: the same shingles as slicing, made faster
        shingles = set(map(" ".join, zip(*(words[i:] for i in range(SHINGLE_WORDS)), strict=False)))
    else:
        shingles = {" ".join(words)}
    digests = b"".join([_sha1(s.encode()).digest()[:4] for s in shingles])
    sketch = _TEMPLATE.copy()
    sketch.update_batch(np.frombuffer(digests, dtype="<u4").tolist())
    return sketch.hashvalues.tolist()


def duplicate_groups(keys: list[DedupKey]) -> dict[str, str | None]:
    """Article id -> id of the earliest article of its story, or None when it stands alone."""
    parent = {key.id: key.id for key in keys}

    def root(node: str) -> str:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def join(a: str, b: str) -> None:
        parent[root(a)] = root(b)

    first_with_hash: dict[str, str] = {}
    for key in keys:
        join(key.id, first_with_hash.setdefault(key.content_hash, key.id))

    lsh = MinHashLSH(threshold=SIMILARITY, num_perm=NUM_PERM)
    sketches = {}
    for key in keys:
        if len(key.fingerprint) == NUM_PERM:
            # The template's permutations: otherwise each sketch draws the same ones again from the seed.
            sketches[key.id] = MinHash(seed=1, hashvalues=key.fingerprint, permutations=_TEMPLATE.permutations,
                                       scheme=SCHEME)
            lsh.insert(key.id, sketches[key.id])
    for article_id, sketch in sketches.items():
        for other in lsh.query(sketch):
            if other != article_id and sketch.jaccard(sketches[other]) >= SIMILARITY:
                join(article_id, other)

    members: dict[str, list[DedupKey]] = {}
    for key in keys:
        members.setdefault(root(key.id), []).append(key)
    groups: dict[str, str | None] = {}
    for cluster in members.values():
        leader = min(cluster, key=lambda k: (k.published_at, k.id)).id if len(cluster) > 1 else None
        for key in cluster:
            groups[key.id] = leader
    return groups
