"""The source registry: a YAML list of portals to monitor."""

from pathlib import Path

import yaml
from pydantic import ValidationError

from portalwatch.core.models import Source


class RegistryError(ValueError):
    pass


def load_sources(path: Path) -> list[Source]:
    if not path.exists():
        raise RegistryError(f"source registry {path} not found: create it or set PORTALWATCH_SOURCES")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        sources = [Source.model_validate(item) for item in data]
    except (yaml.YAMLError, ValidationError, TypeError) as exc:
        raise RegistryError(f"source registry {path} is invalid: {exc}") from exc
    ids = [s.id for s in sources]
    if len(ids) != len(set(ids)):
        raise RegistryError(f"source registry {path} repeats a source id")
    return sources
