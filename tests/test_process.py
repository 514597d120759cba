"""process_page's skips: each recorded with its reason, each beside the same page that passes.

The pages are fixture pages of the provincial portal (its own template); the skipped variants
change one thing: when the page was fetched, the language of the text, or the text's length.
"""

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from pipelines.process import detect_language, process_page
from pipelines.tagging import Taxonomy, load_taxonomy
from portalwatch.core import VN_TZ
from portalwatch.core.config import PACKAGE_DIR
from portalwatch.core.models import Article, RawPage, Skip
from portalwatch.fixture_portals.content import FixtureArticle
from portalwatch.fixture_portals.server import ProvincialPortal

TODAY = datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ)
SITE = ProvincialPortal("http://portal.test", TODAY)
ARTICLE = next(a for a in SITE.articles if not a.syndicated)

# An English press release of the kind provincial portals publish for foreign investors (our own text).
ENGLISH = replace(
    ARTICLE, title="Binh Giang welcomes investors to its new industrial park",
    lead="The provincial People's Committee held a conference on Monday to introduce the Tan Lap industrial park.",
    body=("The park covers 350 hectares along the national highway and is connected to the river port by a new "
          "road completed this year.\n\n"
          "Investors were briefed on land rental terms, labour supply and the one-stop administrative service "
          "that handles licences within fifteen working days.\n\n"
          "Twelve companies from the region signed memoranda of understanding at the end of the conference."))


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy(PACKAGE_DIR / "taxonomy.yaml")


def page_of(article: FixtureArticle, fetched_at: datetime) -> RawPage:
    view = SITE.view(article)
    rendered = SITE.render("tinh_article.html", a=view, related=[])
    return RawPage(url=f"{SITE.base}{view['href']}", source_id="binhgiang-gov", status=200, fetched_at=fetched_at,
                   content_type=rendered.content_type, body=rendered.body)


def test_a_publication_date_after_the_fetch_is_a_skip(taxonomy: Taxonomy) -> None:
    published = ARTICLE.published
    # Within the hour's slack (clocks differ), it is an article; two hours ahead, a page error.
    assert isinstance(process_page(page_of(ARTICLE, published - timedelta(minutes=30)), taxonomy), Article)
    outcome = process_page(page_of(ARTICLE, published - timedelta(hours=2)), taxonomy)
    assert isinstance(outcome, Skip)
    assert outcome.stage == "process"
    assert outcome.reason == f"ngày đăng {published:%d/%m/%Y %H:%M} ở tương lai"


def test_a_page_not_in_vietnamese_is_a_skip(taxonomy: Taxonomy) -> None:
    assert isinstance(process_page(page_of(ARTICLE, TODAY), taxonomy), Article)
    outcome = process_page(page_of(ENGLISH, TODAY), taxonomy)
    assert isinstance(outcome, Skip)
    assert outcome.reason == "trang không viết bằng tiếng Việt"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hội nghị Ban Chấp hành Đảng bộ tỉnh Bình Giang lần thứ 12", "vi"),
        ("HỘI NGHỊ BAN CHẤP HÀNH ĐẢNG BỘ TỈNH BÌNH GIANG LẦN THỨ 12", "vi"),  # capitals count as well
        # 3 Vietnamese letters (Đ, ư, ờ) among 79 letters (3.8 %; at least 5 % are needed).
        ("The provincial committee of Binh Giang held its 12th plenary meeting in 2026 in the capital city: Đường",
         "und"),
        ("Province meeting 12: Đường Hồ Chí", "vi"),  # Đ, ư, ờ, ồ: 4 of 25 letters
        ("Hồ 1234567890 1234567890 1234567890_", "vi"),  # 1 of 2 letters: digits and "_" are no letters
        ("2026 – 12/11 …", "und"),
        ("", "und"),
    ],
)
def test_language_is_the_share_of_vietnamese_letters(text: str, language: str) -> None:
    assert detect_language(text) == language


def appendix(paragraphs: int) -> FixtureArticle:
    """The article followed by numbered copies of its paragraphs: a document dump past some length."""
    numbered = [f"Phụ lục {n}: {ARTICLE.paragraphs[n % len(ARTICLE.paragraphs)]}" for n in range(paragraphs)]
    return replace(ARTICLE, body="\n\n".join([*ARTICLE.paragraphs, *numbered]))


def test_an_over_long_body_is_a_skip(taxonomy: Taxonomy) -> None:
    long_article, dump = appendix(200), appendix(1600)
    assert len(long_article.body) < 200_000 and len(dump.body) > 500_000
    assert isinstance(process_page(page_of(long_article, TODAY), taxonomy), Article)
    outcome = process_page(page_of(dump, TODAY), taxonomy)
    assert isinstance(outcome, Skip)
    assert outcome.reason.startswith("nội dung quá dài (")
    assert outcome.reason.endswith("ký tự, giới hạn 500,000)")
