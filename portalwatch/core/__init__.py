"""The core every layer builds on: models, settings, the source registry, URLs and Vietnamese text."""

from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
