"""Campaign tagging quality on the labelled set: per-topic precision, recall and F1, and micro averages.

    python benchmarks/eval_tagging.py [--show-errors]

The labelled articles (tests/data/labelled/*.yaml) were written independently of the taxonomy's
phrase lists, so the scores measure how the taxonomy generalises, not how well it was fitted.
"""

import argparse
from collections import Counter
from pathlib import Path

import yaml
from pydantic import BaseModel

from pipelines.tagging import Taxonomy, load_taxonomy, tag_plain_text
from portalwatch.core.config import get_settings

LABELLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "labelled"


def load_labelled() -> list[dict]:
    """Every labelled item; an item with `file` takes its text from that file (the real seeds)."""
    items = []
    for path in sorted(LABELLED.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")):
            if "file" in item:
                item["text"] = (path.parent / item["file"]).read_text(encoding="utf-8")
            items.append(item)
    return items


def predict(item: dict, taxonomy: Taxonomy) -> set[str]:
    return {t.topic_id for t in tag_plain_text(taxonomy, item["text"], item["title"])}


class Scores(BaseModel):
    per_topic: dict[str, tuple[float, float, float, int]]  # precision, recall, F1, support
    micro: tuple[float, float, float, int]
    errors: list[str]


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float, int]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, tp + fn


def evaluate(items: list[dict], taxonomy: Taxonomy) -> Scores:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    errors = []
    for item in items:
        expected, got = set(item["topics"]), predict(item, taxonomy)
        tp.update(expected & got)
        fp.update(got - expected)
        fn.update(expected - got)
        if expected != got:
            errors.append(f"{item['id']}: expected {sorted(expected)} got {sorted(got)} — {item['title']}")
    topics = sorted(set(tp) | set(fp) | set(fn))
    return Scores(per_topic={t: _prf(tp[t], fp[t], fn[t]) for t in topics},
                  micro=_prf(sum(tp.values()), sum(fp.values()), sum(fn.values())), errors=errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    items = load_labelled()
    scores = evaluate(items, load_taxonomy(get_settings().taxonomy))
    if args.show_errors:
        print("\n".join(scores.errors))
    print(f"{len(items)} labelled articles")
    print(f"{'topic':28} {'P':>5} {'R':>5} {'F1':>5} {'support':>8}")
    for topic, (p, r, f, n) in [*scores.per_topic.items(), ("micro average", scores.micro)]:
        print(f"{topic:28} {p:5.2f} {r:5.2f} {f:5.2f} {n:8d}")


if __name__ == "__main__":
    main()
