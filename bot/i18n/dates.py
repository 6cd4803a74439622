"""Weeks and dates as each language writes them, in one place.

Messages never show a bare ISO week: "2026-W49, 30 Nov – 6 Dec" in English,
"2026年第49周（11月30日—12月6日）" in Chinese (docs/architecture.md#how-pmpulse-writes-chinese,
rule 2). The ISO form stays in English because it is what `/pm status team 2026-W49` accepts.
"""

from __future__ import annotations

import datetime as dt

from bot.domain.weeks import week_end, week_start

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_date(locale: str, day: dt.date, *, with_year: bool = True) -> str:
    """ "6 Dec 2026" / "2026年12月6日"."""
    if locale == "zh-CN":
        return f"{day.year}年{day.month}月{day.day}日" if with_year else f"{day.month}月{day.day}日"
    text = f"{day.day} {_MONTHS_EN[day.month - 1]}"
    return f"{text} {day.year}" if with_year else text


def format_week(locale: str, week: str) -> str:
    """An ISO week with its Monday and Sunday, the year repeated only when the week spans two."""
    start, end = week_start(week), week_end(week)
    year, number = week.split("-W")
    spans_years = start.year != end.year
    if locale == "zh-CN":
        first = format_date(locale, start, with_year=spans_years)
        if spans_years:
            last = format_date(locale, end)
        elif start.month == end.month:
            last = f"{end.day}日"
        else:
            last = format_date(locale, end, with_year=False)
        return f"{year}年第{int(number)}周（{first}—{last}）"
    if spans_years:
        days = f"{format_date(locale, start)} – {format_date(locale, end)}"
    elif start.month == end.month:
        days = f"{start.day}–{format_date(locale, end, with_year=False)}"
    else:
        days = f"{format_date(locale, start, with_year=False)} – {format_date(locale, end, with_year=False)}"
    return f"{week}, {days}"
