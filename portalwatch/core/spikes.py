"""The spike rule: is today's count of articles unusually high against the previous 14 days?

Counts are small and follow a weekly rhythm (busy Mondays, quiet Sundays), so a ratio alone would cry
wolf on 1 → 3 and on every Monday. The expected count for today is the larger of the 14-day mean and
the mean of the same weekday in the window (a busy weekday stays normal; a quiet weekday is not judged
against its own quietness alone). Today's count is then tested in the upper tail of a Poisson law with
that mean, or of a negative binomial one when the window varies more than Poisson allows (overdispersion),
and must also reach a minimum count and a minimum ratio. Only an upper tail is tested: a quiet holiday
is never a spike. The same test in the lower tail finds a source gone far quieter than usual.
"""

import statistics
from dataclasses import dataclass
from datetime import date, timedelta

from scipy import stats

WINDOW_DAYS = 14
# An empty window would make any article "infinitely" unusual: a small floor on the expected count.
MIN_EXPECTED = 0.5


@dataclass(frozen=True)
class Sensitivity:
    p_value: float = 0.001  # upper-tail probability below which a count is unusual
    min_count: int = 5  # fewer articles today are never a spike (1 → 3 is noise)
    min_ratio: float = 2.0  # today must be at least this many times the expected count


@dataclass(frozen=True)
class Unusual:
    """A day's count and what was expected of it, with the probability of a count at least that far off."""

    count: int
    expected: float
    p_value: float

    @property
    def ratio(self) -> float:
        return self.count / self.expected


def window(today: date) -> tuple[date, date]:
    """The first and last day of the baseline before `today`."""
    return today - timedelta(days=WINDOW_DAYS), today - timedelta(days=1)


def _baseline(baseline: dict[date, int], today: date) -> tuple[list[int], list[int]]:
    """The window's counts, and those of today's weekday in it (a day missing from `baseline` had none)."""
    first, _ = window(today)
    days = [first + timedelta(days=i) for i in range(WINDOW_DAYS)]
    return [baseline.get(d, 0) for d in days], [baseline.get(d, 0) for d in days if d.weekday() == today.weekday()]


def _tail(count: int, mean: float, variance: float, upper: bool) -> float:
    """P(X >= count) (upper) or P(X <= count) for a count law with this mean: Poisson, or negative binomial
    when overdispersed."""
    # scipy's nbinom(n, p) has mean n(1-p)/p and variance n(1-p)/p²: solved for n and p by moments.
    law = stats.poisson(mean) if variance <= mean else stats.nbinom(mean * mean / (variance - mean), mean / variance)
    return float(law.sf(count - 1) if upper else law.cdf(count))


def spike(baseline: dict[date, int], today: date, count: int, sensitivity: Sensitivity = Sensitivity()
          ) -> Unusual | None:
    """The spike today's `count` makes against `baseline` (local day → articles), or None."""
    if count < sensitivity.min_count:
        return None
    counts, same_weekday = _baseline(baseline, today)
    expected = max(statistics.fmean(counts), statistics.fmean(same_weekday), MIN_EXPECTED)
    if count < sensitivity.min_ratio * expected:
        return None
    p = _tail(count, expected, statistics.variance(counts), upper=True)
    return Unusual(count, expected, p) if p < sensitivity.p_value else None


def drop(baseline: dict[date, int], day: date, count: int, sensitivity: Sensitivity = Sensitivity()
         ) -> Unusual | None:
    """A count far below the usual (a source gone quiet), mirroring the spike rule: the smaller of the two
    means is expected (a quiet weekday stays normal), which must reach the minimum count (a source that
    publishes once a week is never "quiet" on one day), and the count must be that many times smaller."""
    counts, same_weekday = _baseline(baseline, day)
    expected = min(statistics.fmean(counts), statistics.fmean(same_weekday))
    if expected < sensitivity.min_count or count * sensitivity.min_ratio > expected:
        return None
    p = _tail(count, expected, statistics.variance(counts), upper=False)
    return Unusual(count, expected, p) if p < sensitivity.p_value else None
