"""Article stores: one interface, an embedded SQLite backend (default) and Elasticsearch."""

from portalwatch.config import Settings
from portalwatch.store.base import ArticleStore
from portalwatch.store.sqlite import SQLiteStore


def open_store(settings: Settings) -> ArticleStore:
    return SQLiteStore(settings.store_path)
