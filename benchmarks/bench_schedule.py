"""A simulated day of adaptive scheduling: N sources on loopback, real Scrapy crawls, virtual time.

Every source is its own host (an address in 127.0.0.0/8; one asyncio server listens on all of them and
answers by the address a connection came to). Sources publish at random (Poisson) times at their own
rate, in four classes (100+, 10–100, 1–10 and under 1 article a day); a few are dead (connection refused
or 503), slow (every answer 2–5 s late) or blocking (403 or a captcha page). Each offers a sitemap, a feed
or a list page of its latest 20 articles, with ETag/Last-Modified and 304 when unchanged.

A virtual clock advances tick by tick. At each tick the scheduler (state/cadence.py `next_crawl`, with the
back-off of state/health.py) is asked about every source from an in-memory history with virtual times,
and the due sources are crawled by the real crawler (its own process, `crawl_batch` sources at a time, as
the scheduled flow does; politeness delay 0 on loopback unless --delay). The crawler records its own health
with real times in the archive: the benchmark schedules from its virtual history only (and crawls with
force, so that real-time back-off does not interfere).

Printed: freshness (virtual crawl time minus publication time, per article, p50/p95 per rate class, live
sources), requests the sites served per new article after each source's first crawl, wall time, CPU of
this process (sites and scheduler) and of the crawl processes, and peak memory. The recheck schedule of
sites without a sitemap (recheck_after_hours) runs on real time in the crawler, so it barely fires in an
accelerated run: its cost is shown as projected (each article of such a site is asked again once per
entry of recheck_after_hours, a 304 when unchanged).

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
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from crawlers.launcher import crawl
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
            return "robots", Reply(body=b"User-agent: *\nAllow: /\n", content_type="text/plain")
        visible = bisect.bisect_right(self.published, now)
        if path == ENTRY_PATHS[self.kind]:
            latest = range(visible - 1, max(visible - LATEST, 0) - 1, -1)
            body, content_type = self.entry(latest, base)
            modified = START + timedelta(seconds=self.published[visible - 1] if visible else -86400 * 30)
            reply = BulkSite.validated(body, modified.replace(microsecond=0), headers, content_type)
            return ("entry 304" if reply.status == 304 else "entry"), reply
        if path.startswith("/bai/") and path.endswith(".html") and path[5:-5].isdigit():
            number = int(path[5:-5])
            if number < visible:
                published = START + timedelta(seconds=self.published[number])
                reply = BulkSite.validated(article_html(f"{self.id}: tin số {number}").encode(),
                                           published.replace(microsecond=0), headers)
                if reply.status == 304:
                    return "article 304", reply
                self.fetched.setdefault(number, now)
                return "article", reply
        return "other", Reply(status=404, body=b"not found")

    def entry(self, latest: range, base: str) -> tuple[bytes, str]:
        def when(n: int) -> datetime:
            return START + timedelta(seconds=self.published[n])

        if self.kind == "sitemap":
            urls = "".join(f"<url><loc>{base}/bai/{n}.html</loc><lastmod>{when(n).isoformat()}</lastmod></url>"
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


def make_sites(count: int, hours: float, seed: int) -> list[SimSite]:
    chance = random.Random(seed)
    sites = []
    for i in range(count):
        name = _pick(chance, [(c[0], c[3]) for c in RATE_CLASSES], RATE_CLASSES[-1][0])
        low, high = next((c[1], c[2]) for c in RATE_CLASSES if c[0] == name)
        rate = math.exp(chance.uniform(math.log(low), math.log(high)))
        behaviour = _pick(chance, BEHAVIOURS, "normal")
        published, t = [], -BACKLOG_HOURS * 3600.0
        while True:
            t += chance.expovariate(rate / 86400)
            if t > hours * 3600:
                break
            published.append(t)
        sites.append(SimSite(f"s{i:04d}", f"127.77.{i // 250}.{i % 250 + 1}", rate, name,
                             _pick(chance, ENTRY_KINDS, "list"), behaviour,
                             chance.uniform(2, 5) if behaviour == "slow" else 0.0, published))
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


def source_of(site: SimSite, base: str) -> Source:
    entry = {"sitemap": "sitemaps", "feed": "feeds", "list": "list_pages"}[site.kind]
    return Source.model_validate({"id": site.id, "name": f"Cổng mô phỏng {site.id}", "homepage": f"{base}/",
                                  entry: [base + ENTRY_PATHS[site.kind]], "article_pattern": ARTICLE_PATTERN})


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.2f} h"


def run(args: argparse.Namespace) -> None:
    sites = make_sites(args.sources, args.hours, args.seed)
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
        sources = {s.id: source_of(s, server.base(s)) for s in sites}
        registry.write_text(yaml.safe_dump([src.model_dump(exclude_defaults=True) for src in sources.values()],
                                           allow_unicode=True), encoding="utf-8")
        by_id = {s.id: s for s in sites}
        tick = timedelta(minutes=args.tick_minutes)
        while ticks * tick <= timedelta(hours=args.hours):
            now = START + ticks * tick
            server.now = (now - START).total_seconds()
            due = [i for i, history in histories.items()
                   if next_crawl(sources[i], history, backoff_until(history[:20], now)).due(now)]
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
            if ticks % max(1, round(60 / args.tick_minutes)) == 0:
                print(f"  virtual {now - START} · {len(due)} due · wall {time.perf_counter() - wall_started:.0f} s",
                      flush=True)
    wall = time.perf_counter() - wall_started
    report(args, sites, visits, first_served, ticks, crawls, wall, tick_walls)


def report(args: argparse.Namespace, sites: list[SimSite], visits: Counter[str],
           first_served: dict[str, Counter[str]], ticks: int, crawls: int, wall: float,
           tick_walls: list[float]) -> None:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(f"machine: {os.cpu_count()} cores, {cpu}, {memory:.0f} GiB; Python {platform.python_version()}; "
          f"load average at the end (1/5/15 min) {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    hours = (ticks - 1) * args.tick_minutes / 60  # the virtual time of the last tick
    virtual = hours * 3600
    crawl_cpu, own_cpu = children.ru_utime + children.ru_stime, own.ru_utime + own.ru_stime
    print(f"\n{args.sources} sources, {hours:g} virtual hours, a tick every {args.tick_minutes} min "
          f"({ticks} ticks), {crawls} crawl processes of up to {args.batch} sources, delay {args.delay:g} s, "
          f"seed {args.seed}\n")
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

    print("\nRequests served after each source's first crawl, per new article (live sources)\n")
    kinds = ["robots", "entry", "entry 304", "article", "article 304", "other"]
    print(f"| class | {' | '.join(kinds)} | total | new articles | requests/article "
          "| without robots.txt | projected rechecks | with rechecks |")
    print("|---" * (len(kinds) + 7) + "|")
    rows = [(name, [s for s in sites if s.rate_class == name and s.behaviour in LIVE]) for name, *_ in RATE_CLASSES]
    rows.append(("all live", [s for s in sites if s.behaviour in LIVE]))
    per_article = len(Source.model_fields["recheck_after_hours"].get_default(call_default_factory=True))
    for name, group in rows:
        served: Counter[str] = Counter()
        new = rechecks = 0
        for s in group:
            served += s.served - first_served.get(s.id, Counter())
            after_first = sum(1 for n, at in s.fetched.items() if at > 0)
            new += after_first
            if s.kind != "sitemap":  # each archived article asked again once per recheck_after_hours entry
                rechecks += after_first * per_article
        total = sum(served.values())
        print(f"| {name} | {' | '.join(str(served[k]) for k in kinds)} | {total} | {new} "
              f"| {total / max(new, 1):.2f} | {(total - served['robots']) / max(new, 1):.2f} | {rechecks} "
              f"| {(total + rechecks) / max(new, 1):.2f} |")

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
    parser.add_argument("--workdir", required=True, help="archive, registry and logs (emptied first); not in the repo")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
