"""The weekly digest's steps as plain functions: the digest task wraps them, and `portalwatch digest`
runs them directly. Nothing here imports Prefect, so a one-shot digest does not pay for importing it."""

from datetime import date, datetime, time, timedelta

from flows.runlog import record_counts
from pipelines.tagging import load_taxonomy
from portalwatch.core import VN_TZ
from portalwatch.core.config import get_settings
from portalwatch.core.plans import load_plans
from portalwatch.core.sources import load_sources
from portalwatch.reports.digest import build_digest, iso_week, week_bounds, write_digest
from portalwatch.reports.mailer import send_digest
from portalwatch.state.archive import RawArchive
from portalwatch.state.db import StateTarget
from portalwatch.state.health import LABELS, PROBLEMS, HealthLog
from portalwatch.store import open_store
from portalwatch.store.base import newest_published


def crawl_problems(archive: StateTarget, source_ids: list[str], week: str) -> dict[str, str]:
    """What the last crawl of each source in the week found wrong, for the digest's failing sources (a
    source failing today is no news in an old week's digest, nor one that failed before the week)."""
    start, end = week_bounds(week)
    week_over = datetime.combine(end + timedelta(days=1), time(), VN_TZ)
    with HealthLog(archive) as health:
        last = {sid: next(iter(health.history(sid, limit=1, before=week_over)), None) for sid in source_ids}
    return {sid: f"{LABELS[run.status]}: {run.message}" for sid, run in last.items()
            if run and run.started_at.astimezone(VN_TZ).date() >= start and run.status in PROBLEMS}


def latest_week() -> str:
    """The ISO week of the newest stored article (or of today when the store is empty)."""
    store = open_store(get_settings())
    try:
        newest = newest_published(store)
    finally:
        store.close()
    return iso_week(newest.date() if newest else date.today())


def write_weekly_digest(week: str, email: bool = False) -> dict[str, str]:
    """Write the week's digest; with email, also send it to PORTALWATCH_MAIL_TO."""
    settings = get_settings()
    sources = {s.id: s.name for s in load_sources(settings.sources_file)}
    taxonomy = load_taxonomy(settings.taxonomy)
    store = open_store(settings)
    try:
        with RawArchive(settings.archive_db) as archive:
            digest = build_digest(store, week, sources, taxonomy.names, archive.skips(),
                                  load_plans(settings.plans_file),
                                  crawl_problems(settings.archive_db, list(sources), week))
    finally:
        store.close()
    paths = {fmt: str(path) for fmt, path in write_digest(digest, settings.digest_dir).items()}
    if email:
        paths["email"] = ", ".join(send_digest(digest, settings.digest_dir, settings))
    record_counts(f"bản tin {week}: {digest.articles} bài, {len(digest.gaps)} khoảng trống"
                  + (f", gửi {paths['email']}" if email else ""))
    return paths
