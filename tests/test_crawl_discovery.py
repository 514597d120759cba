"""Sources given by their homepage alone: the crawl discovers feeds, sitemaps and list pages itself."""

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from portalwatch.fixture_portals.content import articles_on
from portalwatch.fixture_portals.server import FixturePortals
from portalwatch.state.archive import RawArchive
from tests.support import run_crawl

SITES = {"tinh": "binhgiang-gov", "bao": "baobinhgiang", "sokhcn": "sokhcn-hason", "dangbo": "dangbo-tanlap"}


@pytest.mark.parametrize("site", sorted(SITES))
def test_a_homepage_alone_is_enough_to_find_every_article(site: str, portals: FixturePortals,
                                                          tmp_path: Path) -> None:
    source = next(s for s in portals.homepage_only_sources() if s.id == SITES[site])
    stats = run_crawl(tmp_path, source)[source.id]
    assert stats.health == "ok", stats
    with RawArchive(tmp_path / "archive.db") as archive:
        fetched = set(archive.fetched(source.id))
    expected = {f"{portals.base_urls[site]}{portals.sites[site].href(a)}" for a in articles_on(site)}
    assert sorted(expected - fetched) == []
    # Nothing but articles was archived: no menu, section, document or paging page taken for one
    # (the provincial portal links its two broken pages, malformed and undated, like articles).
    assert len(fetched - expected) <= (2 if site == "tinh" else 0), sorted(fetched - expected)


def discovered(archive: Path, source_id: str) -> tuple[datetime, dict[str, set[str]]]:
    """When discovery last ran for the source, and the entry points it confirmed."""
    with sqlite3.connect(archive) as db:
        found, at = db.execute("SELECT found, at FROM discovered WHERE source_id = ?", (source_id,)).fetchone()
    entries = {key: set(value) for key, value in json.loads(found).items() if isinstance(value, list)}
    return datetime.fromisoformat(at), entries


@pytest.mark.parametrize("site", ["bao", "sokhcn"])  # feeds, sitemaps and list pages between them
def test_discovery_is_reused_for_a_week_then_redone(site: str, portals: FixturePortals, tmp_path: Path) -> None:
    source = next(s for s in portals.homepage_only_sources() if s.id == SITES[site])
    archive = tmp_path / "archive.db"
    assert run_crawl(tmp_path, source)[source.id].health == "ok"
    found_at, entries = discovered(archive, source.id)
    assert entries["list_pages"] or entries["feeds"] or entries["sitemaps"]
    # A crawl from the cached discovery does not make it look new: else it would never be redone.
    assert run_crawl(tmp_path, source)[source.id].health in ("ok", "unchanged")
    assert discovered(archive, source.id) == (found_at, entries)

    with sqlite3.connect(archive) as db:
        db.execute("UPDATE discovered SET at = ? WHERE source_id = ?",
                   ((found_at - timedelta(days=8)).isoformat(), source.id))
    run_crawl(tmp_path, source)
    # Redone on an unchanged site, whose entry pages answer 304: the same entry points are confirmed.
    redone_at, again = discovered(archive, source.id)
    assert redone_at > found_at and again == entries
