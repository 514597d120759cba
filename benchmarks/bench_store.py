"""Store benchmark: bulk indexing rate and search latency for each backend.

Indexes N synthetic Vietnamese articles of each corpus (benchmarks/corpus.py: `recombined` fixture
paragraphs, `realistic` word-level text with a campaign mix; both already normalised as the process stage
leaves them, generated and indexed in batches) into each backend, then runs a fixed mix of 200 searches
with filters and facets, and prints a table: docs/s (wall clock, and per CPU second of this process: all
of SQLite's work, only the client's share of the engine's), p50 and p95 per query kind, and the median
share of the collection a query of that kind matches. Articles are written in batches of 10,000 in one
bulk load (store.bulk(): the embedded index commits every 100,000, the engine refreshes once), timed to the
end of the load, when all are searchable and the embedded index's merges are done. The memory column
gives two peaks of the process that generated and indexed (so far, over every run before it in the same
invocation): its own memory, then its whole resident size, which also counts the pages of the index and
records files it has read through a memory map (page cache).

With --whole-store, each command that reads the whole embedded store then runs in a fresh process of its
own, timed, with that process's peak memory: the weekly digest (built and written), a CSV export of every
match of a text query, a regrouping of every article into stories (twice: the first computes the
fingerprints the corpus lacks), a retag of every article, and a
rebuild of the search index from the records (`portalwatch reindex`).

    python benchmarks/bench_store.py --sizes 10000 100000 --corpus realistic --es-url http://127.0.0.1:9282
    python benchmarks/bench_store.py --sizes 1000000 --corpus realistic --whole-store
    python benchmarks/bench_store.py --sizes 100000 --corpus realistic --stores elasticsearch \
        --es-url http://127.0.0.1:9282 --es-keep mybench   # index once, then search it again run after run

The Elasticsearch column needs a node (`make engine-start`). Timings are medians/percentiles of
repeated runs on the machine named in the header; nothing here is asserted. Two more rows per backend time the
Văn bản page's store calls (the directive list, one directive's spread) outside the mix.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from itertools import islice
from pathlib import Path

from corpus import CORPORA, DIRECTIVES, SOURCES
from machine import describe

from flows.retagging import retag_store
from pipelines.tagging import load_taxonomy
from portalwatch.core.config import PACKAGE_DIR, Settings
from portalwatch.core.models import Article
from portalwatch.reports.digest import build_digest, iso_week, write_digest
from portalwatch.reports.export import write_csv
from portalwatch.store.base import ArticleStore, SearchQuery
from portalwatch.store.sqlite import SQLiteStore

TOPICS = ["xay-dung-dang", "dai-hoi-dang", "hoc-tap-lam-theo-bac", "bao-ve-nen-tang-tu-tuong",
          "phong-chong-tham-nhung", "ky-niem-ngay-le-lon", "thi-dua-yeu-nuoc", "nong-thon-moi", "chuyen-doi-so",
          "sap-xep-bo-may", "quoc-phong-an-ninh", "bau-cu"]
QUERIES = ["xay dung dang", "chuyển đổi số", "nong thon moi", "bầu cử", "thi dua yeu nuoc", "quốc phòng",
           "tham nhung", "đại hội đảng bộ", "hoc tap va lam theo", "Đề án 06"]
BATCH = 10_000


def query_mix(rng: random.Random) -> list[tuple[str, SearchQuery]]:
    """200 searches: 4 kinds × 50, each with facets (every search computes them)."""
    mix = []
    for _ in range(50):
        since = date(2025, 12, 1) + timedelta(days=rng.randrange(300))
        mix.append(("text+topic+dates", SearchQuery(text=rng.choice(QUERIES), topics=[rng.choice(TOPICS)],
                                                    since=since, until=since + timedelta(days=30))))
        mix.append(("text only", SearchQuery(text=rng.choice(QUERIES))))
        mix.append(("filters only", SearchQuery(sources=[f"portal{rng.randrange(40)}"],
                                                since=since, until=since + timedelta(days=7))))
        mix.append(("directive+province", SearchQuery(directive=rng.choice(DIRECTIVES),
                                                      provinces=[f"Tỉnh {rng.randrange(10)}"])))
    return mix


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(name: str, make_store: Callable[[], ArticleStore], articles: Iterator[Article], size: int) -> list[tuple]:
    store = make_store()
    wall = cpu = 0.0
    kept = store.count() == size  # a kept engine index (--es-keep) is searched again, not indexed again
    if not kept:
        with store.bulk():
            while batch := list(islice(articles, BATCH)):  # generating the batch is not timed
                started, cpu_started = time.perf_counter(), time.process_time()
                store.upsert(batch)
                wall += time.perf_counter() - started
                cpu += time.process_time() - cpu_started
            started, cpu_started = time.perf_counter(), time.process_time()  # the block's end: the last commit
        # Closed, so the embedded index's merges, which its threads run after a commit, are timed too.
        store.close()
        wall += time.perf_counter() - started
        cpu += time.process_time() - cpu_started
        store = make_store()
    # The machine may be shared: CPU seconds of this process (all of the embedded store's work, its
    # index threads included; only the client's share for the engine) say what wall-clock time cannot.
    rate, cpu_rate = ("", "") if kept else (f"{size / wall:,.0f}", f"{size / max(cpu, 1e-9):,.0f}")
    times: dict[str, list[float]] = {}
    matched: dict[str, list[float]] = {}
    mix = query_mix(random.Random(11))
    for _, query in mix[:20]:  # warm caches the same way for both backends
        store.search(query)
    for kind, query in mix:
        t0 = time.perf_counter()
        total = store.search(query).total
        times.setdefault(kind, []).append((time.perf_counter() - t0) * 1000)
        matched.setdefault(kind, []).append(100 * total / size)
    pages = directive_page(store, size, random.Random(13))
    store.close()
    memory = peak_memory_mb(PRIVATE)
    rows = [(name, size, rate, cpu_rate, kind, f"{statistics.median(ms):.1f}",
             f"{percentile(ms, 0.95):.1f}", f"{statistics.median(matched[kind]):.2f}", memory)
            for kind, ms in times.items()]
    everything = [m for ms in times.values() for m in ms]
    rows.append((name, size, rate, cpu_rate, "all 200",
                 f"{statistics.median(everything):.1f}", f"{percentile(everything, 0.95):.1f}",
                 f"{statistics.median(m for ms in matched.values() for m in ms):.2f}", memory))
    rows += [(name, size, "", "", kind, f"{statistics.median(ms):.1f}", f"{percentile(ms, 0.95):.1f}",
              f"{statistics.median(share):.2f}", "") for kind, (ms, share) in pages.items()]
    return rows


def directive_page(store: ArticleStore, size: int, rng: random.Random) -> dict[str, tuple[list[float], list[float]]]:
    """The Văn bản page's two store calls, 50 times each (not in the mix's "all 200"): the directives of every
    article with their counts (a search's facets, no hits), and one directive's first citation per source."""
    timed: dict[str, tuple[list[float], list[float]]] = {"directive list": ([], []), "directive spread": ([], [])}
    for _ in range(50):
        t0 = time.perf_counter()
        total = store.search(SearchQuery(limit=0)).total
        timed["directive list"][0].append((time.perf_counter() - t0) * 1000)
        timed["directive list"][1].append(100 * total / size)
        t0 = time.perf_counter()
        firsts = store.firsts(SearchQuery(directive=rng.choice(DIRECTIVES)))
        timed["directive spread"][0].append((time.perf_counter() - t0) * 1000)
        timed["directive spread"][1].append(100 * sum(f.articles for f in firsts) / size)
    return timed


def whole_store(name: str, store_path: Path, size: int) -> list[tuple]:
    """Each command that reads the whole store, in a process of its own: seconds and peak memory."""
    rows = []
    for operation in OPERATIONS:
        started = time.perf_counter()
        child = subprocess.run([sys.executable, __file__, "--operation", operation, "--store", str(store_path)],
                               capture_output=True, text=True)
        seconds = time.perf_counter() - started
        # The child's own high-water mark (VmHWM): ru_maxrss of a child counts the parent's memory it was
        # started from.
        peak = child.stdout.split()[-1] if child.returncode == 0 else f"failed: {child.stderr.strip()[-200:]}"
        rows.append((name, size, "", "", operation, f"{seconds:,.1f} s", "", "", peak))
    return rows


class PrivateMemory(threading.Thread):
    """The process's own memory (RssAnon: not the pages of files it maps) sampled every 0.1 s; the kernel
    keeps a high-water mark only of the whole resident size (VmHWM), which counts every page of the
    index and records files the process has read through a map: page cache the system can take back."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0

    def run(self) -> None:
        while True:
            self.peak = max(self.peak, _status_kb("RssAnon"))
            time.sleep(0.1)


def _status_kb(field: str) -> int:
    status = Path("/proc/self/status").read_text()
    return int(status.split(f"{field}:")[1].split()[0])


def peak_memory_mb(private: PrivateMemory) -> str:
    """Peak private memory / peak resident size including mapped files, in MB."""
    return f"{private.peak / 1024:,.0f} / {_status_kb('VmHWM') / 1024:,.0f}"


def _digest(store: SQLiteStore) -> None:
    newest = store.search(SearchQuery(limit=1)).hits[0].article.published_at
    week = iso_week((newest - timedelta(days=7)).date())  # a whole week, with weeks before it to compare
    taxonomy = load_taxonomy(PACKAGE_DIR / "taxonomy.yaml")
    digest = build_digest(store, week, {f"portal{i}": f"Cổng {i}" for i in range(SOURCES)}, taxonomy.names, [])
    with tempfile.TemporaryDirectory() as out:
        write_digest(digest, Path(out))


def _export(store: SQLiteStore) -> None:
    with open(os.devnull, "w", encoding="utf-8") as out:
        write_csv(out, store.scan(SearchQuery(text="nong thon moi")))


def _regroup(store: SQLiteStore) -> None:
    from flows.processing import group_duplicates  # imports Prefect: only in this operation's process

    group_duplicates(store)


def _retag(store: SQLiteStore) -> None:
    retag_store(store, load_taxonomy(PACKAGE_DIR / "taxonomy.yaml"))


def _reindex(store: SQLiteStore) -> None:
    store.rebuild()


PRIVATE = PrivateMemory()
OPERATIONS: dict[str, Callable[[SQLiteStore], None]] = {
    "weekly digest": _digest, "CSV export (text query)": _export,
    # The corpus's articles carry no fingerprint, as a store from before fingerprints: the first regrouping
    # computes them from the bodies and writes them back (once), the second is a regrouping as every
    # processing run does it.
    "regroup stories, fingerprints first": _regroup, "regroup stories": _regroup,
    "retag everything": _retag, "reindex (rebuild)": _reindex}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--corpus", choices=[*CORPORA, "both"], default="both")
    parser.add_argument("--es-url", default=os.environ.get("PORTALWATCH_TEST_ES_URL"))
    parser.add_argument("--stores", nargs="+", choices=["embedded", "elasticsearch"],
                        default=["embedded", "elasticsearch"], help="elasticsearch runs only with an engine URL")
    parser.add_argument("--es-keep", metavar="PREFIX",
                        help="keep the engine's index as PREFIX-<corpus>-<size> and search it again, without "
                             "indexing, when a later run finds it complete (delete it by hand)")
    parser.add_argument("--whole-store", action="store_true", help="time the commands that read every article")
    parser.add_argument("--operation", choices=OPERATIONS, help=argparse.SUPPRESS)  # one, in a child process
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    PRIVATE.start()
    if args.operation:
        store = SQLiteStore(args.store)
        try:
            OPERATIONS[args.operation](store)
        finally:
            store.close()
        print(peak_memory_mb(PRIVATE).replace(' ', ''))
        return
    print(describe())
    rows = []
    corpora = list(CORPORA) if args.corpus == "both" else [args.corpus]
    for size, corpus in ((size, corpus) for size in args.sizes for corpus in corpora):
        def articles(size: int = size, corpus: str = corpus) -> Iterator[Article]:
            return CORPORA[corpus](size)

        if "embedded" in args.stores:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "bench.db"
                rows += run(f"embedded/{corpus}", lambda path=path: SQLiteStore(path), articles(), size)
                if args.whole_store:
                    rows += whole_store(f"embedded/{corpus}", path, size)
        if args.es_url and "elasticsearch" in args.stores:
            from elasticsearch import Elasticsearch

            from portalwatch.store.elastic import ElasticStore

            alias = f"{args.es_keep}-{corpus}-{size}" if args.es_keep else f"bench-{uuid.uuid4().hex[:8]}"
            settings = Settings(es_url=args.es_url, data_dir=Path(tempfile.gettempdir()))
            rows += run(f"elasticsearch/{corpus}", lambda alias=alias, settings=settings: ElasticStore(settings, alias),
                        articles(), size)
            if not args.es_keep:
                es = Elasticsearch(args.es_url)
                es.indices.delete(index=f"{alias}-v*")
                es.indices.delete_index_template(name=f"{alias}-template")
    header = ("backend/corpus", "docs", "index docs/s", "per CPU s", "queries", "p50 ms", "p95 ms", "match %",
              "peak MB own/all")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
