"""Goal validation and the straight-line trajectory."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.domain.goals import (
    Direction,
    FieldError,
    ValidGoal,
    expected_value,
    parse_number,
    validate_goal,
)
from tests.support.factories import goal_draft

TODAY = dt.date(2026, 11, 26)


@pytest.mark.parametrize(
    ("text", "value"),
    [("12.5", 12.5), ("1,000", 1000.0), (" 3% ", 3.0), ("１２．５", 12.5), ("-4", -4.0), ("1_000", 1000.0)],
)
def test_parse_number_accepts_what_people_type(text: str, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["", "abc", "nan", "inf", "1.2.3", "%"])
def test_parse_number_refuses_non_numbers(text: str) -> None:
    assert parse_number(text) is None


def test_valid_goal() -> None:
    goal = validate_goal(goal_draft(), today=TODAY)
    assert goal == ValidGoal(
        title="Grow deposits",
        metric="Balance",
        unit="CNY m",
        baseline=100,
        target=130,
        due_date=dt.date(2027, 6, 30),
        direction=Direction.UP,
        product_line="Deposits",
    )


def test_every_error_is_reported_at_once() -> None:
    errors = validate_goal(
        goal_draft(
            title="", metric="x" * 201, baseline="?", target="", due_date="2026-11-26", direction=None
        ),
        today=TODAY,
    )
    assert isinstance(errors, list)
    assert {(e.field, e.key) for e in errors} == {
        ("title", "error.required"),
        ("metric", "error.too_long"),
        ("baseline", "error.not_a_number"),
        ("target", "error.not_a_number"),
        ("due_date", "error.due_date_past"),
        ("direction", "error.required"),
    }


@pytest.mark.parametrize(
    ("direction", "target", "key"),
    [
        ("up", "90", "error.target_below_baseline"),
        ("down", "110", "error.target_above_baseline"),
        ("up", "100", "error.target_equals_baseline"),
    ],
)
def test_target_must_lie_in_the_better_direction(direction: str, target: str, key: str) -> None:
    assert validate_goal(goal_draft(direction=direction, target=target), today=TODAY) == [
        FieldError("target", key)
    ]


def test_bad_date_text() -> None:
    assert validate_goal(goal_draft(due_date="31/12/2027"), today=TODAY) == [
        FieldError("due_date", "error.bad_date")
    ]


def test_expected_value_moves_in_a_straight_line() -> None:
    start, due = dt.date(2026, 1, 1), dt.date(2026, 1, 11)
    kwargs = dict(baseline=100.0, target=200.0, start=start, due=due)
    assert expected_value(**kwargs, on=dt.date(2025, 12, 1)) == 100  # type: ignore[arg-type]
    assert expected_value(**kwargs, on=dt.date(2026, 1, 6)) == 150  # type: ignore[arg-type]
    assert expected_value(**kwargs, on=dt.date(2026, 2, 1)) == 200  # type: ignore[arg-type]
