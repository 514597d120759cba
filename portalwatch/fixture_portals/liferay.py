"""Family (c): a department portal (Sở) on Liferay 7: portlet URLs, session ids, print and tracking variants."""

import secrets
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar
from urllib.parse import quote, urlencode

from portalwatch.fixture_portals.content import FixtureArticle
from portalwatch.fixture_portals.site import SITE_LAUNCH, TEMPLATES, Edit, Response, Site, strong_etag

LIFERAY_PORTLET = "com_liferay_asset_publisher_web_portlet_AssetPublisherPortlet_INSTANCE_"
# Where a Liferay page's links get the session id; replaced after rendering (see LiferayPortal.with_session).
SID_MARK = ";jsessionid=@SID@"


class LiferayPortal(Site):
    """Family (c): a department portal on Liferay 7 (Sở Khoa học và Công nghệ of a second province).

    Articles live in the news page's Asset Publisher: clean URL
    /web/guest/tin-tuc/-/asset_publisher/<instance>/content/<urlTitle>, linked from lists with the
    portlet's parameters and a `_redirect` back to the list. Without a session cookie Tomcat rewrites
    every link with `;jsessionid=`, a new id per cookieless render. Each article also answers as a
    print pop-up (`p_p_state=pop_up`, `_viewMode=print`) and with tracking parameters; all carry the
    same canonical link. The portal's sitemap lists its pages (layouts), not its articles, as Liferay's
    built-in sitemap does for content shown through an Asset Publisher; there is no feed.
    """

    name = "sokhcn"
    credit = "Sở KH&CN"
    per_page = 10  # the Asset Publisher's default delta
    deltas = (5, 10, 20, 30, 50, 75)  # the delta selector's choices; larger requests are clamped to the last
    news = "/web/guest/tin-tuc"
    home = "/web/guest/trang-chu"
    instance = "hT4kQw9ZbN2x"
    # Asset categories of the news vocabulary, filtered with the public render parameter p_r_p_categoryId.
    category_ids: ClassVar[dict[str, int]] = {
        "tin-hoat-dong": 40518, "chuyen-doi-so": 40523, "dang-doan-the": 40527, "khoa-hoc-cong-nghe": 40531,
    }
    layouts: ClassVar[dict[str, str]] = {
        "/web/guest/gioi-thieu": "Giới thiệu",
        "/web/guest/co-cau-to-chuc": "Cơ cấu tổ chức",
        "/web/guest/van-ban-chi-dao-dieu-hanh": "Văn bản chỉ đạo điều hành",
        "/web/guest/lien-he": "Liên hệ",
    }
    robots = "User-Agent: *\nDisallow: /c/\nDisallow: /api/\n"

    def __init__(self, base: str, today: datetime, edits: Mapping[str, Edit] | None = None) -> None:
        super().__init__(base, today, edits)
        self.sessions: set[str] = set()
        self._sessions_lock = threading.Lock()

    @property
    def portlet(self) -> str:
        return LIFERAY_PORTLET + self.instance

    def param(self, name: str) -> str:
        """A portlet's own parameters are namespaced with its id."""
        return f"_{self.portlet}_{name}"

    def href(self, article: FixtureArticle) -> str:
        return f"{self.news}/-/asset_publisher/{self.instance}/content/{article.slug}"

    def list_url(self, category: str | None = None, cur: int = 1, delta: int | None = None) -> str:
        """A news list URL as the portal writes it: bare for a category's first page, portlet parameters after."""
        params: dict[str, str] = {}
        if cur > 1 or delta:
            params |= {"p_p_id": self.portlet, "p_p_lifecycle": "0", "p_p_state": "normal", "p_p_mode": "view"}
        if category:
            params["p_r_p_categoryId"] = str(self.category_ids[category])
        if cur > 1 or delta:
            params |= {self.param("delta"): str(delta or self.per_page), "p_r_p_resetCur": "false",
                       self.param("cur"): str(cur)}
        return self.news + SID_MARK + (f"?{urlencode(params)}" if params else "")

    def link(self, article: FixtureArticle, redirect: str) -> str:
        """An article link in a list: the portlet's render parameters and the way back."""
        params = {"p_p_id": self.portlet, "p_p_lifecycle": "0", "p_p_state": "normal", "p_p_mode": "view",
                  self.param("assetEntryId"): str(article.number),
                  self.param("redirect"): self.base + redirect.replace(SID_MARK, "")}
        return f"{self.href(article)}{SID_MARK}?{urlencode(params, quote_via=quote)}"

    def print_link(self, article: FixtureArticle) -> str:
        params = {"p_p_id": self.portlet, "p_p_lifecycle": "0", "p_p_state": "pop_up", "p_p_mode": "view",
                  self.param("viewMode"): "print", self.param("assetEntryId"): str(article.number)}
        return f"{self.href(article)}{SID_MARK}?{urlencode(params)}"

    def view(self, article: FixtureArticle) -> dict:
        view = super().view(article)
        share = f"{self.base}{view['href']}?utm_source=zalo&utm_medium=share"
        return view | {"print": self.print_link(article), "zalo": share,
                       "facebook": "https://www.facebook.com/sharer/sharer.php?u=" + quote(self.base + view["href"],
                                                                                          safe=""),
                       "views": 120 + article.number % 880}

    def listed(self, articles: list[FixtureArticle], redirect: str) -> list[dict]:
        return [self.view(a) | {"link": self.link(a, redirect)} for a in articles]

    def render(self, template: str, modified: datetime | None = None, **context: object) -> Response:
        here = str(context.pop("here", self.home + SID_MARK))
        return super().render(template, modified, here=here, news=self.news, home=self.home, sid=SID_MARK,
                              layouts=self.layouts, category_urls={c: self.list_url(c) for c in self.categories},
                              news_url=self.list_url(), newest_items=self.listed(self.articles[:5], here), **context)

    def route(self, path: str, query: dict[str, list[str]], cookies: Mapping[str, str] | None = None) -> Response:
        path, _, path_params = path.partition(";")
        if path.startswith(("/vi/", "/en/")):
            # Locale-prefixed spellings of every page; without an English translation both show Vietnamese.
            path = path[3:]
        url_sid = path_params.removeprefix("jsessionid=") if path_params.startswith("jsessionid=") else ""
        return self.with_session(self.dispatch(path, query), url_sid, cookies or {})

    def with_session(self, resp: Response, url_sid: str, cookies: Mapping[str, str]) -> Response:
        """Tomcat's URL rewriting: links carry the session id until the client returns the cookie."""
        marked = SID_MARK.encode()
        if marked not in resp.body:
            return resp
        # The same page in another session differs only in its links: weakly the same representation.
        resp.etag = "W/" + strong_etag(resp.body)
        with self._sessions_lock:
            if cookies.get("JSESSIONID") in self.sessions:
                sid = ""
            elif url_sid in self.sessions:
                sid = url_sid
            else:
                sid = secrets.token_hex(16).upper()
                self.sessions.add(sid)
                resp.headers["Set-Cookie"] = f"JSESSIONID={sid}; Path=/; HttpOnly"
        resp.body = resp.body.replace(marked, f";jsessionid={sid}".encode() if sid else b"")
        return resp

    def dispatch(self, path: str, query: dict[str, list[str]]) -> Response:
        if path == "/robots.txt":
            return Response(200, f"{self.robots}Sitemap: {self.base}/sitemap.xml\n".encode(), "text/plain")
        if path == "/sitemap.xml":
            body = TEMPLATES.get_template("sokhcn_sitemap.xml").render(
                base=self.base, pages=[self.home, self.news, *self.layouts], launched=SITE_LAUNCH.isoformat())
            return Response(200, body.encode("utf-8"), "application/xml; charset=utf-8", modified=SITE_LAUNCH)
        if path in ("/", self.home):
            return self.homepage()
        if path == self.news:
            return self.listing(query)
        prefix = f"{self.news}/-/asset_publisher/{self.instance}/content/"
        if path.startswith(prefix):
            return self.article(path.removeprefix(prefix), query)
        if path in self.layouts:
            return self.render("sokhcn_page.html", modified=SITE_LAUNCH, page_title=self.layouts[path],
                               here=path + SID_MARK)
        return self.not_found()

    def homepage(self) -> Response:
        here = self.home + SID_MARK
        featured = self.listed(self.articles[:4], here)
        if featured:
            # Pasted by an editor from the department's Facebook page, click id and all.
            featured[0]["link"] = f"{self.href(self.articles[0])}?fbclid=IwAR2x8Kd0QmZ7pLvT4nB1cYhS9eWu3fJ6gRk"
        blocks = {c: self.listed([a for a in self.articles if a.category == c][:3], here) for c in self.categories}
        shown = featured + [v for items in blocks.values() for v in items]
        return self.render("sokhcn_home.html", modified=self.newest(shown), featured=featured, blocks=blocks,
                           here=here)

    def listing(self, query: dict[str, list[str]]) -> Response:
        by_id = {str(v): k for k, v in self.category_ids.items()}
        category = by_id.get(query.get("p_r_p_categoryId", [""])[0])
        try:
            delta = int(query.get(self.param("delta"), [str(self.per_page)])[0])
            cur = int(query.get(self.param("cur"), ["1"])[0])
        except ValueError:
            delta, cur = self.per_page, 1
        delta = min(max(delta, 1), self.deltas[-1])
        articles = [a for a in self.articles if category is None or a.category == category]
        pages = max(1, -(-len(articles) // delta))
        cur = min(max(cur, 1), pages)  # Liferay's search container clamps a page number past the end
        here = self.list_url(category, cur, delta if delta != self.per_page else None)
        items = self.listed(articles[(cur - 1) * delta : cur * delta], here)
        pager = [(n, self.list_url(category, n, delta)) for n in range(1, pages + 1)]
        return self.render("sokhcn_list.html", modified=self.newest(items), items=items, cur=cur, pages=pages,
                           pager=pager, delta=delta, total=len(articles), here=here,
                           delta_links=[(d, self.list_url(category, 1, d)) for d in self.deltas],
                           category_name=self.categories[category] if category else "Tin tức")

    def article(self, slug: str, query: dict[str, list[str]]) -> Response:
        article = next((a for a in self.articles if a.slug == slug), None)
        if article is None:
            return self.not_found()
        redirect = query.get(self.param("redirect"), [""])[0]
        if not redirect.startswith(self.base + "/"):  # Liferay only follows redirects to its own host
            redirect = self.list_url(article.category)
        if query.get("p_p_state") == ["pop_up"]:
            return self.render("sokhcn_print.html", modified=self.modified(article), a=self.view(article))
        here = self.href(article) + SID_MARK
        others = [a for a in self.articles if a.category == article.category and a is not article][:5]
        return self.render("sokhcn_article.html", modified=self.modified(article), a=self.view(article),
                           back=redirect, others=self.listed(others, here), here=here)
