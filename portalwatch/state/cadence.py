"""When each source is crawled next, from what its past crawls found.

A source's publishing rate is estimated from the new articles its recent crawls brought: the articles a
crawl finds were published since the crawl before it, so the rate is their sum over the time those crawls
span. The oldest crawl of the window is left out of the sum (what it found may be years of backlog, as on
a first crawl). A small prior keeps one lucky or empty crawl from swinging the estimate. The interval is
as long as cost asks (about five new articles a visit) and as short as freshness needs (a busy portal read
within the hour, a quiet one a few times a day), always within the source's bounds. A cron line in the
registry overrides all of it, and a failing source waits out its back-off as before.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cronsim import CronSim

from portalwatch.core import VN_TZ
from portalwatch.core.models import Source
from portalwatch.state.health import CrawlRun, HealthLog, Status, backoff_until

# The rate over the last week (long enough to hold its weekly rhythm) or, when it is higher, over the last
# day: a source that wakes up is followed at once, one that falls quiet is let go over the week.
WINDOWS = (timedelta(days=1), timedelta(days=7))
MAX_RUNS = 300  # two days at the shortest interval: plenty of articles for the busiest sources
# Cost: a visit should find about five new articles, or its feed and list requests outnumber them. A feed or
# a list's first page holds 10–20 items, so five a visit leaves room for a burst before one overflows.
ARTICLES_PER_VISIT = 5.0
# Freshness: the longest acceptable interval is 0.3 of the time the source takes to publish one article
# (three a day: 2 h 24 min), but freshness never asks for more than a visit every 55 minutes, nor accepts
# more than the source's ceiling (max_interval_minutes, five hours by default). A source publishing ten or
# more a day (and one whose estimate wavers down to eight) is then read within the hour: a wait uniform over
# the interval has its p95 at 0.95 of it, 52 minutes, and 57 when the scheduler, looking every five minutes,
# finds it due up to five minutes late.
FRESH_SHARE = 0.3
FRESHEST = timedelta(minutes=55)
PRIOR_ARTICLES, PRIOR_DAYS = 0.1, 0.1  # a prior of one article a day, worth a couple of hours of evidence


@dataclass(frozen=True)
class NextCrawl:
    source_id: str
    due_at: datetime  # in UTC; at or before now means due
    reason: str  # Vietnamese, for `portalwatch sources`
    rate: float | None = None  # new articles a day, when estimated

    def due(self, now: datetime) -> bool:
        return self.due_at <= now


def publishing_rate(history: list[CrawlRun], window: timedelta) -> tuple[float, float] | None:
    """New articles a day over the crawls of the window (history newest first), and the days they span; None
    before two crawls. Interrupted crawls count: what they fetched is new all the same."""
    recent = [r for r in history[:MAX_RUNS] if r.started_at >= history[0].started_at - window] if history else []
    if len(recent) < 2:
        return None
    days = (recent[0].started_at - recent[-1].started_at).total_seconds() / 86400
    found = sum(r.stats.new_articles for r in recent[:-1])
    return (found + PRIOR_ARTICLES) / (days + PRIOR_DAYS), days


def _duration(delta: timedelta) -> str:
    minutes = round(delta.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} phút"
    return f"{hours} giờ {minutes} phút" if minutes else f"{hours} giờ"


def next_crawl(source: Source, history: list[CrawlRun], backoff_until: datetime | None) -> NextCrawl:
    """The next crawl of one source and why, from its crawl history (newest first) and any back-off."""
    if not history:
        return NextCrawl(source.id, datetime.min.replace(tzinfo=UTC), "chưa thu thập lần nào")
    last = history[0]
    if backoff_until is not None:
        return NextCrawl(source.id, backoff_until, "lỗi nhiều lần liên tiếp: chờ hết thời gian tạm hoãn")
    if source.schedule:
        after = last.started_at.astimezone(VN_TZ).replace(tzinfo=None)  # cron lines are in Vietnam's time
        due = next(CronSim(source.schedule, after)).replace(tzinfo=VN_TZ).astimezone(UTC)
        return NextCrawl(source.id, due, f"theo lịch cố định \"{source.schedule}\"")
    shortest = timedelta(minutes=source.min_interval_minutes)
    longest = timedelta(minutes=source.max_interval_minutes)
    if last.status == Status.INTERRUPTED:
        return NextCrawl(source.id, last.started_at + shortest,
                         f"lần trước bị dừng giữa chừng: tiếp tục sau {_duration(shortest)}")
    if last.stats.requested >= source.max_articles:
        return NextCrawl(source.id, last.started_at + shortest,
                         f"lần trước dùng hết hạn mức {source.max_articles} bài: lấy tiếp sau {_duration(shortest)}")
    estimate = max((e for e in (publishing_rate(history, w) for w in WINDOWS) if e), default=None)
    if estimate is None:
        return NextCrawl(source.id, last.started_at + shortest,
                         f"mới thu thập một lần: thử lại sau {_duration(shortest)} để đo nhịp đăng bài")
    rate, days = estimate
    acceptable = min(max(timedelta(days=FRESH_SHARE / rate), FRESHEST), longest)
    # A young history says little (the first crawl's backlog does not count, and ten empty minutes after it
    # prove nothing): wait no longer than the evidence spans, so a new source's interval grows by doubling.
    acceptable = min(acceptable, max(timedelta(days=days), FRESHEST))
    interval = max(min(timedelta(days=ARTICLES_PER_VISIT / rate), acceptable), shortest)
    bound = " (tối thiểu)" if interval == shortest else " (tối đa)" if interval == longest else ""
    return NextCrawl(source.id, last.started_at + interval,
                     f"khoảng {rate:.1f} bài mới/ngày trong {days:.1f} ngày qua: mỗi {_duration(interval)}{bound}",
                     rate)


def schedule(sources: list[Source], health: HealthLog) -> list[NextCrawl]:
    """Every source's next crawl, soonest first."""
    now = datetime.now(UTC)
    planned = []
    for source in sources:  # one read of each history serves the rate and the back-off
        history = health.history(source.id, limit=MAX_RUNS)
        planned.append(next_crawl(source, history, backoff_until(history, now)))
    return sorted(planned, key=lambda n: (n.due_at, n.source_id))


def due_now(sources: list[Source], health: HealthLog, now: datetime) -> list[str]:
    """The sources due a crawl at `now`, soonest first."""
    return [n.source_id for n in schedule(sources, health) if n.due(now)]
