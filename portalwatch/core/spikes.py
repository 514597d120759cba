"""The spike rule: is today's count of articles unusually high against the previous 14 days?

Counts are small and follow a weekly rhythm (busy Mondays, quiet Sundays), so a ratio alone would cry
wolf on 1 → 3 and on every Monday. The expected count for today is the larger of the 14-day mean and
the mean of the same weekday in the window (a busy weekday stays normal; a quiet weekday is not judged
against its own quietness alone). Today's count is then tested in the upper tail of a Poisson law with
that mean, or of a negative binomial one when the window varies more than Poisson allows (overdispersion),
and must also reach a minimum count and a minimum ratio. Only an upper tail is tested: a quiet holiday
is never a spike.
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
class Spike:
    today: int
    expected: float
    p_value: float

    @property
    def ratio(self) -> float:
        return self.today / self.expected


def window(today: date) -> tuple[date, date]:
    """The first and last day of the baseline before `today`."""
    return today - timedelta(days=WINDOW_DAYS), today - timedelta(days=1)


def expected_count(baseline: dict[date, int], today: date) -> float:
    """Today's expected count from the window's days (a day missing from `baseline` had no article)."""
    first, _ = window(today)
    days = [first + timedelta(days=i) for i in range(WINDOW_DAYS)]
    counts = [baseline.get(d, 0) for d in days]
    same_weekday = [baseline.get(d, 0) for d in days if d.weekday() == today.weekday()]
    return max(statistics.fmean(counts), statistics.fmean(same_weekday), MIN_EXPECTED)


def upper_tail(count: int, mean: float, variance: float) -> float:
    """P(X >= count) for a count law with this mean: Poisson, or negative binomial when overdispersed."""
    if variance <= mean:
        return float(stats.poisson.sf(count - 1, mean))
    # scipy's nbinom(n, p) has mean n(1-p)/p and variance n(1-p)/p²: solved for n and p by moments.
    p = mean / variance
    n = mean * mean / (variance - mean)
    return float(stats.nbinom.sf(count - 1, n, p))


def spike(baseline: dict[date, int], today: date, count: int, sensitivity: Sensitivity = Sensitivity()
          ) -> Spike | None:
    """The spike today's `count` makes against `baseline` (local day → articles), or None."""
    if count < sensitivity.min_count:
        return None
    expected = expected_count(baseline, today)
    if count < sensitivity.min_ratio * expected:
        return None
    first, _ = window(today)
    counts = [baseline.get(first + timedelta(days=i), 0) for i in range(WINDOW_DAYS)]
    p = upper_tail(count, expected, statistics.variance(counts))
    return Spike(count, expected, p) if p < sensitivity.p_value else None
