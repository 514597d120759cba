"""What pages and API show, computed once here: the search with its story sizes, the newest article's date
and its timeline (counts or shares, one line or one per topic or source), an article with its story's copies
and its source's week, each source's crawl health, each campaign plan's coverage grid, and the directives
cited with each one's spread across the sources."""

import csv
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from markupsafe import Markup

from portalwatch.core import VN_TZ
from portalwatch.core.config import Settings
from portalwatch.core.models import Article, Source
from portalwatch.core.plans import CampaignPlan
from portalwatch.core.sources import configured_sources
from portalwatch.reports.charts import MAX_LINES, timeline_svg
from portalwatch.reports.export import csv_rows
from portalwatch.state.archive import RawArchive
from portalwatch.state.cadence import NextCrawl, schedule
from portalwatch.state.health import HealthLog, SourceHealth
from portalwatch.store.base import ArticleStore, Interval, SearchQuery, SearchResult, SourceFirst, newest_published
from portalwatch.web.query import ChartOptions, Params

CSV_BATCH = 500  # articles per streamed piece of an export
ACTIVITY_DAYS = 30  # the Nguồn page's articles per day: this many days up to the newest article


@dataclass(frozen=True)
class SourceView:
    source: Source
    health: SourceHealth
    skips: int  # pages of this source recorded as skipped
    reasons: list[tuple[str, int]]  # the commonest skip reasons, with how many pages each
    next_crawl: NextCrawl  # when it is crawled next, and why
    daily: dict[str, int]  # local day -> its stored articles, each day of the activity window (empty: no data)

    def chart(self) -> Markup | None:
        """Its articles per day as a small chart, or None when the store holds nothing."""
        return activity_chart(self.daily) if self.daily else None


def activity_chart(daily: dict[str, int]) -> Markup:
    """A source's articles per day, small enough for a table row (the Nguồn page, and its download)."""
    return timeline_svg({"": daily}, "day", width=240, height=70, compact=True)


@dataclass(frozen=True)
class Timeline:
    """A search's attention over time: matches per bucket, one line for the whole search or one per topic or
    source, and in share mode the bucket's articles of every kind (the denominator)."""

    interval: Interval
    options: ChartOptions
    counts: dict[str, dict[str, int]]  # "" (the whole search) or a topic/source id -> bucket -> matches
    totals: dict[str, int]  # bucket -> all articles in the date window (share mode only, else empty)

    def values(self) -> dict[str, dict[str, float]]:
        """What the chart draws: the counts, or each bucket's matches over all its articles."""
        if self.options.mode == "count":
            return {key: dict(histogram) for key, histogram in self.counts.items()}
        return {key: {bucket: histogram.get(bucket, 0) / total for bucket, total in self.totals.items() if total}
                for key, histogram in self.counts.items()}

    def chart(self, names: dict[str, dict[str, str]]) -> Markup:
        """The SVG, each line named by its topic's or source's Vietnamese name (its id when not configured)."""
        labels = names["topics" if self.options.split == "topic" else "sources"]
        return timeline_svg({labels.get(key, key): values for key, values in self.values().items()}, self.interval,
                            share=self.options.mode == "share")


@dataclass(frozen=True)
class SearchView:
    result: SearchResult
    story_sizes: dict[str, int]  # article id -> copies of its story among all stored articles
    data_until: datetime | None  # the newest stored article's publication time
    timeline: Timeline


@dataclass(frozen=True)
class CompareView:
    results: dict[str, SearchResult]  # query name -> its totals, sources and timeline
    sources: list[str]  # every source any query found, most articles first

    def chart(self, interval: Interval) -> Markup:
        """The queries' timelines overlaid, one named line each."""
        return timeline_svg({name: result.histogram for name, result in self.results.items()}, interval)


@dataclass(frozen=True)
class PlanGrid:
    """One campaign plan's sources × weeks: articles on the plan's topics in each week it is active."""

    plan: CampaignPlan
    weeks: list[date]  # the Monday of each week from the plan's start to its end or the newest data
    last: date  # the plan's end, or the newest article's day when that is sooner
    counts: dict[str, dict[date, int]]  # bound source -> week -> articles

    def window(self, week: date) -> tuple[date, date]:
        """The days of this week that count: within the plan and the data."""
        return max(week, self.plan.start), min(week + timedelta(days=6), self.last)

    def search_params(self, source: str, week: date) -> list[tuple[str, str]]:
        """The search page's parameters for one cell: its articles, to open from the grid."""
        since, until = self.window(week)
        return [*(("topic", t) for t in self.plan.topics), ("source", source), ("since", since.isoformat()),
                ("until", until.isoformat())]

    def share(self, week: date) -> float:
        """The share of bound sources that published on the plan's topics that week."""
        return sum(1 for row in self.counts.values() if row.get(week)) / len(self.counts) if self.counts else 0.0


@dataclass(frozen=True)
class Copy:
    article: Article
    delay: timedelta  # after the story's first copy


@dataclass(frozen=True)
class ArticleView:
    article: Article
    copies: list[Copy]  # the story's copies in publication order, this one included
    same_week: list[Article]  # the same source's other articles in the article's ISO week


@dataclass(frozen=True)
class DirectiveSpread:
    """One directive among a query's matches: when each source first cited it, and who has not."""

    number: str
    firsts: list[SourceFirst]  # the sources that cited it, earliest first
    silent: list[str]  # the sources looked at (those filtered on, else the configured ones) that never did

    def curve(self) -> dict[str, int]:
        """Local day -> sources that had cited it by the end of that day, each day from the first citation
        to the last source's first."""
        new = Counter(f.first.astimezone(VN_TZ).date() for f in self.firsts)
        curve: dict[str, int] = {}
        day, cited = min(new, default=date.max), 0
        while day <= max(new, default=date.min):
            cited += new[day]
            curve[day.isoformat()] = cited
            day += timedelta(days=1)
        return curve

    def search_params(self, params: Params, source: str) -> list[tuple[str, str]]:
        """The search page's parameters for one source's articles citing it, within the page's filters."""
        kept = [(k, v) for k, v in params if k not in ("so", "source", "directive", "cursor")]
        return [*kept, ("directive", self.number), ("source", source)]


def directive_counts(store: ArticleStore, query: SearchQuery) -> dict[str, int]:
    """The directives the query's matches cite, most cited first: the search's facet, without its hits."""
    return store.search(query.model_copy(update={"limit": 0, "cursor": None})).directive_counts


def spread(store: ArticleStore, number: str, query: SearchQuery, sources: list[str]) -> DirectiveSpread:
    """Each source's first citation of `number` among the query's matches, and which of `sources` (or of the
    sources the query names) have none."""
    firsts = store.firsts(query.model_copy(update={"directive": number}))
    cited = {f.source_id for f in firsts}
    return DirectiveSpread(number, firsts, [s for s in query.sources or sources if s not in cited])


def timeline(store: ArticleStore, query: SearchQuery, result: SearchResult, options: ChartOptions) -> Timeline:
    """The timeline of a search whose result is at hand. A split draws the result's top topics or sources
    (those filtered on, when the search names some), each from the search narrowed to that one: topics and
    sources are "any of" filters, so narrowing to one of those named keeps within the result."""
    counts = {"": result.histogram}
    if options.split:
        field = "topics" if options.split == "topic" else "sources"
        facet = result.topic_counts if options.split == "topic" else result.source_counts
        named = getattr(query, field)
        keys = [key for key in sorted(facet, key=lambda k: (-facet[k], k)) if key in named or not named][:MAX_LINES]
        base = query.model_copy(update={"limit": 1, "cursor": None})
        counts = {key: store.search(base.model_copy(update={field: [key]})).histogram for key in keys}
    totals = {}
    if options.mode == "share":  # every article of the window: the same dates, no other filter
        totals = store.search(SearchQuery(since=query.since, until=query.until, interval=query.interval,
                                          limit=1)).histogram
    return Timeline(query.interval, options, counts, totals)


def search(store: ArticleStore, query: SearchQuery, options: ChartOptions) -> SearchView:
    result = store.search(query)
    groups = {h.article.duplicate_group for h in result.hits if h.article.duplicate_group}
    # One scan over the page's stories (a story has a handful of copies), not one query per hit.
    sizes = Counter(a.duplicate_group for a in store.scan(SearchQuery(stories=sorted(groups)))) if groups \
        else Counter()
    story_sizes = {h.article.id: sizes[h.article.duplicate_group] if h.article.duplicate_group else 1
                   for h in result.hits}
    return SearchView(result, story_sizes, newest_published(store), timeline(store, query, result, options))


def compare(store: ArticleStore, queries: list[tuple[str, SearchQuery]]) -> CompareView:
    results = {name: store.search(query) for name, query in queries}
    totals: Counter[str] = Counter()
    for result in results.values():
        totals.update(result.source_counts)
    return CompareView(results, [source for source, _ in totals.most_common()])


def plan_grids(store: ArticleStore, plans: list[CampaignPlan], sources: list[str]) -> list[PlanGrid]:
    """Each plan's grid, one search per week (its facets give every source at once, however many are bound);
    weeks after the newest article are left out: no data is not a gap."""
    data_until = newest_published(store)
    grids = []
    for plan in plans:
        bound = plan.sources if plan.sources is not None else sources
        last = min(plan.until, data_until.astimezone(VN_TZ).date()) if data_until else plan.start - timedelta(days=1)
        weeks: list[date] = []
        monday = plan.start - timedelta(days=plan.start.weekday())
        while monday <= last:
            weeks.append(monday)
            monday += timedelta(days=7)
        grid = PlanGrid(plan, weeks, last, {source: {} for source in bound})
        for week in weeks:
            since, until = grid.window(week)
            found = store.search(SearchQuery(topics=plan.topics, sources=bound, since=since, until=until,
                                             limit=1)).source_counts
            for source in bound:
                grid.counts[source][week] = found.get(source, 0)
        grids.append(grid)
    return grids


def story(store: ArticleStore, group: str) -> list[Copy]:
    """A story's copies in publication order, each with its delay after the first (none: no such story)."""
    copies = sorted(store.scan(SearchQuery(stories=[group])), key=lambda a: (a.published_at, a.id))
    return [Copy(a, a.published_at - copies[0].published_at) for a in copies]


def article(store: ArticleStore, article_id: str) -> ArticleView | None:
    found = store.get(article_id)
    if found is None:
        return None
    day = found.published_at.astimezone(VN_TZ).date()
    monday = day - timedelta(days=day.weekday())
    week = store.search(SearchQuery(sources=[found.source_id], since=monday, until=monday + timedelta(days=6),
                                    limit=50))
    copies = story(store, found.duplicate_group) if found.duplicate_group else [Copy(found, timedelta())]
    return ArticleView(found, copies, [h.article for h in week.hits if h.article.id != found.id])


def source_activity(store: ArticleStore, sources: list[str], days: int = ACTIVITY_DAYS) -> dict[str, dict[str, int]]:
    """Each source's stored articles per local day over the `days` days up to the newest article, every day
    of that window present (zeros included, so the sources' charts share one axis); empty when the store is."""
    data_until = newest_published(store)
    if data_until is None:
        return {}
    last = data_until.astimezone(VN_TZ).date()
    window = [(last - timedelta(days=n)).isoformat() for n in reversed(range(days))]
    # One aggregation for every source: 40 sources' 30 days at 100k articles took some 2 ms on SQLite and 5 ms
    # on the engine, one search per source 30-85 ms and 125 ms (the whole /nguon page: benchmarks/bench_web.py).
    found = store.source_histograms(SearchQuery(sources=sources, since=last - timedelta(days=days - 1), until=last,
                                                interval="day"))
    return {source: {day: found.get(source, {}).get(day, 0) for day in window} for source in sources}


def sources(settings: Settings, activity: dict[str, dict[str, int]], reasons: int = 5) -> list[SourceView]:
    """Every configured source's crawl health, next crawl and skips, from the crawl state, beside its articles
    per day (source_activity, from the article store)."""
    configured = configured_sources(settings.sources_file)
    with RawArchive(settings.archive_db) as archive:
        skipped: dict[str, Counter[str]] = {}
        for skip in archive.skips():
            skipped.setdefault(skip.source_id, Counter())[skip.reason] += 1
    with HealthLog(settings.archive_db) as health:
        upcoming = {n.source_id: n for n in schedule(configured, health)}
        return [SourceView(s, health.summary(s.id), sum(skipped.get(s.id, Counter()).values()),
                           skipped.get(s.id, Counter()).most_common(reasons), upcoming[s.id],
                           activity.get(s.id, {})) for s in configured]


def csv_export(store: ArticleStore, query: SearchQuery) -> Iterator[str]:
    """Every match as CSV text in pieces (UTF-8 BOM first, so spreadsheets read the Vietnamese right);
    the same rows and neutralised cells as `portalwatch search --format csv`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    for number, row in enumerate(csv_rows(store.scan(query))):
        writer.writerow(row)
        if number % CSV_BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
