"""The Zyte benchmark's body score as re-implemented in benchmarks/eval_extraction_zyte.py, on hand-counted cases."""

import pytest

from benchmarks.eval_extraction_zyte import score, summary


def test_shingles_are_counted_and_normalised_per_page() -> None:
    # truth shingles: (a b c d), (b c d e); predicted: (a b c d), (b c d x) -> 1 shared, 1 extra, 1 missed
    page = score("a b c d e", "a b c d x")
    assert (page.tp, page.fp, page.fn) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert page.precision == pytest.approx(0.5) and page.recall == pytest.approx(0.5)


def test_repeated_shingles_count_as_often_as_they_occur() -> None:
    # truth: (một hai ba bốn) twice, (hai ba bốn một), (ba bốn một hai), (bốn một hai ba); predicted once
    page = score("một hai ba bốn một hai ba bốn", "một hai ba bốn.")
    assert page.precision == 1.0 and page.recall == pytest.approx(1 / 5)
    # case matters: "Một" is another token, so nothing is shared
    assert score("Một hai ba bốn", "một hai ba bốn").recall == 0.0


def test_an_empty_prediction_counts_against_recall_only() -> None:
    pages = [score("a b c d", ""), score("a b c d", "a b c d")]
    precision, recall, f1 = summary(pages)
    assert precision == 1.0 and recall == 0.5
    assert f1 == pytest.approx(2 / 3)
