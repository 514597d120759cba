"""Benchmark of the same-day alert checks: every check over a store of generated articles (the realistic
corpus of benchmarks/corpus.py), 40 sources, one campaign plan over all of them and 50 saved searches,
delivered to a webhook receiver on loopback. The first run raises every match of the last two days; the
later ones are the hourly steady state (nothing new). Medians of repeated runs on the machine named in the
header; nothing here is asserted.

    .venv/bin/python benchmarks/bench_alerts.py --size 100000 --runs 5
"""

import argparse
import random
import statistics
import tempfile
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import islice
from pathlib import Path

import yaml
from bench_store import QUERIES, TOPICS
from corpus import SOURCES, START, realistic
from machine import describe

from flows.alerting import run_checks
from portalwatch.core.alerts import SavedSearch
from portalwatch.core.config import Settings
from portalwatch.state.alerts import AlertLog
from portalwatch.store.sqlite import SQLiteStore

BATCH = 2000
TODAY = (START + timedelta(days=400)).date()  # inside the corpus's three years, with 14 days before it


class _Quiet(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _configure(data_dir: Path, receiver: str) -> Settings:
    sources = [{"id": f"portal{i}", "name": f"Cổng {i}", "homepage": f"http://portal{i}.test/"} for i in range(SOURCES)]
    (data_dir / "sources.yaml").write_text(yaml.safe_dump(sources, allow_unicode=True), encoding="utf-8")
    plan = [{"name": "Kế hoạch thử", "from": (TODAY - timedelta(days=60)).isoformat(),
             "until": (TODAY + timedelta(days=60)).isoformat(), "topics": TOPICS[:5]}]
    (data_dir / "plans.yaml").write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    rng = random.Random(5)
    with AlertLog(data_dir / "alerts.db") as log:
        for i in range(50):
            query = {"text": rng.choice(QUERIES)} | ({"topics": [rng.choice(TOPICS)]} if i % 2 else {})
            log.save_search(SavedSearch(name=f"tìm {i}", query=query, recipients=[receiver]))
    return Settings(data_dir=data_dir, alert_recipients=receiver, alert_attempts=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(describe())
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    receiver = f"http://127.0.0.1:{server.server_address[1]}/hook"
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        store = SQLiteStore(data_dir / "portalwatch.db")
        articles = realistic(args.size)
        while batch := list(islice(articles, BATCH)):
            store.upsert(batch)
        settings = _configure(data_dir, receiver)
        rows = []
        with AlertLog(settings.alerts_db) as log:
            for run in range(args.runs):
                started, cpu_started = time.perf_counter(), time.process_time()
                counts = run_checks(settings, store, log, TODAY)
                rows.append((run, time.perf_counter() - started, time.process_time() - cpu_started, counts))
        store.close()
    server.shutdown()
    first, later = rows[0], rows[1:]
    print(f"{args.size:,} articles, {SOURCES} sources, 50 saved searches, checks for {TODAY}")
    header = ("run", "wall s", "CPU s", "new alerts", "delivered")
    table = [("first", f"{first[1]:.2f}", f"{first[2]:.2f}", first[3].new, first[3].delivered)]
    if later:
        table.append((f"later (median of {len(later)})", f"{statistics.median(r[1] for r in later):.2f}",
                      f"{statistics.median(r[2] for r in later):.2f}", statistics.median(r[3].new for r in later),
                      statistics.median(r[3].delivered for r in later)))
    widths = [max(len(str(r[i])) for r in [header, *table]) for i in range(len(header))]
    for row in [header, *table]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
