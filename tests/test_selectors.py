"""Per-source CSS selectors can match on text, as portal-specific rules often must (no second parser)."""

from datetime import datetime

from pipelines.extract import extract
from portalwatch.core import VN_TZ

_BODY = "".join(f"<p>Đoạn {i}: Ban Thường vụ Huyện ủy Đông Sơn triển khai kế hoạch kiểm tra, giám sát năm 2026 "
                "tới các chi bộ trực thuộc, yêu cầu báo cáo kết quả trước ngày 30 hằng tháng.</p>" for i in range(4))
# Two date lines with the same markup: only the text tells the publication date from the event date.
_PAGE = f"""<html><head><title>Cổng TTĐT huyện Đông Sơn</title></head><body>
<div class="tin"><h2 class="tieu-de">Huyện ủy Đông Sơn triển khai kế hoạch kiểm tra năm 2026</h2>
<div class="thong-tin"><span>Cập nhật lúc: 09:40 14/11/2026</span><span>Ngày đăng: 08:05 12/11/2026</span></div>
<div class="noi-dung">{_BODY}</div></div></body></html>"""


def test_a_date_selector_can_pick_the_line_by_its_words() -> None:
    found = extract(_PAGE.encode(), selectors={"title": ".tieu-de", "body": ".noi-dung",
                                               "date": '.thong-tin span:contains("Ngày đăng")'})
    assert found.published_at == datetime(2026, 11, 12, 8, 5, tzinfo=VN_TZ)
    assert found.title == "Huyện ủy Đông Sơn triển khai kế hoạch kiểm tra năm 2026"
