"""ISO weeks: the unit a status update, a digest and a prompt belong to."""

from __future__ import annotations

import datetime as dt
import re

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
# Weeks people may name: nothing was recorded before 2000, and the calendar arithmetic around a
# week (its Sunday, a week's grace, eight weeks back for open blockers) must stay within the
# dates Python can hold; "9999-W52" ends in the year 10000.
WEEK_YEARS = range(2000, 3000)


def iso_week(day: dt.date) -> str:
    """The ISO week of a date, as Slack users read it: "2026-W49"."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(text: str) -> str | None:
    """A week from user text ("2026-W49", "2026-w49"); None when it is not a real ISO week."""
    match = _WEEK.match(text.strip().upper())
    if not match:
        return None
    year, week = int(match.group(1)), int(match.group(2))
    if year not in WEEK_YEARS:
        return None
    try:
        dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        return None
    return f"{year}-W{week:02d}"


def week_start(week: str) -> dt.date:
    """The Monday of an ISO week."""
    year, number = week.split("-W")
    return dt.date.fromisocalendar(int(year), int(number), 1)


def week_end(week: str) -> dt.date:
    """The Sunday of an ISO week."""
    return week_start(week) + dt.timedelta(days=6)


def previous_week(week: str, count: int = 1) -> str:
    return iso_week(week_start(week) - dt.timedelta(weeks=count))
