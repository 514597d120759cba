"""Tagging quality on the labelled set (152 articles written independently of the taxonomy)."""

from benchmarks.eval_tagging import evaluate, load_labelled
from pipelines.tagging import load_taxonomy
from portalwatch.core.config import PACKAGE_DIR


def test_default_taxonomy_tags_the_labelled_set_well() -> None:
    items = load_labelled()
    assert len(items) >= 150
    scores = evaluate(items, load_taxonomy(PACKAGE_DIR / "taxonomy.yaml"))
    assert scores.micro[2] >= 0.85, scores.errors
    weak = {topic: round(f1, 2) for topic, (_, _, f1, _) in scores.per_topic.items() if f1 < 0.70}
    assert not weak, weak
