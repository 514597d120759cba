"""Family (b): a WordPress newspaper (Báo) with an RSS feed, a sitemap index and comment forms."""

from collections.abc import Mapping
from email.utils import format_datetime

from portalwatch.fixture_portals.content import CATEGORIES, FixtureArticle
from portalwatch.fixture_portals.site import TEMPLATES, Response, Site


class WordPressNews(Site):
    """Family (b): a WordPress newspaper with RSS, a sitemap index and comment forms."""

    name = "bao"
    credit = "Báo Bình Giang"
    per_page = 6
    feed_size = 15

    @property
    def robots(self) -> str:
        rules = "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n"
        return f"{rules}\nSitemap: {self.base}/sitemap.xml\n"

    def href(self, article: FixtureArticle) -> str:
        return f"{self.published(article):/%Y/%m/%d}/{article.slug}/"

    def route(self, path: str, query: dict[str, list[str]], cookies: Mapping[str, str] | None = None) -> Response:
        parts = path.strip("/").split("/")
        if path == "/robots.txt":
            return Response(200, self.robots.encode(), "text/plain")
        if path == "/feed/":
            return self.feed()
        if path == "/sitemap.xml":
            return self.sitemap_index()
        if path == "/post-sitemap.xml":
            return self.sitemap()
        if path == "/":
            return self.listing(self.articles, 1, "/", None)
        if parts[0] == "chuyen-muc" and len(parts) >= 2 and parts[1] in CATEGORIES:
            page = int(parts[3]) if len(parts) == 4 and parts[2] == "page" else 1
            items = [a for a in self.articles if a.category == parts[1]]
            return self.listing(items, page, f"/chuyen-muc/{parts[1]}/", CATEGORIES[parts[1]])
        if len(parts) == 4 and parts[0].isdigit():
            for article in self.articles:
                if self.href(article) == path:
                    return self.render("bao_article.html", modified=self.modified(article), a=self.view(article),
                                       related=self.related(article))
        return self.not_found()

    def listing(self, items: list[FixtureArticle], page: int, list_base: str, name: str | None) -> Response:
        shown, pages = self.paged([self.view(a) for a in items], page)
        if page > pages:
            return self.not_found()
        return self.render("bao_list.html", modified=self.newest(shown), items=shown, page=page, pages=pages,
                           list_base=list_base, category_name=name)

    def feed(self) -> Response:
        # WordPress puts the full text in content:encoded, so an edit changes the feed's entry too.
        items = [self.view(a) | {"rfc822": format_datetime(self.published(a))} for a in self.articles[: self.feed_size]]
        return self.xml("bao_feed.xml", items=items)

    def sitemap_index(self) -> Response:
        return self.xml("bao_sitemap_index.xml", items=[self.view(a) for a in self.articles])

    def sitemap(self) -> Response:
        return self.xml("bao_sitemap.xml", items=[self.view(a) for a in self.articles])

    def xml(self, template: str, items: list[dict]) -> Response:
        body = TEMPLATES.get_template(template).render(base=self.base, items=items, newest=self.newest(items))
        return Response(200, body.encode("utf-8"), "application/xml; charset=utf-8", modified=self.newest(items))
