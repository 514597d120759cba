"""The source registry: a YAML list of portals to monitor."""

from pathlib import Path

from portalwatch.core.config_files import as_list, read_yaml, repeated, validate_items
from portalwatch.core.models import Source

_WHAT = "danh mục nguồn"


def load_sources(path: Path) -> list[Source]:
    """Every source in the registry, validated; any fault is one ConfigError line naming where."""
    data, node = read_yaml(path, _WHAT, "tạo tệp (xem sources.example.yaml) hoặc đặt PORTALWATCH_SOURCES trỏ tới nó.")
    sources = validate_items(Source, as_list(data, path, _WHAT, "- id: camau-gov"), node, path, _WHAT)
    repeated([s.id for s in sources], node, path, _WHAT)
    return sources


def configured_sources(path: Path) -> list[Source]:
    """The registry's sources, or none while there is no registry file (a store read without crawling)."""
    return load_sources(path) if path.exists() else []
