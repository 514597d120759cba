"""Scrapy item pipeline: writes fetched pages to the raw archive, then tells the spider they are safe."""

from scrapy import Spider


class ArchivePipeline:
    def process_item(self, item: dict, spider: Spider) -> dict:
        outcome = spider.archive.save_page(item["page"])  # type: ignore[attr-defined]
        spider.page_saved(item, outcome)  # type: ignore[attr-defined]
        return item
