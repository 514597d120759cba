"""Family (a): a provincial portal (Cổng thông tin điện tử tỉnh) with category lists and numbered pagination."""

from collections.abc import Mapping

from portalwatch.fixture_portals.content import CATEGORIES, FixtureArticle
from portalwatch.fixture_portals.site import Response, Site

# Broken pages linked from the portal's "Xã hội" list like any other article.
MALFORMED, NO_DATE, MISSING = 9001, 9002, 9003


class ProvincialPortal(Site):
    """Family (a): a provincial portal with category lists and numbered pagination."""

    name = "tinh"
    credit = "Cổng TTĐT tỉnh"
    per_page = 8
    robots = "User-agent: *\nDisallow: /tim-kiem/\nDisallow: /admin/\n"

    def href(self, article: FixtureArticle) -> str:
        return f"/tin-tuc/{article.category}/{article.slug}-{article.number}.html"

    def broken_links(self) -> list[dict]:
        titles = {
            MALFORMED: ("trang-loi-du-lieu", "Thông báo lịch tiếp công dân tháng 11"),
            NO_DATE: ("gioi-thieu-chung-ve-tinh-binh-giang", "Giới thiệu chung về tỉnh Bình Giang"),
            MISSING: ("bai-viet-da-go", "Thông tin về việc điều chỉnh giá nước sạch"),
        }
        return [
            {"href": f"/tin-tuc/xa-hoi/{slug}-{num}.html", "title": title, "lead": "", "number": num,
             "date_short": f"{self.today:%d/%m/%Y}"}
            for num, (slug, title) in titles.items()
        ]

    def route(self, path: str, query: dict[str, list[str]], cookies: Mapping[str, str] | None = None) -> Response:
        if path == "/robots.txt":
            return Response(200, self.robots.encode(), "text/plain")
        if path == "/":
            items = [self.view(a) for a in self.articles[:10]]
            return self.render("tinh_home.html", modified=self.newest(items), items=items)
        parts = path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "tin-tuc" and parts[1] in CATEGORIES:
            return self.category(parts[1], int(query.get("trang", ["1"])[0]))
        if len(parts) == 3 and parts[0] == "tin-tuc" and parts[2].endswith(".html"):
            return self.article(parts[2])
        return self.not_found()

    def category(self, category: str, page: int) -> Response:
        items = [self.view(a) for a in self.articles if a.category == category]
        if category == "xa-hoi":
            items = self.broken_links() + items
        shown, pages = self.paged(items, page)
        if page > pages:
            return self.not_found()
        return self.render(
            "tinh_list.html", modified=self.newest(shown), items=shown, page=page, pages=pages, category=category,
            category_name=CATEGORIES[category],
        )

    def article(self, name: str) -> Response:
        number = int(name.removesuffix(".html").rsplit("-", 1)[-1])
        if number == MALFORMED:
            # A CMS error mid-render: truncated markup followed by binary junk.
            return Response(200, b"<html><head><meta charset='utf-8'><title>L\xe1\xbb\x97i</title></head>"
                                 b"<body><div class='article-detail'><h1>\x00\x8f\xff\xfe\x01\x02")
        if number == NO_DATE:
            intro = FixtureArticle(
                slug="gioi-thieu-chung-ve-tinh-binh-giang", sites=("tinh",), category="xa-hoi",
                title="Giới thiệu chung về tỉnh Bình Giang",
                lead="Bình Giang là tỉnh trung du có diện tích tự nhiên hơn 3.800 km², dân số khoảng 1,3 triệu người.",
                body=(
                    "Tỉnh Bình Giang có 8 đơn vị hành chính cấp huyện, gồm thành phố Bình Giang và các huyện "
                    "Tân Lập, Sơn Động, Phú Bình, Yên Thế, Lục Nam, Hiệp Hòa và Việt Yên.\n\n"
                    "Địa hình của tỉnh thấp dần từ tây bắc xuống đông nam, có hệ thống sông Thương và sông Cầu "
                    "chảy qua, thuận lợi cho phát triển nông nghiệp, giao thông thủy và du lịch sinh thái.\n\n"
                    "Kinh tế của tỉnh những năm gần đây tăng trưởng khá, cơ cấu chuyển dịch theo hướng công nghiệp, "
                    "dịch vụ; nhiều khu công nghiệp được đầu tư hạ tầng đồng bộ, thu hút các dự án lớn."
                ),
                published=self.today, author="", attribution="", topics=(), number=NO_DATE,
            )
            view = self.view(intro) | {"dateline": ""}
            return self.render("tinh_article.html", a=view, related=[])
        for article in self.articles:
            if article.number == number:
                return self.render("tinh_article.html", modified=self.modified(article), a=self.view(article),
                                   related=self.related(article))
        return self.not_found()
