"""The shipped example registry of real portals loads as a registry users can start from."""

from pathlib import Path

from portalwatch.core.sources import load_sources

ROOT = Path(__file__).resolve().parents[1]


def test_the_example_registry_of_real_portals_is_valid_and_gives_homepages_only() -> None:
    sources = load_sources(ROOT / "sources.example.yaml")
    assert len(sources) >= 10
    assert all(s.homepage.startswith("https://") for s in sources)
    # Homepages alone: discovery finds the rest.
    assert not any(s.feeds or s.sitemaps or s.list_pages or s.article_pattern for s in sources)
