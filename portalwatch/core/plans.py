"""Campaign plans ("Kế hoạch tuyên truyền"): which sources must cover which topics, and when."""

from datetime import date
from pathlib import Path

from pydantic import BaseModel, Field, model_validator

from portalwatch.core.config_files import ConfigError, as_list, item_line, read_yaml, validate_items, where

_WHAT = "kế hoạch tuyên truyền"


class CampaignPlan(BaseModel):
    name: str
    start: date = Field(alias="from")
    until: date
    sources: list[str] | None = None  # None: every monitored source
    topics: list[str] = Field(min_length=1)
    # An alert when a bound source has had no article on a required topic for this many days (None: the default).
    gap_days: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> "CampaignPlan":
        if self.until < self.start:
            raise ValueError(f"ngày kết thúc {self.until} trước ngày bắt đầu {self.start}")
        return self

    def active_during(self, first: date, last: date) -> bool:
        return self.start <= last and self.until >= first


def load_plans(path: Path, topic_ids: set[str] | None = None, source_ids: set[str] | None = None
               ) -> list[CampaignPlan]:
    """The plans in a YAML list; no file means no plan (the digest then lists no gaps).

    With the known topic and source ids, a plan naming another id is an error that says which.
    """
    if not path.exists():
        return []
    data, node = read_yaml(path, _WHAT, "")
    plans = validate_items(CampaignPlan, as_list(data, path, _WHAT, "- name: …"), node, path, _WHAT)
    for index, plan in enumerate(plans):
        for field, known, used in (("topics", topic_ids, plan.topics), ("sources", source_ids, plan.sources or [])):
            unknown = [i for i in used if known is not None and i not in known]
            if unknown:
                line = item_line(node, index, field)
                raise ConfigError(f"{where(path, line)}: kế hoạch '{plan.name}' nêu mã không có: "
                                  f"{', '.join(unknown)} (mã có: {', '.join(sorted(known or []))}).")
    return plans
