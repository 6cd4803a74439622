"""The bounds on typed numbers, and figures outside them as old rows may hold, without Slack."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from bot.domain.digest import GoalWeek, kpi_line
from bot.domain.goals import FieldError, expected_value, in_bounds, read_number
from bot.domain.weeks import parse_week
from bot.ui.mrkdwn import number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("999,999,999,999,999", 999_999_999_999_999.0),
        ("-999999999999999", -999_999_999_999_999.0),
        ("0.000001", 0.000001),
        ("3.250000", 3.25),  # trailing zeros are not decimals anyone reads
        ("0.00000000", 0.0),
        ("1e14", 1e14),
        ("１２．５％", 12.5),
    ],
)
def test_numbers_within_the_bounds_are_read(text: str, value: float) -> None:
    assert read_number(text, "target") == value


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("1e308", "error.number_too_large"),
        ("-1e308", "error.number_too_large"),
        ("1000000000000000", "error.number_too_large"),
        ("999999999999999.9999999", "error.number_too_large"),  # rounds up to 10**15 as a float
        ("1e999999999", "error.number_too_large"),
        ("0.0000001", "error.too_many_decimals"),
        ("1.0000000000000000000000000000001", "error.too_many_decimals"),  # no rounding first
        ("1e-7", "error.too_many_decimals"),
        ("inf", "error.not_a_number"),
        ("-Infinity", "error.not_a_number"),
        ("nan", "error.not_a_number"),
        ("sNaN", "error.not_a_number"),
        ("", "error.not_a_number"),
    ],
)
def test_numbers_outside_the_bounds_are_refused_with_a_reason(text: str, key: str) -> None:
    result = read_number(text, "target")
    assert isinstance(result, FieldError) and (result.field, result.key) == ("target", key)


def test_the_straight_line_between_float_sized_figures_does_not_overflow() -> None:
    start, due = dt.date(2026, 10, 1), dt.date(2027, 3, 31)
    value = expected_value(baseline=-1e308, target=1e308, start=start, due=due, on=dt.date(2026, 12, 30))
    assert math.isfinite(value) and value == pytest.approx(0.0, abs=1e307)


def test_a_kpi_line_with_infinite_figures_has_no_gap_and_no_change() -> None:
    goal = GoalWeek(
        1, "U1", "Li", "Deposits", "balance", "CNY", -math.inf, math.inf,
        dt.date(2026, 10, 1), dt.date(2027, 3, 31), "up", value=5.0, previous=-math.inf,
    )  # fmt: skip
    line = kpi_line(goal, on=dt.date(2026, 12, 1))
    assert (line.gap_pct, line.change, line.off_track) == (None, None, False)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(math.inf, "–"), (-math.inf, "–"), (math.nan, "–"), (1e308, "1e+308"), (-2.5e15, "-2.5e+15")],
)
def test_figures_outside_the_bounds_are_shown_short(value: float, shown: str) -> None:
    assert not in_bounds(value)
    assert number(value) == shown


def test_weeks_people_may_name_stay_inside_the_calendar() -> None:
    assert parse_week("2026-W49") == "2026-W49"
    assert parse_week("9999-W52") is None  # its Sunday is in the year 10000
    assert parse_week("0001-W01") is None
