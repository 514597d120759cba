import random
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


def _decomposed_and_stripped(text: str) -> str:
    """What folding means: NFC, đ as d, curly quotes as straight ones, then decomposed, every mark of the
    Combining Diacritical Marks block dropped, lowercased."""
    text = unicodedata.normalize("NFC", text).replace("đ", "d").replace("Đ", "D")
    text = text.translate(str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"}))
    return "".join(c for c in unicodedata.normalize("NFD", text) if not "\u0300" <= c <= "\u036f").lower()


def test_folding_equals_decomposing_and_stripping_marks() -> None:
    # Every character of the scripts fold() meets (and beyond), alone and in random runs mixing letters,
    # the stripped marks and other combining marks whose order decomposition may change.
    singles = [chr(code) for code in range(0x2200)] + ["가", "\U0001f600", "\ufb01", "\u212b", "\u1dc0"]
    assert [fold(c) for c in singles] == [_decomposed_and_stripped(c) for c in singles]
    pool = [*"aAăâđĐeêioôơuưyYIİΣσ ", "Nguyễn", "Đảng", "hoà", "ệ", "\u201c", "\u2019", "\u2013", "가", "\u0300",
            "\u0301", "\u0323", "\u0331", "\u0345", "\u1dc0", "\u0591", "\u05b4", "\u0653", "\u20d0", "\u0622", "ǖ"]
    rng = random.Random(12)
    for _ in range(20000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(1, 10)))
        assert fold(text) == _decomposed_and_stripped(text), repr(text)


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
