"""Story grouping at scale: N synthetic articles with planted near-duplicate groups, grouped as the
process stage groups the whole store after every run.

Each measurement runs in a fresh process, so its peak RSS (ru_maxrss) is its own.

- `stream`: keys generated on the fly (never held in a list), read into StoryKeys and grouped
  (pipelines.dedup); the generation alone is timed apart and included in "keys in".
- `sqlite`: the same keys written straight into a SQLite store's `articles` and
  `article_fingerprints` tables (what grouping reads; no full-text index), then
  flows.processing.group_duplicates run twice: first with no group stored (every grouped article
  written), then again with nothing changed (nothing written).

Planted: a share of the articles are stories of 2-6 copies of one random sketch, each copy with 0-12
of its 64 values replaced (any two copies share at least 40 values: an estimated Jaccard of at
least 0.625, above the threshold, so every planted story should be found whole); one story in four
also gets a near miss sharing only 28 values with it (0.44: must stay alone); one in ten an exact
copy (same content hash, no sketch). Recall: planted stories found exactly (same members);
precision: found groups that are exactly a planted story. What LSH misses (no band of 4 values
shared whole) shows as a story split, which lowers both.

    python benchmarks/bench_dedup.py --sizes 100000 1000000 --runs 3
"""

import argparse
import json
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from machine import describe

from pipelines.dedup import NUM_PERM, SCHEME_TAG, StoryKeys, group_stories
from portalwatch.core.models import DedupKey

GROUPED_SHARE = 0.2  # articles in planted stories
_BLOCK = 20_000


def synthetic_keys(n: int, seed: int, planted: dict[str, int]) -> Iterator[DedupKey]:
    """n keys in blocks; planted gets each planted article's story number."""
    rng = np.random.default_rng(seed)
    made = 0
    story = 0
    while made < n:
        rows: list[np.ndarray] = []
        hashes: list[str | None] = []
        while len(rows) < _BLOCK and made + len(rows) < n:
            base = rng.integers(0, 2**32, NUM_PERM, dtype=np.uint64)
            if rng.random() >= GROUPED_SHARE / 3.5:  # a story of one (3.5: the mean story size below)
                rows.append(base)
                hashes.append(None)
                continue
            size = min(int(rng.integers(2, 7)), n - made - len(rows))
            for _ in range(size):
                copy = base.copy()
                changed = rng.choice(NUM_PERM, int(rng.integers(0, 13)), replace=False)
                copy[changed] = rng.integers(0, 2**32, len(changed), dtype=np.uint64)
                planted[f"a{made + len(rows)}"] = story
                rows.append(copy)
                hashes.append(None)
            last_copy = made + len(rows) - 1
            if rng.random() < 0.25 and made + len(rows) < n:  # a near miss, left alone
                miss = rng.integers(0, 2**32, NUM_PERM, dtype=np.uint64)
                kept = rng.choice(NUM_PERM, 28, replace=False)
                miss[kept] = base[kept]
                rows.append(miss)
                hashes.append(None)
            if rng.random() < 0.1 and made + len(rows) < n:  # an exact copy of the story's last article
                planted[f"a{made + len(rows)}"] = story
                rows.append(np.empty(0, dtype=np.uint64))
                hashes.append(f"h{last_copy}")
            story += 1
        published = rng.integers(1_600_000_000, 1_800_000_000, len(rows))
        for i, (values, content) in enumerate(zip(rows, hashes, strict=True)):
            index = made + i
            stored = np.concatenate(([SCHEME_TAG], values)).astype("<u4").tobytes() if len(values) else b""
            yield DedupKey(f"a{index}", content or f"h{index}", float(published[i]), None, stored)
        made += len(rows)


def scores(groups: Iterator[tuple[str, str | None]], planted: dict[str, int]) -> dict[str, int]:
    """Planted stories, groups found, and groups that are exactly a planted story (same members)."""
    found: dict[str, set[str]] = {}
    for article_id, leader in groups:
        if leader is not None:
            found.setdefault(leader, set()).add(article_id)
    stories: dict[int, set[str]] = {}
    for article_id, story in planted.items():
        stories.setdefault(story, set()).add(article_id)
    stories = {s: m for s, m in stories.items() if len(m) > 1}
    planted_sets = {frozenset(m) for m in stories.values()}
    exact = sum(1 for m in found.values() if frozenset(m) in planted_sets)
    return {"planted": len(stories), "groups": len(found), "exact": exact}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_stream(n: int, seed: int) -> dict:
    planted: dict[str, int] = {}
    started = time.perf_counter()
    for _ in synthetic_keys(n, seed, {}):
        pass
    generate = time.perf_counter() - started
    started = time.perf_counter()
    keys = StoryKeys(synthetic_keys(n, seed, planted))
    read = time.perf_counter() - started
    started = time.perf_counter()
    stories = group_stories(keys)
    group = time.perf_counter() - started
    return {"generate": generate, "read": read, "group": group, "seconds": read + group, "rss": peak_mb(),
            **scores(stories.groups(), planted)}


def measure_sqlite(n: int, seed: int, directory: Path) -> dict:
    from flows.processing import group_duplicates
    from portalwatch.store.sqlite import SQLiteStore

    path = directory / f"store-{n}-{seed}.db"
    planted: dict[str, int] = {}
    if not path.exists():
        SQLiteStore(path).close()
        db = sqlite3.connect(path)
        with db:
            for rid, key in enumerate(synthetic_keys(n, seed, planted), start=1):
                db.execute("INSERT INTO articles (rid, id, source_id, published_ts, content_hash)"
                           " VALUES (?, ?, ?, ?, ?)", (rid, key.id, "s", int(key.published_ts), key.content_hash))
                if key.fingerprint:
                    db.execute("INSERT INTO article_fingerprints VALUES (?, ?)", (rid, key.fingerprint))
        db.close()
        return {"prepared": True}
    for _ in synthetic_keys(n, seed, planted):
        pass
    baseline = peak_mb()  # the planted map, which the command itself does not hold
    store = SQLiteStore(path)
    cpu = time.process_time()
    with store.db:  # every run starts with no group stored
        store.db.execute("UPDATE articles SET duplicate_group = NULL")
    started = time.perf_counter()
    group_duplicates(store)
    first = time.perf_counter() - started
    started = time.perf_counter()
    group_duplicates(store)
    again = time.perf_counter() - started
    cpu = time.process_time() - cpu
    groups = ((i, g) for i, g in store.db.execute("SELECT id, duplicate_group FROM articles"))
    found = scores(groups, planted)
    store.close()
    return {"seconds": first, "again": again, "cpu": cpu, "rss": peak_mb(), "rss_before": baseline, **found}


def machine() -> str:
    return f"{describe()}; numpy {np.__version__}"


def child(mode: str, n: int, seed: int, directory: str) -> dict:
    command = [sys.executable, __file__, "--child", mode, str(n), str(seed), directory]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--modes", nargs="+", default=["stream", "sqlite"], choices=["stream", "sqlite"])
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, n, seed, directory = args.child
        result = measure_stream(int(n), int(seed)) if mode == "stream" else measure_sqlite(int(n), int(seed),
                                                                                           Path(directory))
        print(json.dumps(result))
        return

    print(machine())
    with tempfile.TemporaryDirectory() as directory:
        for mode in args.modes:
            print(f"\n{mode}: median of {args.runs} runs (seconds, wall), peak RSS of the run's process")
            if mode == "stream":
                print(f"{'N':>9} {'keys in':>8} {'(gen.)':>7} {'group':>7} {'total':>7} {'RSS MB':>7} "
                      f"{'planted':>8} {'groups':>8} {'recall':>7} {'precis.':>7}")
            else:
                print(f"{'N':>9} {'group+write':>11} {'again':>7} {'CPU both':>8} {'RSS MB':>7} {'(before)':>8} "
                      f"{'planted':>8} {'groups':>8} {'recall':>7} {'precis.':>7}")
            for n in args.sizes:
                if mode == "sqlite":
                    child(mode, n, 1, directory)  # the store, written once
                runs = [child(mode, n, 1, directory) for _ in range(args.runs)]

                def med(field: str, runs: list[dict] = runs) -> float:
                    return statistics.median(r[field] for r in runs)

                last = runs[-1]
                counts = (f"{last['planted']:>8} {last['groups']:>8} {last['exact'] / last['planted']:>7.2%} "
                          f"{last['exact'] / max(1, last['groups']):>7.2%}")
                if mode == "stream":
                    print(f"{n:>9} {med('read'):>8.2f} {med('generate'):>7.2f} {med('group'):>7.2f} "
                          f"{med('seconds'):>7.2f} {med('rss'):>7.0f} {counts}")
                else:
                    print(f"{n:>9} {med('seconds'):>11.2f} {med('again'):>7.2f} {med('cpu'):>8.2f} {med('rss'):>7.0f} "
                          f"{med('rss_before'):>8.0f} {counts}")
                sys.stdout.flush()


if __name__ == "__main__":
    main()
