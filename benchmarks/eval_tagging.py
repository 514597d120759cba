"""Campaign tagging quality: per-topic precision, recall and F1, and micro averages.

    python benchmarks/eval_tagging.py [--show-errors] [--real FILE.jsonl]

Three reports, kept apart so a figure is never read off the part it was tuned on:
- our labelled sets (tests/data/labelled/*.yaml), the ones the taxonomy may be tuned on;
- the held-out labelled set (tests/data/labelled/heldout/*.yaml) when present, never tuned on:
  its errors are not printed, only its scores;
- with --real, a JSON-lines file of real portal texts kept outside the repository
  (one object per line: title, text, topics, optional section and url).

The labelled articles were written independently of the taxonomy's phrase lists, so the scores measure
how the taxonomy generalises, not how well it was fitted.
"""

import argparse
import json
from collections import Counter
from pathlib import Path

import yaml
from pydantic import BaseModel

from pipelines.tagging import Taxonomy, load_taxonomy, tag_plain_text
from portalwatch.core.config import get_settings

LABELLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "labelled"
HELDOUT = LABELLED / "heldout"


def load_labelled(directory: Path = LABELLED) -> list[dict]:
    """Every labelled item of a directory (not its subdirectories); an item with `file` takes its text
    from that file (the real seeds)."""
    items = []
    for path in sorted(directory.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if "file" in item:
                item["text"] = (path.parent / item["file"]).read_text(encoding="utf-8")
            items.append(item)
    return items


def load_real(path: Path) -> list[dict]:
    """Real portal texts, one JSON object per line; the url stands in for the id."""
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            item.setdefault("id", item.get("url", str(len(items))))
            items.append(item)
    return items


def predict(item: dict, taxonomy: Taxonomy) -> set[str]:
    tags = tag_plain_text(taxonomy, item["text"], item.get("title") or "", section=item.get("section") or "")
    return {t.topic_id for t in tags}


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
            errors.append(f"{item['id']}: expected {sorted(expected)} got {sorted(got)} — {item.get('title', '')}")
    topics = sorted(set(tp) | set(fp) | set(fn))
    return Scores(per_topic={t: _prf(tp[t], fp[t], fn[t]) for t in topics},
                  micro=_prf(sum(tp.values()), sum(fp.values()), sum(fn.values())), errors=errors)


def print_table(title: str, items: list[dict], scores: Scores) -> None:
    print(f"\n{title}: {len(items)} articles")
    print(f"{'topic':28} {'P':>5} {'R':>5} {'F1':>5} {'support':>8}")
    for topic, (p, r, f, n) in [*scores.per_topic.items(), ("micro average", scores.micro)]:
        print(f"{topic:28} {p:5.2f} {r:5.2f} {f:5.2f} {n:8d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", action="store_true",
                        help="list the mistakes (never those of the held-out set)")
    parser.add_argument("--real", type=Path, action="append", default=[], help="JSON-lines file of real texts")
    args = parser.parse_args()
    taxonomy = load_taxonomy(get_settings().taxonomy)
    parts: list[tuple[str, list[dict], bool]] = [("our labelled sets", load_labelled(), True)]
    if HELDOUT.is_dir():
        parts.append(("held-out labelled set", load_labelled(HELDOUT), False))
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
