"""The fixture portals' HTTP behaviour that crawler tests rely on: validators and 304s, Liferay's
session ids and article variants, the district site without feed, sitemap or validators, edits,
and the request log."""

import http.client
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from html import unescape
from urllib.parse import urlsplit

import pytest

from pipelines.extract import extract
from portalwatch.core import VN_TZ
from portalwatch.fixture_portals.content import SITE_CATEGORIES, articles_on, load_articles
from portalwatch.fixture_portals.server import (
    SITE_CLASSES,
    FixturePortals,
    LiferayPortal,
    PartyCommitteeSite,
    serve_fixture_portals,
)

TODAY = datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ)


class Reply:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def get(url: str, **headers: str) -> Reply:
    """One GET without redirects, cookies or caches in the way."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.netloc, timeout=10)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request("GET", path, headers={k.replace("_", "-"): v for k, v in headers.items()})
        resp = conn.getresponse()
        return Reply(resp.status, dict(resp.getheaders()), resp.read())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def portals() -> Iterator[FixturePortals]:
    """Servers of this module's own: edits made here never reach the pipeline run's portals."""
    with serve_fixture_portals(TODAY) as running:
        yield running


@pytest.fixture(autouse=True)
def no_edits(portals: FixturePortals) -> Iterator[None]:
    yield
    portals.reset_edits()


def url(portals: FixturePortals, site: str, path: str) -> str:
    return portals.base_urls[site] + path


def article_url(portals: FixturePortals, site: str, slug: str | None = None) -> str:
    server_site = portals.sites[site]
    article = next(a for a in server_site.articles if slug is None or a.slug == slug)
    return url(portals, site, server_site.href(article))


def links(html: str, pattern: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html) if re.search(pattern, unescape(h))]


@pytest.mark.parametrize(("site", "path"), [
    ("tinh", None), ("tinh", "/tin-tuc/chinh-tri"), ("bao", None), ("bao", "/feed/"), ("bao", "/post-sitemap.xml"),
    ("sokhcn", None), ("sokhcn", "/web/guest/tin-tuc"), ("sokhcn", "/sitemap.xml"),
])
def test_validators_and_conditional_get(portals: FixturePortals, site: str, path: str | None) -> None:
    target = url(portals, site, path) if path else article_url(portals, site)
    first = get(target)
    assert first.status == 200
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert re.fullmatch(r'(W/)?"[0-9a-f]{20}"', etag)
    for conditional in ({"If_None_Match": etag}, {"If_Modified_Since": modified},
                        {"If_None_Match": f'"stale", {etag}'}):
        again = get(target, **conditional)
        assert (again.status, again.body) == (304, b""), conditional
        assert again.headers["ETag"] == etag
    earlier = format_datetime(parsedate_to_datetime(modified) - timedelta(seconds=1), usegmt=True)
    assert get(target, If_Modified_Since=earlier).status == 200
    # If-None-Match decides when both are sent (RFC 9110): a stale tag means a full answer.
    assert get(target, If_None_Match='"stale"', If_Modified_Since=modified).status == 200


def test_last_modified_is_the_article_time_and_for_lists_the_newest_item(portals: FixturePortals) -> None:
    tinh = portals.sites["tinh"]
    article = tinh.articles[0]
    reply = get(url(portals, "tinh", tinh.href(article)))
    assert parsedate_to_datetime(reply.headers["Last-Modified"]) == tinh.modified(article)
    category = [a for a in tinh.articles if a.category == "kinh-te"]
    listing = get(url(portals, "tinh", "/tin-tuc/kinh-te"))
    newest = max(tinh.modified(a) for a in category[: tinh.per_page])
    assert parsedate_to_datetime(listing.headers["Last-Modified"]) == newest
    bao = portals.sites["bao"]
    feed = get(url(portals, "bao", "/feed/"))
    assert parsedate_to_datetime(feed.headers["Last-Modified"]) == max(bao.modified(a) for a in bao.articles[:15])


def test_district_site_sends_no_validators_and_ignores_conditions(portals: FixturePortals) -> None:
    for target in (article_url(portals, "dangbo"), url(portals, "dangbo", "/xay-dung-dang"),
                   url(portals, "dangbo", "/")):
        reply = get(target, If_Modified_Since="Fri, 01 Jan 2100 00:00:00 GMT", If_None_Match="*")
        assert reply.status == 200 and reply.body
        assert "ETag" not in reply.headers and "Last-Modified" not in reply.headers


def test_district_site_has_no_feed_or_sitemap_and_slug_dot_id_urls(portals: FixturePortals) -> None:
    robots = get(url(portals, "dangbo", "/robots.txt")).text
    assert "Sitemap" not in robots
    for path in ("/sitemap.xml", "/feed", "/rss", "/feed/"):
        assert get(url(portals, "dangbo", path)).status == 404
    home = get(url(portals, "dangbo", "/")).text
    district = portals.sites["dangbo"]
    article_links = set(links(home, r"^/[a-z0-9-]+\.\d+$"))
    assert article_links and article_links <= {district.href(a) for a in district.articles}
    assert links(home, r"^/van-ban/[a-z0-9-]+\.\d+$"), "documents look like articles but are not"
    assert links(home, r"^https?://"), "the footer and sidebar link out"
    # Reposted province news sits in the district's first section, paginated with ?page=N.
    first_section = next(iter(SITE_CATEGORIES["dangbo"]))
    page = get(url(portals, "dangbo", f"/{first_section}")).text
    assert f"/{first_section}?page=2" in page
    on_pages = set()
    for n in (1, 2):
        on_pages |= set(links(get(url(portals, "dangbo", f"/{first_section}?page={n}")).text, r"^/[a-z0-9-]+\.\d+$"))
    reposts = {district.href(a) for a in district.articles if a.sites[0] != "dangbo"}
    assert reposts and reposts <= on_pages


def _extract(reply: Reply) -> tuple[str, list[str], str | None]:
    found = extract(reply.body, reply.headers.get("Content-Type", ""))
    return found.title, found.paragraphs, found.canonical_url


def test_liferay_variants_serve_the_same_article_with_the_same_canonical(portals: FixturePortals) -> None:
    liferay = portals.sites["sokhcn"]
    assert isinstance(liferay, LiferayPortal)
    article = liferay.articles[0]
    clean = url(portals, "sokhcn", liferay.href(article))
    listing = get(url(portals, "sokhcn", "/web/guest/tin-tuc")).text
    from_list = next(h for h in links(listing, r"/content/") if f"/content/{article.slug};jsessionid=" in h)
    assert f"{liferay.param('redirect')}=" in from_list and "p_p_lifecycle=0" in from_list
    page = get(clean).text
    printed = next(h for h in links(page, r"p_p_state=pop_up"))
    assert liferay.param("viewMode") + "=print" in printed
    variants = [
        clean,
        url(portals, "sokhcn", from_list),
        url(portals, "sokhcn", printed),
        clean + "?utm_source=zalo&utm_medium=share",
        clean + "?fbclid=IwAR0aBcD3eFgH",
        url(portals, "sokhcn", "/vi" + liferay.href(article)),
    ]
    expected = _extract(get(clean))
    assert expected[2] == clean
    assert expected[0] == article.title
    for variant in variants:
        reply = get(variant)
        assert reply.status == 200, variant
        assert _extract(reply) == expected, variant
    assert f'href="{article_url(portals, "sokhcn", article.slug)}?utm_source=zalo&amp;utm_medium=share"' in page


def test_liferay_session_ids_vary_per_cookieless_render(portals: FixturePortals) -> None:
    target = url(portals, "sokhcn", "/web/guest/tin-tuc")
    first, second = get(target), get(target)
    ids = [set(re.findall(r";jsessionid=([0-9A-F]{32})", r.text)) for r in (first, second)]
    assert len(ids[0]) == len(ids[1]) == 1 and ids[0] != ids[1]
    assert first.headers["Set-Cookie"].startswith(f"JSESSIONID={ids[0].pop()};")
    # Only the session id differs: the representation is the same, weakly.
    assert first.headers["ETag"] == second.headers["ETag"] and first.headers["ETag"].startswith("W/")
    cookie = first.headers["Set-Cookie"].split(";")[0]
    with_cookie = get(target, Cookie=cookie)
    assert ";jsessionid=" not in with_cookie.text and "Set-Cookie" not in with_cookie.headers
    # A known session id in the URL is kept, as Tomcat does for clients without cookies.
    sid = cookie.split("=")[1]
    kept = get(url(portals, "sokhcn", f"/web/guest/tin-tuc;jsessionid={sid}"))
    assert set(re.findall(r";jsessionid=([0-9A-F]{32})", kept.text)) == {sid}


def test_liferay_pagination_and_page_size_reach_every_article(portals: FixturePortals) -> None:
    liferay = portals.sites["sokhcn"]
    assert isinstance(liferay, LiferayPortal)
    slugs = {a.slug for a in liferay.articles}
    pattern = r"/content/([a-z0-9-]+);jsessionid="
    page1 = get(url(portals, "sokhcn", "/web/guest/tin-tuc")).text
    next_page = next(h for h in links(page1, rf"{liferay.param('cur')}=2$"))
    page2 = get(url(portals, "sokhcn", next_page)).text
    listed = [re.findall(pattern, p.split('id="column-2"')[0]) for p in (page1, page2)]
    assert not set(listed[0]) & set(listed[1])
    assert set(listed[0]) | set(listed[1]) == slugs
    wide = next(h for h in links(page1, rf"{liferay.param('delta')}=75"))
    assert set(re.findall(pattern, get(url(portals, "sokhcn", wide)).text)) == slugs
    category, category_id = next(iter(liferay.category_ids.items()))
    filtered = get(url(portals, "sokhcn", f"/web/guest/tin-tuc?p_r_p_categoryId={category_id}")).text
    in_category = {a.slug for a in liferay.articles if a.category == category}
    assert set(re.findall(pattern, filtered.split('id="column-2"')[0])) == in_category
    # The sitemap lists the portal's pages, not its articles, like Liferay's own.
    sitemap = get(url(portals, "sokhcn", "/sitemap.xml")).text
    assert "/web/guest/tin-tuc<" in sitemap and "/content/" not in sitemap


def test_edit_changes_body_validators_lastmod_and_feed_on_every_site(portals: FixturePortals) -> None:
    article = next(a for a in articles_on("bao") if a.syndicated and "dangbo" in a.sites)
    bao = portals.sites["bao"]
    pages = {site: article_url(portals, site, article.slug) for site in article.sites}
    before = {site: get(page) for site, page in pages.items()}
    sitemap_before = get(url(portals, "bao", "/post-sitemap.xml"))
    feed_before = get(url(portals, "bao", "/feed/"))
    paragraph = "Chiều 23/11, Ban Tổ chức đã bổ sung chương trình gặp mặt cựu chiến binh tiêu biểu."
    moment = portals.edit(article.slug, paragraph)
    for site, page in pages.items():
        after = get(page)
        assert paragraph in after.text and paragraph not in before[site].text, site
        assert paragraph in extract(after.body).paragraphs[-1], site
        if site != "dangbo":
            assert after.headers["ETag"] != before[site].headers["ETag"]
            assert parsedate_to_datetime(after.headers["Last-Modified"]) == moment
            assert get(page, If_None_Match=before[site].headers["ETag"]).status == 200
            assert get(page, If_Modified_Since=before[site].headers["Last-Modified"]).status == 200
    assert f'<meta property="article:modified_time" content="{moment.isoformat()}">' in get(pages["bao"]).text
    href = f"{bao.base}{bao.href(article)}</loc><lastmod>"
    sitemap = get(url(portals, "bao", "/post-sitemap.xml"))
    assert f"{href}{moment.isoformat()}</lastmod>" in sitemap.text
    assert sitemap.headers["ETag"] != sitemap_before.headers["ETag"]
    assert parsedate_to_datetime(sitemap.headers["Last-Modified"]) == moment
    if article in bao.articles[: bao.feed_size]:
        feed = get(url(portals, "bao", "/feed/"))
        assert paragraph in feed.text and feed.headers["ETag"] != feed_before.headers["ETag"]
    second = portals.edit(article.slug, "Một đoạn bổ sung nữa.")
    assert second > moment
    portals.reset_edits()
    for site, page in pages.items():
        again = get(page)
        assert paragraph not in again.text
        if site != "dangbo":
            assert again.headers["ETag"] == before[site].headers["ETag"]
    with pytest.raises(KeyError):
        portals.edit("khong-co-bai-nay", paragraph)


def test_requests_are_logged_in_order_with_status(portals: FixturePortals) -> None:
    start = len(portals.requests)
    tinh_article = article_url(portals, "tinh")
    first = get(tinh_article)
    get(tinh_article, If_None_Match=first.headers["ETag"])
    get(url(portals, "dangbo", "/xay-dung-dang?page=1"))
    get(url(portals, "sokhcn", "/khong-co-trang-nay"))
    path = urlsplit(tinh_article).path
    assert portals.requests[start:] == [
        ("tinh", path, 200), ("tinh", path, 304), ("dangbo", "/xay-dung-dang?page=1", 200),
        ("sokhcn", "/khong-co-trang-nay", 404),
    ]
    assert portals.hits[f"tinh{path}"] >= 2 and portals.hits["dangbo/xay-dung-dang"] >= 1


def test_registry_lists_every_site_and_a_homepage_only_version(portals: FixturePortals) -> None:
    sources = portals.sources()
    assert [s.id for s in sources] == ["binhgiang-gov", "baobinhgiang", "sokhcn-hason", "dangbo-tanlap"]
    assert len(sources) == len(SITE_CLASSES)
    assert {s.province for s in sources} == {"Bình Giang", "Hà Sơn"}
    liferay, district = sources[2], sources[3]
    assert not (liferay.feeds or liferay.sitemaps or district.feeds or district.sitemaps)
    assert liferay.list_pages and district.list_pages and liferay.article_pattern and district.article_pattern
    bare = portals.homepage_only_sources()
    assert [(s.id, s.name, s.province, s.homepage) for s in bare] == [
        (s.id, s.name, s.province, s.homepage) for s in sources]
    for source in bare:
        assert source.model_dump(exclude_defaults=True).keys() == {"id", "name", "province", "homepage"}


def test_new_families_have_their_own_articles_and_reposts() -> None:
    district = PartyCommitteeSite("http://db.test", TODAY)
    liferay = LiferayPortal("http://so.test", TODAY)
    assert sum(a.sites == ("sokhcn",) for a in load_articles()) >= 10
    assert sum(a.sites == ("dangbo",) for a in load_articles()) >= 10
    reposts = [a for a in district.articles if a.sites[0] != "dangbo"]
    assert reposts and all(district.published(a) > a.published for a in reposts)
    for article in load_articles():
        assert article.category in SITE_CATEGORIES[article.sites[0]]
        assert datetime(2026, 10, 26, tzinfo=VN_TZ) <= article.published < datetime(2026, 11, 23, tzinfo=VN_TZ)
    assert all(a.sites == ("sokhcn",) for a in liferay.articles)  # another province: nothing reposted
