import unicodedata

import pytest

from portalwatch.core.normalize import collapse_spaces, fold, has_diacritics, normalize_text


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("hoà bình", "hòa bình"),
        ("thuỷ lợi", "thủy lợi"),
        ("sức khoẻ", "sức khỏe"),
        ("Uỷ ban nhân dân", "Ủy ban nhân dân"),
        ("HOÀ", "HÒA"),
        ("xoá đói", "xóa đói"),
        (unicodedata.normalize("NFD", "Đảng bộ tỉnh"), "Đảng bộ tỉnh"),
        ("a\u00a0 b\t c", "a b c"),
    ],
)
def test_variants_normalise_to_one_spelling(variant: str, canonical: str) -> None:
    assert normalize_text(variant) == canonical


@pytest.mark.parametrize("word", ["quý", "Quỳnh", "hoàng", "thuyền", "khuya", "hòa",
                                  "hoặc", "ngoặc đơn", "hoằng", "quặng"])  # a mark after the tone: not moved
def test_words_with_fixed_tone_position_are_left_alone(word: str) -> None:
    assert normalize_text(word) == word


def test_folding_strips_marks_and_folds_d_with_stroke() -> None:
    assert fold("Xây dựng Đảng") == "xay dung dang"
    assert fold("đường") == "duong"
    assert len(fold("Nguyễn Thị Đào")) == len("Nguyễn Thị Đào")


def test_has_diacritics() -> None:
    assert has_diacritics("Đảng")
    assert has_diacritics("đang")
    assert not has_diacritics("xay dung dang")


@pytest.mark.parametrize(
    ("text", "collapsed"),
    [
        ("Tỉnh ủy Bình Giang họp", "Tỉnh ủy Bình Giang họp"),
        ("  Tỉnh ủy\tBình\u00a0Giang \n họp ", "Tỉnh ủy Bình Giang họp"),
        ("Bình  Giang", "Bình Giang"),
        ("Bình\u2003Giang\u3000", "Bình Giang"),
        ("Bình\x1fGiang", "Bình Giang"),  # a separator str.split() breaks on
        ("Bình\u00adGiang", "Bình\u00adGiang"),  # a soft hyphen is no space
        ("", ""),
    ],
)
def test_collapse_spaces(text: str, collapsed: str) -> None:
    assert collapse_spaces(text) == collapsed
