"""Run one crawl of the given sources in this process and print a JSON summary per source.

Twisted's reactor cannot restart, so callers run this module in a subprocess (see launcher.py).
"""

import argparse
import json
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawlers import settings as crawl_settings
from crawlers.spiders.portal import PortalSpider
from portalwatch.sources import load_sources

STAT_KEYS = ("articles_fetched", "already_fetched", "failures", "list_pages", "feeds", "sitemaps",
             "articles_over_budget", "list_pages_over_budget")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sources", type=Path, required=True)
    parser.add_argument("--archive", type=Path, required=True)
    parser.add_argument("--source-id", action="append", default=[])
    parser.add_argument("--delay", type=float, default=None)
    parser.add_argument("--user-agent", default=None)
    parser.add_argument("--log-file", type=Path, default=None)
    args = parser.parse_args()

    settings = Settings()
    settings.setmodule(crawl_settings)
    if args.delay is not None:
        settings.set("DOWNLOAD_DELAY", args.delay)
        settings.set("AUTOTHROTTLE_START_DELAY", args.delay)
    if args.user_agent:
        settings.set("USER_AGENT", args.user_agent)
    if args.log_file:
        args.log_file.parent.mkdir(parents=True, exist_ok=True)
        settings.set("LOG_FILE", str(args.log_file))

    sources = [s for s in load_sources(args.sources) if not args.source_id or s.id in args.source_id]
    process = CrawlerProcess(settings)
    crawlers = {}
    for source in sources:
        crawler = process.create_crawler(PortalSpider)
        crawlers[source.id] = crawler
        process.crawl(crawler, source=source.model_dump_json(), archive_path=str(args.archive))
    process.start()

    summary = {}
    for source_id, crawler in crawlers.items():
        stats = crawler.stats.get_stats()
        summary[source_id] = {key: stats.get(f"portalwatch/{key}", 0) for key in STAT_KEYS}
        summary[source_id]["finish_reason"] = stats.get("finish_reason", "")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
