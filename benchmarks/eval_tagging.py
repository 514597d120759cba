"""Campaign tagging quality on the labelled set: per-topic precision, recall and F1, and micro averages.

    python benchmarks/eval_tagging.py [--show-errors]

The labelled articles (tests/data/labelled/*.yaml) were written independently of the taxonomy's
phrase lists, so the scores measure how the taxonomy generalises, not how well it was fitted.
The two real seeds are read from the shared folder beside the checkout (../shared/seeds), never
from a committed copy; without it they are left out.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere: the repo's packages

from pipelines.tagging import load_taxonomy
from portalwatch.core.config import get_settings
from tests.support import SHARED_SEEDS, evaluate, load_labelled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    seeds = SHARED_SEEDS if SHARED_SEEDS.is_dir() else None
    if seeds is None:
        print(f"(the two real seeds are left out: {SHARED_SEEDS} is missing)", file=sys.stderr)
    items = load_labelled(seeds)
    scores = evaluate(items, load_taxonomy(get_settings().taxonomy))
    if args.show_errors:
        print("\n".join(scores.errors))
    print(f"{len(items)} labelled articles")
    print(f"{'topic':28} {'P':>5} {'R':>5} {'F1':>5} {'support':>8}")
    for topic, (p, r, f, n) in [*scores.per_topic.items(), ("micro average", scores.micro)]:
        print(f"{topic:28} {p:5.2f} {r:5.2f} {f:5.2f} {n:8d}")


if __name__ == "__main__":
    main()
