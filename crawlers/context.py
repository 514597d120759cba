"""What every component of one crawl reads from its settings: the source it crawls and the archive database.

crawlers.run sets both on each crawler (one crawler per source), so the spider, the state
pipeline, the health extension and the WARC middleware agree without asking each other.
"""

from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings

from portalwatch.core.models import Source
from portalwatch.state.db import StateTarget, state_target

ARCHIVE_SETTING = "PORTALWATCH_ARCHIVE"  # path of archive.db, or the shared state's PostgreSQL URL
SOURCE_SETTING = "PORTALWATCH_SOURCE"  # the Source, as JSON


def crawl_source(settings: BaseSettings) -> Source:
    value = settings.get(SOURCE_SETTING)
    if not value:
        raise NotConfigured(f"{SOURCE_SETTING} is not set")
    return Source.model_validate_json(value)


def archive_db(settings: BaseSettings) -> StateTarget:
    value = settings.get(ARCHIVE_SETTING)
    if not value:
        raise NotConfigured(f"{ARCHIVE_SETTING} is not set")
    return state_target(value)
