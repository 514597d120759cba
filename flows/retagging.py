"""Re-tag stored articles after a taxonomy edit, without re-crawling or re-extracting."""

from pydantic import BaseModel

from pipelines.tagging import Taxonomy, tag_article
from portalwatch.core.models import Article
from portalwatch.store.base import ArticleStore, SearchQuery, iter_hits


class RetagReport(BaseModel):
    articles: int = 0
    changed: int = 0


def retag_store(store: ArticleStore, taxonomy: Taxonomy, batch_size: int = 500) -> RetagReport:
    report = RetagReport()
    changed: list[Article] = []
    for article in iter_hits(store, SearchQuery()):
        report.articles += 1
        retagged = tag_article(article, taxonomy)
        if retagged.topics != article.topics:
            changed.append(retagged)
    # Written after the scan, so paging never sees a half-updated store.
    for start in range(0, len(changed), batch_size):
        store.upsert(changed[start : start + batch_size])
    report.changed = len(changed)
    return report
