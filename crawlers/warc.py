"""Every HTTP response a crawl receives, written to a gzipped WARC file (warcio) beside the archive.

The SQLite archive keeps the article pages the pipeline reads; the WARC files keep everything as
received — feeds, list pages, redirects, errors, 304s, headers, still content-encoded — for audit
and re-extraction elsewhere. A downloader middleware next to the downloader, so it sees each
response before redirects, retries or decompression act on it.
"""

import os
import zlib
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

from crawlers.context import crawl_source

# The body as received is already de-chunked.
_DROPPED_HEADERS = {"transfer-encoding"}


class WarcMiddleware:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.file: BinaryIO | None = None
        self.buffer = BytesIO()
        self.writer: WARCWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "WarcMiddleware":
        warc_dir = Path(crawler.settings.get("PORTALWATCH_WARC_DIR", "warc"))
        middleware = cls(warc_dir / crawl_source(crawler.settings).id)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def _open(self) -> WARCWriter:
        if self.writer is None:
            path = self.directory / f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{os.getpid()}.warc.gz"
            path.parent.mkdir(parents=True, exist_ok=True)
            # One file per crawl: a crawl killed mid-record leaves only its own file truncated.
            self.file = path.open("wb")
            self.writer = WARCWriter(self.buffer, gzip=False)
        return self.writer

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        writer = self._open()
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, values in response.headers.items()
                   for v in values if k.decode("latin-1").lower() not in _DROPPED_HEADERS]
        status = StatusAndHeaders(f"{response.status} {_reason(response.status)}", headers, protocol="HTTP/1.1")
        record = writer.create_warc_record(response.url, "response", payload=BytesIO(response.body),
                                           http_headers=status)
        writer.write_record(record)
        # One gzip member per record, as .warc.gz readers expect; level 6 rather than warcio's 9, and
        # no flush per record (the articles themselves are safe in the SQLite archive).
        gz = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        assert self.file is not None
        self.file.write(gz.compress(self.buffer.getvalue()) + gz.flush())
        self.buffer.seek(0)
        self.buffer.truncate()
        return response

    def spider_closed(self, spider: Spider) -> None:
        if self.file:
            self.file.close()


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
