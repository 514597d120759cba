"""Crawl throughput: a real Scrapy crawl of a generated portal of N article pages on loopback.

The site (paged lists of 100 links, ~3 KB article pages) is served from this process; the crawl runs
in its own process as in production (archive, frontier, WARC and health included). Politeness delays
are off, for loopback only. Prints pages/s by wall time and by the crawl process's CPU time (the steadier
figure on a shared machine) and its peak memory (median of the runs).

    python benchmarks/bench_crawl.py --pages 10000 --runs 3
"""

import argparse
import os
import platform
import resource
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from crawlers.launcher import crawl
from portalwatch.fixture_portals.bulk import BulkSite


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_run(pages: int, concurrency: int) -> tuple[float, float, float]:
    site = BulkSite(articles=pages, per_page=100)
    with site.server, tempfile.TemporaryDirectory() as tmp:
        registry = Path(tmp) / "sources.yaml"
        source = site.source(concurrency=concurrency)
        registry.write_text(yaml.safe_dump([source.model_dump(exclude_defaults=True)]), encoding="utf-8")
        started, cpu_started = time.perf_counter(), _children_cpu()
        stats = crawl(registry, Path(tmp) / "archive.db", Path(tmp) / "logs", delay=0)["bulk"]
        elapsed, cpu = time.perf_counter() - started, _children_cpu() - cpu_started
    if stats.articles_fetched != pages:
        raise SystemExit(f"crawl fetched {stats.articles_fetched} of {pages} pages: {stats}")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return pages / elapsed, pages / cpu, peak_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    results = [one_run(args.pages, args.concurrency) for _ in range(args.runs)]
    rates = [r for r, _, _ in results]
    cpu_rates = [c for _, c, _ in results]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}")
    print("| pages | concurrency | runs | pages/s median (min–max) | per crawl CPU s: median (min–max) "
          "| crawl peak MB |")
    print("|---|---|---|---|---|---|")
    print(f"| {args.pages} | {args.concurrency} | {args.runs} | {statistics.median(rates):.0f} "
          f"({min(rates):.0f}–{max(rates):.0f}) | {statistics.median(cpu_rates):.0f} "
          f"({min(cpu_rates):.0f}–{max(cpu_rates):.0f}) | {max(m for _, _, m in results):.0f} |")


if __name__ == "__main__":
    main()
