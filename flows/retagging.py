"""Re-tag stored articles after a taxonomy edit, without re-crawling or re-extracting."""

from pydantic import BaseModel

from pipelines.tagging import Taxonomy, tag_article
from portalwatch.core.models import Article
from portalwatch.store.base import ArticleStore, SearchQuery


class RetagReport(BaseModel):
    articles: int = 0
    changed: int = 0


def retag_store(store: ArticleStore, taxonomy: Taxonomy, batch_size: int = 500) -> RetagReport:
    """Tag every stored article again and write those whose tags changed, a batch at a time: the scan
    streams (a million articles never sit in memory) and sees each article once, written or not."""
    report = RetagReport()
    changed: list[Article] = []
    for article in store.scan(SearchQuery()):
        report.articles += 1
        retagged = tag_article(article, taxonomy)
        if retagged.topics != article.topics:
            changed.append(retagged)
            report.changed += 1
        if len(changed) >= batch_size:
            store.upsert(changed)
            changed = []
    if changed:
        store.upsert(changed)
    return report
