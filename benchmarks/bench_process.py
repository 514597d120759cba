"""Processing throughput: extract, clean, normalise, fingerprint, tag and group N synthetic pages.

Pages are rendered by the fixture portal templates (both site families) with paragraphs
recombined from the fixture articles, so the markup and boilerplate are those of real portals.
Runs in one process on one core and prints pages/s and peak memory (median of the runs).

    python benchmarks/bench_process.py --pages 10000 --runs 3
"""

import argparse
import os
import platform
import random
import resource
import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from pipelines.dedup import duplicate_groups
from pipelines.process import process_page
from pipelines.tagging import load_taxonomy
from portalwatch.core import VN_TZ
from portalwatch.core.config import PACKAGE_DIR
from portalwatch.core.models import Article, DedupKey, RawPage
from portalwatch.fixture_portals.content import load_articles
from portalwatch.fixture_portals.server import ProvincialPortal, WordPressNews


def synthetic_pages(n: int, seed: int = 5) -> list[RawPage]:
    rng = random.Random(seed)
    today = datetime(2026, 11, 23, 9, tzinfo=VN_TZ)
    sites = [ProvincialPortal("http://tinh.test", today), WordPressNews("http://bao.test", today)]
    fixtures = load_articles()
    paragraphs = [p for a in fixtures for p in a.paragraphs]
    pages = []
    for i in range(n):
        site = sites[i % 2]
        base = rng.choice(fixtures)
        article = replace(base, slug=f"{base.slug}-{i}", sites=(site.name,), number=100000 + i,
                          body="\n\n".join(rng.sample(paragraphs, rng.randint(4, 8))),
                          published=base.published - timedelta(days=rng.randrange(300)))
        html = site.render(f"{site.name}_article.html", a=site.view(article), related=[]).body
        pages.append(RawPage(url=f"{site.base}{site.href(article)}", source_id=site.name, status=200,
                             fetched_at=datetime.now(UTC), content_type="text/html; charset=utf-8", body=html))
    return pages


def run(pages: list[RawPage]) -> tuple[float, float]:
    """Pages per second of wall time and of CPU time (the machine is shared: CPU time is the steadier)."""
    taxonomy = load_taxonomy(PACKAGE_DIR / "taxonomy.yaml")
    started, cpu_started = time.perf_counter(), time.process_time()
    articles = [a for a in (process_page(p, taxonomy) for p in pages) if isinstance(a, Article)]
    duplicate_groups(map(DedupKey.of, articles))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    assert len(articles) == len(pages), f"only {len(articles)} of {len(pages)} pages became articles"
    return len(pages) / elapsed, len(pages) / cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    pages = synthetic_pages(args.pages)
    size = sum(len(p.body) for p in pages) / len(pages)
    results = [run(pages) for _ in range(args.runs)]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {os.cpu_count()} cores (pinned to 1), Python {platform.python_version()}")
    print(f"{'pages':>6} {'avg page KB':>11} {'runs':>4} {'clock':>5} {'median pages/s':>15} {'min':>7} {'max':>7}"
          f" {'peak MB':>8}")
    for clock, rates in (("wall", [r[0] for r in results]), ("cpu", [r[1] for r in results])):
        print(f"{len(pages):>6} {size / 1024:>11.1f} {len(rates):>4} {clock:>5} {statistics.median(rates):>15.0f} "
              f"{min(rates):>7.0f} {max(rates):>7.0f} {peak_mb:>8.0f}")


if __name__ == "__main__":
    main()
