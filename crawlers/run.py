"""Run one crawl of the given sources in this process and print a JSON summary per source.

Twisted's reactor cannot restart, so callers run this module in a subprocess (see launcher.py).
"""

import argparse
import json
import logging
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawlers import settings as crawl_settings
from crawlers.spiders.portal import PortalSpider
from portalwatch.core.models import Source
from portalwatch.core.sources import load_sources
from portalwatch.state.health import HealthLog, Status

STAT_KEYS = ("articles_fetched", "articles_changed", "already_fetched", "not_modified", "failures", "blocked",
             "list_pages", "feeds", "sitemaps", "articles_over_budget", "list_pages_over_budget",
             "duplicate_variants", "retry_after_waits")


def source_settings(source: Source) -> dict[str, float | bool]:
    """The source's own limits, as settings of its crawler."""
    settings: dict[str, float | bool] = {}
    if source.delay is not None:
        settings |= {"DOWNLOAD_DELAY": source.delay, "AUTOTHROTTLE_START_DELAY": source.delay,
                     "AUTOTHROTTLE_ENABLED": source.delay > 0}
    if source.concurrency:
        settings["CONCURRENT_REQUESTS_PER_DOMAIN"] = source.concurrency
    if source.timeout:
        settings["DOWNLOAD_TIMEOUT"] = source.timeout
    return settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sources", type=Path, required=True)
    parser.add_argument("--archive", type=Path, required=True)
    parser.add_argument("--source-id", action="append", default=[])
    parser.add_argument("--delay", type=float, default=None)
    parser.add_argument("--user-agent", default=None)
    parser.add_argument("--log-file", type=Path, default=None)
    parser.add_argument("--force", action="store_true", help="crawl sources that are backing off too")
    args = parser.parse_args()

    settings = Settings()
    settings.setmodule(crawl_settings)
    settings.set("PORTALWATCH_WARC_DIR", str(args.archive.parent / "warc"))
    if args.delay is not None:  # 0: no politeness at all, for fixture sites on loopback
        settings.set("DOWNLOAD_DELAY", args.delay)
        settings.set("AUTOTHROTTLE_START_DELAY", args.delay)
        settings.set("AUTOTHROTTLE_ENABLED", args.delay > 0)
    if args.user_agent:
        settings.set("USER_AGENT", args.user_agent)
    if args.log_file:
        args.log_file.parent.mkdir(parents=True, exist_ok=True)
        settings.set("LOG_FILE", str(args.log_file))

    sources = [s for s in load_sources(args.sources) if not args.source_id or s.id in args.source_id]
    summary: dict[str, dict] = {}
    process = CrawlerProcess(settings)
    # Scrapy's handler drops what is below LOG_LEVEL, but only after a record was made for every
    # page's DEBUG lines; a root logger at that level does not make them.
    logging.getLogger().setLevel(settings.get("LOG_LEVEL"))
    crawlers = {}
    with HealthLog(args.archive) as health:
        for source in sources:
            until = None if args.force else health.backoff_until(source.id)
            if until:  # failing again and again: let it rest instead of hammering it
                run = health.record_backed_off(source.id, until)
                summary[source.id] = dict.fromkeys(STAT_KEYS, 0) | {"health": run.status.value,
                                                                    "health_message": run.message}
                continue
            crawler = process.create_crawler(PortalSpider)
            # Above "project" priority: the process merges its own settings into each crawler again.
            crawler.settings.update(source_settings(source), priority="spider")
            crawlers[source.id] = crawler
            process.crawl(crawler, source=source.model_dump_json(), archive_path=str(args.archive))
    if crawlers:
        process.start()

    for source_id, crawler in crawlers.items():
        stats = crawler.stats.get_stats()
        summary[source_id] = {key: stats.get(f"portalwatch/{key}", 0) for key in STAT_KEYS}
        summary[source_id]["finish_reason"] = stats.get("finish_reason", "")
        summary[source_id]["health"] = stats.get("portalwatch/health", Status.FAILED.value)
        summary[source_id]["health_message"] = stats.get("portalwatch/health_message", "")
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
