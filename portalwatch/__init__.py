"""portalwatch: coverage monitoring for Vietnamese provincial portals and newspapers."""

from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
