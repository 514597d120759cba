"""Discovery from a homepage alone: feeds, sitemaps, list pages, and article links told from navigation."""
# The HTML snippets keep real portals' long lines (a Liferay link runs to 500 characters).
# ruff: noqa: E501

import gzip
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.request import urlopen

import pytest

from crawlers.discovery import (
    changed_after,
    classify_links,
    discover,
    feeds_in,
    learn_article_pattern,
    lists_articles,
    looks_like_feed,
    parse_sitemap,
    sitemap_guesses,
    sitemaps_in_robots,
    w3c_datetime,
)
from portalwatch.core import VN_TZ
from portalwatch.core.urls import is_article_url
from portalwatch.fixture_portals.content import CATEGORIES
from portalwatch.fixture_portals.server import FixturePortals, ProvincialPortal, WordPressNews

TODAY = datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ)


def _get(base: str, path: str) -> str:
    with urlopen(f"{base}{path}", timeout=10) as response:
        return response.read().decode("utf-8")


# ------------------------------------------------------------------------------------ the fixture portals


def test_discovery_from_the_newspaper_homepage_finds_its_feed_sitemap_and_sections(portals: FixturePortals) -> None:
    base = portals.base_urls["bao"]
    found = discover(f"{base}/", _get(base, "/"), _get(base, "/robots.txt"))

    assert found.feeds == [f"{base}/feed/"]
    assert found.sitemaps == [f"{base}/sitemap.xml"]
    assert found.sitemap_guesses == []  # robots.txt named one: no blind requests
    assert found.list_pages == [f"{base}/chuyen-muc/{cat}/" for cat in CATEGORIES]
    # The feed and the sitemap the discovery found are real, and the sitemap index leads to the articles.
    assert looks_like_feed(_get(base, "/feed/").encode())
    index = parse_sitemap(_get(base, "/sitemap.xml").encode(), f"{base}/sitemap.xml")
    assert index.sitemaps == [f"{base}/post-sitemap.xml"] and index.urls == []
    urlset = parse_sitemap(_get(base, "/post-sitemap.xml").encode(), f"{base}/post-sitemap.xml")
    site = WordPressNews(base, portals.today)
    hrefs = {f"{base}{site.href(a)}" for a in site.articles}
    assert hrefs <= {u.loc for u in urlset.urls}
    assert all(u.lastmod and u.lastmod.tzinfo for u in urlset.urls if u.loc in hrefs)


def test_discovery_from_the_portal_homepage_finds_its_category_lists(portals: FixturePortals) -> None:
    base = portals.base_urls["tinh"]
    home = _get(base, "/")
    found = discover(f"{base}/", home, _get(base, "/robots.txt"))

    assert found.feeds == []
    assert found.sitemaps == []  # its robots.txt names none…
    assert f"{base}/sitemap.xml" in found.sitemap_guesses  # …so the usual places are offered to try
    assert found.list_pages == [f"{base}/tin-tuc/{cat}" for cat in CATEGORIES]
    # Every list page the spider would fetch really is one: its main part links to articles.
    for url in found.list_pages:
        assert lists_articles(_get(base, url.removeprefix(base)), url, found.article_pattern)
    # The "Tin mới nhất" box every page carries in its sidebar does not make a page a list.
    bare = ProvincialPortal(base, portals.today).render("tinh_home.html", items=[]).body.decode()
    assert not lists_articles(bare, f"{base}/lien-he", found.article_pattern)


@pytest.mark.parametrize("family", [ProvincialPortal, WordPressNews])
def test_learned_pattern_matches_every_fixture_article_and_no_navigation(family: type) -> None:
    base = "https://binhgiang.gov.vn" if family is ProvincialPortal else "https://baobinhgiang.vn"
    site = family(base, TODAY)
    pages = [(f"{base}/", site.route("/", {}).body.decode())]
    if family is ProvincialPortal:
        pages += [(f"{base}/tin-tuc/{c}", site.route(f"/tin-tuc/{c}", {}).body.decode()) for c in CATEGORIES]
    else:
        pages += [(f"{base}/chuyen-muc/{c}/", site.route(f"/chuyen-muc/{c}/", {}).body.decode()) for c in CATEGORIES]

    pattern = learn_article_pattern(pages)
    assert pattern is not None
    for article in site.articles:
        assert is_article_url(f"{base}{site.href(article)}", pattern), site.href(article)
    navigation = [f"{base}{p}" for p in ("/", "/lien-he", "/so-do-site", "/tim-kiem/", "/van-ban", "/tin-tuc",
                                         "/gioi-thieu/", "/feed/", "/sitemap.xml", "/page/2/")]
    navigation += [f"{base}/tin-tuc/{c}" for c in CATEGORIES] + [f"{base}/tin-tuc/{c}?trang=2" for c in CATEGORIES]
    navigation += [f"{base}/chuyen-muc/{c}/" for c in CATEGORIES] + [f"{base}/chuyen-muc/{c}/page/2/" for c in CATEGORIES]
    assert [u for u in navigation if is_article_url(u, pattern)] == []


def test_pattern_from_the_homepage_alone_already_covers_articles_of_every_category() -> None:
    site = ProvincialPortal("https://binhgiang.gov.vn", TODAY)
    pattern = learn_article_pattern([("https://binhgiang.gov.vn/", site.route("/", {}).body.decode())])
    assert pattern is not None
    assert all(is_article_url(f"{site.base}{site.href(a)}", pattern) for a in site.articles)


def test_portal_list_page_splits_articles_pagination_and_menu() -> None:
    site = ProvincialPortal("https://binhgiang.gov.vn", TODAY)
    url = f"{site.base}/tin-tuc/chinh-tri"
    found = classify_links(site.route("/tin-tuc/chinh-tri", {"trang": ["2"]}).body.decode(), f"{url}?trang=2")
    listed = [a for a in site.articles if a.category == "chinh-tri"][8:16]
    assert {f"{site.base}{site.href(a)}" for a in listed} <= set(found.articles)
    assert f"{url}?trang=1" in found.pagination and f"{url}?trang=3" in found.pagination
    assert set(found.lists) == {f"{site.base}/tin-tuc/{c}" for c in CATEGORIES} | {f"{site.base}/tin-tuc"}
    assert {f"{site.base}/lien-he", f"{site.base}/van-ban", f"{site.base}/"} <= set(found.other)
    assert not set(found.articles) & (set(found.lists) | set(found.pagination) | set(found.other))


# ------------------------------------------------------------------------------------ real-world shapes


@dataclass
class Snippet:
    name: str
    url: str
    html: str
    articles: set[str]  # every article the page lists (recall)
    navigation: set[str]  # menu, header, footer, breadcrumb, paging links (precision)
    lists: set[str]  # sections discovery should offer as list pages
    # Chrome links in the article URL template (an "about" page the CMS serves as an article): structure keeps
    # them out of `classify_links`' articles; a URL pattern cannot, so the pattern test leaves them aside.
    article_shaped_chrome: frozenset[str] = frozenset()


_CHROME_VI = """
<div id="header"><div class="top-links"><a href="/dang-nhap">Đăng nhập</a> | <a href="/en">English</a>
 | <a href="/tim-kiem?q=">Tìm kiếm</a></div><img src="/banner.png" alt="Cổng thông tin"></div>
"""

SNIPPETS = [
    Snippet(
        "provincial portal, /tin-tuc/<category>/<slug>-<id>.html",
        "https://www.thanhhoa.gov.vn/",
        """<!DOCTYPE html><html><head><title>Cổng TTĐT tỉnh</title></head><body>""" + _CHROME_VI + """
<ul class="menu-top"><li><a href="/">Trang chủ</a></li><li><a href="/gioi-thieu">Giới thiệu</a></li>
<li><a href="/tin-tuc">Tin tức - Sự kiện</a><ul class="sub-menu">
  <li><a href="/tin-tuc/chinh-tri">Chính trị</a></li><li><a href="/tin-tuc/kinh-te">Kinh tế</a></li>
  <li><a href="/tin-tuc/hoc-tap-va-lam-theo-tu-tuong-dao-duc-phong-cach-ho-chi-minh">Học tập và làm theo
   tư tưởng, đạo đức, phong cách Hồ Chí Minh</a></li></ul></li>
<li><a href="/van-ban">Văn bản chỉ đạo điều hành</a></li><li><a href="/so-do-cong">Sơ đồ cổng</a></li>
<li><a href="/lien-he">Liên hệ</a></li></ul>
<div class="content">
 <div class="tin-noi-bat"><a href="/tin-tuc/chinh-tri/hoi-nghi-ban-chap-hanh-dang-bo-tinh-lan-thu-15-12345.html">
   <img src="/uploads/a.jpg" alt=""></a>
  <h2><a href="/tin-tuc/chinh-tri/hoi-nghi-ban-chap-hanh-dang-bo-tinh-lan-thu-15-12345.html">Hội nghị Ban Chấp
   hành Đảng bộ tỉnh lần thứ 15</a></h2></div>
 <div class="box-cat"><h3 class="title"><a href="/tin-tuc/kinh-te">Kinh tế</a></h3><ul>
  <li><a href="/tin-tuc/kinh-te/thu-ngan-sach-11-thang-dat-112-phan-tram-du-toan-12346.html">Thu ngân sách 11
   tháng đạt 112% dự toán</a></li>
  <li><a href="/tin-tuc/kinh-te/khoi-cong-cao-toc-noi-hai-tinh-12347.html">Khởi công cao tốc nối hai tỉnh</a></li>
  <li><a href="/tin-tuc/kinh-te/gia-lua-tang-12348.html">Giá lúa tăng</a></li></ul>
  <a href="/tin-tuc/kinh-te" class="more">Xem thêm</a></div>
 <div class="box-cat"><h3 class="title"><a href="/tin-tuc/hoc-tap-va-lam-theo-tu-tuong-dao-duc-phong-cach-ho-chi-minh">
   Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh</a></h3>
  <ul><li><a href="/tin-tuc/hoc-tap-va-lam-theo-tu-tuong-dao-duc-phong-cach-ho-chi-minh/nguoi-tot-viec-tot-o-xa-vung-cao-12349.html">
   Người tốt việc tốt ở xã vùng cao</a></li></ul></div>
</div>
<div class="sidebar"><div class="box"><h3>Liên kết</h3><a href="https://chinhphu.vn">Cổng TTĐT Chính phủ</a>
 <a href="/lien-ket-website">Các cơ quan, đơn vị trong tỉnh và trung ương</a></div>
 <a href="/files/ke-hoach-tuyen-truyen-2026.pdf">Kế hoạch tuyên truyền năm 2026 của Ban Tuyên giáo</a></div>
<div class="footer"><a href="/gioi-thieu/co-quan-chu-quan">Cơ quan chủ quản: Văn phòng Ủy ban nhân dân tỉnh</a>
 <a href="mailto:congthongtin@thanhhoa.gov.vn">congthongtin@thanhhoa.gov.vn</a> <a href="javascript:void(0)">In</a></div>
</body></html>""",
        articles={
            "https://www.thanhhoa.gov.vn/tin-tuc/chinh-tri/hoi-nghi-ban-chap-hanh-dang-bo-tinh-lan-thu-15-12345.html",
            "https://www.thanhhoa.gov.vn/tin-tuc/kinh-te/thu-ngan-sach-11-thang-dat-112-phan-tram-du-toan-12346.html",
            "https://www.thanhhoa.gov.vn/tin-tuc/kinh-te/khoi-cong-cao-toc-noi-hai-tinh-12347.html",
            "https://www.thanhhoa.gov.vn/tin-tuc/kinh-te/gia-lua-tang-12348.html",
            "https://www.thanhhoa.gov.vn/tin-tuc/hoc-tap-va-lam-theo-tu-tuong-dao-duc-phong-cach-ho-chi-minh/"
            "nguoi-tot-viec-tot-o-xa-vung-cao-12349.html",
        },
        navigation={
            f"https://www.thanhhoa.gov.vn{p}" for p in (
                "/", "/gioi-thieu", "/tin-tuc", "/tin-tuc/chinh-tri", "/tin-tuc/kinh-te", "/van-ban", "/so-do-cong",
                "/lien-he", "/dang-nhap", "/en", "/tim-kiem?q=", "/gioi-thieu/co-quan-chu-quan", "/lien-ket-website",
                "/tin-tuc/hoc-tap-va-lam-theo-tu-tuong-dao-duc-phong-cach-ho-chi-minh")
        },
        lists={f"https://www.thanhhoa.gov.vn{p}" for p in (
            "/tin-tuc", "/tin-tuc/chinh-tri", "/tin-tuc/kinh-te",
            "/tin-tuc/hoc-tap-va-lam-theo-tu-tuong-dao-duc-phong-cach-ho-chi-minh")},
    ),
    Snippet(
        "SharePoint portal, /Pages/tin-tuc.aspx?ItemID=",
        "https://www.binhduong.gov.vn/Pages/tin-tuc.aspx",
        """<html><body><form id="aspnetForm" action="/Pages/tin-tuc.aspx">
<div class="header"><ul id="mainmenu"><li><a href="/Pages/default.aspx">Trang chủ</a></li>
<li><a href="/Pages/gioi-thieu.aspx">Giới thiệu</a></li><li><a href="/Pages/tin-tuc.aspx">Tin tức</a></li>
<li><a href="/Pages/tin-tuc.aspx?CategoryID=3">Hoạt động lãnh đạo tỉnh</a></li>
<li><a href="/Pages/van-ban-phap-luat.aspx">Văn bản pháp luật</a></li></ul></div>
<div class="ms-webpart-zone"><table class="news-list">
<tr><td><a href="/Pages/tin-tuc.aspx?ItemID=4521&amp;CategoryID=3"><img src="/PublishingImages/4521.jpg"></a></td>
 <td><a class="title" href="/Pages/tin-tuc.aspx?ItemID=4521&amp;CategoryID=3">Chủ tịch UBND tỉnh tiếp và làm việc với đoàn
 công tác của Bộ Nội vụ</a><span>(20/11/2026)</span></td></tr>
<tr><td><a class="title" href="/Pages/tin-tuc.aspx?ItemID=4519&amp;CategoryID=3">Tỉnh ủy quán triệt Nghị quyết Trung ương
 lần thứ 13 khóa XIII</a></td></tr>
<tr><td><a class="title" href="/Pages/tin-tuc.aspx?ItemID=4517&amp;CategoryID=5">Ra quân tổng vệ sinh môi trường</a></td></tr>
</table>
<div class="paging"><a href="/Pages/tin-tuc.aspx?Page=1">1</a> <a href="/Pages/tin-tuc.aspx?Page=2">2</a>
 <a href="javascript:__doPostBack('ctl00$Pager','Next')">Trang sau</a></div></div>
<div id="footer"><a href="/Pages/lien-he.aspx">Liên hệ</a> <a href="/Pages/so-do-cong.aspx">Sơ đồ cổng</a></div>
</form></body></html>""",
        articles={f"https://www.binhduong.gov.vn/Pages/tin-tuc.aspx?ItemID={n}&CategoryID={c}"
                  for n, c in ((4521, 3), (4519, 3), (4517, 5))},
        navigation={f"https://www.binhduong.gov.vn{p}" for p in (
            "/Pages/default.aspx", "/Pages/gioi-thieu.aspx", "/Pages/tin-tuc.aspx", "/Pages/tin-tuc.aspx?CategoryID=3",
            "/Pages/van-ban-phap-luat.aspx", "/Pages/tin-tuc.aspx?Page=1", "/Pages/tin-tuc.aspx?Page=2",
            "/Pages/lien-he.aspx", "/Pages/so-do-cong.aspx")},
        lists={"https://www.binhduong.gov.vn/Pages/tin-tuc.aspx?CategoryID=3"},
    ),
    Snippet(
        "WebCenter portal, /chi-tiet-tin?dDocName=",
        "https://www.vinhphuc.gov.vn/tin-tuc-su-kien",
        """<html><body><nav class="navbar"><a href="/">Trang chủ</a><a href="/tin-tuc-su-kien">Tin tức - Sự kiện</a>
<a href="/gioi-thieu">Giới thiệu</a><a href="/chinh-quyen">Chính quyền</a></nav>
<ol class="breadcrumb"><li><a href="/">Trang chủ</a></li><li><a href="/tin-tuc-su-kien">Tin tức - Sự kiện</a></li></ol>
<div class="list-news">
<div class="item"><a href="/chi-tiet-tin?dDocName=VPUB123456"><h4>Hội nghị tổng kết công tác dân vận năm 2026</h4></a></div>
<div class="item"><a href="/chi-tiet-tin?dDocName=VPUB123450"><h4>Đón nhận Bằng công nhận xã đạt chuẩn nông thôn mới
 nâng cao</h4></a></div>
<div class="item"><a href="/chi-tiet-tin?dDocName=VPUB123449&amp;_afrLoop=381">Kiểm tra công tác tuyển quân</a></div>
<div class="item"><a href="/chi-tiet-tin?dDocName=VPUB123448">Thông báo</a></div>
</div>
<ul class="pagination"><li><a href="/tin-tuc-su-kien?page=2">2</a></li><li><a href="/tin-tuc-su-kien?page=3">›</a></li></ul>
<footer><a href="/lien-he">Liên hệ</a><a href="/chi-tiet-tin?dDocName=VPUB000001">Giới thiệu về cổng thông tin
 điện tử tỉnh Vĩnh Phúc</a></footer>
</body></html>""",
        articles={f"https://www.vinhphuc.gov.vn/chi-tiet-tin?dDocName=VPUB{n}"
                  for n in ("123456", "123450", "123448")} | {
            "https://www.vinhphuc.gov.vn/chi-tiet-tin?dDocName=VPUB123449&_afrLoop=381"},
        navigation={f"https://www.vinhphuc.gov.vn{p}" for p in (
            "/", "/tin-tuc-su-kien", "/gioi-thieu", "/chinh-quyen", "/tin-tuc-su-kien?page=2",
            "/tin-tuc-su-kien?page=3", "/lien-he", "/chi-tiet-tin?dDocName=VPUB000001")},
        lists={"https://www.vinhphuc.gov.vn/tin-tuc-su-kien", "https://www.vinhphuc.gov.vn/chinh-quyen"},
        article_shaped_chrome=frozenset({"https://www.vinhphuc.gov.vn/chi-tiet-tin?dDocName=VPUB000001"}),
    ),
    Snippet(
        "newspaper, /<slug>-d<id>.html and /<slug>-post<id>.html",
        "https://baoxyz.vn/",
        """<html><body><header class="site-header"><a href="/" class="logo"><img alt="Báo XYZ"></a>
<ul class="menu"><li><a href="/thoi-su.htm">Thời sự</a></li><li><a href="/chinh-tri.htm">Chính trị</a></li>
<li><a href="/xay-dung-dang.htm">Xây dựng Đảng</a></li><li><a href="/video.htm">Video</a></li></ul>
<div class="hot-topics"><a href="/su-kien/dai-hoi-dang-bo-cac-cap-nhiem-ky-2025-2030-e123.htm">Đại hội Đảng bộ các cấp
 nhiệm kỳ 2025 - 2030</a></div></header>
<main><div class="box-focus"><article class="story"><h2 class="story__heading"><a href="/khai-mac-ky-hop-thu-10-quoc-hoi-khoa-xv-d812345.html">Khai mạc Kỳ họp thứ 10, Quốc hội
 khóa XV</a></h2><p class="sapo">…</p></article>
<article class="story"><h3><a href="/tinh-uy-so-ket-nghi-quyet-ve-chuyen-doi-so-post712345.html">Tỉnh ủy sơ kết Nghị quyết về chuyển đổi số</a></h3></article>
<article class="story"><h3><a href="/tuyen-quan-2027-d812001.html">Tuyển quân 2027</a></h3></article></div>
<div class="box-cat"><h2><a href="/xay-dung-dang.htm">Xây dựng Đảng</a></h2>
<a href="/ket-nap-dang-vien-tre-o-vung-bien-d811999.html"><img src="/x.jpg" alt="Kết nạp đảng viên trẻ ở vùng biên"></a>
<a href="/ket-nap-dang-vien-tre-o-vung-bien-d811999.html">Kết nạp đảng viên trẻ ở vùng biên</a>
<a href="/xay-dung-dang/trang-2.htm">Xem tiếp</a></div></main>
<footer class="footer"><a href="/gioi-thieu.htm">Giới thiệu</a> <a href="/lien-he-quang-cao.htm">Liên hệ quảng cáo</a>
 <a href="/rss.htm">RSS</a> <a href="https://www.facebook.com/baoxyz">Facebook</a></footer>
</body></html>""",
        articles={
            "https://baoxyz.vn/khai-mac-ky-hop-thu-10-quoc-hoi-khoa-xv-d812345.html",
            "https://baoxyz.vn/tinh-uy-so-ket-nghi-quyet-ve-chuyen-doi-so-post712345.html",
            "https://baoxyz.vn/tuyen-quan-2027-d812001.html",
            "https://baoxyz.vn/ket-nap-dang-vien-tre-o-vung-bien-d811999.html",
        },
        navigation={f"https://baoxyz.vn{p}" for p in (
            "/", "/thoi-su.htm", "/chinh-tri.htm", "/xay-dung-dang.htm", "/video.htm",
            "/su-kien/dai-hoi-dang-bo-cac-cap-nhiem-ky-2025-2030-e123.htm", "/xay-dung-dang/trang-2.htm",
            "/gioi-thieu.htm", "/lien-he-quang-cao.htm", "/rss.htm")},
        lists={f"https://baoxyz.vn{p}" for p in (
            "/thoi-su.htm", "/chinh-tri.htm", "/xay-dung-dang.htm", "/video.htm",
            "/su-kien/dai-hoi-dang-bo-cac-cap-nhiem-ky-2025-2030-e123.htm")},
    ),
    Snippet(
        "Liferay portal, /-/asset_publisher/<id>/content/<slug> with jsessionid and redirect",
        "https://www.dongnai.gov.vn/web/guest/tin-tuc",
        """<html><body><div id="banner"><nav id="navigation" class="sort-pages modify-pages">
<ul aria-label="Trang web"><li><a href="https://www.dongnai.gov.vn/web/guest/home;jsessionid=ABCDEF0123">Trang chủ</a></li>
<li><a href="https://www.dongnai.gov.vn/web/guest/tin-tuc;jsessionid=ABCDEF0123">Tin tức</a></li>
<li><a href="https://www.dongnai.gov.vn/web/guest/gioi-thieu;jsessionid=ABCDEF0123">Giới thiệu</a></li>
<li><a href="https://www.dongnai.gov.vn/c/portal/login?p_l_id=20189">Đăng nhập</a></li></ul></nav></div>
<div id="content"><div class="portlet-boundary portlet-asset-publisher"><div class="asset-abstract">
<h3 class="asset-title"><a href="https://www.dongnai.gov.vn/web/guest/tin-tuc/-/asset_publisher/Xk9aBc12dEf3/content/hoi-nghi-quan-triet-nghi-quyet-dai-hoi-dang-bo-tinh;jsessionid=ABCDEF0123?p_p_id=com_liferay_asset_publisher_web_portlet_AssetPublisherPortlet_INSTANCE_Xk9aBc12dEf3&amp;_com_liferay_asset_publisher_web_portlet_AssetPublisherPortlet_INSTANCE_Xk9aBc12dEf3_redirect=https%3A%2F%2Fwww.dongnai.gov.vn%2Fweb%2Fguest%2Ftin-tuc">Hội nghị quán triệt Nghị quyết Đại hội Đảng bộ tỉnh</a></h3></div>
<div class="asset-abstract"><h3 class="asset-title"><a href="/web/guest/tin-tuc/-/asset_publisher/Xk9aBc12dEf3/content/ra-quan-huan-luyen-nam-2027?inheritRedirect=true">Ra quân huấn luyện năm 2027</a></h3></div>
<div class="asset-abstract"><h3 class="asset-title"><a href="/web/guest/tin-tuc/-/asset_publisher/Xk9aBc12dEf3/content/id/8812345">Kỷ niệm ngày Nhà giáo Việt Nam</a></h3></div>
<div class="taglib-page-iterator"><ul class="pagination"><li><a href="/web/guest/tin-tuc?p_p_id=com_liferay_asset_publisher_web_portlet_AssetPublisherPortlet_INSTANCE_Xk9aBc12dEf3&amp;_com_liferay_asset_publisher_web_portlet_AssetPublisherPortlet_INSTANCE_Xk9aBc12dEf3_cur=2">2</a></li></ul></div>
</div></div>
<footer id="footer"><a href="/web/guest/so-do-cong">Sơ đồ cổng</a></footer></body></html>""",
        articles={
            "https://www.dongnai.gov.vn/web/guest/tin-tuc/-/asset_publisher/Xk9aBc12dEf3/content/"
            "hoi-nghi-quan-triet-nghi-quyet-dai-hoi-dang-bo-tinh?p_p_id=com_liferay_asset_publisher_web_portlet"
            "_AssetPublisherPortlet_INSTANCE_Xk9aBc12dEf3",
            "https://www.dongnai.gov.vn/web/guest/tin-tuc/-/asset_publisher/Xk9aBc12dEf3/content/"
            "ra-quan-huan-luyen-nam-2027?inheritRedirect=true",
            "https://www.dongnai.gov.vn/web/guest/tin-tuc/-/asset_publisher/Xk9aBc12dEf3/content/id/8812345",
        },
        navigation={
            "https://www.dongnai.gov.vn/web/guest/home", "https://www.dongnai.gov.vn/web/guest/tin-tuc",
            "https://www.dongnai.gov.vn/web/guest/gioi-thieu", "https://www.dongnai.gov.vn/c/portal/login?p_l_id=20189",
            "https://www.dongnai.gov.vn/web/guest/so-do-cong",
            "https://www.dongnai.gov.vn/web/guest/tin-tuc?p_p_id=com_liferay_asset_publisher_web_portlet_AssetPublisher"
            "Portlet_INSTANCE_Xk9aBc12dEf3&_com_liferay_asset_publisher_web_portlet_AssetPublisherPortlet_INSTANCE_"
            "Xk9aBc12dEf3_cur=2",
        },
        lists={"https://www.dongnai.gov.vn/web/guest/tin-tuc"},
    ),
    Snippet(
        "district Party site, /<slug>.<id> with /xay-dung-dang sections",
        "http://huyenuyyenlac.vinhphuc.dcs.vn/",
        """<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>
<table width="1000"><tr><td class="bg_menu"><a href="/">TRANG CHỦ</a> | <a href="/gioi-thieu">GIỚI THIỆU</a> |
 <a href="/tin-tuc-su-kien">TIN TỨC - SỰ KIỆN</a> | <a href="/xay-dung-dang">XÂY DỰNG ĐẢNG</a> |
 <a href="/hoc-tap-va-lam-theo-bac">HỌC TẬP VÀ LÀM THEO BÁC</a> | <a href="/van-ban">VĂN BẢN</a></td></tr>
<tr><td class="left_menu"><div class="title_cm">Chuyên mục</div><a href="/cong-tac-tuyen-giao">Công tác tuyên giáo</a><br>
 <a href="/dan-van">Dân vận</a><br><a href="/kiem-tra-giam-sat">Kiểm tra, giám sát</a></td>
<td class="content"><div class="tin_noi_bat"><a href="/day-manh-thong-tin-tuyen-truyen-nam-2020.1101" class="tieude">Đẩy mạnh
 thông tin tuyên truyền năm 2020</a><p>Ngày đăng 03/10/2019 | 17:58</p></div>
<div class="tin_khac"><a href="/hoi-nghi-bao-cao-vien-thang-10.1099">Hội nghị báo cáo viên tháng 10</a>
 <a href="/ket-nap-dang-vien-moi.1098">Kết nạp đảng viên mới</a>
 <a href="/so-ket-6-thang-thuc-hien-chi-thi-05.1097">Sơ kết 6 tháng thực hiện Chỉ thị 05</a></div>
<div class="phantrang"><a href="/tin-tuc-su-kien?page=2">Trang sau</a></div></td></tr>
<tr><td class="bg_footer">BAN CHẤP HÀNH ĐẢNG BỘ HUYỆN YÊN LẠC. Đã truy cập: 12345</td></tr></table></body></html>""",
        articles={f"http://huyenuyyenlac.vinhphuc.dcs.vn{p}" for p in (
            "/day-manh-thong-tin-tuyen-truyen-nam-2020.1101", "/hoi-nghi-bao-cao-vien-thang-10.1099",
            "/ket-nap-dang-vien-moi.1098", "/so-ket-6-thang-thuc-hien-chi-thi-05.1097")},
        navigation={f"http://huyenuyyenlac.vinhphuc.dcs.vn{p}" for p in (
            "/", "/gioi-thieu", "/tin-tuc-su-kien", "/xay-dung-dang", "/hoc-tap-va-lam-theo-bac", "/van-ban",
            "/cong-tac-tuyen-giao", "/dan-van", "/kiem-tra-giam-sat", "/tin-tuc-su-kien?page=2")},
        lists={f"http://huyenuyyenlac.vinhphuc.dcs.vn{p}" for p in (
            "/tin-tuc-su-kien", "/xay-dung-dang", "/hoc-tap-va-lam-theo-bac", "/cong-tac-tuyen-giao", "/dan-van",
            "/kiem-tra-giam-sat")},
    ),
    Snippet(
        "WordPress newspaper with /slug/ permalinks (no ids, no dates)",
        "https://tuyengiao.example.vn/",
        """<html><body><header id="masthead"><nav class="main-navigation"><a href="/">Trang chủ</a>
<a href="/category/thoi-su/">Thời sự</a><a href="/category/nghien-cuu-trao-doi/">Nghiên cứu - Trao đổi</a>
<a href="/gioi-thieu/">Giới thiệu</a></nav></header>
<main id="main"><article class="post"><h2 class="entry-title"><a href="/quan-triet-nghi-quyet-trung-uong-lan-thu-muoi/" rel="bookmark">Quán triệt
 Nghị quyết Trung ương lần thứ mười cho cán bộ chủ chốt</a></h2></article>
<article class="post"><h2 class="entry-title"><a href="/bao-ve-nen-tang-tu-tuong-cua-dang-trong-tinh-hinh-moi/">Bảo vệ nền tảng tư
 tưởng của Đảng trong tình hình mới</a></h2></article>
<article class="post"><h2 class="entry-title"><a href="/hoi-thi-bao-cao-vien-gioi-cap-tinh-nam-2026/">Hội thi báo cáo viên giỏi cấp tỉnh
 năm 2026</a></h2></article>
<article class="post"><h2 class="entry-title"><a href="/gioi-thieu-sach-moi-ve-chu-tich-ho-chi-minh/">Giới thiệu sách mới
 về Chủ tịch Hồ Chí Minh</a></h2></article>
<nav class="navigation pagination"><a class="page-numbers" href="/page/2/">2</a><a class="next page-numbers"
 href="/page/2/">Trang sau »</a></nav></main>
<aside class="widget-area"><section class="widget"><h2>Chuyên đề</h2><a href="/tag/hoc-tap-va-lam-theo-bac/">Học tập và làm theo Bác</a></section></aside>
<footer class="site-footer"><a href="/lien-he/">Liên hệ</a></footer></body></html>""",
        articles={f"https://tuyengiao.example.vn{p}" for p in (
            "/quan-triet-nghi-quyet-trung-uong-lan-thu-muoi/", "/bao-ve-nen-tang-tu-tuong-cua-dang-trong-tinh-hinh-moi/",
            "/hoi-thi-bao-cao-vien-gioi-cap-tinh-nam-2026/",
            "/gioi-thieu-sach-moi-ve-chu-tich-ho-chi-minh/")},  # starts like "/gioi-thieu", is an article
        navigation={f"https://tuyengiao.example.vn{p}" for p in (
            "/", "/category/thoi-su/", "/category/nghien-cuu-trao-doi/", "/gioi-thieu/", "/page/2/", "/lien-he/",
            "/tag/hoc-tap-va-lam-theo-bac/")},
        lists={f"https://tuyengiao.example.vn{p}" for p in (
            "/category/thoi-su/", "/category/nghien-cuu-trao-doi/", "/tag/hoc-tap-va-lam-theo-bac/")},
    ),
    # Written after the classifier was tuned on the ones above, as a held-out check (4 topic/tag pages with
    # ids were taken for articles at first: hence the id-size in templates and the list words).
    Snippet("DotNetNuke portal", "https://sonoivu.binhgiang.gov.vn/", """<html><body>
    <div id="dnn_ctr_Menu" class="dnnMenu"><ul><li><a href="https://sonoivu.binhgiang.gov.vn/">Trang chủ</a></li>
    <li><a href="https://sonoivu.binhgiang.gov.vn/tin-tuc/tabid/95/Default.aspx">Tin tức</a></li>
    <li><a href="https://sonoivu.binhgiang.gov.vn/thi-dua-khen-thuong/tabid/97/Default.aspx">Thi đua - Khen thưởng</a></li>
    <li><a href="https://sonoivu.binhgiang.gov.vn/cai-cach-hanh-chinh/tabid/98/Default.aspx">Cải cách hành chính</a></li></ul></div>
    <div class="DnnModule-Articles"><div class="article-item">
    <h2><a href="https://sonoivu.binhgiang.gov.vn/tin-tuc/tabid/95/ArticleID/4567/Default.aspx">Tổng kết công tác thi đua, khen thưởng năm 2026</a></h2></div>
    <div class="article-item"><h2><a href="https://sonoivu.binhgiang.gov.vn/tin-tuc/tabid/95/ArticleID/4566/Default.aspx">Sắp xếp đơn vị hành chính cấp xã giai đoạn 2026 - 2030</a></h2></div>
    <div class="article-item"><h2><a href="https://sonoivu.binhgiang.gov.vn/thi-dua-khen-thuong/tabid/97/ArticleID/4560/Default.aspx">Khen thưởng điển hình tiên tiến</a></h2></div>
    <a href="https://sonoivu.binhgiang.gov.vn/tin-tuc/tabid/95/Default.aspx?currentpage=2">Xem tiếp</a></div>
    <div class="dnnFooter"><a href="https://sonoivu.binhgiang.gov.vn/lien-he/tabid/120/Default.aspx">Liên hệ</a>
    <a href="https://sonoivu.binhgiang.gov.vn/Login.aspx?returnurl=%2f">Đăng nhập</a></div></body></html>""",
     articles={f"https://sonoivu.binhgiang.gov.vn/{c}/tabid/{t}/ArticleID/{n}/Default.aspx" for c, t, n in
               (("tin-tuc", 95, 4567), ("tin-tuc", 95, 4566), ("thi-dua-khen-thuong", 97, 4560))},
     navigation={"https://sonoivu.binhgiang.gov.vn/", "https://sonoivu.binhgiang.gov.vn/tin-tuc/tabid/95/Default.aspx",
       "https://sonoivu.binhgiang.gov.vn/thi-dua-khen-thuong/tabid/97/Default.aspx",
       "https://sonoivu.binhgiang.gov.vn/cai-cach-hanh-chinh/tabid/98/Default.aspx",
       "https://sonoivu.binhgiang.gov.vn/tin-tuc/tabid/95/Default.aspx?currentpage=2",
       "https://sonoivu.binhgiang.gov.vn/lien-he/tabid/120/Default.aspx", "https://sonoivu.binhgiang.gov.vn/Login.aspx?returnurl=%2f"},
     lists=set()),
    Snippet("newspaper with category in path, id categories, tags", "https://baobinhgiang.com.vn/", """<html><body>
    <div class="header"><div class="menu-main"><a href="/thoi-su/">Thời sự</a><a href="/chinh-tri/">Chính trị</a>
    <a href="/thoi-su/xay-dung-dang/">Xây dựng Đảng</a><a href="/multimedia/">Multimedia</a></div></div>
    <div class="main-content">
    <div class="topic-bar"><a href="/chu-de/dai-hoi-dang-bo-tinh-lan-thu-xx-120.html">Đại hội Đảng bộ tỉnh lần thứ XX</a>
    <a href="/chu-de/chuyen-doi-so-121.html">Chuyển đổi số</a></div>
    <div class="featured"><a href="/thoi-su/be-mac-dai-hoi-dang-bo-tinh-lan-thu-xx-202611161523.html" class="img"><img src="/a.jpg"></a>
    <h1><a href="/thoi-su/be-mac-dai-hoi-dang-bo-tinh-lan-thu-xx-202611161523.html">Bế mạc Đại hội Đảng bộ tỉnh lần thứ XX</a></h1></div>
    <section class="cate"><h2 class="cate-title"><a href="/chinh-tri/">Chính trị</a></h2>
    <div class="story"><a href="/chinh-tri/hdnd-tinh-khai-mac-ky-hop-thu-12-202611150810.html">HĐND tỉnh khai mạc kỳ họp thứ 12</a></div>
    <div class="story"><a href="/chinh-tri/tiep-xuc-cu-tri-truoc-ky-hop-202611141000.html">Tiếp xúc cử tri trước kỳ họp</a></div>
    <div class="story"><a href="/chinh-tri/doi-thoai-voi-nong-dan-202611131700.html">Đối thoại với nông dân</a></div>
    </section>
    <div class="tags"><a href="/tags/nong-thon-moi-9812.html">nông thôn mới</a><a href="/tags/cai-cach-hanh-chinh-9813.html">cải cách hành chính</a></div>
    </div>
    <div class="col-right"><div class="box-most-read"><h3>Đọc nhiều</h3>
    <a href="/xa-hoi/mua-lu-gay-sat-lo-tai-tan-lap-202611120700.html">Mưa lũ gây sạt lở tại Tân Lập</a></div></div>
    <div class="footer"><a href="/lien-he/">Liên hệ</a><a href="/dat-bao/">Đặt báo</a><a href="/quang-cao/">Quảng cáo</a></div>
    </body></html>""",
     articles={f"https://baobinhgiang.com.vn{p}" for p in ("/thoi-su/be-mac-dai-hoi-dang-bo-tinh-lan-thu-xx-202611161523.html",
       "/chinh-tri/hdnd-tinh-khai-mac-ky-hop-thu-12-202611150810.html", "/chinh-tri/tiep-xuc-cu-tri-truoc-ky-hop-202611141000.html",
       "/chinh-tri/doi-thoai-voi-nong-dan-202611131700.html", "/xa-hoi/mua-lu-gay-sat-lo-tai-tan-lap-202611120700.html")},
     navigation={f"https://baobinhgiang.com.vn{p}" for p in ("/thoi-su/", "/chinh-tri/", "/thoi-su/xay-dung-dang/", "/multimedia/",
       "/chu-de/dai-hoi-dang-bo-tinh-lan-thu-xx-120.html", "/chu-de/chuyen-doi-so-121.html", "/tags/nong-thon-moi-9812.html",
       "/tags/cai-cach-hanh-chinh-9813.html", "/lien-he/", "/dat-bao/", "/quang-cao/")},
     lists=set()),
    Snippet("commune portal, news.php?id=", "http://xatanlap.binhgiang.gov.vn/index.php", """<html><body><table>
    <tr><td id="topmenu"><a href="index.php">Trang chủ</a> <a href="gioithieu.php">Giới thiệu</a> <a href="news.php?cat=2">Tin tức</a>
    <a href="news.php?cat=3">Thông báo</a> <a href="lienhe.php">Liên hệ</a></td></tr>
    <tr><td class="noidung"><b>TIN MỚI</b><br>
    <a href="newsdetail.php?id=301">UBND xã tổ chức tiếp xúc cử tri trước kỳ họp HĐND</a><br>
    <a href="newsdetail.php?id=300">Ra quân làm đường giao thông nông thôn</a><br>
    <a href="newsdetail.php?id=298">Thông báo lịch tiêm chủng tháng 12</a><br>
    <a href="news.php?cat=2&page=2">Trang tiếp</a></td></tr></table></body></html>""",
     articles={f"http://xatanlap.binhgiang.gov.vn/newsdetail.php?id={n}" for n in (301, 300, 298)},
     navigation={f"http://xatanlap.binhgiang.gov.vn/{p}" for p in ("index.php", "gioithieu.php", "news.php?cat=2", "news.php?cat=3",
       "lienhe.php", "news.php?cat=2&page=2")},
     lists=set()),
]


@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda s: s.name)
def test_classify_links_finds_every_listed_article_and_no_navigation(snippet: Snippet) -> None:
    found = classify_links(snippet.html, snippet.url)
    assert set(found.articles) == snippet.articles  # recall and precision at once
    assert not snippet.navigation & set(found.articles)
    assert snippet.lists <= set(found.lists)
    buckets = [found.articles, found.lists, found.pagination, found.other]
    every = [u for b in buckets for u in b]
    assert len(every) == len(set(every)), "a URL in two buckets"
    # Off-site links, mail, scripts and files never come back at all.
    assert not [u for u in every if "chinhphu.vn" in u or "facebook" in u or u.endswith(".pdf")]
    assert not [u for u in every if "jsessionid" in u or "_redirect=" in u or "#" in u]


@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda s: s.name)
def test_pattern_learned_from_a_snippet_separates_its_articles_from_its_navigation(snippet: Snippet) -> None:
    pattern = learn_article_pattern([(snippet.url, snippet.html)])
    assert pattern is not None
    assert [u for u in snippet.articles if not is_article_url(u, pattern)] == []
    assert [u for u in snippet.navigation - snippet.article_shaped_chrome if is_article_url(u, pattern)] == []


def test_liferay_article_links_with_a_session_still_match_the_learned_pattern() -> None:
    liferay = next(s for s in SNIPPETS if s.name.startswith("Liferay"))
    pattern = learn_article_pattern([(liferay.url, liferay.html)])
    assert pattern is not None
    raw = ("https://www.dongnai.gov.vn/web/guest/tin-tuc/-/asset_publisher/Xk9aBc12dEf3/content/"
           "khac-bai;jsessionid=0F0F0F?p_p_id=x")
    assert is_article_url(raw, pattern)


def test_discovery_of_a_snippet_portal_offers_sections_not_utilities() -> None:
    portal = SNIPPETS[0]
    found = discover(portal.url, portal.html, "User-agent: *\nDisallow: /admin/\n")
    assert set(found.list_pages) == portal.lists
    assert found.list_pages[:4] == [  # parents of the homepage's articles first, in page order
        "https://www.thanhhoa.gov.vn/tin-tuc", "https://www.thanhhoa.gov.vn/tin-tuc/chinh-tri",
        "https://www.thanhhoa.gov.vn/tin-tuc/kinh-te",
        "https://www.thanhhoa.gov.vn/tin-tuc/hoc-tap-va-lam-theo-tu-tuong-dao-duc-phong-cach-ho-chi-minh",
    ]
    assert set(found.article_links) == portal.articles


# ------------------------------------------------------------------------------------ feeds


def test_feeds_declared_and_linked_but_not_comment_feeds_or_other_sites() -> None:
    html = """<html><head>
<link rel="alternate" type="application/rss+xml" title="Báo » Dòng thông tin" href="/feed/">
<link rel="alternate" type="application/rss+xml" title="Báo » Dòng bình luận" href="/comments/feed/">
<link rel="alternate" type="application/atom+xml" href="https://feeds.feedburner.com/baoxyz">
<link rel="alternate" type="application/json+oembed" href="/wp-json/oembed/1.0/embed?url=x">
<link rel="alternate" hreflang="en" href="/en/">
</head><body><div class="footer"><a href="/rss/thoi-su.rss">Thời sự</a> <a href="/Pages/rss.aspx">RSS</a>
<a href="/feed/">RSS</a> <a href="https://vnexpress.net/rss/tin-moi-nhat.rss">VnExpress</a>
<a href="/feedback">Góp ý</a> <a href="/tin-tuc/chinh-tri">Chính trị</a></div></body></html>"""
    assert feeds_in(html, "https://baoxyz.vn/") == [
        "https://baoxyz.vn/feed/",
        "https://feeds.feedburner.com/baoxyz",
        "https://baoxyz.vn/rss/thoi-su.rss",
        "https://baoxyz.vn/Pages/rss.aspx",
    ]


def test_an_rss_index_page_is_not_a_feed_but_lists_feeds() -> None:
    index = """<html><body><h1>RSS</h1><ul><li><a href="/rss/chinh-tri.rss">Chính trị</a></li>
<li><a href="/rss/kinh-te.rss">Kinh tế</a></li></ul></body></html>"""
    assert not looks_like_feed(index)
    assert feeds_in(index, "https://baoxyz.vn/rss.html") == [
        "https://baoxyz.vn/rss/chinh-tri.rss", "https://baoxyz.vn/rss/kinh-te.rss"]
    atom = '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>'
    assert looks_like_feed(atom) and looks_like_feed(atom.encode())
    assert not looks_like_feed(b"\x00\xff garbage") and not looks_like_feed("")


# ------------------------------------------------------------------------------------ sitemaps


def test_sitemaps_in_robots_are_absolute_and_deduplicated() -> None:
    robots = ("User-agent: *\nDisallow: /admin/\n\nSitemap: https://baoxyz.vn/sitemap.xml\n"
              "sitemap: /news-sitemap.xml\nSITEMAP: https://baoxyz.vn/sitemap.xml\n")
    assert sitemaps_in_robots(robots, "https://baoxyz.vn/") == [
        "https://baoxyz.vn/sitemap.xml", "https://baoxyz.vn/news-sitemap.xml"]
    assert sitemaps_in_robots(robots.encode(), "https://baoxyz.vn/") == sitemaps_in_robots(robots, "https://baoxyz.vn/")
    assert sitemaps_in_robots(None, "https://baoxyz.vn/") == []
    assert sitemaps_in_robots("", "https://baoxyz.vn/") == []
    # A soft 404: the homepage served in place of robots.txt, with a "Sitemap:" word in its text.
    assert sitemaps_in_robots("<html><body>Sitemap: /so-do</body></html>", "https://x.gov.vn/") == []


def test_sitemap_guesses_are_on_the_site_root() -> None:
    guesses = sitemap_guesses("https://www.thanhhoa.gov.vn/tin-tuc/chinh-tri?trang=2")
    assert guesses[0] == "https://www.thanhhoa.gov.vn/sitemap.xml"
    assert "https://www.thanhhoa.gov.vn/news-sitemap.xml" in guesses
    assert all(g.startswith("https://www.thanhhoa.gov.vn/") and "?" not in g for g in guesses)


NEWS_SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
 <url><loc>https://baoxyz.vn/khai-mac-ky-hop-thu-10-d812345.html</loc>
  <news:news><news:publication><news:name>Báo XYZ</news:name><news:language>vi</news:language></news:publication>
   <news:publication_date>2026-11-16T08:15:00+07:00</news:publication_date>
   <news:title>Khai mạc Kỳ họp thứ 10</news:title></news:news>
  <image:image><image:loc>https://baoxyz.vn/anh.jpg</image:loc></image:image></url>
 <url><loc>https://baoxyz.vn/tuyen-quan-d812001.html</loc><lastmod>2026-11-15</lastmod>
  <news:news><news:publication_date>2026-11-15T07:00Z</news:publication_date><news:title>Tuyển quân</news:title></news:news></url>
</urlset>"""


def test_news_sitemap_gives_publication_dates_and_titles() -> None:
    content = parse_sitemap(NEWS_SITEMAP)
    assert [u.loc for u in content.urls] == [
        "https://baoxyz.vn/khai-mac-ky-hop-thu-10-d812345.html", "https://baoxyz.vn/tuyen-quan-d812001.html"]
    first, second = content.urls
    assert first.news_publication_date == datetime(2026, 11, 16, 8, 15, tzinfo=VN_TZ)
    assert first.news_title == "Khai mạc Kỳ họp thứ 10" and first.lastmod is None
    assert second.news_publication_date == datetime(2026, 11, 15, 14, 0, tzinfo=VN_TZ)
    assert second.lastmod == datetime(2026, 11, 15, tzinfo=VN_TZ)  # a bare date is a local day
    assert content.sitemaps == []


def test_a_lastmod_is_read_to_the_precision_it_was_written_in() -> None:
    fetched = datetime(2026, 11, 15, 9, 30, 12, 400_000, tzinfo=VN_TZ)
    # Written to the second: an edit within the second of our fetch may be after it.
    assert changed_after(w3c_datetime("2026-11-15T09:30:12+07:00"), fetched)
    assert not changed_after(w3c_datetime("2026-11-15T09:30:11+07:00"), fetched)
    # Written to the day: a correction that afternoon is still "2026-11-15".
    assert changed_after(w3c_datetime("2026-11-15"), fetched)
    assert not changed_after(w3c_datetime("2026-11-14"), fetched)
    # Written to the microsecond: taken as it is.
    exact = w3c_datetime("2026-11-15T09:30:12.300000+07:00")
    assert exact and not changed_after(exact, fetched) and changed_after(exact + timedelta(seconds=1), fetched)


def test_sitemap_index_without_namespace_and_gzip_sitemaps() -> None:
    index = (b"<sitemapindex><sitemap><loc> https://x.gov.vn/sitemap-1.xml.gz </loc><lastmod>2026-11-01</lastmod>"
             b"</sitemap><sitemap><loc>/sitemap-2.xml</loc></sitemap></sitemapindex>")
    content = parse_sitemap(gzip.compress(index), "https://x.gov.vn/sitemap.xml.gz")
    assert content.sitemaps == ["https://x.gov.vn/sitemap-1.xml.gz", "https://x.gov.vn/sitemap-2.xml"]
    assert content.urls == []
    urlset = gzip.compress(NEWS_SITEMAP.encode())
    assert len(parse_sitemap(urlset).urls) == 2
    # A download cut short still yields the URLs it holds.
    assert [u.loc for u in parse_sitemap(urlset[: len(urlset) * 2 // 3]).urls][:1] == [
        "https://baoxyz.vn/khai-mac-ky-hop-thu-10-d812345.html"]


@pytest.mark.parametrize("garbage", [
    b"", b"   ", b"\x00\x01\x02\xff\xfe", b"\x1f\x8b\x08\x00garbage", "<html><body>404 Not Found</body></html>",
    b"<urlset><url><lo", "<?xml version='1.0' encoding='utf-8'?><urlset><url></url></urlset>",
    b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><urlset><url><loc>&e;</loc></url></urlset>',
    "not a url\nhttps://x.gov.vn/a",
])
def test_garbage_sitemaps_give_nothing_and_never_raise(garbage: str | bytes) -> None:
    content = parse_sitemap(garbage, "https://x.gov.vn/sitemap.xml")
    assert content.urls == [] and content.sitemaps == []


def test_truncated_urlset_keeps_what_came_before_the_cut() -> None:
    data = "<urlset><url><loc>https://x.gov.vn/a-1.html</loc></url><url><loc>https://x.gov.vn/b-2.html</loc></url><url><l"
    assert [u.loc for u in parse_sitemap(data).urls] == ["https://x.gov.vn/a-1.html", "https://x.gov.vn/b-2.html"]
    assert parse_sitemap("<urlset><url><loc>https://x.gov.vn/a</loc><lastmod>hôm qua</lastmod></url></urlset>").urls[
        0].lastmod is None


def test_plain_text_sitemap() -> None:
    content = parse_sitemap("https://x.gov.vn/a-1.html\nhttps://x.gov.vn/b-2.html\n")
    assert [u.loc for u in content.urls] == ["https://x.gov.vn/a-1.html", "https://x.gov.vn/b-2.html"]


# ------------------------------------------------------------------------------------ broken pages


@pytest.mark.parametrize("page", ["", "   ", b"", b"\x00\x8f\xff\xfe\x01\x02", "<html><body>", "<<<>>>"])
def test_empty_and_junk_pages_give_nothing(page: str | bytes) -> None:
    assert classify_links(page, "https://x.gov.vn/").articles == []
    assert feeds_in(page, "https://x.gov.vn/") == []
    assert learn_article_pattern([("https://x.gov.vn/", page)]) is None
    found = discover("https://x.gov.vn/", page, None)
    assert found.list_pages == [] and found.article_pattern is None and found.feeds == []
    assert found.sitemap_guesses  # nothing else known: the usual sitemap places are still worth a try


def test_malformed_html_still_yields_its_links() -> None:
    # Unclosed tags, an XML declaration on a str, stray </div>s, bytes in a legacy encoding.
    html = """<?xml version="1.0" encoding="utf-8"?><html><body><ul class="menu"><li><a href="/gioi-thieu">Giới thiệu
<li><a href=/tin-tuc/chinh-tri>Chính trị</a></ul></div></div><div class=list>
<p><a href="/tin-tuc/chinh-tri/mot-bai-viet-ve-cong-tac-xay-dung-dang-101.html">Một bài viết về công tác xây dựng Đảng
<p><a href="/tin-tuc/chinh-tri/hai-bai-viet-ve-cong-tac-dan-van-102.html">Hai bài viết về công tác dân vận</a>
<p><a href='/tin-tuc/chinh-tri/ba-bai-viet-ve-cong-tac-tuyen-giao-103.html'>Ba bài viết về công tác tuyên giáo"""
    found = classify_links(html, "https://x.gov.vn/")
    assert len(found.articles) == 3 and "https://x.gov.vn/tin-tuc/chinh-tri" in found.lists
    legacy = html.replace('<?xml version="1.0" encoding="utf-8"?>', '<meta charset="windows-1258">')
    found_bytes = classify_links(legacy.encode("cp1258", errors="replace"), "https://x.gov.vn/")
    assert found_bytes.articles == found.articles


def test_a_page_with_too_few_articles_teaches_no_pattern() -> None:
    html = """<html><body><div class="menu"><a href="/gioi-thieu">Giới thiệu</a></div>
<a href="/tin-tuc/chinh-tri/bai-viet-duy-nhat-tren-trang-nay-101.html">Bài viết duy nhất trên trang này hôm nay</a>"""
    assert learn_article_pattern([("https://x.gov.vn/", html)]) is None
