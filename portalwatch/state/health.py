"""Crawl health per source: what each crawl found, whether that looks right, and back-off for failing sources.

The volume signal is the number of article links a crawl *saw* on its feeds and list pages,
new or already archived. A quiet week still shows last week's articles there; a block page, a
login wall or a changed layout shows none. So silence is told apart from failure.
"""

import json
import statistics
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from portalwatch.core import VN_TZ
from portalwatch.state.db import StateFile, upsert

# Fewer links than this share of the usual number means something broke.
LOW_SHARE = 0.3
USUAL_RUNS = 10
BACKOFF_BASE = timedelta(hours=6)
BACKOFF_MAX = timedelta(days=7)
_RUN = upsert("crawl_runs", ("source_id", "started_at", "status", "message", "stats"), "source_id, started_at")


class Status(StrEnum):
    OK = "ok"
    UNCHANGED = "unchanged"  # every entry page answered 304 Not Modified
    LOW = "low"  # far fewer article links than usual
    EMPTY = "empty"  # pages fetched, but no article link on them: layout change?
    BLOCKED = "blocked"  # block page, captcha or login wall instead of content
    FAILED = "failed"  # no entry page could be fetched
    BACKED_OFF = "backed_off"  # not crawled: still backing off after repeated failures
    INTERRUPTED = "interrupted"  # stopped (Ctrl+C, SIGTERM) before it was done: no judgement, no baseline


PROBLEMS = {Status.LOW, Status.EMPTY, Status.BLOCKED, Status.FAILED}
LABELS = {
    Status.OK: "bình thường", Status.UNCHANGED: "không có gì mới", Status.LOW: "ít bất thường",
    Status.EMPTY: "không thấy bài", Status.BLOCKED: "bị chặn", Status.FAILED: "lỗi",
    Status.BACKED_OFF: "tạm hoãn", Status.INTERRUPTED: "bị dừng giữa chừng",
}


@dataclass
class CrawlStats:
    """What one crawl of one source saw (filled in by the spider)."""

    entry_pages: int = 0  # feeds, sitemaps and list pages fetched with content
    not_modified: int = 0  # entry pages answered 304
    links_found: int = 0  # distinct article links seen, new or already archived
    requested: int = 0  # article requests sent
    new_articles: int = 0
    changed_articles: int = 0
    failures: int = 0
    blocked: int = 0
    last_error: str = ""


@dataclass
class CrawlRun:
    source_id: str
    started_at: datetime
    status: Status
    message: str
    stats: CrawlStats


@dataclass(frozen=True)
class SourceHealth:
    """A source's state as people are shown it (portalwatch sources, the web's Nguồn page)."""

    source_id: str
    last: CrawlRun | None  # None: never crawled
    last_good: CrawlRun | None
    usual_links: float | None
    backoff_until: datetime | None

    @property
    def problem(self) -> bool:
        return self.last is not None and self.last.status in PROBLEMS

    @property
    def status(self) -> str:
        """The last crawl's verdict in Vietnamese, with its reason and any back-off (times in Vietnam)."""
        if self.last is None:
            return "chưa thu thập"
        text = LABELS[self.last.status] + (f": {self.last.message}" if self.last.message else "")
        if self.backoff_until:
            text += f"; tạm hoãn tới {self.backoff_until.astimezone(VN_TZ):%d/%m %H:%M}"
        return text


def usual_links(history: list[CrawlRun]) -> float | None:
    """The median number of article links seen by recent healthy crawls."""
    seen = [r.stats.links_found for r in history[:USUAL_RUNS] if r.status == Status.OK and r.stats.links_found]
    return statistics.median(seen) if seen else None


def assess(stats: CrawlStats, history: list[CrawlRun]) -> tuple[Status, str]:
    """Judge one crawl against the source's recent ones (newest first)."""
    if stats.blocked and not stats.links_found:
        return Status.BLOCKED, f"trang chặn thay cho nội dung: {stats.last_error}"
    if not stats.entry_pages and not stats.not_modified:
        return Status.FAILED, f"không tải được trang nào: {stats.last_error or 'không rõ lỗi'}"
    if not stats.entry_pages:
        return Status.UNCHANGED, "trang nguồn không đổi (304)"
    usual = usual_links(history)
    if not stats.links_found:
        return Status.EMPTY, "tải được trang nhưng không thấy liên kết bài nào: bố cục trang có thể đã đổi"
    if usual and stats.links_found < LOW_SHARE * usual:
        return Status.LOW, f"chỉ thấy {stats.links_found} liên kết bài, thường là {usual:g}"
    return Status.OK, ""


def backoff_until(history: list[CrawlRun], now: datetime) -> datetime | None:
    """When a source whose last crawls (history, newest first) failed may be tried again (None: now)."""
    streak = 0
    for run in history:
        if run.status == Status.INTERRUPTED:  # says nothing about the source
            continue
        if run.status not in (Status.FAILED, Status.BLOCKED):
            break
        streak += 1
    if streak < 2:  # one failure may be a blip: the next scheduled crawl tries again
        return None
    until = history[0].started_at + min(BACKOFF_BASE * 2 ** (streak - 2), BACKOFF_MAX)
    return until if until > now else None


def _stats(recorded: str) -> CrawlStats:
    """Stats as recorded, ignoring counters that later versions no longer keep."""
    known = {f.name for f in fields(CrawlStats)}
    return CrawlStats(**{k: v for k, v in json.loads(recorded).items() if k in known})


class HealthLog(StateFile):
    def record(self, source_id: str, started_at: datetime, stats: CrawlStats, interrupted: bool = False) -> CrawlRun:
        """Record one crawl; an interrupted one is kept as such, never judged nor used as the usual volume."""
        if interrupted:
            message = "bị dừng trước khi xong; lần thu thập sau tiếp tục từ chỗ dừng"
            return self._insert(CrawlRun(source_id, started_at, Status.INTERRUPTED, message, stats))
        status, message = assess(stats, [r for r in self.history(source_id) if r.status != Status.INTERRUPTED])
        return self._insert(CrawlRun(source_id, started_at, status, message, stats))

    def record_backed_off(self, source_id: str, until: datetime) -> CrawlRun:
        message = f"lỗi nhiều lần liên tiếp, tạm hoãn tới {until:%d/%m/%Y %H:%M} UTC"
        return self._insert(CrawlRun(source_id, datetime.now(UTC), Status.BACKED_OFF, message, CrawlStats()))

    def _insert(self, run: CrawlRun) -> CrawlRun:
        with self.db:
            self.db.execute(_RUN,
                            (run.source_id, run.started_at.isoformat(), run.status, run.message,
                             json.dumps(asdict(run.stats), ensure_ascii=False)))
        return run

    def history(self, source_id: str, limit: int = 50, before: datetime | None = None) -> list[CrawlRun]:
        """Recent crawls of a source (started before `before`, when given), newest first (back-off markers
        left out)."""
        until = (before or datetime.max.replace(tzinfo=UTC)).astimezone(UTC).isoformat()  # stored in UTC
        rows = self.db.execute("SELECT started_at, status, message, stats FROM crawl_runs WHERE source_id = ?"
                               " AND status != ? AND started_at < ? ORDER BY started_at DESC LIMIT ?",
                               (source_id, Status.BACKED_OFF, until, limit))
        return [CrawlRun(source_id, datetime.fromisoformat(at), Status(status), message, _stats(s))
                for at, status, message, s in rows]

    def summary(self, source_id: str) -> SourceHealth:
        history = self.history(source_id)
        return SourceHealth(source_id, history[0] if history else None,
                            next((r for r in history if r.status not in PROBLEMS), None), usual_links(history[1:]),
                            backoff_until(history, datetime.now(UTC)))

    def backoff_until(self, source_id: str) -> datetime | None:
        """When a source that failed its last crawls may be tried again (None: now)."""
        return backoff_until(self.history(source_id, limit=20), datetime.now(UTC))

