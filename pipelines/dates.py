"""Publication dates from Vietnamese date lines and meta tags, in Asia/Ho_Chi_Minh time.

Portals write dates day-first in many shapes ("Thứ Hai, 23/11/2026 - 08:15", "Cập nhật lúc18:28,
Thứ Ba, 26/11/2019 (GMT+7)", "Đăng ngày 17 - 05 - 2024", "12:33 02/05/2021", "26.4.2024 - 11:49").
General date parsers guess month-first or stumble on glued words like "lúc18:28", so one
day-first pattern finds the date and the nearest clock time beside it.
"""

import re
from datetime import datetime

from portalwatch.core import VN_TZ

_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?!\d)"
                   # Month words: "30 tháng 8, 2024", "ngày 30 tháng 8 năm 2024", "30 Tháng Tám 2024" is rare.
                   r"|(?<!\d)(\d{1,2})\s+th[áa]ng\s+(\d{1,2})\s*(?:,|năm|-|/)?\s*(\d{4})(?!\d)",
                   re.IGNORECASE)
# A 12-hour clock says which half of the day: AM/PM, or Vietnamese SA (sáng) / CH (chiều).
_TIME = re.compile(r"(?<!\d)(\d{1,2})\s*(?::|h|giờ)\s*(\d{2})(?::(\d{2}))?(?!\d)(?:\s*(am|pm|sa|ch)\b)?",
                   re.IGNORECASE)
_OFFSET_SPACE = re.compile(r"\s+([+-]\d{2}:?\d{2})$")
# How far from the date a clock time may stand to belong to it.
_TIME_REACH = 30


def parse_vn_datetime(text: str) -> datetime | None:
    """The first day-first date in text, with the closest time of day next to it."""
    match = _DATE.search(text)
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups() if g is not None)
    hour = minute = second = 0
    best = None
    for t in _TIME.finditer(text):
        gap = match.start() - t.end() if t.end() <= match.start() else t.start() - match.end()
        if 0 <= gap <= _TIME_REACH and (best is None or gap < best[0]):
            best = (gap, t)
    if best:
        hour, minute = int(best[1].group(1)), int(best[1].group(2))
        second = int(best[1].group(3) or 0)
        half = (best[1].group(4) or "").lower()
        if half in ("pm", "ch") and hour < 12:
            hour += 12
        elif half in ("am", "sa") and hour == 12:
            hour = 0
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=VN_TZ)
    except ValueError:
        return None


def parse_iso_datetime(value: str) -> datetime | None:
    """An ISO 8601 value from a meta tag; a naive one is taken as Vietnamese local time."""
    try:
        # "2026-03-07T08:52:11.000 +07:00": some CMSs put a space before the offset.
        moment = datetime.fromisoformat(_OFFSET_SPACE.sub(r"\1", value.strip().replace("Z", "+00:00")))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VN_TZ)
    return moment.astimezone(VN_TZ)
