import zlib
from pathlib import Path

import pytest

from pipelines.tagging import Taxonomy, load_taxonomy, tag
from pipelines.topic_model import _gram_hashes
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
        "examples: false\n"
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


SMALL = (
    "examples: false\n"  # the phrase rules alone: the learned model has tests of its own
    "min_score: 3\n"
    "secondary_margin: 2\n"
    "occasion_markers: [nhân dịp, chào mừng]\n"
    "topics:\n"
    "  - id: xay-dung-dang\n    name: Xây dựng Đảng\n"
    "    phrases: [Huy hiệu Đảng, kết nạp đảng viên]\n"
    "    weak: [đảng viên]\n"
    "    sections: [Xây dựng Đảng]\n"
    "  - id: ky-niem-ngay-le-lon\n    name: Kỷ niệm\n"
    "    phrases: [kỷ niệm, Ngày sinh Chủ tịch Hồ Chí Minh]\n"
    "  - id: quoc-phong-an-ninh\n    name: Quốc phòng\n"
    "    phrases: [giao nhận quân, nhập ngũ]\n"
    "  - id: phong-chong-covid-19\n    name: COVID-19\n"
    "    phrases: [COVID-19, \"phòng, chống dịch\"]\n"
)


@pytest.fixture()
def small(tmp_path: Path) -> Taxonomy:
    (tmp_path / "taxonomy.yaml").write_text(SMALL, encoding="utf-8")
    return load_taxonomy(tmp_path / "taxonomy.yaml")


def test_the_portal_section_is_evidence_but_not_enough_alone(small: Taxonomy) -> None:
    title, lead = "Chi bộ thôn Đồng Tâm sinh hoạt tháng Năm", "Chi bộ thôn Đồng Tâm, xã Yên Bình, tỉnh Bình Giang họp."
    body = "Chi bộ bàn việc làm đường. Cuối buổi, chi bộ xét hồ sơ kết nạp đảng viên cho một quần chúng."
    assert tag(small, title, lead, body, []) == []  # one body mention: 1 point
    tags = tag(small, title, lead, body, [], section="Tin tức > Xây dựng Đảng")
    assert [(t.topic_id, t.score, t.section) for t in tags] == [("xay-dung-dang", 3.0, "Xây dựng Đảng")]
    assert tag(small, title, lead, "Chi bộ bàn việc làm đường.", [], section="Xây dựng Đảng") == []


def test_an_anniversary_named_as_the_occasion_counts_half(small: Taxonomy) -> None:
    title = "Trao Huy hiệu Đảng cho 120 đảng viên"
    lead = ("Nhân dịp kỷ niệm 135 năm Ngày sinh Chủ tịch Hồ Chí Minh (19/5), Ban Thường vụ Tỉnh ủy Bình Giang "
            "trao Huy hiệu Đảng cho 120 đảng viên.")
    assert [t.topic_id for t in tag(small, title, lead, "", [])] == ["xay-dung-dang"]
    # the same anniversary as the subject of the lead, not its occasion, is a topic of its own
    lead = "Sáng 19/5, tỉnh Bình Giang tổ chức lễ kỷ niệm 135 năm Ngày sinh Chủ tịch Hồ Chí Minh."
    assert "ky-niem-ngay-le-lon" in [t.topic_id for t in tag(small, "Lễ dâng hương tại Đền thờ Bác", lead, "", [])]


def test_a_weak_phrase_counts_once_however_often_repeated(small: Taxonomy) -> None:
    body = " ".join(["Mỗi đảng viên nhận một phần việc."] * 8)
    assert tag(small, "Làm đường liên thôn", "Người dân góp công làm đường.", body, []) == []
    tags = tag(small, "Làm đường liên thôn", "Mỗi đảng viên nhận một phần việc.", body, [], section="Xây dựng Đảng")
    assert [(t.topic_id, t.score) for t in tags] == [("xay-dung-dang", 3.0)]  # lead 2 × 0.5, section 2


def test_weak_phrases_alone_never_make_a_tag(tmp_path: Path) -> None:
    (tmp_path / "taxonomy.yaml").write_text(
        "examples: false\ntopics:\n  - id: thi-dua-yeu-nuoc\n    name: Thi đua\n    phrases: [phong trào thi đua]\n"
        "    weak: [khen thưởng, Bằng khen, tuyên dương]\n", encoding="utf-8")
    taxonomy = load_taxonomy(tmp_path / "taxonomy.yaml")
    title, lead = "Tuyên dương, khen thưởng học sinh giỏi", "Sở Giáo dục trao Bằng khen cho 40 học sinh giỏi."
    assert tag(taxonomy, title, lead, "", []) == []  # 1.5 + 1.5 + 1: enough points, but only generic words
    tags = tag(taxonomy, title, lead, "Các em là gương sáng của phong trào thi đua dạy tốt, học tốt.", [])
    assert [(t.topic_id, t.score) for t in tags] == [("thi-dua-yeu-nuoc", 5.0)]


def test_a_topic_the_title_names_outweighs_a_passing_one(small: Taxonomy) -> None:
    lead = ("Sáng 16/2, huyện Yên Bình tổ chức lễ giao nhận quân, tiễn 120 thanh niên nhập ngũ, bảo đảm các biện "
            "pháp phòng, chống dịch COVID-19.")
    tags = tag(small, "Thanh niên Yên Bình lên đường nhập ngũ", lead, "", [])
    assert [t.topic_id for t in tags] == ["quoc-phong-an-ninh"]  # COVID-19: 4 points, short of 3 + 2
    # without a title that names a topic, the same lead tags both
    assert {t.topic_id for t in tag(small, "Tin sáng 16/2", lead, "", [])} == {"quoc-phong-an-ninh",
                                                                               "phong-chong-covid-19"}


def test_tag_article_uses_the_article_section(small: Taxonomy) -> None:
    from datetime import datetime

    from pipelines.tagging import tag_article
    from portalwatch.core import VN_TZ
    from portalwatch.core.models import Article

    now = datetime(2026, 5, 19, 8, 0, tzinfo=VN_TZ)
    lead = "Chi bộ thôn Đồng Tâm xét hồ sơ kết nạp đảng viên."
    article = Article(id="x", url="https://binhgiang.dcs.vn/a", canonical_url="https://binhgiang.dcs.vn/a",
                      source_id="bg", title="Chi bộ thôn Đồng Tâm họp", lead=lead, section="Xây dựng Đảng",
                      body=f"{lead}\n\nCuộc họp kết thúc lúc 11 giờ.", published_at=now, fetched_at=now,
                      content_hash="h")
    assert [t.topic_id for t in tag_article(article, small).topics] == ["xay-dung-dang"]
    assert tag_article(article.model_copy(update={"section": ""}), small).topics == []


def test_own_examples_too_few_or_one_sided_leave_the_rules_alone(tmp_path: Path) -> None:
    """A user's taxonomy names its own examples: a topic with too few, or with nothing to tell them from,
    gets no learned model, and the rules still tag."""
    item = "- title: Cử tri phường {n} đi bầu cử\n  text: Cử tri phường {n} đi bỏ phiếu bầu cử từ sáng sớm.\n" \
           "  topics: [bau-cu]\n"
    topic = "topics:\n  - id: bau-cu\n    name: Bầu cử\n    phrases: [bầu cử, bỏ phiếu]\n"
    for name, count in (("few", 3), ("one-sided", 8)):
        (tmp_path / f"{name}.yaml").write_text("".join(item.format(n=n) for n in range(count)), encoding="utf-8")
        (tmp_path / "taxonomy.yaml").write_text(f"examples: {name}.yaml\n{topic}", encoding="utf-8")
        taxonomy = load_taxonomy(tmp_path / "taxonomy.yaml")
        assert taxonomy.model is not None and taxonomy.model.topic_ids == []
        [found] = tag(taxonomy, "Cử tri đi bầu cử", "Cử tri phường Nam Hà đi bỏ phiếu.", "", [])
        assert found.topic_id == "bau-cu" and found.learned is None


def test_the_model_reads_words_and_word_pairs_as_their_crc32() -> None:
    words, hashes = _gram_hashes("xây dựng đảng, năm 2026")
    assert words == ["xây", "dựng", "đảng", "năm", "2026"]
    grams = ["xây", "dựng", "đảng", "năm", "2026", "xây dựng", "dựng đảng", "đảng năm", "năm 2026"]
    assert list(hashes) == [zlib.crc32(gram.encode()) for gram in grams]


def test_training_leaves_the_blas_threads_as_they_were() -> None:
    from threadpoolctl import threadpool_info

    model = load_taxonomy(PACKAGE_DIR / "taxonomy.yaml").model
    assert model is not None
    import sklearn.linear_model  # noqa: F401  (its libraries loaded first: the pools compared are the same)

    before = {pool["filepath"]: pool["num_threads"] for pool in threadpool_info()}
    model.fitted()
    assert {pool["filepath"]: pool["num_threads"] for pool in threadpool_info()} == before


def test_one_occasion_counts_once_however_many_phrases_spell_it_out(small: Taxonomy) -> None:
    title = "Chào mừng kỷ niệm Ngày sinh Chủ tịch Hồ Chí Minh, thanh niên Yên Bình làm đường"
    # two anniversary phrases in one occasion clause: one mention at half the title's 3 points
    assert tag(small, title, "Đoàn viên xã Yên Bình làm 2 km đường bê tông.", "", []) == []
    tags = tag(small, title, "Sáng 19/5, xã Yên Bình tổ chức lễ kỷ niệm Ngày sinh Chủ tịch Hồ Chí Minh.", "", [])
    # the lead's own mentions count in full: 2 + 2, plus the occasion's 1.5
    assert [(t.topic_id, t.score) for t in tags] == [("ky-niem-ngay-le-lon", 5.5)]


def test_a_phrase_with_a_comma_also_matches_without_it(small: Taxonomy) -> None:
    tags = tag(small, "Yên Bình siết chặt phòng chống dịch", "Xã lập chốt kiểm soát ở đầu các thôn.", "", [])
    assert [(t.topic_id, t.score, t.phrases) for t in tags] == [("phong-chong-covid-19", 3.0, ["phòng chống dịch"])]


@pytest.fixture(scope="module")
def rules(taxonomy: Taxonomy) -> Taxonomy:
    import dataclasses

    return dataclasses.replace(taxonomy, model=None)


# Rule classes that real portal texts called for, each on a text of our own.
@pytest.mark.parametrize(("title", "lead", "expected"), [
    # framing clauses ("trong không khí", "trong bối cảnh", "góp phần") are occasions, not subjects
    ("Khai giảng năm học mới trong không khí kỷ niệm Quốc khánh",
     "Sáng 5/9, học sinh Bình Giang bước vào năm học mới; nhiều trường không nhận hoa chúc mừng.", set()),
    ("Xã Yên Bình làm xong cầu treo Nà Lạn",
     "Cây cầu góp phần thực hiện tiêu chí giao thông trong xây dựng nông thôn mới của xã.", set()),
    # "người tốt, việc tốt" is the Hồ Chí Minh campaign's phrase too: no emulation tag on its own
    ("Sổ ghi chép người tốt, việc tốt làm theo lời Bác",
     "Các chi bộ ghi lại việc làm đẹp của đảng viên để kể trong buổi sinh hoạt.", {"hoc-tap-lam-theo-bac"}),
    # Resolution 4's "tự diễn biến, tự chuyển hóa" in a discipline report is Party building, not a polemic
    ("Kỷ luật một phó giám đốc sở suy thoái, “tự diễn biến”, “tự chuyển hóa”",
     "Ủy ban Kiểm tra Tỉnh ủy quyết định khai trừ ra khỏi Đảng một đảng viên nhận quà của doanh nghiệp.",
     {"xay-dung-dang"}),
    # merged Party committees and a district's founding anniversary, as portals word them
    ("Thành lập Đảng bộ tỉnh Bình Giang trên cơ sở hợp nhất hai đảng bộ tỉnh",
     "Quyết định có hiệu lực từ ngày 1/7.", {"sap-xep-bo-may"}),
    ("Triển lãm ảnh 60 năm thành lập huyện Tân Lập", "Hơn 200 bức ảnh tư liệu được trưng bày đến hết tháng 10.",
     {"ky-niem-ngay-le-lon"}),
    # words read once: the campaign's exemplars ("… điển hình học tập và làm theo …") are not emulation's
    ("Vinh danh tập thể, cá nhân điển hình học tập và làm theo gương Bác",
     "Tỉnh Bình Giang trao bằng ghi nhận cho 20 người có cách làm hay giúp bà con thoát nghèo.",
     {"hoc-tap-lam-theo-bac"}),
    # sea-island sovereignty written with a comma, "biển, đảo"
    ("Giữ vững chủ quyền vùng biển, đảo của Tổ quốc",
     "Ngư dân Bình Giang vừa bám biển vừa báo tin tàu lạ cho lực lượng chức năng.", {"quoc-phong-an-ninh"}),
], ids=["occasion-framing", "contribution-clause", "good-deeds-book", "self-evolution-formula", "merged-committee",
        "district-anniversary", "longest-reading", "sea-island-comma"])
def test_rule_classes_from_real_portal_texts(rules: Taxonomy, title: str, lead: str, expected: set[str]) -> None:
    assert {t.topic_id for t in tag(rules, title, lead, "", [])} == expected
