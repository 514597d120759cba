"""Web interface benchmark: server time, page weight and Chromium render time of the pages users open,
against the goals of the web interface (at 100,000 articles: search page p95 ≤ 150 ms on SQLite, ≤ 100 ms
on the engine; rendered in Chromium ≤ 1 s on loopback; search page weight ≤ 150 KB).

Builds a store of the realistic corpus (benchmarks/corpus.py) per size and store, once: the embedded store
under --cache (reused by later runs), the engine's under an alias of its own (reused while it holds the
same number of articles; deleted at the end unless --keep). A fifth of the articles are made copies of
stories of four (real coverage is syndicated; the search page counts each hit's story). 40 configured
sources and two campaign plans over the last weeks of the corpus give /ke-hoach its grids.

Then `portalwatch web` runs as its own process (the same command users run) on loopback, and a fixed mix
of search URLs is fetched: the landing page (every article), text only, text without diacritics, text +
topic + dates, filters only, directive + province, page 2 and 3 (the cursor the page before printed),
interval=week and a query that finds nothing; and the article page, /ke-hoach and /nguon. For each kind:
the app's own time (its Server-Timing header) and the whole HTTP exchange over loopback (httpx, body read),
median and p95 over --rounds rounds (one untimed round first); the page weight as transferred (the page
and every stylesheet, script and icon it loads, gzip when the server compresses; the uncompressed size
beside it); and the time Chromium (Playwright, /usr/bin/chromium) takes from navigation start to the load
event, with the static files in its cache after one untimed page (the cold first page is printed apart).

    .venv/bin/python benchmarks/bench_web.py --sizes 100000 --stores sqlite,engine \\
        --engine-url http://127.0.0.1:9282 --cache /tmp/portalwatch-bench-web

Timings are medians/percentiles on the machine named in the header (with its load average, as other
work shares it); nothing here is asserted.
"""

import argparse
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from itertools import islice
from pathlib import Path
from urllib.parse import urlencode, urljoin

import httpx
import yaml
from bench_store import QUERIES, TOPICS, percentile
from corpus import DIRECTIVES, SOURCES, START, realistic
from machine import describe

from portalwatch.core.config import Settings
from portalwatch.core.models import Article
from portalwatch.store import open_store

REPO = Path(__file__).resolve().parents[1]
BATCH = 5_000
STORY = 4  # copies of each syndicated story
LAST_DAY = (START + timedelta(days=3 * 365)).date()  # the corpus's three years end here
SEARCH_GOAL_MS = {"sqlite": 150.0, "engine": 100.0}
RENDER_GOAL_MS = 1000.0
WEIGHT_GOAL_KB = 150.0
ASSET = re.compile(r'<(?:link|script|img)\b[^>]*?\b(?:href|src)="(/[^"]+)"')


def grouped(articles: Iterator[Article]) -> Iterator[Article]:
    """A fifth of the articles in stories of four consecutive ones (deterministic, like the corpus)."""
    for i, article in enumerate(articles):
        story = i // STORY
        yield article.model_copy(update={"duplicate_group": f"story-{story}"}) if story % 5 == 0 else article


def configure(data_dir: Path) -> None:
    """Sources and two campaign plans, as an installation has them."""
    sources = [{"id": f"portal{i}", "name": f"Cổng thông tin điện tử {i}", "homepage": f"https://portal{i}.example.vn/"}
               for i in range(SOURCES)]
    (data_dir / "sources.yaml").write_text(yaml.safe_dump(sources, allow_unicode=True), encoding="utf-8")
    plans = [{"name": "Kế hoạch tuyên truyền quý", "from": (LAST_DAY - timedelta(days=90)).isoformat(),
              "until": LAST_DAY.isoformat(), "topics": TOPICS[:5]},
             {"name": "Kế hoạch kỷ niệm", "from": (LAST_DAY - timedelta(days=40)).isoformat(),
              "until": (LAST_DAY + timedelta(days=20)).isoformat(), "topics": TOPICS[5:7],
              "sources": [f"portal{i}" for i in range(10)]}]
    (data_dir / "plans.yaml").write_text(yaml.safe_dump(plans, allow_unicode=True), encoding="utf-8")


def build(settings: Settings, size: int) -> None:
    """The store of `size` articles, unless it is already there."""
    store = open_store(settings)
    try:
        if store.count() == size:
            print(f"  reusing {size:,} articles ({settings.es_alias if settings.es_url else settings.store_path})")
            return
        if store.count():
            raise SystemExit(f"{settings.store_path if not settings.es_url else settings.es_alias} holds "
                             f"{store.count():,} articles, not {size:,}: delete it or pass another --cache")
        started = time.perf_counter()
        articles = grouped(realistic(size))
        while batch := list(islice(articles, BATCH)):
            store.upsert(batch)
        print(f"  built {size:,} articles in {time.perf_counter() - started:,.0f} s")
    finally:
        store.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(settings: Settings, port: int) -> subprocess.Popen:
    """`portalwatch web` in a process of its own, as users start it; returns once it answers."""
    env = {**os.environ, "PORTALWATCH_ES_URL": settings.es_url or "", "PORTALWATCH_ES_ALIAS": settings.es_alias}
    if not settings.es_url:
        env.pop("PORTALWATCH_ES_URL")
    log = settings.data_dir / "bench-web.log"
    with log.open("wb") as errors:  # a file, not a pipe nobody reads while the server runs
        server = subprocess.Popen([sys.executable, "-c", "from portalwatch.cli import main; main()", "web",
                                   "--data-dir", str(settings.data_dir), "--port", str(port)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=errors)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"portalwatch web stopped: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=60).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("portalwatch web did not answer within 120 s")


def search_mix(client: httpx.Client) -> list[tuple[str, str]]:
    """(kind, URL) of the search page: five of each kind, the same for every store (seeded)."""
    rng = random.Random(15)
    folded = [q for q in QUERIES if q.isascii()]
    mix: list[tuple[str, str]] = [("landing (all articles)", "/")]
    for _ in range(5):
        since = LAST_DAY - timedelta(days=rng.randrange(30, 900))
        mix += [
            ("text only", "/?" + urlencode({"q": rng.choice(QUERIES)})),
            ("text, no diacritics", "/?" + urlencode({"q": rng.choice(folded)})),
            ("text+topic+dates", "/?" + urlencode({"q": rng.choice(QUERIES), "topic": rng.choice(TOPICS),
                                                   "since": since, "until": since + timedelta(days=30)})),
            ("filters only", "/?" + urlencode({"source": f"portal{rng.randrange(SOURCES)}", "since": since,
                                               "until": since + timedelta(days=7)})),
            ("directive+province", "/?" + urlencode({"directive": rng.choice(DIRECTIVES),
                                                     "province": f"Tỉnh {rng.randrange(10)}"})),
            ("interval=week", "/?" + urlencode({"q": rng.choice(QUERIES), "interval": "week"})),
            ("no results", "/?" + urlencode({"q": f"khongcotu{rng.randrange(1000)}"})),
        ]
    for params in ({"q": rng.choice(QUERIES)}, {"q": rng.choice(QUERIES)}, {"topic": rng.choice(TOPICS)}):
        cursor = None
        for page in (2, 3):  # the cursor each page prints, as a user pages on
            found = client.get("/api/v1/search", params={**params, **({"cursor": cursor} if cursor else {})}).json()
            cursor = found["next_cursor"]
            mix.append((f"page 2+ (page {page})", "/?" + urlencode({**params, "cursor": cursor})))
    return mix


def other_pages(client: httpx.Client) -> list[tuple[str, str]]:
    hits = client.get("/api/v1/search", params={"q": "xay dung dang", "limit": 10}).json()["hits"]
    return [*(("article /bai/{id}", f"/bai/{hit['id']}") for hit in hits), ("plans /ke-hoach", "/ke-hoach"),
            ("sources /nguon", "/nguon")]


def app_ms(response: httpx.Response) -> float:
    found = re.search(r"\bapp;dur=([\d.]+)", response.headers.get("server-timing", ""))
    return float(found[1]) if found else float("nan")


def timed(client: httpx.Client, mix: list[tuple[str, str]], rounds: int) -> dict[str, tuple[list[float], list[float]]]:
    """kind -> (the app's ms, the HTTP exchange's ms), after one untimed round; each round in its own order."""
    times: dict[str, tuple[list[float], list[float]]] = {}
    rng = random.Random(3)
    for round_ in range(rounds + 1):
        order = rng.sample(mix, len(mix))
        for kind, url in order:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            if round_:
                own, http = times.setdefault(kind, ([], []))
                own.append(app_ms(response))
                http.append(elapsed)
    return times


def weight(client: httpx.Client, url: str) -> tuple[int, int]:
    """(bytes transferred, bytes uncompressed) of the page and every file it loads."""
    page = client.get(url)
    wire, raw = page.num_bytes_downloaded, len(page.content)
    for asset in dict.fromkeys(ASSET.findall(page.text)):
        response = client.get(urljoin(url, asset))
        wire, raw = wire + response.num_bytes_downloaded, raw + len(response.content)
    return wire, raw


def rendered(base: str, mix: list[tuple[str, str]]) -> tuple[dict[str, list[float]], float]:
    """kind -> ms from navigation start to the load event in Chromium; and the cold first page's ms."""
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {}
    script = "() => { const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime; }"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                             args=["--disable-gpu", "--disable-dev-shm-usage"])
        try:
            page = browser.new_context().new_page()
            page.goto(base + "/", wait_until="load")
            cold = float(page.evaluate(script))
            for kind, url in mix:
                page.goto(base + url, wait_until="load")
                times.setdefault(kind, []).append(float(page.evaluate(script)))
        finally:
            browser.close()
    return times, cold


def measure(name: str, settings: Settings, rounds: int) -> list[tuple]:
    port = free_port()
    server = serve(settings, port)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=120) as client:
            search = search_mix(client)
            mix = search + other_pages(client)
            times = timed(client, mix, rounds)
            weights = {url: weight(client, url) for _, url in mix}
        renders, cold = rendered(base, mix)
    finally:
        server.terminate()
        server.wait(30)
    rows = []

    def row(kind: str, urls: list[str], own: list[float], http: list[float], render: list[float]) -> tuple:
        heaviest = max(urls, key=lambda u: weights[u][0])
        return (name, kind, len(http), f"{statistics.median(own):.0f}", f"{percentile(own, 0.95):.0f}",
                f"{statistics.median(http):.0f}", f"{percentile(http, 0.95):.0f}",
                f"{weights[heaviest][0] / 1024:.0f} ({weights[heaviest][1] / 1024:.0f})",
                f"{statistics.median(render):.0f}", f"{percentile(render, 0.95):.0f}")

    kinds = list(dict.fromkeys(kind for kind, _ in mix))
    for kind in kinds:
        urls = [u for k, u in mix if k == kind]
        rows.append(row(kind, urls, *times[kind], renders[kind]))
    search_kinds = list(dict.fromkeys(kind for kind, _ in search))
    every = [url for _, url in search]
    own = [t for k in search_kinds for t in times[k][0]]
    http = [t for k in search_kinds for t in times[k][1]]
    render = [t for k in search_kinds for t in renders[k]]
    rows.append(row("SEARCH PAGE, all kinds", every, own, http, render))
    rows.append((name, "cold first page (Chromium)", 1, "", "", "", "", "", f"{cold:.0f}", ""))
    store = "engine" if settings.es_url else "sqlite"
    heaviest = max(weights[u][0] for u in every) / 1024
    print(f"goals, {name} (load average now {os.getloadavg()[0]:.1f}):")
    for label, value, goal in ((f"search page server p95 (app / HTTP) ≤ {SEARCH_GOAL_MS[store]:.0f} ms",
                                (percentile(own, 0.95), percentile(http, 0.95)), SEARCH_GOAL_MS[store]),
                               (f"search page in Chromium p95 ≤ {RENDER_GOAL_MS:.0f} ms",
                                (percentile(render, 0.95),), RENDER_GOAL_MS),
                               (f"search page weight (heaviest, transferred) ≤ {WEIGHT_GOAL_KB:.0f} KB",
                                (heaviest,), WEIGHT_GOAL_KB)):
        shown = " / ".join(f"{v:.0f}" for v in value)
        print(f"  {label}: {shown} -> {'met' if max(value) <= goal else 'MISSED'}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100000])
    parser.add_argument("--stores", default="sqlite,engine", help="comma-separated: sqlite, engine")
    parser.add_argument("--engine-url", default=os.environ.get("PORTALWATCH_TEST_ES_URL"))
    parser.add_argument("--cache", type=Path, default=Path("/tmp/portalwatch-bench-web"),
                        help="where the embedded stores are kept between runs (not inside the repository)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds over the URL mix")
    parser.add_argument("--keep", action="store_true", help="keep the engine's benchmark index for the next run")
    args = parser.parse_args()
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    if unknown := set(stores) - {"sqlite", "engine"}:
        parser.error(f"unknown stores: {', '.join(sorted(unknown))}")
    if "engine" in stores and not args.engine_url:
        parser.error("--stores engine needs --engine-url (or PORTALWATCH_TEST_ES_URL)")
    cache = args.cache.resolve()
    if cache.is_relative_to(REPO):
        parser.error(f"--cache {cache} is inside the repository: choose a directory outside it")
    print(describe())
    rows = []
    for size in args.sizes:
        for store in stores:
            data_dir = cache / f"{store}-{size}"
            data_dir.mkdir(parents=True, exist_ok=True)
            configure(data_dir)
            settings = Settings(data_dir=data_dir)
            if store == "engine":
                settings = Settings(data_dir=data_dir, es_url=args.engine_url, es_alias=f"bench-web-{size}")
            print(f"{store}, {size:,} articles:")
            build(settings, size)
            try:
                rows += measure(f"{store}/{size // 1000}k", settings, args.rounds)
            finally:
                if store == "engine" and not args.keep:
                    from elasticsearch import Elasticsearch

                    engine = Elasticsearch(args.engine_url)
                    engine.indices.delete(index=f"{settings.es_alias}-v*")
                    engine.indices.delete_index_template(name=f"{settings.es_alias}-template")
    print(f"load average at end {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    header = ("store", "page", "n", "app p50", "app p95", "HTTP p50", "HTTP p95", "KB sent (raw)",
              "Chromium p50", "p95")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for line in [header, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)))
    print("times in ms; app: the app's own time (Server-Timing); HTTP: the whole exchange over loopback; "
          "KB: the heaviest page of the kind with what it loads, as sent (uncompressed)")


if __name__ == "__main__":
    main()
