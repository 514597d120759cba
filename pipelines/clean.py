"""Boilerplate removal for Vietnamese portal text, paragraph by paragraph."""

import re
from dataclasses import dataclass

from portalwatch.core.normalize import fold, normalize_text

# Whole paragraphs that are page furniture, never article text (matched case-insensitively).
_FURNITURE = re.compile(
    r"^(trả lời|phản hồi|hủy trả lời|bình luận( \(\d+\))?|gửi bình luận|ý kiến bạn đọc"
    r"|chia sẻ:?|in bài|gửi email|tin liên quan|bài viết liên quan|tin cùng chuyên mục|xem thêm:?.{0,120}"
    r"|tin mới nhất|tin đọc nhiều|tin khác|tags?:.*|từ khóa:.*|thống kê truy cập|liên kết website"
    r"|(tổng\s+)?(trực tuyến|đã truy cập|lượt truy cập|đang truy cập|đang online|hôm nay|hôm qua|lượt xem|đã xem"
    r"|số lượt xem)\s*:?\s*[\d.,]*"
    r"|\d{1,2}:\d{2}\s*/\s*\d{1,2}:\d{2}"
    r"|\|?(\s*:?-{3,}:?\s*\|)+\s*:?-*:?"  # the rule under a table's header row, as trafilatura writes tables
    r"|[\w.-]+\.(gov\.vn|org\.vn|com\.vn|vn|com|net)"
    r"|(facebook|zalo|twitter|linkedin|email)(\s+(facebook|zalo|twitter|linkedin|email))*)$",
    re.IGNORECASE,
)
# Comment-form text that some themes glue onto the last paragraph.
_INLINE_FURNITURE = re.compile(
    r"Email của bạn sẽ không được hiển thị công khai\.?\s*(Các trường bắt buộc được đánh dấu\s*\*)?"
    r"|Lưu tên của tôi, email, và trang web trong trình duyệt này cho lần bình luận kế tiếp của tôi\.?",
    re.IGNORECASE,
)
_ATTRIBUTION = re.compile(r"^(?:\(?\s*)?(Theo|Nguồn:|Nguồn tin:)\s+(.{2,80}?)\s*\)?\.?$")
# Agency prefixes before a lead: "(ĐN)-", "BTO-", "(LĐ online) -", "BGO –".
_AGENCY_PREFIX = re.compile(r"^(\([A-ZĐ][\wĐđ ]{0,15}\)|[A-ZĐ]{2,6})\s*[-–—]\s*")


def strip_agency_prefix(text: str) -> str:
    return _AGENCY_PREFIX.sub("", text, count=1)


@dataclass
class Cleaned:
    paragraphs: list[str]
    # fold() of each paragraph: computed anyway to spot repeats, and reused downstream (hashes,
    # fingerprints, the list-page check) instead of folding the same text again.
    folded: list[str]
    attribution: str


def clean_paragraphs(paragraphs: list[str]) -> tuple[list[str], str]:
    """Normalised article paragraphs without furniture or repeats, and the attribution line."""
    cleaned = clean_text(paragraphs)
    return cleaned.paragraphs, cleaned.attribution


def clean_text(paragraphs: list[str]) -> Cleaned:
    """clean_paragraphs, with the folded form of each kept paragraph."""
    kept: list[str] = []
    folded: list[str] = []
    seen: set[str] = set()
    attribution = ""
    for raw in paragraphs:
        text = normalize_text(_INLINE_FURNITURE.sub("", raw)).replace("\n", " ").strip()
        if not text or _FURNITURE.match(text):
            continue
        credit = _ATTRIBUTION.match(text)
        if credit and len(text) < 90:
            attribution = f"Theo {credit.group(2)}" if credit.group(1) == "Theo" else credit.group(2)
            continue
        if not kept:
            text = strip_agency_prefix(text)
        key = fold(text)
        if key in seen and _is_repeat_to_drop(key, folded):
            continue
        seen.add(key)
        kept.append(text)
        folded.append(key)
    return Cleaned(kept, folded, attribution)


# A repeated paragraph this long is a page glitch (a lead or caption printed twice), not a refrain;
# a repeat of the first paragraph (the lead) is one from this length: a speaker's name is shorter.
REPEAT_CHARS = 120
LEAD_REPEAT_CHARS = 30


def _is_repeat_to_drop(key: str, kept: list[str]) -> bool:
    """Whether a paragraph seen before is a repeat to drop: the lead again, the paragraph just before
    again, or a long one. Short repeats are a list's or a table's own text ("1 tsp", the same question
    put to each interviewee) and stay."""
    return (key == kept[0] and len(key) >= LEAD_REPEAT_CHARS) or key == kept[-1] or len(key) >= REPEAT_CHARS
