from pathlib import Path

import pytest

from pipelines.tagging import Taxonomy, load_taxonomy, tag
from portalwatch.core.config import PACKAGE_DIR
from tests.support import seed_text


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy(PACKAGE_DIR / "taxonomy.yaml")


def test_default_taxonomy_has_every_campaign(taxonomy: Taxonomy) -> None:
    assert {t.id for t in taxonomy.topics} >= {
        "xay-dung-dang", "dai-hoi-dang", "hoc-tap-lam-theo-bac", "bao-ve-nen-tang-tu-tuong",
        "phong-chong-tham-nhung", "phong-chong-covid-19", "ky-niem-ngay-le-lon", "thi-dua-yeu-nuoc",
        "nong-thon-moi", "chuyen-doi-so", "sap-xep-bo-may", "quoc-phong-an-ninh", "bau-cu",
    }


def test_a_passing_mention_is_not_a_tag(taxonomy: Taxonomy) -> None:
    body = "Giá lúa tăng nhẹ. Buổi lễ có sự tham dự của đại biểu Quốc hội. Nông dân phấn khởi."
    assert tag(taxonomy, "Giá lúa mùa tăng", "Nông dân thu hoạch lúa mùa.", body, []) == []


def test_title_and_directive_evidence_is_reported(taxonomy: Taxonomy) -> None:
    tags = tag(taxonomy, "Sơ kết 5 năm thực hiện Chỉ thị 05-CT/TW", "Học tập và làm theo Bác.",
               "Nhiều tập thể được biểu dương.", ["05-CT/TW"])
    assert [t.topic_id for t in tags] == ["hoc-tap-lam-theo-bac"]
    assert tags[0].directives == ["05-CT/TW"]
    assert "học tập và làm theo" in tags[0].phrases
    assert tags[0].score >= 5


def test_old_style_tone_marks_in_text_match_phrases(taxonomy: Taxonomy) -> None:
    tags = tag(taxonomy, "Đấu tranh chống “diễn biến hoà bình”", "", "Phản bác quan điểm sai trái.", [])
    assert "bao-ve-nen-tang-tu-tuong" in [t.topic_id for t in tags]


def test_seed_article_is_tagged_with_its_campaigns(taxonomy: Taxonomy) -> None:
    from pipelines.clean import clean_paragraphs
    from pipelines.directives import find_directives

    text = seed_text("004_a2e73a008901b89c.txt")
    paragraphs, _ = clean_paragraphs(text.splitlines())
    body = "\n\n".join(paragraphs)
    tags = {t.topic_id for t in tag(taxonomy, "", paragraphs[0], body, find_directives(body))}
    assert {"xay-dung-dang", "dai-hoi-dang", "bao-ve-nen-tang-tu-tuong"} <= tags


def test_negative_phrases_and_active_periods(tmp_path: Path) -> None:
    from datetime import datetime

    from portalwatch.core import VN_TZ

    (tmp_path / "taxonomy.yaml").write_text(
        "topics:\n"
        "  - id: bau-cu\n    name: Bầu cử\n    phrases: [bầu cử, cử tri]\n"
        "    negative: [bầu cử Mỹ]\n"
        "    active: {from: 2026-01-01, until: 2026-06-30}\n",
        encoding="utf-8",
    )
    taxonomy = load_taxonomy(tmp_path / "taxonomy.yaml")
    during, after = datetime(2026, 3, 1, tzinfo=VN_TZ), datetime(2026, 9, 1, tzinfo=VN_TZ)
    title, lead = "Cử tri đi bầu cử", "Cử tri phường Nam Hà nô nức đi bầu cử."
    assert [t.topic_id for t in tag(taxonomy, title, lead, "", [], during)] == ["bau-cu"]
    assert tag(taxonomy, title, lead, "", [], after) == []  # the campaign is over
    assert tag(taxonomy, "Kết quả bầu cử Mỹ", lead, "", [], during) == []  # vetoed by a negative phrase
