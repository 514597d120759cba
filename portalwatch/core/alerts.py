"""Alerts as plain records, saved searches, and the rules that need no store: campaign-plan gaps and
source health. Every alert has a key naming its event, so that an event is alerted once, whatever
the number of check runs that see it."""

import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field

from portalwatch.core.plans import CampaignPlan

Kind = Literal["spike", "match", "gap", "health", "recovery"]
KIND_LABELS = {"spike": "Tăng đột biến", "match": "Bài mới khớp tìm kiếm", "gap": "Khoảng trống kế hoạch",
               "health": "Nguồn gặp sự cố", "recovery": "Nguồn hoạt động lại"}
MATCH_MODES = {"hourly": "mỗi lần kiểm tra", "daily": "gộp theo ngày", "off": "không gửi"}  # new matches
DEFAULT_GAP_DAYS = 3
_EMAIL = re.compile(r"[^@\s,]+@[^@\s,]+\.[^@\s,]+")
_WEBHOOK = re.compile(r"(chat:)?https?://[^\s,]+")


class Story(BaseModel):
    title: str
    url: str
    source_id: str
    published_at: datetime


class Alert(BaseModel):
    key: str  # the event: one key, one alert, ever
    kind: Kind
    title: str  # one Vietnamese line
    lines: list[str] = Field(default_factory=list)  # what drove it
    stories: list[Story] = Field(default_factory=list)
    saved_search: str | None = None  # the saved search it belongs to (its recipients), None: everyone's


def recipient(value: str) -> str:
    """An e-mail address, a webhook URL, or chat:URL (the plain {"text": …} form chat tools accept)."""
    value = value.strip()
    if _EMAIL.fullmatch(value) or _WEBHOOK.fullmatch(value):
        return value
    raise ValueError(f"người nhận {value!r} không phải địa chỉ thư, địa chỉ webhook http(s)://… hay chat:http(s)://…")


class SavedSearch(BaseModel):
    name: str = Field(min_length=1)
    query: dict[str, Any]  # a SearchQuery's fields (text and filters), as `portalwatch search` takes them
    recipients: list[Annotated[str, AfterValidator(recipient)]] = Field(min_length=1)
    matches: Literal["hourly", "daily", "off"] = "hourly"  # new matches: each check run, or once a day
    spikes: bool = True


def gap_window(plan: CampaignPlan, today: date, default_days: int = DEFAULT_GAP_DAYS) -> tuple[date, date] | None:
    """The last N days a bound source must have covered each topic in, when the plan has run N days by today."""
    days = plan.gap_days or default_days
    first = today - timedelta(days=days - 1)
    return (first, today) if plan.start <= first and today <= plan.until else None


def plan_gaps(plan: CampaignPlan, window: tuple[date, date], coverage: dict[str, dict[str, int]],
              sources: list[str], topic_names: dict[str, str]) -> list[Alert]:
    """A gap per bound source and required topic with no article in the window (coverage: source →
    topic → articles there). Keyed by ISO week: a gap that lasts is alerted again the next week, not daily."""
    first, last = window
    year, week, _ = last.isocalendar()
    days = (last - first).days + 1
    return [
        Alert(key=f"gap:{plan.name}:{source}:{topic}:{year}-W{week:02d}", kind="gap",
              title=f"{source} chưa có bài nào về «{topic_names.get(topic, topic)}» trong {days} ngày qua",
              lines=[f"Kế hoạch: {plan.name} ({plan.start:%d/%m/%Y}–{plan.until:%d/%m/%Y})",
                     f"Từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}: 0 bài về {topic}"])
        for source in (plan.sources or sources) for topic in plan.topics
        if not coverage.get(source, {}).get(topic)
    ]


def health_alerts(source_id: str, history: list[tuple[datetime, str | None]], alerted: set[str]) -> list[Alert]:
    """A source's problem and recovery alerts from its crawls, newest first: (started at, problem or None).

    A problem streak is keyed by its first crawl, so a source failing for days is alerted once; its
    recovery is alerted only for a streak that was (an old, never-alerted one is no news).
    """
    streak: list[tuple[datetime, str | None]] = []
    healthy_since: datetime | None = None
    for started_at, problem in history:
        if problem is None:
            if streak:
                break
            healthy_since = started_at
        else:
            streak.append((started_at, problem))
    if not streak:
        return []
    first_at, latest_problem = streak[-1][0], streak[0][1]
    problem_key = f"health:{source_id}:{first_at.isoformat()}"
    if healthy_since is None:
        return [Alert(key=problem_key, kind="health", title=f"Nguồn {source_id} gặp sự cố",
                      lines=[f"{latest_problem}", f"Từ lần thu thập {first_at:%d/%m/%Y %H:%M} UTC, "
                             f"{len(streak)} lần liên tiếp"])]
    if problem_key not in alerted:
        return []
    return [Alert(key=f"recovery:{source_id}:{first_at.isoformat()}", kind="recovery",
                  title=f"Nguồn {source_id} hoạt động lại",
                  lines=[f"Thu thập bình thường từ {healthy_since:%d/%m/%Y %H:%M} UTC sau {len(streak)} lần lỗi"])]
