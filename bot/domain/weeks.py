"""ISO weeks: the unit a status update, a digest and a prompt belong to."""

from __future__ import annotations

import datetime as dt
import re

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
# The weeks a user may name. Date arithmetic on a week (its Sunday, the grace days after it,
# the weeks before it for trends) must stay inside what `datetime.date` can hold: 9999-W52's
# Sunday is already past year 9999. A bank team's weekly status has no use for weeks beyond
# this century, so typed weeks are held to it and everything derived from them stays valid.
FIRST_YEAR = 2000
LAST_YEAR = 2099


def iso_week(day: dt.date) -> str:
    """The ISO week of a date, as Slack users read it: "2026-W49"."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(text: str) -> str | None:
    """A week from user text ("2026-W49", "2026-w49"); None when it is not a real ISO week
    between `first_week()` and `last_week()`."""
    match = _WEEK.match(text.strip().upper())
    if not match:
        return None
    year, week = int(match.group(1)), int(match.group(2))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    try:
        dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        return None
    return f"{year:04d}-W{week:02d}"


def first_week() -> str:
    """The earliest week `parse_week` accepts."""
    return f"{FIRST_YEAR:04d}-W01"


def last_week() -> str:
    """The latest week `parse_week` accepts (a year has 52 or 53 ISO weeks)."""
    return iso_week(dt.date(LAST_YEAR, 12, 28))  # 28 December always falls in the year's last week


def week_start(week: str) -> dt.date:
    """The Monday of an ISO week."""
    year, number = week.split("-W")
    return dt.date.fromisocalendar(int(year), int(number), 1)


def week_end(week: str) -> dt.date:
    """The Sunday of an ISO week."""
    return week_start(week) + dt.timedelta(days=6)


def previous_week(week: str, count: int = 1) -> str:
    return iso_week(week_start(week) - dt.timedelta(weeks=count))
