from datetime import datetime

import pytest

from pipelines.dates import parse_iso_datetime, parse_vn_datetime
from portalwatch.core import VN_TZ


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thứ Hai, 23/11/2026 - 08:15", (2026, 11, 23, 8, 15)),
        ("ngày 01/4/2020", (2020, 4, 1, 0, 0)),
        ("23-11-2026 08:15:00", (2026, 11, 23, 8, 15)),
        ("Cập nhật: 10:05 | 03/02/2020", (2020, 2, 3, 10, 5)),
        ("26.4.2024 - 11:49", (2024, 4, 26, 11, 49)),
        ("Thứ Tư, 08/04/2015, 08:11 [GMT+7]", (2015, 4, 8, 8, 11)),
        ("Cập nhật lúc18:28, Thứ Ba, 26/11/2019 (GMT+7)", (2019, 11, 26, 18, 28)),
        ("Đăng ngày 17 - 05 - 2024", (2024, 5, 17, 0, 0)),
        ("12:33 02/05/2021", (2021, 5, 2, 12, 33)),
        ("Ngày đăng 03/10/2019 | 17:58", (2019, 10, 3, 17, 58)),
        ("Thứ bảy, 7/3/2026, 3:30 PM (GMT+7)", (2026, 3, 7, 15, 30)),
        ("07/03/2026 3:30 CH", (2026, 3, 7, 15, 30)),
        ("07/03/2026 12:05 SA", (2026, 3, 7, 0, 5)),
        ("07/03/2026 11:05 SA", (2026, 3, 7, 11, 5)),
        ("Ngày 7 tháng 3 năm 2026 lúc 15 giờ 30", (2026, 3, 7, 15, 30)),
        # The short month of date widgets in the Vietnamese locale.
        ("19 thg 4, 2023 09:40", (2023, 4, 19, 9, 40)),
        ("19 Th04 2023", (2023, 4, 19, 0, 0)),
        # Hours and minutes parted by "g", as southern newspapers write them.
        ("Cập nhật 21-10-2024 lúc 16g05", (2024, 10, 21, 16, 5)),
        # Year first, a CMS printing its stored value.
        ("Ngày đăng: 2024-10-21 16:05:33", (2024, 10, 21, 16, 5, 33)),
        ("2023/04/19", (2023, 4, 19, 0, 0)),
        # English pages of provincial portals: month-first and day-first month names.
        ("Friday, October 18, 2024 - 07:25", (2024, 10, 18, 7, 25)),
        ("Oct 8, 2024 | 4:10 PM", (2024, 10, 8, 16, 10)),
        ("Sept. 2, 2023", (2023, 9, 2, 0, 0)),
        ("Updated 9 May 2022, 18:45 GMT+7", (2022, 5, 9, 18, 45)),
    ],
)
def test_vietnamese_date_lines_are_day_first_local_time(text: str, expected: tuple[int, ...]) -> None:
    assert parse_vn_datetime(text) == datetime(*expected, tzinfo=VN_TZ)


def test_text_without_a_date_gives_none() -> None:
    assert parse_vn_datetime("Lượt xem: 302") is None
    assert parse_vn_datetime("31/02/2026") is None  # no such day
    # A term of office, a school year and words that start like a month's name are no dates.
    assert parse_vn_datetime("nhiệm kỳ 2020-2025, năm học 2024-2025") is None
    assert parse_vn_datetime("Mayor 12, 2025 Marching 3 2024") is None
    assert parse_vn_datetime("2024-13-40") is None  # no such month


def test_iso_meta_values_are_converted_to_vietnam_time() -> None:
    assert parse_iso_datetime("2026-11-17T01:15:00Z") == datetime(2026, 11, 17, 8, 15, tzinfo=VN_TZ)
    assert parse_iso_datetime("2026-11-17 08:15") == datetime(2026, 11, 17, 8, 15, tzinfo=VN_TZ)
    assert parse_iso_datetime("hôm qua") is None


def test_date_in_the_url_is_the_last_resort() -> None:
    from pipelines.extract import date_in_url

    assert date_in_url("https://baobinhgiang.vn/2026/11/17/hoi-nghi/") == datetime(2026, 11, 17, tzinfo=VN_TZ)
    assert date_in_url("https://x.vn/tin-tuc/hoi-nghi-20191003175800123.htm") == datetime(2019, 10, 3, tzinfo=VN_TZ)
    assert date_in_url("https://x.vn/tin-tuc/hoi-nghi-91146.html") is None
    assert date_in_url("https://x.vn/2026/13/45/sai/") is None
