"""One raw page in, one article (or a recorded skip) out: extract, clean, tag."""

import hashlib
from datetime import UTC, datetime

from pydantic import BaseModel

from crawlers.links import canonical_url, same_site
from pipelines.dedup import duplicate_groups
from pipelines.directives import find_directives
from pipelines.extract import ExtractionError, extract
from pipelines.normalize import fold
from pipelines.tagging import Taxonomy, tag
from portalwatch.archive import RawArchive
from portalwatch.models import Article, RawPage, Skip, article_id
from portalwatch.store.base import ArticleStore

# Vietnamese-only letters; a page without them is not in Vietnamese.
_VI_LETTERS = set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")
# Publication times this far ahead of the fetch are a page error, not a date.
_FUTURE_SLACK_SECONDS = 3600


def content_hash(title: str, paragraphs: list[str]) -> str:
    """Equal for copies that differ only in marks, case, tone placement or spacing."""
    key = fold(" ".join([title, *paragraphs]))
    return hashlib.sha1(" ".join(key.split()).encode()).hexdigest()


def detect_language(text: str) -> str:
    letters = [c for c in text.lower() if c.isalpha()]
    if not letters:
        return "und"
    share = sum(c in _VI_LETTERS for c in letters) / len(letters)
    return "vi" if share > 0.05 else "und"


def _skip(page: RawPage, reason: str) -> Skip:
    return Skip(url=page.url, source_id=page.source_id, stage="process", reason=reason,
                recorded_at=datetime.now(UTC))


def process_page(page: RawPage, taxonomy: Taxonomy) -> Article | Skip:
    try:
        found = extract(page.body, page.content_type)
    except ExtractionError as exc:
        return _skip(page, str(exc))
    if found.published_at is None:
        return _skip(page, "không tìm thấy ngày đăng trên trang")
    if (found.published_at - page.fetched_at).total_seconds() > _FUTURE_SLACK_SECONDS:
        return _skip(page, f"ngày đăng {found.published_at:%d/%m/%Y %H:%M} ở tương lai")
    body = "\n\n".join(found.paragraphs)
    language = detect_language(body)
    if language != "vi":
        return _skip(page, "trang không viết bằng tiếng Việt")
    declared = found.canonical_url
    canonical = canonical_url(declared if declared and same_site(declared, page.url) else page.url)
    directives = find_directives(f"{found.title}\n{body}")
    rest = "\n\n".join(found.paragraphs[1:])
    return Article(
        id=article_id(canonical),
        url=page.url,
        canonical_url=canonical,
        source_id=page.source_id,
        title=found.title,
        lead=found.lead,
        body=body,
        author=found.author,
        attribution=found.attribution,
        published_at=found.published_at,
        fetched_at=page.fetched_at,
        language=language,
        content_hash=content_hash(found.title, found.paragraphs),
        directives=directives,
        topics=tag(taxonomy, found.title, found.lead, rest, directives, found.published_at),
    )


class ProcessReport(BaseModel):
    pages: int = 0
    articles: int = 0
    new: int = 0
    skipped: int = 0
    duplicate_groups: int = 0


def process_archive(archive: RawArchive, store: ArticleStore, taxonomy: Taxonomy,
                    batch_size: int = 200) -> ProcessReport:
    """Process every archived page into the store; re-running leaves the store as it was."""
    report = ProcessReport()
    batch: list[Article] = []
    for page in archive.pages():
        report.pages += 1
        outcome = process_page(page, taxonomy)
        if isinstance(outcome, Skip):
            archive.record_skip(outcome)
            report.skipped += 1
            continue
        archive.clear_skip(page.url, "process")
        batch.append(outcome)
        if len(batch) >= batch_size:
            report.new += store.upsert(batch)
            report.articles += len(batch)
            batch = []
    report.new += store.upsert(batch)
    report.articles += len(batch)
    groups = duplicate_groups(store.dedup_keys())
    store.set_duplicate_groups(groups)
    report.duplicate_groups = len({g for g in groups.values() if g})
    return report
