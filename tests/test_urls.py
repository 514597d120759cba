"""The one URL module: one same-site rule for the spider, discovery and processing; links and canonical spellings."""

from datetime import UTC, datetime

import pytest

from crawlers.discovery import classify_links
from pipelines.process import process_page
from pipelines.tagging import load_taxonomy
from portalwatch.core.config import PACKAGE_DIR
from portalwatch.core.models import Article, RawPage
from portalwatch.core.urls import absolute_link, canonical_url, is_pagination_link, same_site


@pytest.mark.parametrize(("url", "other", "expected"), [
    ("https://www.binhgiang.gov.vn/tin-tuc", "https://binhgiang.gov.vn/", True),
    ("http://binhgiang.gov.vn:80/a", "https://www.binhgiang.gov.vn/b", True),
    ("https://binhgiang.gov.vn:443/", "https://WWW.BinhGiang.gov.vn/", True),
    ("https://bientap@binhgiang.gov.vn/a", "https://binhgiang.gov.vn/", True),
    ("http://binhgiang.gov.vn:8080/", "http://binhgiang.gov.vn/", False),  # another server
    ("https://xatanlap.binhgiang.gov.vn/", "https://binhgiang.gov.vn/", False),  # a commune's own portal
    ("https://baobinhgiang.vn/", "https://binhgiang.gov.vn/", False),
    ("https://www2.binhgiang.gov.vn/", "https://binhgiang.gov.vn/", False),
])
def test_same_site_ignores_www_and_default_ports_only(url: str, other: str, expected: bool) -> None:
    assert same_site(url, other) is expected
    assert same_site(other, url) is expected


def test_pagination_on_the_www_name_of_the_list_is_still_its_pagination() -> None:
    assert is_pagination_link("https://www.binhgiang.gov.vn/tin-tuc?trang=2", "2", "https://binhgiang.gov.vn/tin-tuc")
    assert not is_pagination_link("https://xa.binhgiang.gov.vn/tin-tuc?trang=2", "2",
                                  "https://binhgiang.gov.vn/tin-tuc")


def test_classified_links_on_the_www_name_are_same_site_and_other_hosts_are_not() -> None:
    html = """<html><body><div class="list">
<a href="https://www.binhgiang.gov.vn/tin-tuc/hoi-nghi-tong-ket-cong-tac-dan-van-nam-2026-1201.html">Hội nghị tổng kết công tác dân vận năm 2026 của tỉnh</a>
<a href="http://binhgiang.gov.vn:80/tin-tuc/ra-quan-lam-duong-giao-thong-nong-thon-moi-1202.html">Ra quân làm đường giao thông nông thôn mới ở xã Tân Lập</a>
<a href="/tin-tuc/tiep-xuc-cu-tri-truoc-ky-hop-thu-muoi-hai-1203.html">Tiếp xúc cử tri trước kỳ họp thứ mười hai của HĐND tỉnh</a>
<a href="https://xatanlap.binhgiang.gov.vn/tin-tuc/xa-to-chuc-le-ky-niem-ngay-thanh-lap-1204.html">Xã tổ chức lễ kỷ niệm ngày thành lập mặt trận</a>
</div></body></html>"""  # noqa: E501
    found = classify_links(html, "https://binhgiang.gov.vn/")
    assert found.articles == [
        "https://www.binhgiang.gov.vn/tin-tuc/hoi-nghi-tong-ket-cong-tac-dan-van-nam-2026-1201.html",
        "http://binhgiang.gov.vn:80/tin-tuc/ra-quan-lam-duong-giao-thong-nong-thon-moi-1202.html",
        "https://binhgiang.gov.vn/tin-tuc/tiep-xuc-cu-tri-truoc-ky-hop-thu-muoi-hai-1203.html",
    ]


_BODY = ("Sáng 20/11, Ban Dân vận Tỉnh ủy tỉnh Bình Giang tổ chức hội nghị tổng kết công tác dân vận năm 2026. "
         "Các đại biểu đã thảo luận về những kết quả nổi bật trong việc xây dựng hệ thống chính trị ở cơ sở. ")


def _page(url: str, canonical: str) -> RawPage:
    html = (f'<html><head><meta charset="utf-8"><title>Hội nghị tổng kết công tác dân vận</title>'
            f'<link rel="canonical" href="{canonical}">'
            '<meta property="article:published_time" content="2026-11-20T08:00:00+07:00"></head><body>'
            "<h1>Hội nghị tổng kết công tác dân vận năm 2026</h1>"
            f"<p>{_BODY}</p><p>{_BODY.replace('Sáng', 'Chiều')}</p><p>{_BODY.replace('hội nghị', 'buổi họp')}</p>"
            "</body></html>")
    return RawPage(url=url, source_id="binhgiang", status=200, fetched_at=datetime(2026, 11, 21, tzinfo=UTC),
                   content_type="text/html; charset=utf-8", body=html.encode())


@pytest.mark.parametrize(("declared", "expected"), [
    # The www. name of the same site: the page's own word for its address is taken.
    ("https://www.binhgiang.gov.vn/tin-tuc/hoi-nghi-dan-van-1201.html",
     "https://www.binhgiang.gov.vn/tin-tuc/hoi-nghi-dan-van-1201.html"),
    # Relative, with tracking: made absolute and cleaned.
    ("/tin-tuc/hoi-nghi-dan-van-1201.html?utm_source=zalo",
     "https://binhgiang.gov.vn/tin-tuc/hoi-nghi-dan-van-1201.html"),
    # Another site claiming the article (a syndication partner): not taken.
    ("https://baobinhgiang.vn/hoi-nghi-dan-van-1201.html",
     "https://binhgiang.gov.vn/tin-tuc/hoi-nghi-dan-van-1201.html?id=1"),
])
def test_processing_takes_a_declared_canonical_on_the_same_site_only(declared: str, expected: str) -> None:
    page = _page("https://binhgiang.gov.vn/tin-tuc/hoi-nghi-dan-van-1201.html?id=1&utm_medium=social", declared)
    article = process_page(page, load_taxonomy(PACKAGE_DIR / "taxonomy.yaml"))
    assert isinstance(article, Article), article
    assert article.canonical_url == expected


@pytest.mark.parametrize(("href", "expected"), [
    ("bai-viet-1.html#binh-luan", "https://binhgiang.gov.vn/tin-tuc/bai-viet-1.html"),
    ("/web/guest/-/asset_publisher/Ab12/content/bai-viet;jsessionid=9A8B7C?_101_redirect=%2Ftin-tuc&p_p_id=101",
     "https://binhgiang.gov.vn/web/guest/-/asset_publisher/Ab12/content/bai-viet?p_p_id=101"),
    ("\n  //binhgiang.gov.vn/lien-he \t", "https://binhgiang.gov.vn/lien-he"),
    ("https://binhgiang.gov.vn", "https://binhgiang.gov.vn/"),
    ("#top", None), ("javascript:void(0)", None), ("mailto:banbientap@binhgiang.gov.vn", None),
    ("tel:02083123456", None), ("zalo:0912345678", None), ("", None), (None, None), ("http://[::1", None),
])
def test_absolute_link_is_where_a_link_leads_or_none(href: str | None, expected: str | None) -> None:
    assert absolute_link(href, "https://binhgiang.gov.vn/tin-tuc/") == expected


def test_canonical_url_drops_tracking_session_and_view_state_and_sorts_the_query() -> None:
    url = ("https://binhgiang.gov.vn/web/guest/-/asset_publisher/Ab12/content/bai;jsessionid=1F?p_p_lifecycle=0"
           "&utm_source=fb&p_p_id=101&fbclid=x1&_101_redirect=%2F&print=1#chia-se")
    assert canonical_url(url) == "https://binhgiang.gov.vn/web/guest/-/asset_publisher/Ab12/content/bai?p_p_id=101"
    assert canonical_url("https://binhgiang.gov.vn/Pages/tin.aspx?ItemID=12&cat=3") == (
        "https://binhgiang.gov.vn/Pages/tin.aspx?ItemID=12&cat=3")
    assert canonical_url("https://binhgiang.gov.vn/tin.aspx?id=5&b=2&a=1") == "https://binhgiang.gov.vn/tin.aspx?a=1&b=2&id=5"
