"""Weeks and dates read as each language writes them.

See docs/architecture.md#how-pmpulse-writes-chinese, rule 2.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.i18n.dates import format_date, format_week


@pytest.mark.parametrize(
    ("week", "en", "zh"),
    [
        ("2026-W49", "2026-W49, 30 Nov – 6 Dec", "2026年第49周（11月30日—12月6日）"),
        ("2026-W48", "2026-W48, 23–29 Nov", "2026年第48周（11月23日—29日）"),
        ("2026-W53", "2026-W53, 28 Dec 2026 – 3 Jan 2027", "2026年第53周（2026年12月28日—2027年1月3日）"),
        ("2027-W01", "2027-W01, 4–10 Jan", "2027年第1周（1月4日—10日）"),
        ("2020-W01", "2020-W01, 30 Dec 2019 – 5 Jan 2020", "2020年第1周（2019年12月30日—2020年1月5日）"),
    ],
)
def test_format_week(week: str, en: str, zh: str) -> None:
    assert format_week("en", week) == en
    assert format_week("zh-CN", week) == zh


def test_format_date() -> None:
    day = dt.date(2027, 3, 31)
    assert format_date("en", day) == "31 Mar 2027"
    assert format_date("zh-CN", day) == "2027年3月31日"
    assert format_date("en", day, with_year=False) == "31 Mar"
    assert format_date("zh-CN", day, with_year=False) == "3月31日"


def test_unknown_locale_reads_as_english() -> None:
    assert format_week("fr", "2026-W49") == format_week("en", "2026-W49")
