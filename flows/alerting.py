"""The same-day checks as plain functions: spikes (per topic, source and saved search), saved searches'
new matches, campaign-plan gaps and source health, raised into the alert log and delivered. The
scheduled flow and `portalwatch alerts check` both run `check_alerts`; nothing here imports Prefect."""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from pydantic import ValidationError

from flows.runlog import record_counts
from pipelines.tagging import load_taxonomy
from portalwatch.core import VN_TZ
from portalwatch.core.alerts import MATCH_MODES, Alert, SavedSearch, Story, gap_window, health_alerts, plan_gaps
from portalwatch.core.config import Settings, get_settings
from portalwatch.core.config_files import describe_error
from portalwatch.core.models import Article
from portalwatch.core.plans import load_plans
from portalwatch.core.sources import configured_sources
from portalwatch.core.spikes import Sensitivity, drop, spike, window
from portalwatch.reports.alert_delivery import deliver
from portalwatch.state.alerts import AlertLog
from portalwatch.state.health import LABELS, PROBLEMS, HealthLog, Status
from portalwatch.state.lock import job_lock
from portalwatch.store import open_store
from portalwatch.store.base import ArticleStore, SearchQuery, StoreError
from portalwatch.store.query import parse

TOP_STORIES = 5
SAVED_FIELDS = {"text", "topics", "sources", "provinces", "directive"}  # dates and paging belong to one look


@dataclass(frozen=True)
class CheckResult:
    new: int  # alerts raised by this run
    delivered: int  # alerts delivered (counted once per recipient), this run's and earlier ones owed
    owed: int  # still owed after every try: sent by a later run
    failed_searches: dict[str, str]  # saved search → why it could not run


def addresses(line: str) -> list[str]:
    return [part.strip() for part in line.split(",") if part.strip()]


class SavedSearchError(ValueError):
    """A saved search that cannot be saved: the Vietnamese reason, and the field it is about."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def saved_search(name: str, query: SearchQuery, recipients: list[str], matches: str = "hourly",
                 spikes: bool = True) -> SavedSearch:
    """The saved search of `query`'s text and filters, as `portalwatch saved add` and the web interface save it.

    A query the stores refuse is refused now (UnsupportedQuery, with the reason), not at every check."""
    parse(query.text)
    if not name.strip():
        raise SavedSearchError("tên tìm kiếm không được để trống", "name")
    if not recipients:
        raise SavedSearchError("cần ít nhất một người nhận", "recipients")
    if matches not in MATCH_MODES:
        raise SavedSearchError(f"bài mới khớp phải là hourly, daily hoặc off, không phải {matches!r}", "matches")
    try:
        return SavedSearch.model_validate({
            "name": name.strip(), "recipients": recipients, "matches": matches, "spikes": spikes,
            "query": query.model_dump(mode="json", include=SAVED_FIELDS, exclude_defaults=True)})
    except ValidationError as exc:  # a recipient that is neither an address nor a webhook: the validator's words
        error = exc.errors()[0]
        raise SavedSearchError(describe_error(error), str(error["loc"][0])) from exc


def saved_query(search: SavedSearch) -> SearchQuery:
    return SearchQuery.model_validate(search.query)


def _story(article: Article) -> Story:
    return Story.model_validate(article, from_attributes=True)


def daily_counts(store: ArticleStore, query: SearchQuery, first: date, last: date) -> dict[date, int]:
    """Articles matching `query` per local day from `first` to `last`."""
    histogram = store.search(query.model_copy(update={"since": first, "until": last, "limit": 0,
                                                      "interval": "day"})).histogram
    return {date.fromisoformat(day): n for day, n in histogram.items()}


def spike_alert(store: ArticleStore, query: SearchQuery, what: str, key: str, today: date,
                sensitivity: Sensitivity) -> Alert | None:
    """A spike of `query`'s matches today, with what drove it: top stories, sources and cited directives."""
    counts = daily_counts(store, query, window(today)[0], today)
    found = spike(counts, today, counts.pop(today, 0), sensitivity)
    if found is None:
        return None
    todays = query.model_copy(update={"since": today, "until": today, "limit": TOP_STORIES})
    result = store.search(todays)
    directives = Counter(d for article in store.scan(todays) for d in article.directives)
    lines = [f"{found.count} bài hôm nay {today:%d/%m/%Y}, thường khoảng {found.expected:.1f}"
             f" (gấp {found.ratio:.1f} lần, p = {found.p_value:.1e})".replace(".", ","),
             "Nguồn: " + ", ".join(f"{s} ({n})" for s, n in list(result.source_counts.items())[:TOP_STORIES])]
    if directives:
        lines.append("Văn bản được dẫn: " + ", ".join(f"{d} ({n})" for d, n in directives.most_common(TOP_STORIES)))
    return Alert(key=f"{key}:{today.isoformat()}", kind="spike", title=f"Tăng đột biến: {what}", lines=lines,
                 stories=[_story(hit.article) for hit in result.hits])


def new_matches(store: ArticleStore, search: SavedSearch, today: date) -> list[Alert]:
    """Articles matching a saved search, from yesterday on (hourly) or of yesterday (a daily batch, sent by
    the first run of the day); the log drops those alerted before."""
    yesterday = today - timedelta(days=1)
    last = today if search.matches == "hourly" else yesterday
    query = saved_query(search).model_copy(update={"since": yesterday, "until": last})
    return [Alert(key=f"match:{search.name}:{article.id}", kind="match", saved_search=search.name,
                  title=f"Bài mới khớp «{search.name}»: {article.title}", stories=[_story(article)])
            for article in store.scan(query)]


def volume_drops(store: ArticleStore, source_ids: list[str], today: date, sensitivity: Sensitivity) -> list[Alert]:
    """Sources that published far less than usual yesterday (the last whole day), unless every source did:
    a quiet day everywhere (a holiday) says nothing about one source."""
    day = today - timedelta(days=1)
    first = window(day)[0]
    everything = daily_counts(store, SearchQuery(), first, day)
    if drop(everything, day, everything.pop(day, 0), sensitivity):
        return []
    found = []
    for source in source_ids:
        counts = daily_counts(store, SearchQuery(sources=[source]), first, day)
        quiet = drop(counts, day, counts.pop(day, 0), sensitivity)
        if quiet:
            found.append(Alert(key=f"drop:{source}:{day.isoformat()}", kind="health",
                               title=f"Nguồn {source} đăng ít bất thường",
                               lines=[f"{quiet.count} bài ngày {day:%d/%m/%Y}, thường khoảng {quiet.expected:.1f}"
                                      .replace(".", ",")]))
    return found


def saved_search_alerts(store: ArticleStore, search: SavedSearch, today: date, sensitivity: Sensitivity
                        ) -> list[Alert]:
    """A saved search's new matches (unless turned off) and its spike (when asked for)."""
    found = new_matches(store, search, today) if search.matches != "off" else []
    alert = spike_alert(store, saved_query(search), f"tìm kiếm «{search.name}»", f"spike:saved:{search.name}",
                        today, sensitivity) if search.spikes else None
    return found + ([alert.model_copy(update={"saved_search": search.name})] if alert else [])


def sensitivity_of(settings: Settings) -> Sensitivity:
    return Sensitivity(settings.alert_p_value, settings.alert_min_count, settings.alert_min_ratio)


def trial(store: ArticleStore, log: AlertLog, search: SavedSearch, settings: Settings) -> list[Alert]:
    """What a check run now would send for this saved search (`saved test`, the web's trial); records nothing."""
    sent = log.known_of_kind("match", "spike")
    return [a for a in saved_search_alerts(store, search, datetime.now(VN_TZ).date(), sensitivity_of(settings))
            if a.key not in sent]


def gap_alerts(store: ArticleStore, settings: Settings, source_ids: list[str], topic_names: dict[str, str],
               today: date) -> list[Alert]:
    found = []
    for plan in load_plans(settings.plans_file):
        span = gap_window(plan, today, settings.alert_gap_days)
        if span is None:
            continue
        coverage = {source: store.search(SearchQuery(sources=[source], since=span[0], until=span[1], limit=0)
                                         ).topic_counts for source in plan.sources or source_ids}
        found += plan_gaps(plan, span, coverage, source_ids, topic_names)
    return found


def source_health_alerts(settings: Settings, log: AlertLog, source_ids: list[str]) -> list[Alert]:
    found = []
    alerted = log.known_of_kind("health")
    with HealthLog(settings.archive_db) as health:
        for source_id in source_ids:
            crawls = [(run.started_at, f"{LABELS[run.status]}: {run.message}" if run.status in PROBLEMS else None)
                      for run in health.history(source_id) if run.status != Status.INTERRUPTED]
            found += health_alerts(source_id, crawls, alerted)
    return found


def run_checks(settings: Settings, store: ArticleStore, log: AlertLog, today: date | None = None
               ) -> CheckResult:
    """Every check once, new alerts recorded with their recipients, then every owed delivery tried.

    A saved search whose query the store refuses is reported with the reason and skipped; the others still run.
    """
    today = today or datetime.now(VN_TZ).date()
    sensitivity = sensitivity_of(settings)
    everyone = addresses(settings.alert_recipients or settings.mail_to)
    source_ids = [s.id for s in configured_sources(settings.sources_file)]
    topic_names = load_taxonomy(settings.taxonomy).names
    raised: list[tuple[Alert, list[str]]] = []
    checks = [*((SearchQuery(topics=[t]), f"chủ đề «{name}»", f"spike:topic:{t}") for t, name in topic_names.items()),
              *((SearchQuery(sources=[s]), f"nguồn {s}", f"spike:source:{s}") for s in source_ids)]
    for query, what, key in checks:
        alert = spike_alert(store, query, what, key, today, sensitivity)
        raised += [(alert, everyone)] if alert else []
    failed = {}
    for search in log.saved_searches():
        try:
            raised += [(a, search.recipients) for a in saved_search_alerts(store, search, today, sensitivity)]
        except (StoreError, ValueError) as exc:
            failed[search.name] = str(exc)
    raised += [(a, everyone) for a in gap_alerts(store, settings, source_ids, topic_names, today)]
    raised += [(a, everyone) for a in source_health_alerts(settings, log, source_ids)]
    raised += [(a, everyone) for a in volume_drops(store, source_ids, today, sensitivity)]
    new = log.raise_alerts(raised, datetime.now(UTC))
    return CheckResult(len(new), **deliver(log, settings), failed_searches=failed)


def check_alerts(today: date | None = None, wait: bool = False) -> CheckResult:
    """The checks on the configured store and alert log, counted in the run they belong to. One run at a
    time per data directory: two at once could both send what is owed (without wait, a second is Busy)."""
    settings = get_settings()
    store = open_store(settings)
    try:
        with job_lock(settings.locks_at, "alerts", "Một lượt kiểm tra cảnh báo", wait), \
                AlertLog(settings.alerts_db) as log:
            result = run_checks(settings, store, log, today)
    finally:
        store.close()
    record_counts(summary(result))
    return result


def summary(result: CheckResult) -> str:
    failures = "".join(f"; tìm kiếm «{name}» không chạy được: {why}" for name, why in result.failed_searches.items())
    return (f"{result.new} cảnh báo mới; {result.delivered} lượt gửi được, {result.owed} lượt chờ gửi lại"
            + failures)
