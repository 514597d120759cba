"""Publication dates from Vietnamese date lines and meta tags, in Asia/Ho_Chi_Minh time.

Portals write dates day-first in many shapes ("Thứ Hai, 23/11/2026 - 08:15", "Cập nhật lúc18:28,
Thứ Ba, 26/11/2019 (GMT+7)", "Đăng ngày 17 - 05 - 2024", "12:33 02/05/2021", "26.4.2024 - 11:49").
General date parsers guess month-first or stumble on glued words like "lúc18:28", so one
day-first pattern finds the date and the nearest clock time beside it. A few portals write the
year first ("2025-03-12 15:30:00"), the month as a short word ("12 thg 3, 2025") or, on English
pages, by name ("March 12, 2025", "12 Mar 2025"): each form has its own alternative.
"""

import re
from datetime import datetime

from portalwatch.core import VN_TZ

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# An English month's name or its abbreviation; the first three letters tell which.
_MONTH_NAME = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
               r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?")
# Alternatives (here and in _RARE_DATE), each with its day, month and year groups in the order the form
# writes them.
_DATE = re.compile(r"(?<!\d)(?P<d1>\d{1,2})\s*[/.\-]\s*(?P<m1>\d{1,2})\s*[/.\-]\s*(?P<y1>\d{4})(?!\d)"
                   # Month words: "30 tháng 8, 2024", "ngày 30 tháng 8 năm 2024"; the short form of date
                   # widgets in the Vietnamese locale: "30 thg 8, 2024", "30 Th08 2024".
                   r"|(?<!\d)(?P<d2>\d{1,2})\s+(?:th[áa]ng\s+|thg\s*|th(?=\d))(?P<m2>\d{1,2})"
                   r"\s*(?:,|năm|-|/)?\s*(?P<y2>\d{4})(?!\d)", re.IGNORECASE)
# The rarer forms, looked for only in a text without the usual ones (most texts read have no date at all,
# and a year is what every form has).
_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
_RARE_DATE = re.compile(
    # Year first, as some CMSs print their stored value: "2025-03-12 15:30:00".
    r"(?<!\d)(?P<y3>\d{4})[/\-](?P<m3>\d{1,2})[/\-](?P<d3>\d{1,2})(?!\d)"
    # English pages: "March 12, 2025" and "12 Mar 2025".
    rf"|\b(?P<n4>{_MONTH_NAME})\s+(?P<d4>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y4>\d{{4}})(?!\d)"
    rf"|(?<!\d)(?P<d5>\d{{1,2}})\s+(?P<n5>{_MONTH_NAME}),?\s+(?P<y5>\d{{4}})(?!\d)",
    re.IGNORECASE)
# A 12-hour clock says which half of the day: AM/PM, or Vietnamese SA (sáng) / CH (chiều). Hours and
# minutes are parted by ":", "h", "g" ("15g30") or "giờ".
_TIME = re.compile(r"(?<!\d)(\d{1,2})\s*(?::|h|g|giờ)\s*(\d{2})(?::(\d{2}))?(?!\d)(?:\s*(am|pm|sa|ch)\b)?",
                   re.IGNORECASE)
_OFFSET_SPACE = re.compile(r"\s+([+-]\d{2}:?\d{2})$")
# How far from the date a clock time may stand to belong to it.
_TIME_REACH = 30


def parse_vn_datetime(text: str) -> datetime | None:
    """The first day-first date in text, with the closest time of day next to it."""
    match = _DATE.search(text) or (_RARE_DATE.search(text) if _YEAR.search(text) else None)
    if not match:
        return None
    day, month, year = _day_month_year(match)
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


def _day_month_year(match: re.Match[str]) -> tuple[int, int, int]:
    found = {name[0]: value for name, value in match.groupdict().items() if value is not None}
    month = _MONTHS.index(found["n"][:3].lower()) + 1 if "n" in found else int(found["m"])
    return int(found["d"]), month, int(found["y"])


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
