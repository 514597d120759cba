"""Grouping a whole store: fingerprints of the first scheme computed again, only changed groups written."""

from datetime import datetime, timedelta
from pathlib import Path

from datasketch import MinHash

from flows.processing import group_duplicates
from pipelines.dedup import NUM_PERM, SHINGLE_WORDS, fingerprint
from portalwatch.core import VN_TZ
from portalwatch.core.models import Article, fingerprint_bytes
from portalwatch.core.normalize import fold
from portalwatch.fixture_portals.content import load_articles
from portalwatch.store.sqlite import SQLiteStore
from tests.support import make

T0 = datetime(2026, 11, 17, 8, 0, tzinfo=VN_TZ)


def first_scheme(body: str) -> list[int]:
    """A fingerprint as versions before the numbered schemes stored it: datasketch's MinHash of the
    SHA-1 of each 5-word shingle, 64 values and no scheme number."""
    words = fold(body).split()
    shingles = {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}
    sketch = MinHash(num_perm=NUM_PERM, seed=1, scheme="affine32")
    sketch.update_batch([s.encode() for s in shingles])
    return sketch.hashvalues.tolist()


class CountingStore(SQLiteStore):
    """Records what grouping writes."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.written: list[dict[str, str | None]] = []
        self.refreshed: list[str] = []

    def set_duplicate_groups(self, groups: dict[str, str | None]) -> None:
        self.written.append(dict(groups))
        super().set_duplicate_groups(groups)

    def set_fingerprints(self, fingerprints: dict[str, list[int]]) -> None:
        self.refreshed += fingerprints
        super().set_fingerprints(fingerprints)


def article(url: str, paragraphs: list[str], hours: int, fingerprinted: bool = True) -> Article:
    made = make(url, "Tin", "\n\n".join(paragraphs), T0 + timedelta(hours=hours))
    values = fingerprint(made.body) if fingerprinted else first_scheme(made.body)
    return made.model_copy(update={"fingerprint": values})


def stored(store: SQLiteStore, article_id: str) -> Article:
    found = store.get(article_id)
    assert found is not None
    return found


def test_a_store_of_first_scheme_fingerprints_upgraded_in_place_still_groups_copies(tmp_path: Path) -> None:
    stories = [a.paragraphs for a in load_articles() if len(a.paragraphs) >= 4]
    original, other = stories[0], stories[1]
    store = CountingStore(tmp_path / "store.db")
    old = [article("http://a/original", original, 0, fingerprinted=False),
           article("http://b/byline", ["Theo Cổng TTĐT tỉnh Bình Giang", *original], 2, fingerprinted=False),
           article("http://a/other", other, 1, fingerprinted=False)]
    new = [article("http://c/trimmed", [*original[:-1], "Quang cảnh hội nghị. Ảnh: BBG"], 5),
           article("http://c/other-copy", [*other, "Nguồn: Báo Bình Giang"], 6)]
    store.upsert(old + new)

    assert group_duplicates(store) == 2
    leader, other_leader = old[0].id, old[2].id
    groups = {a.id: g for a in old + new if (g := stored(store, a.id).duplicate_group) is not None}
    assert groups == {old[0].id: leader, old[1].id: leader, new[0].id: leader,
                      old[2].id: other_leader, new[1].id: other_leader}
    assert sorted(store.refreshed) == sorted(a.id for a in old)  # only the first-scheme ones, computed again
    keys = {k.id: k.fingerprint for k in store.dedup_keys()}
    for a in old:
        assert keys[a.id] == fingerprint_bytes(fingerprint(a.body))
        assert stored(store, a.id).fingerprint == fingerprint(a.body)  # the record agrees

    # Nothing changed since: nothing computed again, no group written.
    assert group_duplicates(store) == 2
    assert store.written[-1] == {} and sorted(store.refreshed) == sorted(a.id for a in old)

    # An article re-processed comes back without its group: only it is written.
    store.upsert([new[0]])
    assert group_duplicates(store) == 2
    assert store.written[-1] == {new[0].id: leader}
    store.close()
