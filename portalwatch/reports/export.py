"""Search results as CSV, one row per article, for spreadsheets."""

import csv
from collections.abc import Iterable, Iterator
from typing import TextIO

from portalwatch.core import VN_TZ
from portalwatch.core.models import Article
from portalwatch.reports.neutralise import csv_cell

# Headers for the people who open the file in a spreadsheet; values stay ids and ISO dates, for sorting and joins.
COLUMNS = ["Ngày đăng", "Mã nguồn", "Tỉnh", "Tiêu đề", "Địa chỉ", "Chủ đề", "Văn bản chỉ đạo", "Mã tin", "Tác giả",
           "Sa pô"]


def csv_rows(articles: Iterable[Article]) -> Iterator[list[str]]:
    """The header, then one row per article (dates in Vietnamese local time; lists joined by "; ").

    Every cell is neutralised: portal text that starts like a formula stays text in a spreadsheet.
    """
    yield COLUMNS
    for a in articles:
        yield [csv_cell(cell) for cell in (
            a.published_at.astimezone(VN_TZ).isoformat(), a.source_id, a.province, a.title, a.url,
            "; ".join(a.topic_ids), "; ".join(a.directives), a.duplicate_group or a.id, a.author, a.lead)]


def write_csv(out: TextIO, articles: Iterable[Article]) -> int:
    """Write the articles' rows after the header and return how many articles."""
    writer = csv.writer(out)
    rows = -1  # the header is no article
    for row in csv_rows(articles):
        writer.writerow(row)
        rows += 1
    return rows
