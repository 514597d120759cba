"""Extraction on pages built on the markup real Vietnamese portals emit (Liferay, SharePoint, NukeViet,
Joomla, WordPress, a newspaper's own layout), one page per failure class seen on real captures.

Each tests/data/pages/<name>.html has its ground truth in <name>.json, written by hand from the page:
the fields a reader sees (headline, date line, signature, breadcrumb) and the text paragraphs.
"""

import json
from datetime import datetime
from pathlib import Path

import pytest

from pipelines.extract import ExtractionError, extract
from portalwatch.core import VN_TZ

PAGES = Path(__file__).resolve().parent / "data" / "pages"
TRUTHS = {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(PAGES.glob("*.json"))}
ARTICLES = [name for name, truth in TRUTHS.items() if truth["is_article"]]
LISTS = [name for name, truth in TRUTHS.items() if not truth["is_article"]]


def _page(name: str) -> bytes:
    return (PAGES / f"{name}.html").read_bytes()


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).replace(tzinfo=VN_TZ) if value else None


def _minute(moment: datetime | None) -> datetime | None:
    """Truths are written to the minute, as pages show them."""
    return moment.replace(second=0, microsecond=0) if moment else None


def _without_bullet(paragraph: str) -> str:
    return paragraph[2:] if paragraph.startswith("- ") else paragraph


def test_every_failure_class_has_a_page() -> None:
    assert len(ARTICLES) >= 7 and len(LISTS) >= 4


@pytest.mark.parametrize("name", ARTICLES)
def test_article_fields_match_the_page(name: str) -> None:
    truth = TRUTHS[name]
    found = extract(_page(name), "text/html", url=truth["url"])
    assert found.title == truth["title"]
    assert _minute(found.published_at) == _moment(truth["published"])
    assert _minute(found.updated_at) == _moment(truth["updated"])
    assert found.author == truth["author"]
    assert found.attribution == truth["attribution"]
    assert found.section == truth["section"]


@pytest.mark.parametrize("name", ARTICLES)
def test_article_body_is_the_text_and_nothing_else(name: str) -> None:
    truth = TRUTHS[name]
    found = extract(_page(name), "text/html", url=truth["url"])
    assert [_without_bullet(p) for p in found.paragraphs] == truth["body"]
    body = "\n".join(found.paragraphs)
    for text in truth["absent"]:
        assert text not in body, text


@pytest.mark.parametrize("name", ARTICLES)
def test_article_fields_do_not_need_the_url(name: str) -> None:
    """A page read without its address (a re-run from the archive) gives the same date, headline and byline."""
    truth = TRUTHS[name]
    found = extract(_page(name), "text/html")
    assert (found.title, _minute(found.published_at), found.author) == (truth["title"], _moment(truth["published"]),
                                                              truth["author"])


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("with_url", [True, False])
def test_list_pages_are_refused_with_a_reason(name: str, with_url: bool) -> None:
    url = TRUTHS[name]["url"] if with_url else ""
    with pytest.raises(ExtractionError, match="trang danh sách"):
        extract(_page(name), "text/html", url=url)


def test_a_short_headline_naming_the_province_of_the_site_is_not_the_site_name() -> None:
    """"Bình Giang mùa lúa chín" on baobinhgiang.vn is a headline, not the site's own name."""
    truth = TRUTHS["jsonld_no_h1"]
    page = _page("jsonld_no_h1").decode("utf-8").replace(truth["title"], "Bình Giang mùa lúa chín")
    found = extract(page.encode("utf-8"), "text/html", url=truth["url"])
    assert found.title == "Bình Giang mùa lúa chín"
    assert _minute(found.published_at) == _moment(truth["published"])


def _undated_page(paragraphs: list[str], ld: str = "",
                  h1: str = "Sở Y tế Bình Giang tập huấn phòng dịch mùa mưa") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<html><head><title>{h1}</title><meta property="og:type" content="article">{ld}</head><body>'
            f'<nav><a href="/">Trang chủ</a> <a href="/y-te">Y tế</a> <a href="/kinh-te">Kinh tế</a></nav>'
            f'<h1>{h1}</h1><div class="content">{body}</div></body></html>').encode()


_TEASERS = [f"(BBG) - Tin thứ {i}: các xã của huyện Đông Sơn ra quân phun hóa chất diệt muỗi, thu gom vật dụng "
            f"chứa nước đọng và hướng dẫn người dân ngủ màn để phòng sốt xuất huyết trong mùa mưa năm nay." for i in
            range(1, 6)]


def test_an_undated_page_of_teasers_is_a_list_page_even_when_it_claims_to_be_an_article() -> None:
    with pytest.raises(ExtractionError, match="trang danh sách tin"):
        extract(_undated_page(_TEASERS))
    website = '<script type="application/ld+json">{"@type": "WebSite", "name": "Báo Bình Giang"}</script>'
    with pytest.raises(ExtractionError, match="trang danh sách tin"):
        extract(_undated_page([t.removeprefix("(BBG) - ") for t in _TEASERS], ld=website))
    with pytest.raises(ExtractionError, match="trang danh sách tin"):
        extract(_undated_page([t.removeprefix("(BBG) - ") for t in _TEASERS], h1="Y tế"))


def test_an_undated_article_is_still_an_article_here_its_date_is_checked_later() -> None:
    article = [_TEASERS[0]] + [t.removeprefix("(BBG) - ") for t in _TEASERS[1:]]
    found = extract(_undated_page(article))
    assert found.published_at is None and found.paragraphs[0].startswith("Tin thứ 1")


def _variant(name: str, old: str, new: str) -> bytes:
    page = _page(name).decode("utf-8")
    assert old in page, old
    return page.replace(old, new).encode("utf-8")


def test_a_breadcrumb_written_as_the_first_heading_is_the_section_not_the_headline() -> None:
    truth = TRUTHS["newspaper_breadcrumb_h1_caption_form"]
    found = extract(_page("newspaper_breadcrumb_h1_caption_form"), "text/html", url=truth["url"])
    assert (found.title, found.section) == (truth["title"], "Bình Giang")
    # A headline with links between its words is not a path: it stays the headline.
    linked = _variant("newspaper_breadcrumb_h1_caption_form", "Bình Giang đưa 24 thủ tục hành chính lên dịch vụ công"
                      " toàn trình <span", '<a href="/tinh/binh-giang">Bình Giang</a> đưa 24 thủ tục hành chính lên '
                      '<a href="/dich-vu-cong">dịch vụ công</a> toàn trình <span')
    assert extract(linked, "text/html", url=truth["url"]).title == truth["title"]


def test_a_machine_date_without_time_takes_the_time_of_the_date_line_on_the_same_day() -> None:
    truth = TRUTHS["newspaper_breadcrumb_h1_caption_form"]
    found = extract(_page("newspaper_breadcrumb_h1_caption_form"), "text/html", url=truth["url"])
    assert _minute(found.published_at) == _moment("2026-03-17T16:45")
    # A date line on another day does not move the page's own date.
    other_day = _variant("newspaper_breadcrumb_h1_caption_form", "17/03/2026 - 16:45", "18/03/2026 - 09:10")
    assert _minute(extract(other_day, "text/html", url=truth["url"]).published_at) == _moment("2026-03-17T00:00")


def test_a_photo_caption_is_the_italic_paragraph_after_the_image_only() -> None:
    truth = TRUTHS["newspaper_breadcrumb_h1_caption_form"]
    caption = "Cán bộ Trung tâm Phục vụ hành chính công tỉnh hướng dẫn người dân nộp hồ sơ trực tuyến."
    found = extract(_page("newspaper_breadcrumb_h1_caption_form"), "text/html", url=truth["url"])
    assert caption not in found.paragraphs
    # The same sentence in upright type is a paragraph of the text.
    upright = _variant("newspaper_breadcrumb_h1_caption_form", f'<em><span style="text-align: justify;">{caption}'
                       '</span></em>', caption)
    assert caption in extract(upright, "text/html", url=truth["url"]).paragraphs


@pytest.mark.parametrize("marker", ['itemprop="articleBody"', 'class="journal-content-article"',
                                    'id="news-bodyhtml"'])
def test_the_body_the_page_declares_wins_over_teasers_beside_it(marker: str) -> None:
    """schema.org microdata, Liferay's web content and NukeViet's news module each mark the article's text."""
    truth = TRUTHS["newspaper_articlebody_teasers_beside"]
    page = _variant("newspaper_articlebody_teasers_beside",
                    'class="article__body zce-content-body cms-body" itemprop="articleBody"', marker)
    found = extract(page, "text/html", url=truth["url"])
    assert [_without_bullet(p) for p in found.paragraphs] == truth["body"]


def test_a_section_name_in_an_earlier_h1_gives_way_to_the_headline_the_metadata_names() -> None:
    """An article filed directly under a top section shows one link, not a path, in the first <h1>."""
    truth = TRUTHS["newspaper_breadcrumb_h1_caption_form"]
    page = _variant("newspaper_breadcrumb_h1_caption_form", '<span class="fw400"> &gt; <a style="color:#b0b0b0;" '
                    'href="https://baobinhgiang.com.vn/thoi-su/binh-giang/">Bình Giang</a></span>', "")
    found = extract(page, "text/html", url=truth["url"])
    assert (found.title, found.author) == (truth["title"], truth["author"])


def test_a_lead_opening_with_the_outlet_tag_comes_first_when_the_body_rule_leaves_it_out() -> None:
    """The lead sits in an unclassed <h2> after a span holding "(BGO) - ", above the text's container: a
    source whose body rule names only the container still gets the lead first (its tag taken off)."""
    truth = TRUTHS["newspaper_header_section_prefixed_lead"]
    found = extract(_page("newspaper_header_section_prefixed_lead"), "text/html", url=truth["url"],
                    selectors={"body": ".edittor-content"})
    assert found.paragraphs[0] == truth["body"][0]
    assert truth["body"][1] in found.paragraphs


def test_a_sentence_naming_an_author_is_no_byline_without_the_name_shown_beside_it() -> None:
    """"Tác giả … là …" is a writer's bio only in a card that also shows the name on its own: inside the text
    (a book and its author) it names someone else, and the page stays unsigned."""
    truth = TRUTHS["newspaper_author_box_bio"]
    page = _variant("newspaper_author_box_bio", '<h3 class="story__heading"><a href="/tac-gia/tran-quoc-hung.html">'
                    'Trần Quốc Hưng</a></h3>', "")
    found = extract(page, "text/html", url=truth["url"])
    assert (found.title, found.author) == (truth["title"], "")

