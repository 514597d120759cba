"""Extraction on pages of both fixture site families (rendered directly) and on the real seeds."""

from datetime import datetime, timedelta

import pytest

from pipelines.clean import clean_paragraphs
from pipelines.extract import ExtractionError, extract, read_signature
from portalwatch.core import VN_TZ
from portalwatch.core.normalize import normalize_text
from portalwatch.fixture_portals.content import (
    SYNDICATION_DELAY_MINUTES,
    FixtureArticle,
    articles_on,
    load_articles,
)
from portalwatch.fixture_portals.server import (
    MALFORMED,
    NO_DATE,
    LiferayPortal,
    PartyCommitteeSite,
    ProvincialPortal,
    WordPressNews,
)
from tests.support import seed_text

TODAY = datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ)
COMMENT_FORM = ("Email của bạn", "Trả lời", "Bình luận", "Lưu tên của tôi", "Phản hồi", "Tên *")


def test_provincial_portal_article_uses_its_dateline_not_the_header_date() -> None:
    site = ProvincialPortal("http://portal.test", TODAY)
    article = next(a for a in site.articles if not a.syndicated)
    page = site.route(site.href(article), {})
    found = extract(page.body, page.content_type)
    assert found.title == article.title
    assert found.published_at == article.published  # header shows 23/11/2026; the article is older
    assert found.author == article.author
    assert found.paragraphs[0].endswith(article.lead[-40:])  # the sapo is kept as the lead
    body = "\n".join(found.paragraphs)
    for furniture in ("Lượt xem", "Tin liên quan", "Trực tuyến", "Đã truy cập", "Chia sẻ"):
        assert furniture not in body


def test_wordpress_post_has_no_comment_form_text() -> None:
    site = WordPressNews("http://bao.test", TODAY)
    for article in site.articles[:10]:
        page = site.route(site.href(article), {})
        found = extract(page.body, page.content_type)
        body = "\n".join(found.paragraphs)
        for text in COMMENT_FORM:
            assert text not in body, (article.slug, text)
        assert found.author == article.author
        expected = article.published
        if article.syndicated and article.sites[0] != "bao":
            expected += timedelta(minutes=SYNDICATION_DELAY_MINUTES)
        assert found.published_at == expected


def test_page_without_a_dateline_has_no_date_even_with_todays_date_in_the_header() -> None:
    site = ProvincialPortal("http://portal.test", TODAY)
    page = site.route(f"/tin-tuc/xa-hoi/gioi-thieu-chung-ve-tinh-binh-giang-{NO_DATE}.html", {})
    assert extract(page.body, page.content_type).published_at is None


def test_malformed_page_raises_a_clear_reason() -> None:
    site = ProvincialPortal("http://portal.test", TODAY)
    page = site.route(f"/tin-tuc/xa-hoi/trang-loi-du-lieu-{MALFORMED}.html", {})
    with pytest.raises(ExtractionError, match="không trích xuất được nội dung"):
        extract(page.body, page.content_type)


def test_wrong_declared_charset_is_overridden_by_the_page() -> None:
    html = "<html><head><meta charset='windows-1258'></head><body><h1>Tiêu đề</h1></body></html>"
    with pytest.raises(ExtractionError):  # too short to be an article, but it must decode, not crash
        extract(html.encode("cp1258", errors="replace"), "text/html")


def test_seed_comment_form_and_source_line_are_stripped() -> None:
    first = seed_text("000_1f63b6b694167a1c.txt")
    paragraphs, _ = clean_paragraphs(first.splitlines())
    assert paragraphs[-1].startswith("Điển hình công tác tuyên truyền")
    assert not any("Email của bạn" in p or p == "Trả lời" for p in paragraphs)
    second = seed_text("004_a2e73a008901b89c.txt")
    paragraphs, _ = clean_paragraphs(second.splitlines())
    assert "camau.gov.vn" not in paragraphs
    assert paragraphs[-1].startswith("Việc đẩy mạnh thông tin")


def test_text_glued_to_the_comment_form_notice_is_kept() -> None:
    glued = "Email của bạn sẽ không được hiển thị công khai. Các trường bắt buộc được đánh dấu *Cổ vũ Đảng bộ."
    assert clean_paragraphs(["Trả lời", glued]) == (["Cổ vũ Đảng bộ."], "")


def test_repeated_lead_and_agency_prefix() -> None:
    lead = "(BG)- Sáng 17/11, Tỉnh ủy tổ chức hội nghị."
    paragraphs, attribution = clean_paragraphs([lead, "Nội dung chính.", "Sáng 17/11, Tỉnh ủy tổ chức hội nghị.",
                                                "Lượt xem: 302", "0:00 / 0:00", "Theo TTXVN"])
    assert paragraphs == ["Sáng 17/11, Tỉnh ủy tổ chức hội nghị.", "Nội dung chính."]
    assert attribution == "Theo TTXVN"


# The agency prefixes the fixture leads were written with; extraction drops them (and nothing else).
FIXTURE_AGENCY_PREFIXES = ("(BG)- ", "BGO- ")


def _without_prefix(lead: str) -> str:
    for prefix in FIXTURE_AGENCY_PREFIXES:
        lead = lead.removeprefix(prefix)
    return lead


def test_every_fixture_article_on_both_sites_extracts_whole() -> None:
    """Exactly the lead and the paragraphs the fixture wrote: no comment form, counter or related list."""
    for site in (ProvincialPortal("http://portal.test", TODAY), WordPressNews("http://bao.test", TODAY)):
        for article in articles_on(site.name):
            page = site.route(site.href(article), {})
            found = extract(page.body, page.content_type)
            assert found.published_at == site.published(article), article.slug
            expected = [normalize_text(p) for p in (_without_prefix(article.lead), *site.view(article)["paragraphs"])]
            assert found.paragraphs == expected, article.slug


def test_every_article_of_the_liferay_and_district_sites_extracts_whole() -> None:
    """Date lines ("16/11/2026 08:15", "Cập nhật lúc 08:15 ngày 16/11/2026") under a header showing
    today, signatures at the end, portlet and sidebar furniture (visitor counters) left out."""
    for site in (LiferayPortal("http://so.test", TODAY), PartyCommitteeSite("http://db.test", TODAY)):
        for article in site.articles:
            view = site.view(article)
            found = extract(site.route(site.href(article), {}).body)
            assert found.title == normalize_text(article.title), article.slug
            assert found.published_at == site.published(article), article.slug
            assert found.author == article.author, article.slug
            expected = [normalize_text(p) for p in (article.lead, *view["paragraphs"])]
            assert found.paragraphs == expected, article.slug


@pytest.mark.parametrize("path", ["/", "/web/guest/tin-tuc"])
def test_liferay_list_pages_are_recognised(path: str) -> None:
    page = LiferayPortal("http://so.test", TODAY).route(path, {})
    with pytest.raises(ExtractionError, match=r"trang danh sách|không trích xuất được"):
        extract(page.body, page.content_type)


@pytest.mark.parametrize("path", ["/", "/xay-dung-dang", "/tin-tuc-su-kien", "/van-ban"])
def test_district_list_pages_are_recognised(path: str) -> None:
    page = PartyCommitteeSite("http://db.test", TODAY).route(path, {})
    with pytest.raises(ExtractionError, match=r"trang danh sách|không trích xuất được"):
        extract(page.body, page.content_type)


@pytest.mark.parametrize("path", ["/tin-tuc/chinh-tri", "/", "/tin-tuc/xa-hoi?trang=2"])
def test_portal_list_pages_are_recognised(path: str) -> None:
    site = ProvincialPortal("http://portal.test", TODAY)
    page = site.route(path.split("?")[0], {"trang": [path.split("=")[-1]]} if "?" in path else {})
    with pytest.raises(ExtractionError, match="trang danh sách"):
        extract(page.body, page.content_type)


@pytest.mark.parametrize("path", ["/", "/chuyen-muc/kinh-te/", "/chuyen-muc/chinh-tri/page/2/"])
def test_newspaper_list_pages_are_recognised(path: str) -> None:
    site = WordPressNews("http://bao.test", TODAY)
    page = site.route(path, {})
    with pytest.raises(ExtractionError, match="trang danh sách"):
        extract(page.body, page.content_type)


def _article_html(article: FixtureArticle) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in article.paragraphs)
    return f"<html><head><meta charset='utf-8'></head><body><h1>{article.title}</h1>{paragraphs}</body></html>"


def test_mojibake_is_recorded_not_indexed() -> None:
    garbled = _article_html(load_articles()[0]).encode("utf-8").decode("latin-1").encode("utf-8")
    with pytest.raises(ExtractionError, match="mojibake"):
        extract(garbled)


def test_source_selectors_win_over_generic_extraction() -> None:
    article = load_articles()[0]
    paragraphs = "".join(f"<span class='dong'>{p}</span><br>" for p in article.paragraphs)
    html = (
        "<html><head><meta charset='utf-8'><title>Cổng thông tin</title></head><body>"
        "<div class='top'>Thứ Hai, 23/11/2026</div>"
        f"<div class='tieu-de'>{article.title}</div><div class='noi-dung'>{paragraphs}</div>"
        "<div class='chan-trang'>Người viết: <b class='tac-gia'>Hoàng Minh</b> | "
        "<span class='ngay-dang'>Ngày đăng 03/10/2019 | 17:58</span></div></body></html>"
    ).encode()
    # Generic rules find neither this body (spans and line breaks) nor a date so far from the title.
    selectors = {"title": ".tieu-de", "body": ".noi-dung", "date": ".ngay-dang", "author": ".tac-gia"}
    found = extract(html, selectors=selectors)
    assert found.title == normalize_text(article.title)
    assert found.published_at == datetime(2019, 10, 3, 17, 58, tzinfo=VN_TZ)
    assert found.author == "Hoàng Minh"
    assert "\n".join(found.paragraphs).startswith(normalize_text(article.paragraphs[0])[:60])


def test_article_images_are_listed_share_image_first() -> None:
    for site in (ProvincialPortal("http://portal.test", TODAY), WordPressNews("http://bao.test", TODAY)):
        article = site.articles[0]
        found = extract(site.route(site.href(article), {}).body)
        assert len(found.images) == 2, found.images
        assert found.images[0].startswith(site.base) and str(article.number) in found.images[1]


def test_an_invalid_source_selector_is_a_clear_skip_reason_not_a_crash() -> None:
    html = _article_html(load_articles()[0]).encode()
    with pytest.raises(ExtractionError, match="bộ chọn CSS không hợp lệ"):
        extract(html, selectors={"body": "div[[class"})


def test_a_body_selector_that_matches_replaces_generic_extraction(monkeypatch: pytest.MonkeyPatch) -> None:
    import pipelines.extract as extract_module

    def no_generic_extraction(doc: object) -> list[str]:
        raise AssertionError("trafilatura ran although the source's body selector matched")

    monkeypatch.setattr(extract_module, "_main_text", no_generic_extraction)
    article = load_articles()[0]
    found = extract(_article_html(article).encode(), selectors={"body": "body"})
    assert found.title == normalize_text(article.title)
    assert found.paragraphs == [normalize_text(p) for p in article.paragraphs]  # the title is not body text


@pytest.mark.parametrize(
    ("line", "person", "attribution"),
    [
        ("Hồng Nhung (TTXVN)", "Hồng Nhung", "TTXVN"),  # the agency in brackets is the source
        ("Quang Vinh (tổng hợp)", "Quang Vinh", ""),  # a note, not a source
        ("CTV: Bảo Ngọc (Trung tâm VHTT huyện Yên Lạc)", "Bảo Ngọc", ""),  # the signer's workplace, not a source
        ("CTV Kim Oanh/TTXVN", "Kim Oanh", "TTXVN"),
        ("Văn phòng HĐND-UBND xã", "", "Văn phòng HĐND-UBND xã"),  # a unit signs: attribution, never a person
        ("PHÒNG TƯ PHÁP", "", "PHÒNG TƯ PHÁP"),
        ("Trung tâm Truyền thông huyện", "", "Trung tâm Truyền thông huyện"),
        ("Lan Chi – Phó Chánh Văn phòng Huyện ủy", "Lan Chi", ""),  # the office after the name is dropped
        ("MINH ĐỨC - THANH TÙNG", "MINH ĐỨC - THANH TÙNG", ""),  # two signers stay
        ("Tin, ảnh: Đức Toàn", "Đức Toàn", ""),
        ("Tin: KH. Ảnh: Ngọc Bích", "KH", ""),  # the photographer's credit is not the byline
        ("Tổng hợp: HẢI YẾN", "HẢI YẾN", ""),
        ("Thực hiện: Báo Bình Giang điện tử", "", "Báo Bình Giang điện tử"),
        ("Tác giả: VOV", "", "VOV"),  # a national broadcaster's short name is a source
        ("PV", "PV", ""),  # a reporter's initials are a person's
        ("Phòng chống dịch là việc của mọi nhà", None, None),  # a line of text
    ],
)
def test_signature_lines_give_the_person_and_the_source(line: str, person: str | None,
                                                       attribution: str | None) -> None:
    signed = read_signature(line)
    assert signed == (None if person is None else (person, attribution))


def _signed_page(date_line: str, signature: list[str]) -> bytes:
    body = ("<p>Ngày 2/1/2018, xã Yên Phú khởi công tuyến kênh tưới dài sáu cây số qua ba thôn, do người dân góp "
            "công và ngân sách huyện hỗ trợ xi măng, cát, đá theo kế hoạch đã thông qua.</p>"
            "<p>Đến nay kênh đã dẫn nước cho hơn hai trăm héc-ta lúa, giúp bà con chủ động lịch thời vụ và giảm "
            "chi phí bơm tát so với những vụ trước.</p>")
    signed = "".join(f"<p>{line}</p>" for line in signature)
    return (f"<html><head><meta charset='utf-8'><title>Kênh tưới mới ở Yên Phú</title></head><body><article>"
            f"<h1>Kênh tưới mới ở Yên Phú dẫn nước về ba thôn</h1><div class='post-date'>{date_line}</div>"
            f"{body}{signed}</article></body></html>").encode()


def test_an_agency_signature_is_the_attribution_and_a_unit_never_the_byline() -> None:
    """The byline is the person; the agency in brackets is the attribution; a unit signing alone is an
    attribution, not a person; no signature stays in the text; the date comes from the line under the
    headline in an English form, never from the body's first sentence."""
    agency = extract(_signed_page("Friday, October 18, 2024 - 07:25", ["Hồng Nhung (TTXVN)"]),
                     url="https://yenphu.example.gov.vn/tin/kenh-tuoi-123.html")
    assert (agency.author, agency.attribution) == ("Hồng Nhung", "TTXVN")
    assert agency.published_at == datetime(2024, 10, 18, 7, 25, tzinfo=VN_TZ)
    assert not any("Hồng Nhung" in p for p in agency.paragraphs)

    unit = extract(_signed_page("19 thg 4, 2023 09:40", ["Văn phòng HĐND-UBND xã"]),
                   url="https://yenphu.example.gov.vn/tin/kenh-tuoi-124.html")
    assert (unit.author, unit.attribution) == ("", "Văn phòng HĐND-UBND xã")
    assert unit.published_at == datetime(2023, 4, 19, 9, 40, tzinfo=VN_TZ)
    assert not any("Văn phòng" in p for p in unit.paragraphs)


def test_a_headline_copied_into_application_name_is_not_the_site_name() -> None:
    # Some templates fill <meta name="application-name"> with each page's headline; og:site_name still names
    # the outlet. The article must not be refused as "a page named after the site".
    headline = "Hợp tác xã Tân Lộc đưa bưởi da xanh sang thị trường châu Âu"
    paragraphs = [f"Đoạn {n}: hợp tác xã đã ký hợp đồng xuất khẩu lô bưởi thứ {n} với một nhà nhập khẩu, "
                  "sau khi vườn đạt chứng nhận canh tác an toàn và mã số vùng trồng." for n in range(1, 6)]
    page = (f'<html><head><meta charset="utf-8"><title>{headline}</title>'
            f'<meta property="og:site_name" content="Báo Bình Giang">'
            f'<meta property="og:title" content="{headline}"><meta name="application-name" content="{headline}">'
            '</head><body><article><h1>' + headline + '</h1><div class="date">05/05/2026 08:15</div>'
            + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article></body></html>").encode()
    found = extract(page, "text/html", url="https://baobinhgiang.vn/kinh-te/buoi-da-xanh-post7001.html")
    assert found.title == headline
    assert found.paragraphs == paragraphs
