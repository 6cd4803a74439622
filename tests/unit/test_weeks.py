"""ISO weeks typed by users: only weeks whose date arithmetic stays inside what `datetime` holds."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.domain.status import GRACE_DAYS_AFTER_WEEK, week_is_open
from bot.domain.weeks import first_week, iso_week, last_week, parse_week, previous_week, week_end, week_start


@pytest.mark.parametrize(
    ("text", "week"),
    [
        ("2026-W49", "2026-W49"),
        (" 2026-w09 ", "2026-W09"),
        ("2026-W53", "2026-W53"),  # 2026 has 53 ISO weeks
        ("2000-W01", "2000-W01"),
        ("2099-W53", "2099-W53"),
    ],
)
def test_real_weeks_in_range_are_read(text: str, week: str) -> None:
    assert parse_week(text) == week


@pytest.mark.parametrize(
    "text",
    [
        "9999-W52",  # its Sunday is past 9999-12-31: OverflowError in week_end
        "9999-W01",
        "0000-W01",
        "0001-W01",  # a week before it is before 0001-01-01
        "1999-W52",
        "2100-W01",
        "2027-W53",  # 2027 has 52 weeks
        "2026-W00",
        "2026-W1",
        "2026W49",
        "",
        "soon",
    ],
)
def test_weeks_that_are_not_real_or_out_of_range_are_refused(text: str) -> None:
    assert parse_week(text) is None


def test_the_range_is_named_by_its_ends() -> None:
    assert (first_week(), last_week()) == ("2000-W01", "2099-W53")
    assert parse_week(first_week()) == first_week() and parse_week(last_week()) == last_week()


def test_every_rule_applied_to_the_ends_of_the_range_stays_in_dates() -> None:
    for week in (first_week(), last_week()):
        assert iso_week(week_start(week)) == week
        assert week_end(week) - week_start(week) == dt.timedelta(days=6)
        assert previous_week(week, 52) < week
        assert week_is_open(week, today=week_end(week) + dt.timedelta(days=GRACE_DAYS_AFTER_WEEK))
