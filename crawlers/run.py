"""Run one crawl of the given sources in this process and print a JSON summary per source.

Twisted's reactor cannot restart, so callers run this module in a subprocess (see launcher.py).
"""

import argparse
import json
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from crawlers import settings as crawl_settings
from crawlers import stats as keys
from crawlers.context import ARCHIVE_SETTING, SOURCE_SETTING
from crawlers.spiders.portal import PortalSpider
from crawlers.summary import SUMMARIES, CrawlSummary
from portalwatch.core.models import Source
from portalwatch.core.processes import exit_when_orphaned
from portalwatch.core.sources import load_sources
from portalwatch.state.db import StateTarget, state_target
from portalwatch.state.health import HealthLog

# A crawl whose command was killed stops this long after it, gracefully if it can.
ORPHAN_GRACE_SECONDS = 5
# How often the progress file is rewritten while the crawl runs.
PROGRESS_SECONDS = 0.5


def source_settings(source: Source) -> dict[str, float | bool | str]:
    """The source itself, and its own limits, as settings of its crawler."""
    settings: dict[str, float | bool | str] = {SOURCE_SETTING: source.model_dump_json()}
    if source.delay is not None:
        settings |= {"DOWNLOAD_DELAY": source.delay, "AUTOTHROTTLE_START_DELAY": source.delay,
                     "AUTOTHROTTLE_ENABLED": source.delay > 0}
    if source.concurrency:
        settings["CONCURRENT_REQUESTS_PER_DOMAIN"] = source.concurrency
    if source.timeout:
        settings["DOWNLOAD_TIMEOUT"] = source.timeout
    return settings


def process_settings(archive: StateTarget, delay: float | None = None, user_agent: str | None = None,
                     log_file: Path | None = None, warc_dir: Path | None = None) -> Settings:
    """Settings every crawler of the process shares (WARC files beside an archive file unless told where)."""
    settings = Settings()
    settings.setmodule(crawl_settings)
    settings.set(ARCHIVE_SETTING, str(archive))
    if warc_dir or isinstance(archive, Path):
        settings.set("PORTALWATCH_WARC_DIR", str(warc_dir or Path(archive).parent / "warc"))
    if delay is not None:  # 0: no politeness at all, for fixture sites on loopback
        settings.set("DOWNLOAD_DELAY", delay)
        settings.set("AUTOTHROTTLE_START_DELAY", delay)
        settings.set("AUTOTHROTTLE_ENABLED", delay > 0)
    if user_agent:
        settings.set("USER_AGENT", user_agent)
    if log_file:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        settings.set("LOG_FILE", str(log_file))
    return settings


def write_progress(path: Path, crawlers: list[Crawler]) -> None:
    """The crawl's counts so far, over all its sources, replacing the file at once (the launcher reads it)."""
    fetched = archived = 0
    for crawler in crawlers:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        fetched += keys.count(stats, "downloader/response_count")
        archived += keys.count(stats, keys.ARTICLES_NEW) + keys.count(stats, keys.ARTICLES_CHANGED)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps({"fetched": fetched, "archived": archived}))
    os.replace(partial, path)


@contextmanager
def progress_written(path: Path, crawlers: list[Crawler]) -> Iterator[None]:
    """Rewrite the progress file every PROGRESS_SECONDS from a thread of its own, and once at the end."""
    done = threading.Event()

    def loop() -> None:
        while not done.wait(PROGRESS_SECONDS):
            write_progress(path, crawlers)

    writer = threading.Thread(target=loop, name="crawl-progress", daemon=True)
    writer.start()
    try:
        yield
    finally:
        done.set()
        writer.join()
        write_progress(path, crawlers)


def crawl_sources(sources: list[Source], settings: Settings, force: bool = False,
                  progress_file: Path | None = None) -> dict[str, CrawlSummary]:
    """Crawl the sources, one crawler each, in this process; sources backing off are skipped unless forced.

    With progress_file, the counts so far are written there while the crawl runs, and at its end."""
    summary: dict[str, CrawlSummary] = {}
    process = CrawlerProcess(settings)
    # Scrapy's handler drops what is below LOG_LEVEL, but only after a record was made for every
    # page's DEBUG lines; a root logger at that level does not make them.
    logging.getLogger().setLevel(settings.get("LOG_LEVEL"))
    crawlers = {}
    with HealthLog(state_target(settings[ARCHIVE_SETTING])) as health:
        for source in sources:
            until = None if force else health.backoff_until(source.id)
            if until:  # failing again and again: let it rest instead of hammering it
                summary[source.id] = CrawlSummary.backed_off(health.record_backed_off(source.id, until))
                continue
            crawler = process.create_crawler(PortalSpider)
            # Above "project" priority: the process merges its own settings into each crawler again.
            crawler.settings.update(source_settings(source), priority="spider")
            crawlers[source.id] = crawler
            process.crawl(crawler)
    if crawlers:
        with progress_written(progress_file, list(crawlers.values())) if progress_file else nullcontext():
            process.start()
    for source_id, crawler in crawlers.items():
        assert crawler.stats is not None
        summary[source_id] = CrawlSummary.from_stats(crawler.stats.get_stats())
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sources", type=Path, required=True)
    parser.add_argument("--archive", type=state_target, required=True, help="archive.db, or a PostgreSQL URL")
    parser.add_argument("--warc-dir", type=Path, default=None)
    parser.add_argument("--source-id", action="append", default=[])
    parser.add_argument("--delay", type=float, default=None)
    parser.add_argument("--user-agent", default=None)
    parser.add_argument("--log-file", type=Path, default=None)
    parser.add_argument("--force", action="store_true", help="crawl sources that are backing off too")
    parser.add_argument("--progress-file", type=Path, default=None, help="write the counts so far here, as JSON")
    args = parser.parse_args()
    exit_when_orphaned(ORPHAN_GRACE_SECONDS)

    settings = process_settings(args.archive, args.delay, args.user_agent, args.log_file, args.warc_dir)
    sources = [s for s in load_sources(args.sources) if not args.source_id or s.id in args.source_id]
    summary = crawl_sources(sources, settings, args.force, args.progress_file)
    print(SUMMARIES.dump_json(summary).decode())


if __name__ == "__main__":
    main()
