"""The spike rule on constructed daily series: each expectation is worked out here, by hand or with math."""

import math
from datetime import date, timedelta

from portalwatch.core.spikes import Sensitivity, drop, spike

TODAY = date(2026, 12, 7)  # a Monday


def series(per_day: dict[int, int], default: int) -> dict[date, int]:
    """The 14 days before TODAY: weekday (0 = Monday) → count, other weekdays `default`."""
    days = [TODAY - timedelta(days=i) for i in range(1, 15)]
    return {d: per_day.get(d.weekday(), default) for d in days}


def poisson_tail(k: int, mean: float) -> float:
    return 1 - sum(math.exp(-mean) * mean**i / math.factorial(i) for i in range(k))


def test_a_real_spike_fires_with_the_poisson_tail_of_a_steady_baseline() -> None:
    found = spike(series({}, 4), TODAY, 20)
    assert found is not None
    assert found.expected == 4
    assert math.isclose(found.p_value, poisson_tail(20, 4), rel_tol=1e-6)  # 1 - sum loses digits to cancellation
    assert found.ratio == 5


def test_one_to_three_is_not_a_spike() -> None:
    assert spike(series({}, 1), TODAY, 3) is None
    # Even with no minimum count, 3 against a usual 1 is in the ordinary tail.
    assert spike(series({}, 1), TODAY, 3, Sensitivity(min_count=1)) is None  # P(X>=3 | 1) ≈ 0.08


def test_a_busy_monday_every_week_is_normal() -> None:
    baseline = series({0: 30}, 5)
    assert spike(baseline, TODAY, 30) is None
    assert spike(baseline, TODAY, 34) is None


def test_the_same_count_on_a_usually_quiet_monday_is_a_spike() -> None:
    assert spike(series({}, 5), TODAY, 30) is not None


def test_a_quiet_holiday_is_not_a_spike() -> None:
    assert spike(series({}, 12), TODAY, 0) is None
    assert spike(series({}, 12), TODAY, 1) is None


def test_an_erratic_baseline_needs_more_than_a_poisson_one() -> None:
    # Same mean (6), one steady and one swinging between 0 and 12: 16 is unusual only for the steady one.
    steady = series({}, 6)
    swinging = {TODAY - timedelta(days=i): (12 if i % 2 else 0) for i in range(1, 15)}
    assert spike(steady, TODAY, 16) is not None
    assert spike(swinging, TODAY, 16) is None


def test_sensitivity_is_configurable() -> None:
    baseline = series({}, 4)
    assert spike(baseline, TODAY, 12) is not None  # P(X>=12 | 4) ≈ 0.0009
    assert spike(baseline, TODAY, 12, Sensitivity(p_value=0.0001)) is None
    assert spike(baseline, TODAY, 12, Sensitivity(min_count=13)) is None
    assert spike(baseline, TODAY, 12, Sensitivity(min_ratio=3.5)) is None


def test_a_source_gone_quiet_is_a_drop_but_a_usually_quiet_weekday_is_not() -> None:
    steady = series({}, 10)
    found = drop(steady, TODAY, 0)
    assert found is not None and math.isclose(found.p_value, math.exp(-10), rel_tol=1e-9)  # P(X <= 0 | 10)
    assert drop(steady, TODAY, 8) is None
    assert drop(series({0: 2}, 10), TODAY, 2) is None  # Mondays are always this quiet
    assert drop(series({}, 2), TODAY, 0) is None  # too few articles to call a day quiet
