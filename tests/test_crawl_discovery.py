"""Sources given by their homepage alone: the crawl discovers feeds, sitemaps and list pages itself."""

from pathlib import Path

import pytest

from portalwatch.archive import RawArchive
from portalwatch.fixture_portals.content import articles_on
from portalwatch.fixture_portals.server import SITE_CLASSES, FixturePortals
from portalwatch.models import Source
from tests.test_crawl_hostile import run_crawl

SITES = {"tinh": "binhgiang-gov", "bao": "baobinhgiang"}


@pytest.mark.parametrize("site", sorted(SITES))
def test_a_homepage_alone_is_enough_to_find_every_article(site: str, portals: FixturePortals,
                                                          tmp_path: Path) -> None:
    configured = next(s for s in portals.sources() if s.id == SITES[site])
    source = Source(id=configured.id, name=configured.name, province=configured.province,
                    homepage=configured.homepage)
    stats = run_crawl(tmp_path, source)[source.id]
    assert stats["health"] == "ok"
    with RawArchive(tmp_path / "archive.db") as archive:
        fetched = set(archive.fetched(source.id))
    renderer = SITE_CLASSES[site](portals.base_urls[site], portals.today)
    expected = {f"{portals.base_urls[site]}{renderer.href(a)}" for a in articles_on(site)}
    assert expected <= fetched
    # Nothing but articles was archived: no menu, category or paging page taken for one.
    assert len(fetched - expected) <= 2  # the portal's two broken pages (malformed, no date) are linked as articles
