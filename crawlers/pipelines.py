"""Scrapy item pipeline: writes fetched pages to the raw archive."""

from scrapy import Spider

from portalwatch.archive import RawArchive


class ArchivePipeline:
    def open_spider(self, spider: Spider) -> None:
        self.archive = RawArchive(spider.archive_path)  # type: ignore[attr-defined]

    def close_spider(self, spider: Spider) -> None:
        self.archive.close()

    def process_item(self, item: dict, spider: Spider) -> dict:
        self.archive.save_page(item["page"])
        spider.crawler.stats.inc_value("portalwatch/articles_fetched")
        return item
