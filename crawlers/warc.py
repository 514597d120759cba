"""Every HTTP response a crawl receives, written to a gzipped WARC file (warcio) beside the archive.

The SQLite archive keeps the article pages the pipeline reads; the WARC files keep everything as
received — feeds, list pages, errors, 304s and headers — for audit and re-extraction elsewhere.
"""

import os
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

# Scrapy has already decoded these: the body in the record is the decoded one.
_DROPPED_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


class WarcExtension:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.file: BinaryIO | None = None
        self.writer: WARCWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "WarcExtension":
        ext = cls(Path(crawler.settings.get("PORTALWATCH_WARC_DIR", "warc")))
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def _open(self, spider: Spider) -> WARCWriter:
        if self.writer is None:
            source_id = spider.source.id  # type: ignore[attr-defined]
            path = self.directory / source_id / f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{os.getpid()}.warc.gz"
            path.parent.mkdir(parents=True, exist_ok=True)
            # One file per crawl: a crawl killed mid-record leaves only its own file truncated.
            self.file = path.open("wb")
            self.writer = WARCWriter(self.file, gzip=True)
        return self.writer

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        writer = self._open(spider)
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, values in response.headers.items()
                   for v in values if k.decode("latin-1").lower() not in _DROPPED_HEADERS]
        status = StatusAndHeaders(f"{response.status} {_reason(response.status)}", headers, protocol="HTTP/1.1")
        record = writer.create_warc_record(response.url, "response", payload=BytesIO(response.body),
                                           http_headers=status)
        writer.write_record(record)
        if self.file:
            self.file.flush()

    def spider_closed(self, spider: Spider) -> None:
        if self.file:
            self.file.close()


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
