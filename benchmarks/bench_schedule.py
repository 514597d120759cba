"""A simulated day of adaptive scheduling: N sources on loopback, real Scrapy crawls, virtual time.

Every source is its own host (an address in 127.0.0.0/8; one asyncio server listens on all of them and
answers by the address a connection came to). Sources publish at random (Poisson) times at their own
rate, in four classes (100+, 10–100, 1–10 and under 1 article a day); a few are dead (connection refused
or 503), slow (every answer 2–5 s late) or blocking (403 or a captcha page). Each offers a sitemap, a feed
or a list page of its latest 20 articles, with ETag/Last-Modified and 304 when unchanged; some (--sections)
also have their homepage and three section pages in the registry, as a portal found by discovery does: each
lists the latest 20 of what it shows, and pages that list what another lists are paced by what they bring
(crawlers/entry_pace.py). Some sites correct
some of their articles (--corrections) from ten minutes to three days after publishing them: the article's
body and Last-Modified change, and a sitemap's <lastmod> with them (a feed's <pubDate> does not).

A virtual clock advances tick by tick (jumping over ticks where nothing is due). At each tick the scheduler
(state/cadence.py `next_crawl`, with the back-off of state/health.py) is asked about every source from an
in-memory history with virtual times, and the due sources are crawled by the real crawler (its own process,
`crawl_batch` sources at a time, as the scheduled flow does; politeness delay 0 on loopback unless --delay).
The crawler records its own health with real times in the archive: the benchmark schedules from its virtual
history only (and crawls with force, so that real-time back-off does not interfere). What the crawler times
by the real clock (the recheck schedule of sites without a sitemap, robots.txt kept a day) is made to follow
virtual time: before each tick the archive's page and robots.txt times are moved back by what virtual time
ran ahead of real time.

Printed (every --report-hours of virtual time, and at the end): freshness (virtual crawl time minus
publication time, per article, p50/p95 per rate class, live sources); the requests the sites served after
each source's first crawl by kind (robots.txt, sitemap, feed, list page, article, recheck) and per new article,
with the rechecks apart (a run shorter than the longest recheck age shows only some of them: a steady-state
column counts every one); the corrections made after an article's first fetch and how soon the crawl caught
them; wall time, CPU of this process (sites and scheduler) and of the crawl processes,
and peak memory. --rhythm publishes by a Vietnamese day instead of uniformly.

    python benchmarks/bench_schedule.py --sources 1500 --hours 4 --workdir /tmp/simbench
    python benchmarks/bench_schedule.py --sources 300 --hours 24 --workdir /tmp/simbench
"""

import argparse
import asyncio
import bisect
import math
import os
import platform
import random
import resource
import shutil
import socket
import sqlite3
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from http import HTTPStatus
from itertools import islice
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from crawlers.launcher import crawl
from crawlers.spiders.portal import QUIET_EVIDENCE, QUIET_WINDOW
from portalwatch.core.config import Settings
from portalwatch.core.models import Source
from portalwatch.fixture_portals.bulk import BulkSite
from portalwatch.fixture_portals.hostile import article_html
from portalwatch.fixture_portals.loopback import Reply
from portalwatch.state.cadence import next_crawl
from portalwatch.state.health import CrawlRun, CrawlStats, backoff_until

START = datetime(2026, 12, 1, tzinfo=UTC)  # virtual time zero
BACKLOG_HOURS = 36  # publications before the start: what the first crawl finds
LATEST = 20  # articles an entry page lists
# (class, lowest and highest rate a day (log-uniform between), share of sources): most provincial portals
# publish 5–30 a day; a few newspapers far more, many district pages hardly anything.
RATE_CLASSES = [("100+/ngày", 100.0, 250.0, 0.05), ("10–100/ngày", 10.0, 100.0, 0.45),
                ("1–10/ngày", 1.0, 10.0, 0.40), ("<1/ngày", 0.1, 1.0, 0.10)]
# Behaviour shares: the rest are normal.
BEHAVIOURS = [("refused", 0.015), ("503", 0.015), ("slow", 0.03), ("403", 0.01), ("captcha", 0.01)]
LIVE = {"normal", "slow"}
ENTRY_KINDS = [("sitemap", 0.4), ("feed", 0.4), ("list", 0.2)]
ENTRY_PATHS = {"sitemap": "/sitemap.xml", "feed": "/rss/tin-moi.rss", "list": "/tin-moi"}
SECTION_PATH = "/chuyen-muc/"
ARTICLE_PATTERN = r"/bai/\d+\.html$"
CAPTCHA = ('<html><head><title>Kiểm tra bảo mật</title></head><body><div class="g-recaptcha"></div>'
           "<p>Xác minh bạn không phải là robot.</p></body></html>")
DENIED = "<html><head><title>403 Forbidden</title></head><body><h1>Truy cập bị từ chối</h1></body></html>"


def _pick(chance: random.Random, shares: list[tuple[str, float]], default: str) -> str:
    roll, total = chance.random(), 0.0
    for name, share in shares:
        total += share
        if roll < total:
            return name
    return default


@dataclass
class SimSite:
    id: str
    address: str
    rate: float  # articles a day
    rate_class: str
    kind: str  # entry page: sitemap, feed or list
    behaviour: str
    delay: float  # seconds of real time before each answer
    published: list[float]  # virtual seconds since START, ascending (negative: backlog)
    fetched: dict[int, float] = field(default_factory=dict)  # article number -> virtual time of its first fetch
    served: Counter[str] = field(default_factory=Counter)  # requests by kind
    unchanged: Counter[str] = field(default_factory=Counter)  # of those, answered 304
    corrected: dict[int, float] = field(default_factory=dict)  # article number -> virtual time the site corrected it
    caught: dict[int, float] = field(default_factory=dict)  # article number -> when its corrected version was fetched
    sections: int = 0  # section pages (article n is in section n % sections), with the homepage as list pages

    def modified(self, number: int, now: float) -> float:
        """The virtual time the article last changed, as seen at `now`."""
        at = self.corrected.get(number)
        return at if at is not None and at <= now else self.published[number]

    def route(self, target: str, headers: dict[str, str], now: float, base: str) -> tuple[str, Reply]:
        """(kind of request, reply) for one GET at virtual time now."""
        path = urlsplit(target).path
        if self.behaviour == "503":
            return "error", Reply(status=503, body=b"<html><body>Service Unavailable</body></html>")
        if self.behaviour == "403":
            return "error", Reply(status=403, body=DENIED.encode())
        if self.behaviour == "captcha":
            return "error", Reply(body=CAPTCHA.encode())
        if path == "/robots.txt":
            return "robots", BulkSite.validated(b"User-agent: *\nAllow: /\n", START - timedelta(days=30), headers,
                                                "text/plain")
        visible = bisect.bisect_right(self.published, now)
        if path == ENTRY_PATHS[self.kind]:
            latest = range(visible - 1, max(visible - LATEST, 0) - 1, -1)
            body, content_type = self.entry(latest, base, now)
            modified = START + timedelta(seconds=self.published[visible - 1] if visible else -86400 * 30)
            return self.kind, BulkSite.validated(body, modified.replace(microsecond=0), headers, content_type)
        if self.sections and (path == "/" or path.startswith(SECTION_PATH)):
            section = None if path == "/" else int(path.removeprefix(SECTION_PATH) or -1)
            latest = [n for n in islice((n for n in range(visible - 1, -1, -1)
                                         if section is None or n % self.sections == section), LATEST)]
            links = "".join(f'<li><a href="/bai/{n}.html">Tin số {n}</a></li>' for n in latest)
            modified = START + timedelta(seconds=self.published[latest[0]] if latest else -86400 * 30)
            return "section", BulkSite.validated(f"<html><body><ul>{links}</ul></body></html>".encode(),
                                                 modified.replace(microsecond=0), headers)
        if path.startswith("/bai/") and path.endswith(".html") and path[5:-5].isdigit():
            number = int(path[5:-5])
            if number < visible:
                modified = self.modified(number, now)
                fixed = modified != self.published[number]
                text = f"{self.id}: tin số {number}" + (" (đã đính chính)" if fixed else "")
                reply = BulkSite.validated(article_html(text).encode(),
                                           (START + timedelta(seconds=modified)).replace(microsecond=0), headers)
                if fixed and reply.status == 200 and self.fetched.get(number, modified) < modified:
                    self.caught.setdefault(number, now)
                if "if-none-match" in headers or "if-modified-since" in headers:  # an archived one asked again
                    return ("recheck" if self.published[number] > 0 else "recheck backlog"), reply
                self.fetched.setdefault(number, now)
                return "article", reply
        return "other", Reply(status=404, body=b"not found")

    def entry(self, latest: range, base: str, now: float) -> tuple[bytes, str]:
        def when(n: int) -> datetime:
            return START + timedelta(seconds=self.published[n])

        if self.kind == "sitemap":
            urls = "".join(f"<url><loc>{base}/bai/{n}.html</loc><lastmod>"
                           f"{(START + timedelta(seconds=self.modified(n, now))).isoformat()}</lastmod></url>"
                           for n in latest)
            return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/'
                    f'sitemap/0.9">{urls}</urlset>').encode(), "application/xml"
        if self.kind == "feed":
            items = "".join(f"<item><title>Tin số {n}</title><link>{base}/bai/{n}.html</link>"
                            f"<pubDate>{format_datetime(when(n))}</pubDate></item>" for n in latest)
            return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{escape(self.id)}'
                    f"</title><link>{base}/</link>{items}</channel></rss>").encode(), "application/rss+xml"
        links = "".join(f'<li><a href="/bai/{n}.html">Tin hoạt động số {n}</a></li>' for n in latest)
        return f"<html><body><h1>Tin mới</h1><ul>{links}</ul></body></html>".encode(), "text/html; charset=utf-8"


# --rhythm: articles by hour of the day in Vietnam (UTC+7), as weights. Provincial portals and their
# departments post in office hours (07:30–11:30, 13:30–17:00) and newspapers from early morning to late
# evening; almost nothing is posted between 22:00 and 06:00 (scheduled items, a late event). About 5 % of
# articles fall in those eight hours here. Without --rhythm, publication is uniform over the day (Poisson).
RHYTHM = [0.2] * 6 + [1.0] + [3.0] * 5 + [1.5] + [3.0] * 5 + [1.5] * 4 + [0.5] * 2
VN_OFFSET = 7  # hours ahead of UTC


def _local_weight(t: float) -> float:
    """The --rhythm weight of virtual second t (START is midnight UTC), as a share of the busiest hour's."""
    return RHYTHM[int(t // 3600 + START.hour + VN_OFFSET) % 24] / max(RHYTHM)


def make_sites(count: int, hours: float, seed: int, rhythm: bool = False,
               corrections: tuple[float, float] = (0.0, 0.0), sections: float = 0.0) -> list[SimSite]:
    """The sites, and when each publishes: Poisson at its rate, or with --rhythm the same daily total shaped
    by RHYTHM (drawn at the busiest hour's rate and kept with the hour's weight). A share of the sites
    (corrections[0]) corrects a share of its articles (corrections[1]), drawn apart so that the sites and
    their publications stay those of the same seed without corrections; so is the share with section pages."""
    chance = random.Random(seed)
    peak = max(RHYTHM) * len(RHYTHM) / sum(RHYTHM) if rhythm else 1.0
    sites = []
    for i in range(count):
        name = _pick(chance, [(c[0], c[3]) for c in RATE_CLASSES], RATE_CLASSES[-1][0])
        low, high = next((c[1], c[2]) for c in RATE_CLASSES if c[0] == name)
        rate = math.exp(chance.uniform(math.log(low), math.log(high)))
        behaviour = _pick(chance, BEHAVIOURS, "normal")
        published, t = [], -BACKLOG_HOURS * 3600.0
        while True:
            t += chance.expovariate(rate * peak / 86400)
            if t > hours * 3600:
                break
            if not rhythm or chance.random() < _local_weight(t):
                published.append(t)
        sites.append(SimSite(f"s{i:04d}", f"127.77.{i // 250}.{i % 250 + 1}", rate, name,
                             _pick(chance, ENTRY_KINDS, "list"), behaviour,
                             chance.uniform(2, 5) if behaviour == "slow" else 0.0, published))
    fixer, portals = random.Random(f"corrections-{seed}"), random.Random(f"sections-{seed}")
    for site in sites:
        site.sections = 3 if portals.random() < sections else 0
        if fixer.random() < corrections[0]:
            for number, at in enumerate(site.published):
                if fixer.random() < corrections[1]:  # ten minutes to three days later, log-uniform
                    site.corrected[number] = at + math.exp(fixer.uniform(math.log(600), math.log(3 * 86400)))
    return sites


class SimServer:
    """One asyncio HTTP/1.1 server on every live site's address (refused ones stay unbound), in a thread."""

    def __init__(self, sites: list[SimSite]) -> None:
        self.sites = {s.address: s for s in sites}
        self.now = 0.0  # virtual seconds since START, advanced by the benchmark
        with socket.socket() as probe:  # one port for every address
            probe.bind(("127.77.0.1", 0))
            self.port = probe.getsockname()[1]
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def base(self, site: SimSite) -> str:
        return f"http://{site.address}:{self.port}"

    def __enter__(self) -> "SimServer":
        self.thread.start()
        hosts = [a for a, s in self.sites.items() if s.behaviour != "refused"]
        self.server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self.serve, hosts, self.port, reuse_address=True, backlog=64), self.loop).result()
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        site = self.sites[writer.get_extra_info("sockname")[0]]
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                target = head[0].split(" ")[1]
                headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
                kind, reply = site.route(target, headers, self.now, self.base(site))
                site.served[kind] += 1
                site.unchanged[kind] += reply.status == 304
                if site.delay:
                    await asyncio.sleep(site.delay)
                writer.write(_encode(reply))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, IndexError):
            pass  # the crawler hung up, or sent what is no request
        finally:
            writer.close()


def _encode(reply: Reply) -> bytes:
    body = reply.body if isinstance(reply.body, bytes) and reply.status != 304 else b""
    lines = [f"HTTP/1.1 {reply.status} {HTTPStatus(reply.status).phrase}", f"Content-Length: {len(body)}"]
    if reply.status != 304:
        lines.append(f"Content-Type: {reply.content_type}")
    lines += [f"{name}: {value}" for name, value in reply.headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def source_of(site: SimSite, base: str, quiet_hours: list[float] | None) -> Source:
    entry = {"sitemap": "sitemaps", "feed": "feeds", "list": "list_pages"}[site.kind]
    quiet = {"recheck_quiet_after_hours": quiet_hours} if quiet_hours is not None else {}
    sections = [f"{base}/", *(f"{base}{SECTION_PATH}{k}" for k in range(site.sections))] if site.sections else []
    entries = {entry: [base + ENTRY_PATHS[site.kind]]}
    entries["list_pages"] = entries.get("list_pages", []) + sections
    return Source.model_validate({"id": site.id, "name": f"Cổng mô phỏng {site.id}", "homepage": f"{base}/",
                                  **entries, "article_pattern": ARTICLE_PATTERN, **quiet})


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.2f} h"


def age_state(archive: Path, seconds: float) -> None:
    """Virtual time passed `seconds` faster than real time: make the crawl state that much older, so that what
    the crawler times by the real clock (the recheck schedule from each page's first fetch, robots.txt kept a
    day) follows virtual time."""
    if seconds <= 0 or not archive.exists():
        return
    shift = f"-{seconds:.3f} seconds"
    with sqlite3.connect(archive, timeout=60) as db:
        for table, columns in (("pages", ("fetched_at", "first_fetched_at")), ("robots", ("fetched_at",))):
            db.execute(f"UPDATE {table} SET "
                       + ", ".join(f"{c} = strftime('%Y-%m-%dT%H:%M:%f+00:00', {c}, ?)" for c in columns),
                       (shift,) * len(columns))


def run(args: argparse.Namespace) -> None:
    sites = make_sites(args.sources, args.hours, args.seed, args.rhythm, tuple(args.corrections), args.sections)
    workdir = Path(args.workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    (workdir / "logs").mkdir(parents=True)
    registry, archive = workdir / "sources.yaml", workdir / "archive.db"
    histories: dict[str, list[CrawlRun]] = {s.id: [] for s in sites}
    visits: Counter[str] = Counter()
    first_served: dict[str, Counter[str]] = {}
    ticks = crawls = 0
    wall_started = time.perf_counter()
    tick_walls: list[float] = []
    with SimServer(sites) as server:
        sources = {s.id: source_of(s, server.base(s), args.quiet_hours) for s in sites}
        registry.write_text(yaml.safe_dump([src.model_dump(exclude_defaults=True) for src in sources.values()],
                                           allow_unicode=True), encoding="utf-8")
        by_id = {s.id: s for s in sites}
        tick = timedelta(minutes=args.tick_minutes)
        aged_virtual, aged_real = 0.0, time.perf_counter()
        reported = 0.0
        while ticks * tick <= timedelta(hours=args.hours):
            now = START + ticks * tick
            server.now = (now - START).total_seconds()
            planned = [next_crawl(sources[i], history, backoff_until(history[:20], now))
                       for i, history in histories.items()]
            due = [n.source_id for n in planned if n.due(now)]
            if not due:  # an idle tick: the clock jumps to the tick of the next crawl
                soonest = min(n.due_at for n in planned)
                ticks = max(ticks + 1, math.ceil((soonest - START) / tick))
                continue
            real = time.perf_counter()
            age_state(archive, server.now - aged_virtual - (real - aged_real))
            aged_virtual, aged_real = server.now, real
            tick_started = time.perf_counter()
            for start in range(0, len(due), args.batch):
                batch = due[start:start + args.batch]
                summaries = crawl(registry, archive, workdir / "logs", batch, delay=args.delay, force=True)
                crawls += 1
                for source_id, summary in summaries.items():
                    new = summary.articles_fetched + summary.articles_changed
                    stats = CrawlStats(entry_pages=summary.list_pages + summary.feeds + summary.sitemaps,
                                       not_modified=summary.not_modified, requested=new, new_articles=new,
                                       failures=summary.failures, blocked=summary.blocked)
                    histories[source_id].insert(0, CrawlRun(source_id, now, summary.health, "", stats))
                    visits[source_id] += 1
                    if source_id not in first_served:  # what its first crawl cost is not counted
                        first_served[source_id] = Counter(by_id[source_id].served)
            if due:
                tick_walls.append(time.perf_counter() - tick_started)
            ticks += 1
            if args.wall_minutes and time.perf_counter() - wall_started > args.wall_minutes * 60:
                print(f"  wall-time limit reached at virtual {now - START}: the simulation ends there")
                break
            print(f"  virtual {now - START} · {len(due)} due · wall {time.perf_counter() - wall_started:.0f} s",
                  flush=True)
            if args.report_hours and server.now - reported >= args.report_hours * 3600:
                reported = server.now
                print(f"\n## Partial results at virtual {now - START}\n")
                report(args, sites, visits, first_served, server.now, crawls, time.perf_counter() - wall_started,
                       tick_walls)
    wall = time.perf_counter() - wall_started
    print("\n## Final results\n")
    report(args, sites, visits, first_served, min((ticks - 1) * tick.total_seconds(), args.hours * 3600), crawls, wall,
           tick_walls)


def report(args: argparse.Namespace, sites: list[SimSite], visits: Counter[str],
           first_served: dict[str, Counter[str]], virtual: float, crawls: int, wall: float,
           tick_walls: list[float]) -> None:
    """Every table, for the virtual seconds simulated so far (printed as it goes, and at the end)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(f"machine: {os.cpu_count()} cores, {cpu}, {memory:.0f} GiB; Python {platform.python_version()}; "
          f"load average at the end (1/5/15 min) {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    hours = virtual / 3600
    crawl_cpu, own_cpu = children.ru_utime + children.ru_stime, own.ru_utime + own.ru_stime
    print(f"\n{args.sources} sources, {hours:g} virtual hours, a tick every {args.tick_minutes} min "
          f"({len(tick_walls)} ticks with crawls), {crawls} crawl processes of up to {args.batch} sources, "
          f"delay {args.delay:g} s, seed {args.seed}, publication {'by --rhythm' if args.rhythm else 'uniform'}\n")
    print("| wall time | wall per tick with crawls: median (max) | crawl CPU s | sites+scheduler CPU s "
          "| crawl CPU per virtual hour | cores at real pace | crawl peak RSS | benchmark peak RSS |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {wall / 60:.1f} min | {statistics.median(tick_walls):.1f} s ({max(tick_walls):.0f} s) | {crawl_cpu:.0f} "
          f"| {own_cpu:.0f} | {crawl_cpu / hours:.0f} s | {crawl_cpu / virtual:.3f} "
          f"| {children.ru_maxrss / 1024:.0f} MB | {own.ru_maxrss / 1024:.0f} MB |")

    print("\nFreshness (live sources; articles published after the start; not fetched by the end: counted "
          "at the end)\n")
    print("| class | sources | visits/source/day | published | fetched | p50 | p95 | max | goal p95 |")
    print("|---|---|---|---|---|---|---|---|---|")
    end = virtual
    for name, low, _, _ in RATE_CLASSES:
        live = [s for s in sites if s.rate_class == name and s.behaviour in LIVE]
        delays, fetched, published = [], 0, 0
        for s in live:
            for number, at in enumerate(s.published):
                if 0 < at <= end:
                    published += 1
                    fetched += number in s.fetched
                    delays.append(s.fetched.get(number, end) - at)
        per_day = sum(visits[s.id] for s in live) / max(len(live), 1) / (hours / 24)
        goal = "≤ 1 h" if low >= 10 else "≤ 6 h"
        cells = (f"{_hours(quantile(delays, 0.5))} | {_hours(quantile(delays, 0.95))} | {_hours(max(delays))}"
                 if delays else "– | – | –")
        print(f"| {name} | {len(live)} | {per_day:.1f} | {published} | {fetched} | {cells} | {goal} |")

    print("\nRequests served after each source's first crawl, by kind (live sources; entry pages: sitemap, feed, "
          "list page, and section: a homepage or section page, with how many answered 304; recheck: an archived "
          "article asked again conditionally, of an "
          "article published during the run or of the first crawl's backlog)\n")
    entry_kinds = [*ENTRY_PATHS, "section"]
    kinds = ["robots", *entry_kinds, "article", "recheck", "recheck backlog", "other"]
    print(f"| class | {' | '.join(kinds)} | entry 304s | new articles |")
    print("|---" * (len(kinds) + 3) + "|")
    rows = [(name, [s for s in sites if s.rate_class == name and s.behaviour in LIVE]) for name, *_ in RATE_CLASSES]
    rows.append(("all live", [s for s in sites if s.behaviour in LIVE]))
    full, quiet = (Source.model_fields[f].get_default(call_default_factory=True)
                   for f in ("recheck_after_hours", "recheck_quiet_after_hours"))
    quiet = args.quiet_hours if args.quiet_hours is not None else quiet
    shares = []
    for name, group in rows:
        served: Counter[str] = Counter()
        new = steady = 0
        for s in group:
            served += s.served - first_served.get(s.id, Counter())
            after_first = sum(1 for n, at in s.fetched.items() if at > 0)
            new += after_first
            # Steady state: the quiet schedule once enough articles show no correction; on a sitemap site only
            # the ages at which the article has left the sitemap's latest LATEST.
            evidence = s.rate * QUIET_WINDOW.days >= QUIET_EVIDENCE
            ages = quiet if evidence and not s.corrected else full
            steady += after_first * sum(1 for a in ages if s.kind != "sitemap" or s.rate * a / 24 >= LATEST)
        unchanged = sum(s.unchanged[k] for s in group for k in entry_kinds)
        print(f"| {name} | {' | '.join(str(served[k]) for k in kinds)} | {unchanged} | {new} |")
        shares.append((name, served, new, steady))
    print("\nPer new article: requests by kind, in all, without the rechecks, and with the rechecks of a steady "
          f"state instead of those measured (every article asked again at {', '.join(f'{a:g}' for a in full)} h "
          "where the site corrects articles or publishes too few to show it does not, at "
          f"{', '.join(f'{a:g}' for a in quiet) or 'no age'} h where it never does; on a sitemap site only once "
          f"it has left the sitemap's latest {LATEST}; a run shorter than the longest recheck age cannot show "
          "them all)\n")
    print("| class | robots | entry pages | articles | rechecks (measured) | total | without rechecks "
          "| steady-state rechecks | total, steady state |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, served, new, steady in shares:
        per = max(new, 1)
        entry = sum(served[k] for k in entry_kinds)
        rechecks = served["recheck"] + served["recheck backlog"]
        total = sum(served.values())
        print(f"| {name} | {served['robots'] / per:.2f} | {entry / per:.2f} | {served['article'] / per:.2f} "
              f"| {rechecks / per:.2f} | {total / per:.2f} | {(total - rechecks) / per:.2f} | {steady / per:.2f} "
              f"| {(total - rechecks + steady) / per:.2f} |")

    print("\nCorrections made after an article's first fetch (live sources, by the site's entry page): caught when "
          "the crawl fetched the corrected version; the delay runs from the correction\n")
    print("| entry page | sites that correct | corrections | caught | delay p50 | delay p95 | not caught by the end |")
    print("|---|---|---|---|---|---|---|")
    for kind in ENTRY_PATHS:
        group = [s for s in sites if s.kind == kind and s.behaviour in LIVE]
        made = [(s, n, at) for s in group for n, at in s.corrected.items()
                if n in s.fetched and s.fetched[n] < at <= end]
        delays = [s.caught[n] - at for s, n, at in made if n in s.caught]
        cells = f"{_hours(quantile(delays, 0.5))} | {_hours(quantile(delays, 0.95))}" if delays else "– | –"
        print(f"| {kind} | {sum(1 for s in group if s.corrected)} | {len(made)} | {len(delays)} | {cells} "
              f"| {len(made) - len(delays)} |")

    print("\nSources that are not live: what they cost\n")
    print("| behaviour | sources | visits | requests served | visits/source/day |")
    print("|---|---|---|---|---|")
    for behaviour in (b for b, _ in BEHAVIOURS if b not in LIVE):
        group = [s for s in sites if s.behaviour == behaviour]
        if group:
            count = sum(visits[s.id] for s in group)
            print(f"| {behaviour} | {len(group)} | {count} | {sum(sum(s.served.values()) for s in group)} "
                  f"| {count / len(group) / (hours / 24):.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=1500)
    parser.add_argument("--hours", type=float, default=24.0, help="virtual hours to simulate")
    parser.add_argument("--tick-minutes", type=int, default=5, help="virtual minutes between scheduler runs")
    parser.add_argument("--batch", type=int, default=Settings.model_fields["crawl_batch"].default,
                        help="sources one crawl process takes (PORTALWATCH_CRAWL_BATCH's default)")
    parser.add_argument("--delay", type=float, default=0.0, help="politeness delay in the crawl (loopback: 0)")
    parser.add_argument("--wall-minutes", type=float, default=None,
                        help="end the simulation (and report what it reached) after this much real time")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--rhythm", action="store_true",
                        help="publish by a Vietnamese day (RHYTHM: office hours, little at night) instead of uniformly")
    parser.add_argument("--corrections", type=float, nargs=2, default=[0.25, 0.05], metavar=("SITES", "ARTICLES"),
                        help="share of sites that correct articles, and share of their articles corrected")
    parser.add_argument("--sections", type=float, default=0.5, metavar="SHARE",
                        help="share of sites whose homepage and three section pages are list pages too")
    parser.add_argument("--quiet-hours", type=float, nargs="*", default=None, metavar="HOURS",
                        help="every source's recheck_quiet_after_hours (default: the registry's default; "
                             "1 24 168 rechecks as if no source were ever found quiet)")
    parser.add_argument("--report-hours", type=float, default=3.0,
                        help="print every table after this many virtual hours too (0: only at the end)")
    parser.add_argument("--workdir", required=True, help="archive, registry and logs (emptied first); not in the repo")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
