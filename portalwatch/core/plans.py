"""Campaign plans ("Kế hoạch tuyên truyền"): which sources must cover which topics, and when."""

from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError


class CampaignPlan(BaseModel):
    name: str
    start: date = Field(alias="from")
    until: date
    sources: list[str] | None = None  # None: every monitored source
    topics: list[str]

    def active_during(self, first: date, last: date) -> bool:
        return self.start <= last and self.until >= first


def load_plans(path: Path) -> list[CampaignPlan]:
    """The plans in a YAML list; no file means no plan (the digest then lists no gaps)."""
    if not path.exists():
        return []
    try:
        return [CampaignPlan.model_validate(item) for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []]
    except (yaml.YAMLError, ValidationError, TypeError) as exc:
        raise ValueError(f"campaign plan file {path} is invalid: {exc}") from exc
