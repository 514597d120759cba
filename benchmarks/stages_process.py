"""Where processing time goes: CPU ms per page for each stage of process_page, on the benchmark's pages.

Each stage function is wrapped with a CPU timer (in this script only), the pages are processed
`--runs` times and the median per stage is printed. Nested stages (indented) are part of extract.

    python benchmarks/stages_process.py --pages 1000 --runs 3
"""

import argparse
import functools
import os
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from bench_process import synthetic_pages

import pipelines.extract as extract_module
import pipelines.process as process_module
import portalwatch.core.page as page_module
from pipelines.tagging import load_taxonomy
from portalwatch.core.config import PACKAGE_DIR

# (module, function name, label): what process_page and extract call, by the names they call them.
STAGES = [
    (process_module, "extract", "extract (all of it)"),
    (page_module, "decode_html", "  decode"),
    (page_module, "parse_html", "  parse"),
    (extract_module, "_main_text", "  trafilatura"),
    (extract_module, "_lead", "  lead"),
    (extract_module, "clean_text", "  clean + normalise"),
    (extract_module, "_author", "  author"),
    (extract_module, "is_teaser_text", "  teaser-text check"),
    (extract_module, "find_published", "  date"),
    (process_module, "detect_language", "language"),
    (process_module, "parse_directives", "directives"),
    (process_module, "content_hash", "content hash"),
    (process_module, "fingerprint_folded", "fingerprint (MinHash)"),
    (process_module, "tag_article", "tagging"),
]


def instrument(spent: dict[str, float]) -> None:
    def timed(function: Callable[..., Any], label: str) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] += time.process_time() - started
        return wrapper

    for module, name, label in STAGES:
        setattr(module, name, timed(getattr(module, name), label))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the benchmark
    pages = synthetic_pages(args.pages)
    taxonomy = load_taxonomy(PACKAGE_DIR / "taxonomy.yaml")
    spent: dict[str, float] = defaultdict(float)
    instrument(spent)
    runs = []
    for _ in range(args.runs):
        spent.clear()
        started = time.process_time()
        for page in pages:
            process_module.process_page(page, taxonomy)
        runs.append({**spent, "total process_page": time.process_time() - started})
    print(f"{'stage':<26} {'CPU ms/page':>11}")
    for label in runs[0]:
        print(f"{label:<26} {statistics.median(r[label] for r in runs) / len(pages) * 1000:>11.2f}")


if __name__ == "__main__":
    main()
