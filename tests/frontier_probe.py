"""A crawl (python -m tests.frontier_probe SOURCES ARCHIVE REPORT) that notes, for every article and
list request as it enters the downloader, whether its URL is already in the frontier on disk.

A downloader middleware placed first: a request it sees has been scheduled and is about to be
sent. The report is JSON: [[url, kind, in_frontier], ...].
"""

import json
import sqlite3
import sys
from pathlib import Path

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler

from crawlers.context import archive_db
from crawlers.run import crawl_sources, process_settings
from portalwatch.core.sources import load_sources

REPORT_SETTING = "FRONTIER_PROBE_REPORT"


class FrontierProbe:
    def __init__(self, archive: Path, report: Path) -> None:
        self.db = sqlite3.connect(f"{archive.resolve().as_uri()}?mode=ro", uri=True)
        self.report = report
        self.seen: list[tuple[str, str, bool]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "FrontierProbe":
        probe = cls(archive_db(crawler.settings), Path(crawler.settings[REPORT_SETTING]))
        crawler.signals.connect(probe.spider_closed, signal=signals.spider_closed)
        return probe

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        kind = request.meta.get("kind")
        if kind in ("article", "list"):
            row = self.db.execute("SELECT 1 FROM frontier WHERE url = ?", (request.url,)).fetchone()
            self.seen.append((request.url, kind, row is not None))

    def spider_closed(self, spider: Spider) -> None:
        self.report.write_text(json.dumps(self.seen))
        self.db.close()


def main() -> None:
    sources, archive, report = map(Path, sys.argv[1:4])
    settings = process_settings(archive, delay=0, log_file=report.with_suffix(".log"))
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES") | {"tests.frontier_probe.FrontierProbe": 1}
    settings.set("DOWNLOADER_MIDDLEWARES", middlewares)
    settings.set(REPORT_SETTING, str(report))
    crawl_sources(load_sources(sources), settings)


if __name__ == "__main__":
    main()
