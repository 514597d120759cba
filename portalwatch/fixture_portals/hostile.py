"""A fixture portal that misbehaves in every way real ones do, for the crawler's robustness tests.

Its list page links to ordinary articles and to: a redirect loop, redirects to another domain and
to private or loopback addresses outside the source, a 50 MB response, a page in Windows-1258
served with a wrong charset header, a slow page, 429/503 answers with Retry-After, a page
robots.txt forbids, and an endless paging trap. `mode` turns the whole site into a captcha wall, a
login wall or a changed layout, the silent failures a monitor must notice.
"""

import unicodedata
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from hashlib import sha1
from html import escape
from urllib.parse import parse_qs, urlsplit

from portalwatch.core.models import Source
from portalwatch.fixture_portals.loopback import LoopbackServer, Reply

ARTICLE_PATTERN = r"/tin-tuc/[a-z0-9/-]+\.html$"
HUGE_BYTES = 50 * 1024 * 1024
SLOW_SECONDS = 4.0

NORMAL = [f"/tin-tuc/bai-viet-binh-thuong-so-{n}.html" for n in (1, 2, 3)]
MOVED, MOVED_TO = "/tin-tuc/bai-cu-da-doi-duong-dan.html", "/tin-tuc/bai-viet-moi-sau-chuyen-huong.html"
LOOP_A, LOOP_B = "/tin-tuc/chuyen-huong-vong-lap-mot.html", "/tin-tuc/chuyen-huong-vong-lap-hai.html"
OFFSITE = "/tin-tuc/chuyen-sang-trang-ngoai.html"
PRIVATE = "/tin-tuc/chuyen-ve-mang-noi-bo.html"
LOOPBACK = "/tin-tuc/chuyen-ve-may-chu-khac.html"
HUGE = "/tin-tuc/tai-lieu-dinh-kem-rat-lon.html"
CP1258 = "/tin-tuc/bai-viet-ma-hoa-windows-1258.html"
SLOW = "/tin-tuc/bai-viet-may-chu-phan-hoi-cham.html"
RATE_LIMITED = "/tin-tuc/bai-viet-gioi-han-tan-suat.html"  # 429, Retry-After: 1, then fine
MAINTENANCE = "/tin-tuc/bai-viet-dang-bao-tri.html"  # 503, Retry-After as an HTTP date, then fine
LONG_WAIT = "/tin-tuc/bai-viet-tam-ngung-phuc-vu.html"  # 429, Retry-After: 3600, always
FORBIDDEN = "/tin-tuc/rieng-tu/bai-viet-noi-bo-khong-cong-khai.html"
CALENDAR = "/lich-cong-tac"

CP1258_TITLE = "Huyện Tân Lập đẩy mạnh chuyển đổi số trong cải cách hành chính"
_TEXT = (
    "Thực hiện Nghị quyết của Tỉnh ủy về chuyển đổi số, huyện đã triển khai đồng bộ nhiều giải pháp, "
    "trong đó chú trọng số hóa hồ sơ, dữ liệu và đưa dịch vụ công trực tuyến đến gần hơn với người dân.",
    "Đến nay, toàn huyện có hơn 85% hồ sơ thủ tục hành chính được tiếp nhận và giải quyết trực tuyến; "
    "các xã, thị trấn đều có tổ công nghệ số cộng đồng hướng dẫn người dân sử dụng ứng dụng.",
    "Thời gian tới, huyện tiếp tục đầu tư hạ tầng số, nâng cao kỹ năng số cho cán bộ, công chức và "
    "phấn đấu hoàn thành các chỉ tiêu chuyển đổi số năm 2026 theo kế hoạch đề ra.",
)
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows software writes it: vowel letters, then a combining tone mark."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(m for m in parts[1:] if m in _TONES)
        letter = unicodedata.normalize("NFC", parts[0] + "".join(m for m in parts[1:] if m not in _TONES))
        out += (letter + tones).encode("cp1258")
    return bytes(out)


def article_html(title: str, charset: str = "utf-8", day: int = 20) -> str:
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in _TEXT)
    return (
        f'<!DOCTYPE html><html lang="vi"><head><meta charset="{charset}"><title>{escape(title)}</title>'
        f'<meta property="article:published_time" content="2026-11-{day:02d}T08:00:00+07:00"></head><body>'
        '<div class="header"><a href="/">Trang chủ</a> <a href="/tin-tuc">Tin tức</a></div>'
        f'<div class="article"><h1>{escape(title)}</h1><div class="date">{day:02d}/11/2026 08:00</div>'
        f'{paragraphs}</div><div class="footer">Cổng thông tin điện tử huyện Tân Lập</div></body></html>'
    )


_CAPTCHA = ('<html><head><title>Xác minh bảo mật</title></head><body><div class="g-recaptcha" data-sitekey="x">'
            "</div><p>Vui lòng xác minh bạn không phải là robot để tiếp tục.</p></body></html>")
_LOGIN = ('<html><head><title>Đăng nhập hệ thống</title></head><body><form action="/dang-nhap" method="post">'
          '<input name="tai_khoan"><input type="password" name="mat_khau"><button>Đăng nhập</button></form>'
          "</body></html>")


class HostileSite:
    def __init__(self, canary_base: str) -> None:
        self.canary_base = canary_base  # another loopback server: a redirect there must never be followed
        self.mode = "normal"  # or "captcha", "login", "relayout"
        self.seen: Counter[str] = Counter()
        self.server = LoopbackServer(self.route)

    @property
    def base(self) -> str:
        return self.server.base

    def source(self, **limits: object) -> Source:
        return Source(id="tanlap-hostile", name="Cổng TTĐT huyện Tân Lập (thử lỗi)", province="Bình Giang",
                      homepage=f"{self.base}/", list_pages=[f"{self.base}/tin-tuc"], article_pattern=ARTICLE_PATTERN,
                      timeout=1.0, max_list_pages=6, **limits)  # type: ignore[arg-type]

    def links(self) -> list[str]:
        return [*NORMAL, MOVED, LOOP_A, OFFSITE, PRIVATE, LOOPBACK, HUGE, CP1258, SLOW, RATE_LIMITED, MAINTENANCE,
                LONG_WAIT, FORBIDDEN]

    def route(self, target: str, headers: dict[str, str]) -> Reply:
        path, query = urlsplit(target).path, parse_qs(urlsplit(target).query)
        self.seen[path] += 1
        if path == "/robots.txt":
            return Reply(body=b"User-agent: *\nDisallow: /tin-tuc/rieng-tu/\n", content_type="text/plain")
        if self.mode == "captcha":
            return Reply(body=_CAPTCHA.encode())
        if self.mode == "login":
            return Reply(body=_LOGIN.encode())
        if path in ("/", "/tin-tuc"):
            return self.listing(int(query.get("trang", ["1"])[0]), headers)
        if path == CALENDAR:
            day = datetime.fromisoformat(query.get("ngay", ["2026-11-23"])[0])
            nxt = f"{CALENDAR}?ngay={day + timedelta(days=1):%Y-%m-%d}"
            return Reply(body=f'<html><body><h1>Lịch công tác {day:%d/%m/%Y}</h1><a href="{nxt}">»</a></body>'
                              f"</html>".encode())
        return self.article(path)

    def listing(self, page: int, headers: dict[str, str]) -> Reply:
        if self.mode == "relayout":  # a new template: articles behind script links the crawler cannot see
            items = "".join(f'<div class="tin" data-id="{n}" onclick="xemTin({n})">Tin số {n}</div>' for n in range(20))
            return Reply(body=f"<html><body><div class='ds-tin'>{items}</div></body></html>".encode())
        items = "".join(f'<li><a href="{href}">{escape(href.rsplit("/", 1)[-1])}</a></li>' for href in self.links())
        # The paging trap: every page number exists and links to the next one, for ever.
        paging = f'<a href="/tin-tuc?trang={page + 1}">»</a> <a href="{CALENDAR}?ngay=2026-11-23">Lịch công tác</a>'
        body = f"<html><body><h1>Tin tức</h1><ul>{items}</ul><div class='paging'>{paging}</div></body></html>".encode()
        etag = f'"{sha1(body).hexdigest()[:16]}"'
        if headers.get("if-none-match") == etag:
            return Reply(status=304, headers={"ETag": etag})
        return Reply(body=body, headers={"ETag": etag})

    def article(self, path: str) -> Reply:
        if path in NORMAL or path == MOVED_TO:
            return Reply(body=article_html(f"Bài viết thử nghiệm {path.rsplit('-', 1)[-1][:-5]}").encode())
        if path == MOVED:
            return Reply(status=301, headers={"Location": MOVED_TO})
        if path in (LOOP_A, LOOP_B):
            return Reply(status=302, headers={"Location": LOOP_B if path == LOOP_A else LOOP_A})
        if path == OFFSITE:
            return Reply(status=302, headers={"Location": "http://lien-ket-ngoai.example/bai-viet.html"})
        if path == PRIVATE:
            return Reply(status=302, headers={"Location": "http://192.168.10.20/quan-tri"})
        if path == LOOPBACK:
            return Reply(status=302, headers={"Location": f"{self.canary_base}/bi-mat"})
        if path == HUGE:
            chunk = b"<p>" + b"x" * (1024 * 1024 - 7) + b"</p>\n"
            return Reply(body=_repeat(chunk, HUGE_BYTES // len(chunk)), length=HUGE_BYTES // len(chunk) * len(chunk))
        if path == CP1258:
            return Reply(body=to_cp1258(article_html(CP1258_TITLE, charset="windows-1258")))
        if path == SLOW:
            return Reply(body=article_html("Bài viết phản hồi chậm").encode(), delay=SLOW_SECONDS)
        if path == RATE_LIMITED and self.seen[path] == 1:
            return Reply(status=429, body=b"Too Many Requests", headers={"Retry-After": "1"})
        if path == MAINTENANCE and self.seen[path] == 1:
            when = format_datetime(datetime.now(UTC) + timedelta(seconds=2), usegmt=True)
            return Reply(status=503, body=b"Service Unavailable", headers={"Retry-After": when})
        if path == LONG_WAIT:
            return Reply(status=429, body=b"Too Many Requests", headers={"Retry-After": "3600"})
        if path in (RATE_LIMITED, MAINTENANCE, FORBIDDEN):
            return Reply(body=article_html(f"Bài viết {path.rsplit('/', 1)[-1]}").encode())
        return Reply(status=404, body=b"<html><body>404</body></html>")


def _repeat(chunk: bytes, times: int) -> Iterator[bytes]:
    for _ in range(times):
        yield chunk
