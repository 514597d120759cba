"""Store benchmark: bulk indexing rate and search latency for each backend.

Indexes N synthetic Vietnamese articles of each corpus (benchmarks/corpus.py: `recombined` fixture
paragraphs, `realistic` word-level text with a campaign mix; both already normalised as the process stage
leaves them, generated and indexed in batches) into each backend, then runs a fixed mix of 200 searches
with filters and facets, and prints a table: docs/s (wall clock, and per CPU second of this process: all
of SQLite's work, only the client's share of the engine's), p50 and p95 per query kind, and the median
share of the collection a query of that kind matches.

    python benchmarks/bench_store.py --sizes 10000 100000 --corpus realistic --es-url http://127.0.0.1:9282

The Elasticsearch column needs a node (`make engine-start`). Timings are medians/percentiles of
repeated runs on the machine named in the header; nothing here is asserted.
"""

import argparse
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from itertools import islice
from pathlib import Path

from corpus import CORPORA, DIRECTIVES

from portalwatch.core.config import Settings
from portalwatch.core.models import Article
from portalwatch.store.base import ArticleStore, SearchQuery
from portalwatch.store.sqlite import SQLiteStore

TOPICS = ["xay-dung-dang", "dai-hoi-dang", "hoc-tap-lam-theo-bac", "bao-ve-nen-tang-tu-tuong",
          "phong-chong-tham-nhung", "ky-niem-ngay-le-lon", "thi-dua-yeu-nuoc", "nong-thon-moi", "chuyen-doi-so",
          "sap-xep-bo-may", "quoc-phong-an-ninh", "bau-cu"]
QUERIES = ["xay dung dang", "chuyển đổi số", "nong thon moi", "bầu cử", "thi dua yeu nuoc", "quốc phòng",
           "tham nhung", "đại hội đảng bộ", "hoc tap va lam theo", "Đề án 06"]
BATCH = 2000


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
    started, cpu_started = time.perf_counter(), time.process_time()
    while batch := list(islice(articles, BATCH)):
        store.upsert(batch)
    rate = size / (time.perf_counter() - started)
    # The machine may be shared: CPU seconds of this process (all of SQLite's work, only the
    # client's share for the engine) say what wall-clock time cannot. Generating the articles counts too.
    cpu_rate = size / max(time.process_time() - cpu_started, 1e-9)
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
    store.close()
    rows = [(name, size, f"{rate:,.0f}", f"{cpu_rate:,.0f}", kind, f"{statistics.median(ms):.1f}",
             f"{percentile(ms, 0.95):.1f}", f"{statistics.median(matched[kind]):.2f}") for kind, ms in times.items()]
    everything = [m for ms in times.values() for m in ms]
    rows.append((name, size, f"{rate:,.0f}", f"{cpu_rate:,.0f}", "all 200",
                 f"{statistics.median(everything):.1f}", f"{percentile(everything, 0.95):.1f}",
                 f"{statistics.median(m for ms in matched.values() for m in ms):.2f}"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--corpus", choices=[*CORPORA, "both"], default="both")
    parser.add_argument("--es-url", default=os.environ.get("PORTALWATCH_TEST_ES_URL"))
    args = parser.parse_args()
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    print(f"machine: {os.cpu_count()} cores, {cpu}; Python {platform.python_version()}; "
          f"load average at start {os.getloadavg()[0]:.1f}")
    rows = []
    corpora = list(CORPORA) if args.corpus == "both" else [args.corpus]
    for size, corpus in ((size, corpus) for size in args.sizes for corpus in corpora):
        def articles(size: int = size, corpus: str = corpus) -> Iterator[Article]:
            return CORPORA[corpus](size)

        with tempfile.TemporaryDirectory() as tmp:
            rows += run(f"sqlite/{corpus}", lambda tmp=tmp: SQLiteStore(Path(tmp) / "bench.db"), articles(), size)
        if args.es_url:
            from elasticsearch import Elasticsearch

            from portalwatch.store.elastic import ElasticStore

            alias = f"bench-{uuid.uuid4().hex[:8]}"
            settings = Settings(es_url=args.es_url, data_dir=Path(tempfile.gettempdir()))
            rows += run(f"elasticsearch/{corpus}", lambda alias=alias, settings=settings: ElasticStore(settings, alias),
                        articles(), size)
            es = Elasticsearch(args.es_url)
            es.indices.delete(index=f"{alias}-v*")
            es.indices.delete_index_template(name=f"{alias}-template")
    header = ("backend/corpus", "docs", "index docs/s", "per CPU s", "queries", "p50 ms", "p95 ms", "match %")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
