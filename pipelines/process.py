"""One raw page in, one article (or a recorded skip) out: extract, clean, tag."""

import hashlib
import re
from datetime import UTC, datetime
from urllib.parse import urljoin

from pipelines.dedup import fingerprint_folded
from pipelines.directives import parse_directives
from pipelines.extract import ExtractionError, extract
from pipelines.tagging import Taxonomy, tag_article
from portalwatch.core.models import Article, RawPage, Skip, Source, article_id
from portalwatch.core.normalize import collapse_spaces, fold
from portalwatch.core.urls import canonical_url, same_site

# Vietnamese-only letters; a page without them is not in Vietnamese.
_VI_LETTERS = "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
# In either case, so the text need not be lowercased (a copy) before counting: their capitals are the only
# characters whose lowercase is one of them.
_VI_LETTER = re.compile(f"[{_VI_LETTERS}{_VI_LETTERS.upper()}]")
# Everything but letters: removing these and measuring what is left counts letters without
# building a list of every letter.
_NOT_LETTER = re.compile(r"[\W\d_]+")
_VI_SHARE = 0.05
# No news article is this long; such a page is a dump or a document listing.
MAX_BODY_CHARS = 500_000
# Publication times this far ahead of the fetch are a page error, not a date.
_FUTURE_SLACK_SECONDS = 3600


def content_hash(title: str, paragraphs: list[str], folded: list[str] | None = None) -> str:
    """Equal for copies that differ only in marks, case, tone placement or spacing.

    folded: fold() of each paragraph when the caller has it (folding works character by character,
    so folding the parts equals folding the joined text).
    """
    key = " ".join([fold(title), *(folded if folded is not None else map(fold, paragraphs))])
    return hashlib.sha1(collapse_spaces(key).encode()).hexdigest()


def _letters(text: str) -> int:
    """len(_NOT_LETTER.sub("", text)), faster: a word of letters only (most words) counts whole, as no
    letter is \\W, a digit or "_" (and no space is a letter); the regex reads only the other words."""
    return sum(len(word) if word.isalpha() else len(_NOT_LETTER.sub("", word)) for word in text.split())


def detect_language(text: str) -> str:
    """"vi" when Vietnamese-only letters are over 5 % of the letters."""
    vietnamese = len(_VI_LETTER.findall(text))
    # Every letter is one character, so letters <= len(text): a share of the whole text over 5 % decides
    # without counting letters (most Vietnamese text: counting is the costlier two thirds of the check).
    if vietnamese and vietnamese / len(text) > _VI_SHARE:
        return "vi"
    letters = _letters(text)
    return "vi" if letters and vietnamese / letters > _VI_SHARE else "und"


def _skip(page: RawPage, reason: str) -> Skip:
    return Skip(url=page.url, source_id=page.source_id, stage="process", reason=reason,
                recorded_at=datetime.now(UTC))


def process_page(page: RawPage, taxonomy: Taxonomy, source: Source | None = None) -> Article | Skip:
    try:
        found = extract(page.body, page.content_type, source.selectors if source else None, page.url)
    except ExtractionError as exc:
        return _skip(page, str(exc))
    if found.published_at is None:
        return _skip(page, "không tìm thấy ngày đăng trên trang")
    if (found.published_at - page.fetched_at).total_seconds() > _FUTURE_SLACK_SECONDS:
        return _skip(page, f"ngày đăng {found.published_at:%d/%m/%Y %H:%M} ở tương lai")
    body = "\n\n".join(found.paragraphs)
    if len(body) > MAX_BODY_CHARS:
        return _skip(page, f"nội dung quá dài ({len(body):,} ký tự, giới hạn {MAX_BODY_CHARS:,})")
    language = detect_language(body)
    if language != "vi":
        return _skip(page, "trang không viết bằng tiếng Việt")
    declared = found.canonical_url
    canonical = canonical_url(declared if declared and same_site(declared, page.url) else page.url)
    cited = parse_directives(f"{found.title}\n{body}")
    article = Article(
        id=article_id(canonical),
        url=page.url,
        canonical_url=canonical,
        source_id=page.source_id,
        province=source.province if source else "",
        title=found.title,
        lead=found.lead,
        section=found.section,
        body=body,
        author=found.author,
        attribution=found.attribution,
        images=[urljoin(page.url, src) for src in found.images],
        published_at=found.published_at,
        updated_at=found.updated_at,
        fetched_at=page.fetched_at,
        language=language,
        content_hash=content_hash(found.title, found.paragraphs, found.folded),
        directives=[d.key for d in cited],
        directive_details=cited,
        fingerprint=fingerprint_folded("\n\n".join(found.folded)),
    )
    return tag_article(article, taxonomy)
