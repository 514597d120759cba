"""Campaign tagging quality: per-topic precision, recall and F1, and micro averages.

    python benchmarks/eval_tagging.py [--show-errors] [--rules-only] [--real FILE.jsonl]

Three reports, kept apart so a figure is never read off the part it was tuned on:
- our labelled sets (tests/data/labelled/*.yaml), the ones the taxonomy may be tuned on, with the two
  real seeds read from the shared folder beside the checkout (../shared/seeds; left out without it);
- the held-out labelled set (tests/data/labelled/heldout/*.yaml), never tuned on: its errors are not
  printed, only its scores;
- with --real, a JSON-lines file of real portal texts kept outside the repository
  (one object per line: title, text, topics, optional section and url).

The learned model trains on our labelled sets (portalwatch/examples), so their scores say little about it;
--rules-only scores the phrase rules alone, to see what the model adds on the other parts.

The labelled articles were written independently of the taxonomy's phrase lists, so the scores measure
how the taxonomy generalises, not how well it was fitted.
"""

import argparse
import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere: the repo's packages

from pipelines.tagging import load_taxonomy
from portalwatch.core.config import get_settings
from tests.support import HELDOUT, SHARED_SEEDS, Scores, evaluate, load_labelled, load_real


def print_table(title: str, items: list[dict], scores: Scores) -> None:
    print(f"\n{title}: {len(items)} articles")
    print(f"{'topic':28} {'P':>5} {'R':>5} {'F1':>5} {'support':>8}")
    for topic, (p, r, f, n) in [*scores.per_topic.items(), ("micro average", scores.micro)]:
        print(f"{topic:28} {p:5.2f} {r:5.2f} {f:5.2f} {n:8d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", action="store_true",
                        help="list the mistakes (never those of the held-out set)")
    parser.add_argument("--rules-only", action="store_true", help="the phrase rules without the learned model")
    parser.add_argument("--real", type=Path, action="append", default=[], help="JSON-lines file of real texts")
    args = parser.parse_args()
    seeds = SHARED_SEEDS if SHARED_SEEDS.is_dir() else None
    if seeds is None:
        print(f"(the two real seeds are left out: {SHARED_SEEDS} is missing)", file=sys.stderr)
    taxonomy = load_taxonomy(get_settings().taxonomy)
    if args.rules_only:
        taxonomy = dataclasses.replace(taxonomy, model=None)
    parts: list[tuple[str, list[dict], bool]] = [("our labelled sets", load_labelled(seeds), True)]
    if HELDOUT.is_dir():
        parts.append(("held-out labelled set", load_labelled(directories=(HELDOUT,)), False))
    parts += [(f"real texts {path.name}", load_real(path), True) for path in args.real]
    for title, items, may_show in parts:
        if not items:
            continue
        scores = evaluate(items, taxonomy)
        if args.show_errors and may_show:
            print("\n".join(scores.errors))
        print_table(title, items, scores)


if __name__ == "__main__":
    main()
