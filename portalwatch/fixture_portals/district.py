"""Family (d): a district Party committee's site (Đảng bộ huyện): no feed, sitemap or validators."""

import re
from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar

from portalwatch.fixture_portals.content import FixtureArticle
from portalwatch.fixture_portals.site import Response, Site, slugify

# A district committee's documents ("Văn bản"): number, title, issued on, document id in the CMS.
DISTRICT_DOCUMENTS = (
    ("125-KH/HU", "Kế hoạch tuyên truyền kỷ niệm 82 năm Ngày thành lập Quân đội nhân dân Việt Nam và 37 năm "
     "Ngày hội Quốc phòng toàn dân", "10/11/2026", 215),
    ("121-KH/HU", "Kế hoạch kiểm điểm, đánh giá, xếp loại chất lượng tổ chức đảng, đảng viên năm 2026",
     "02/11/2026", 213),
    ("46-CV/BTGDVHU", "Công văn về việc hưởng ứng Cuộc thi chính luận về bảo vệ nền tảng tư tưởng của Đảng năm 2026",
     "28/10/2026", 211),
    ("118-QĐ/HU", "Quyết định kiện toàn Ban Chỉ đạo 35 huyện Tân Lập", "15/10/2026", 208),
    ("09-HD/UBKTHU", "Hướng dẫn thực hiện chương trình kiểm tra, giám sát năm 2027", "12/10/2026", 206),
)
_DOCUMENT_SLUG = re.compile(r"^/van-ban/[a-z0-9-]+\.(\d+)$")


class PartyCommitteeSite(Site):
    """Family (d): a district Party committee's site (Đảng bộ huyện) on a small local CMS.

    Articles are /<slug>.<id>; sections are short slugs (/xay-dung-dang) paginated with ?page=N.
    No feed, no sitemap (robots.txt names none), no ETag or Last-Modified, and links everywhere:
    menus, a marquee, "Tin mới" and "Văn bản" boxes, a footer of links. It reposts province news.
    """

    name = "dangbo"
    credit = "Huyện ủy Tân Lập"
    per_page = 6
    sends_validators = False  # many district CMSs send neither validator; conditional requests get 200
    robots = "User-agent: *\nDisallow: /quan-tri/\nDisallow: /tim-kiem\n"
    pages: ClassVar[dict[str, str]] = {
        "/gioi-thieu": "Giới thiệu chung",
        "/lich-su-dang-bo-huyen": "Lịch sử Đảng bộ huyện",
        "/ban-chap-hanh-dang-bo-huyen": "Ban Chấp hành Đảng bộ huyện",
        "/lien-he": "Liên hệ",
    }

    def href(self, article: FixtureArticle) -> str:
        return f"/{article.slug}.{article.number}"

    def documents(self) -> list[dict]:
        return [{"number": number, "title": title, "date": date, "file": slugify(number) + ".pdf",
                 "href": f"/van-ban/{slugify(title)}.{doc_id}"} for number, title, date, doc_id in DISTRICT_DOCUMENTS]

    def render(self, template: str, modified: datetime | None = None, **context: object) -> Response:
        return super().render(template, modified, documents=self.documents(), static_pages=self.pages, **context)

    def route(self, path: str, query: dict[str, list[str]], cookies: Mapping[str, str] | None = None) -> Response:
        if path == "/robots.txt":
            return Response(200, self.robots.encode(), "text/plain")
        if path == "/":
            items = [self.view(a) for a in self.articles]
            blocks = {c: [v for v in items if v["category"] == c][:4] for c in self.categories}
            return self.render("dangbo_home.html", featured=items[:5], blocks=blocks)
        name = path.strip("/")
        if name in self.categories:
            try:
                page = int(query.get("page", ["1"])[0])
            except ValueError:
                page = 1
            items = [self.view(a) for a in self.articles if self.category_of(a) == name]
            shown, pages = self.paged(items, page)
            if not 1 <= page <= pages:
                return self.not_found()
            return self.render("dangbo_list.html", items=shown, page=page, pages=pages, category=name,
                               category_name=self.categories[name])
        if path in self.pages:
            return self.render("dangbo_page.html", page_title=self.pages[path])
        if path == "/van-ban":
            return self.render("dangbo_documents.html")
        if _DOCUMENT_SLUG.match(path):
            doc = next((d for d in self.documents() if d["href"] == path), None)
            if doc:
                return self.render("dangbo_document.html", doc=doc)
        if path.startswith("/uploads/van-ban/") and any(path.endswith(d["file"]) for d in self.documents()):
            return Response(200, b"%PDF-1.4\n% scanned document\n%%EOF\n", "application/pdf")
        for article in self.articles:
            if self.href(article) == path:
                return self.render("dangbo_article.html", a=self.view(article), related=self.related(article))
        return self.not_found()
