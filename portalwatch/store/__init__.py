"""Article stores: one interface, an embedded SQLite backend (default) and Elasticsearch."""

from portalwatch.core.config import Settings
from portalwatch.store.base import ArticleStore


def open_store(settings: Settings) -> ArticleStore:
    """Elasticsearch when PORTALWATCH_ES_URL is set, else the embedded SQLite store."""
    if settings.es_url:
        from portalwatch.store.elastic import ElasticStore

        return ElasticStore(settings)
    from portalwatch.store.sqlite import SQLiteStore

    return SQLiteStore(settings.store_path)

