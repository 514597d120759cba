"""The parse-once page: every reader (spider steps, discovery, block check) shares one decoded text and one tree."""

import pytest

import portalwatch.core.page as page_module
from crawlers.blocks import block_reason
from crawlers.discovery import classify_links, discover, feeds_in, lists_articles
from portalwatch.core.page import Page

HOME = """<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Cổng thông tin tỉnh Bình Giang</title>
<base href="https://binhgiang.gov.vn/">
<link rel="alternate" type="application/rss+xml" href="/rss/tin-moi.rss">
<link REL="Canonical" href="/trang-chu">
<meta property="og:title" content="Cổng thông tin điện tử tỉnh Bình Giang">
<meta name="description" content="Tin tức, sự kiện của tỉnh Bình Giang">
<meta name="description" content="Mô tả thứ hai, bỏ qua">
<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
  {"@type": "WebSite", "name": "Cổng thông tin tỉnh Bình Giang"},
  {"@type": "Organization", "name": "UBND tỉnh Bình Giang"}]}</script>
<script type="application/ld+json">{"@type": "BreadcrumbList", </script>
<script type="application/ld+json">[{"@type": "NewsArticle", "headline": "Khai mạc kỳ họp"}, 7]</script>
</head><body>
<ul class="menu"><li><a href="/">Trang chủ</a></li><li><a href="tin-tuc/chinh-tri">Chính trị</a></li>
<li><a href="tin-tuc/kinh-te">Kinh tế</a></li><li><a href="/lien-he">Liên hệ</a></li></ul>
<div class="tin-moi">
<h3><a href="tin-tuc/chinh-tri/khai-mac-ky-hop-thu-muoi-hai-hdnd-tinh-1301.html">Khai mạc kỳ họp thứ mười hai HĐND tỉnh khóa XVII</a></h3>
<h3><a href="tin-tuc/chinh-tri/tiep-xuc-cu-tri-sau-ky-hop-tai-huyen-tan-lap-1302.html">Tiếp xúc cử tri sau kỳ họp tại huyện Tân Lập</a></h3>
<h3><a href="tin-tuc/kinh-te/nong-dan-tan-lap-thu-hoach-lua-dong-xuan-1303.html">Nông dân Tân Lập thu hoạch lúa đông xuân sớm</a></h3>
<a href="tin-tuc/kinh-te/nong-dan-tan-lap-thu-hoach-lua-dong-xuan-1303.html"><img alt="Nông dân thu hoạch lúa"></a>
</div>
<div class="footer"><a href="/rss">RSS</a> <a href="https://chinhphu.vn/">Cổng Chính phủ</a>
<meta itemprop="datePublished" content="2026-11-20T08:00:00+07:00"></div>
<link rel="canonical" href="/khong-phai-cai-nay">
</body></html>"""  # noqa: E501


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every markup the page module parses, in order."""
    seen: list[str] = []
    real = page_module.parse_html

    def counting(text: str):  # type: ignore[no-untyped-def]
        seen.append(text)
        return real(text)

    monkeypatch.setattr(page_module, "parse_html", counting)
    return seen


def test_discovery_the_list_check_the_feeds_and_the_block_check_share_one_parse(parses: list[str]) -> None:
    page = Page("https://binhgiang.gov.vn/", HOME.encode(), "text/html; charset=utf-8")
    tree = page.tree
    found = discover(page.url, page, None)
    links = classify_links(page, article_pattern=found.article_pattern)
    assert lists_articles(page, article_pattern=found.article_pattern)
    assert feeds_in(page) == ["https://binhgiang.gov.vn/rss/tin-moi.rss", "https://binhgiang.gov.vn/rss"]
    assert block_reason(page) is None
    assert page.canonical == "https://binhgiang.gov.vn/trang-chu"
    assert page.tree is tree  # the same object every reader got
    assert len(parses) == 1
    assert links.articles == [
        "https://binhgiang.gov.vn/tin-tuc/chinh-tri/khai-mac-ky-hop-thu-muoi-hai-hdnd-tinh-1301.html",
        "https://binhgiang.gov.vn/tin-tuc/chinh-tri/tiep-xuc-cu-tri-sau-ky-hop-tai-huyen-tan-lap-1302.html",
        "https://binhgiang.gov.vn/tin-tuc/kinh-te/nong-dan-tan-lap-thu-hoach-lua-dong-xuan-1303.html",
    ]


def test_text_is_decoded_once_and_a_decoded_text_is_taken_as_given() -> None:
    page = Page("https://binhgiang.gov.vn/", HOME.encode())
    assert page.text is page.text
    given = Page("https://binhgiang.gov.vn/", b"", text="<html><body><p>Bình Giang</p></body></html>")
    assert given.tree is not None and given.tree.findtext(".//p") == "Bình Giang"


def test_a_page_in_a_legacy_encoding_decodes_by_its_meta_charset() -> None:
    html = '<html><head><meta charset="windows-1258"></head><body><h1>Đông Sơn</h1></body></html>'
    page = Page("https://binhgiang.gov.vn/", html.encode("cp1258"))  # letters cp1258 holds precomposed
    assert page.tree is not None and page.tree.findtext(".//h1") == "Đông Sơn"


def test_canonical_from_the_head_alone_spares_the_full_parse_and_agrees_with_it(parses: list[str]) -> None:
    fresh = Page("https://binhgiang.gov.vn/", HOME.encode())
    assert fresh.canonical == "https://binhgiang.gov.vn/trang-chu"  # resolved against <base href>
    assert not fresh.parsed and len(parses) == 1 and "<body" not in parses[0]  # the head only
    parsed_first = Page("https://binhgiang.gov.vn/", HOME.encode())
    assert parsed_first.tree is not None
    assert parsed_first.canonical == fresh.canonical


def test_a_page_that_declares_no_canonical_is_not_parsed_to_learn_it(parses: list[str]) -> None:
    page = Page("https://binhgiang.gov.vn/a-1.html", "<html><head><title>Tin</title></head><body><p>Bài</p>".encode())
    assert page.canonical is None and not page.parsed and parses == []


def test_canonical_outside_the_head_is_found_by_the_full_parse_either_way() -> None:
    html = "<html><head><title>Tin</title></head><body><link rel='canonical' href='https://binhgiang.gov.vn/a-1.html'>"
    assert Page("https://binhgiang.gov.vn/a-1.html?in=1", html.encode()).canonical == "https://binhgiang.gov.vn/a-1.html"
    parsed_first = Page("https://binhgiang.gov.vn/a-1.html?in=1", html.encode())
    assert parsed_first.tree is not None and parsed_first.canonical == "https://binhgiang.gov.vn/a-1.html"
    assert Page("https://binhgiang.gov.vn/", b"<html><head></head><body>x</body></html>").canonical is None
    assert Page("https://binhgiang.gov.vn/", b"<link rel='canonical' href=''>").canonical is None


def test_meta_takes_the_first_value_wherever_the_tag_sits() -> None:
    page = Page.of(HOME, "https://binhgiang.gov.vn/")
    assert page.meta.get("og:title") == "Cổng thông tin điện tử tỉnh Bình Giang"
    assert page.meta.get("description") == "Tin tức, sự kiện của tỉnh Bình Giang"
    assert page.meta.get("datePublished") == "2026-11-20T08:00:00+07:00"  # an itemprop meta in the body
    assert page.meta.get("author") == ""


def test_json_ld_lists_graph_members_and_skips_broken_blocks() -> None:
    page = Page.of(HOME, "https://binhgiang.gov.vn/")
    assert [(o["@type"], o.get("name") or o.get("headline")) for o in page.json_ld] == [
        ("WebSite", "Cổng thông tin tỉnh Bình Giang"),
        ("Organization", "UBND tỉnh Bình Giang"),
        ("NewsArticle", "Khai mạc kỳ họp"),
    ]


def test_links_are_absolute_in_page_order_with_what_a_reader_sees() -> None:
    page = Page.of(HOME, "https://binhgiang.gov.vn/")
    assert [(link.url, link.text) for link in page.links][:2] == [
        ("https://binhgiang.gov.vn/", "Trang chủ"), ("https://binhgiang.gov.vn/tin-tuc/chinh-tri", "Chính trị")]
    image_link = page.links[7]
    assert image_link.text == "Nông dân thu hoạch lúa" and image_link.element.find("img") is not None
    assert page.links[-1].url == "https://chinhphu.vn/"  # off-site links are the readers' to drop


def test_the_block_check_reads_the_shared_tree_without_pruning_it() -> None:
    html = ("<html><head><title>Just a moment...</title><script>var cf_chl_opt = {};</script></head>"
            "<body><noscript>Bật JavaScript</noscript><div class='cf-challenge'>Đang kiểm tra trình duyệt</div>"
            "</body></html>")
    page = Page("https://binhgiang.gov.vn/", html.encode())
    assert block_reason(page) == "trang xác minh captcha/chống bot (Just a moment...)"
    assert page.tree is not None and len(page.tree.findall(".//script")) == 1  # still there for other readers
    assert len(page.tree.findall(".//noscript")) == 1


@pytest.mark.parametrize("markup", [b"", b"   ", "   ", b"\x00\x01"])
def test_empty_or_junk_pages_have_no_tree_and_nothing_to_read(markup: str | bytes) -> None:
    page = Page.of(markup, "https://binhgiang.gov.vn/")
    assert page.links == [] and page.json_ld == [] and page.canonical is None and page.meta.get("description") == ""
    if page.tree is None:
        assert page.parse_error


def test_an_xml_declaration_on_decoded_text_does_not_stop_the_parse() -> None:
    page = Page.of('<?xml version="1.0" encoding="utf-8"?><html><body><h1>Bình Giang</h1></body></html>')
    assert page.tree is not None and page.tree.findtext(".//h1") == "Bình Giang"
