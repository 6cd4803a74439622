"""The status form's validation and the editing rules, as pure functions."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.domain.goals import FieldError
from bot.domain.status import (
    BLOCKERS_MAX,
    MODAL_TEXT_MAX,
    TEXT_MAX,
    Health,
    LeaveRange,
    StatusForm,
    TeamState,
    ValidStatus,
    blocker_lines,
    keep_long_text,
    leave_problem,
    merge_blockers,
    parse_leave,
    team_state,
    validate_status,
    week_is_open,
)


def form(**overrides: object) -> StatusForm:
    fields: dict[str, object] = {
        "progress": "Pilot live in 3 branches",
        "plans": "",
        "blockers": "",
        "health": "green",
        "health_reason": "",
        "kpis": {},
    }
    fields.update(overrides)
    return StatusForm(**fields)  # type: ignore[arg-type]


def test_a_good_form_is_cleaned_up() -> None:
    result = validate_status(
        form(
            progress="  Pilot live  ",
            blockers="- Risk sign-off\n\n  * Vendor quota  \n1. Budget\n",
            health="amber",
            health_reason="Sign-off\nlate   by two weeks",
            kpis={7: " 1,234.5 ", 8: "", 9: "12"},
            topic=" Pricing ",
        ),
        goal_ids=[7, 8],
    )
    assert result == ValidStatus(
        progress="Pilot live",
        plans="",
        blockers=("Risk sign-off", "Vendor quota", "Budget"),
        health=Health.AMBER,
        health_reason="Sign-off late by two weeks",
        kpis={7: 1234.5},  # 8 left empty (not reported); 9 is not an open goal of this PM
        topic="Pricing",
        risk="",
    )


def test_every_error_is_reported_at_once() -> None:
    result = validate_status(
        form(
            progress=" ",
            plans="",
            health="red",
            health_reason="  ",
            kpis={1: "lots", 2: "3"},
            risk="r" * (TEXT_MAX + 1),
            blockers="\n".join(f"b{i}" for i in range(BLOCKERS_MAX + 1)),
        ),
        goal_ids=[1, 2],
    )
    assert result == [
        FieldError("progress", "status.error.progress_or_plans"),
        FieldError("risk", "error.too_long", (("max", TEXT_MAX),)),
        FieldError("blockers", "status.error.too_many_blockers", (("max", BLOCKERS_MAX),)),
        FieldError("health_reason", "status.error.reason_required"),
        FieldError("kpi:1", "error.not_a_number"),
    ]


def test_plans_alone_are_enough_and_green_needs_no_reason() -> None:
    result = validate_status(
        form(progress="", plans="Next: pricing review", health_reason="ignored"), goal_ids=[]
    )
    assert isinstance(result, ValidStatus) and result.health_reason == ""


@pytest.mark.parametrize("health", [None, "", "blue"])
def test_health_is_required(health: str | None) -> None:
    assert validate_status(form(health=health), goal_ids=[]) == [
        FieldError("health", "status.error.health_required")
    ]


def test_text_up_to_the_server_limit_is_accepted_whole() -> None:
    result = validate_status(form(progress="x" * TEXT_MAX), goal_ids=[])
    assert isinstance(result, ValidStatus) and len(result.progress) == TEXT_MAX


def test_blocker_lines() -> None:
    assert blocker_lines("") == ()
    assert blocker_lines("• one\r\n2) two\n   \n3、三") == ("one", "two", "三")
    assert blocker_lines("-not a bullet") == ("-not a bullet",)


def test_merge_blockers_keeps_unchanged_lines_once() -> None:
    previous = [("a", True), ("b", False), ("a", False)]
    assert merge_blockers(previous, ["b", "c", "a", "a", "a"]) == [
        ("b", 1),
        ("c", None),
        ("a", 0),
        ("a", 2),
        ("a", None),
    ]


def test_long_stored_text_survives_an_untouched_edit_only() -> None:
    stored = "y" * (MODAL_TEXT_MAX + 500)
    assert keep_long_text(stored=stored, submitted=stored[:MODAL_TEXT_MAX]) == stored
    assert keep_long_text(stored=stored, submitted="rewritten") == "rewritten"
    assert keep_long_text(stored="short", submitted="short") == "short"


@pytest.mark.parametrize(
    ("today", "is_open"),
    [
        (dt.date(2026, 11, 22), False),  # the Sunday before
        (dt.date(2026, 11, 23), True),
        (dt.date(2026, 12, 6), True),  # the end of the following week
        (dt.date(2026, 12, 7), False),
    ],
)
def test_a_week_is_open_from_its_monday_to_the_end_of_the_next_week(today: dt.date, is_open: bool) -> None:
    assert week_is_open("2026-W48", today=today) is is_open


@pytest.mark.parametrize(
    ("state", "away", "expected"),
    [
        ("submitted", True, TeamState.SUBMITTED),
        ("skipped", False, TeamState.SKIPPED),
        (None, True, TeamState.ON_LEAVE),
        (None, False, TeamState.MISSING),
    ],
)
def test_team_state(state: str | None, away: bool, expected: TeamState) -> None:
    assert team_state(update_state=state, on_leave=away) is expected


def test_leave_parsing_and_checks() -> None:
    today = dt.date(2026, 11, 26)
    assert parse_leave(["2026-12-01", "2026-12-05"]) == LeaveRange(dt.date(2026, 12, 1), dt.date(2026, 12, 5))
    assert parse_leave(["2026-12-01"]) is None
    assert parse_leave(["tomorrow", "2026-12-05"]) is None
    assert leave_problem(dt.date(2026, 12, 5), dt.date(2026, 12, 1), today=today) == (
        "status.leave.error.end_before_start"
    )
    assert leave_problem(dt.date(2026, 12, 1), dt.date(2027, 12, 1), today=today) is None  # 366 days
    assert (
        leave_problem(dt.date(2026, 12, 1), dt.date(2027, 12, 2), today=today)
        == "status.leave.error.too_long"
    )
    assert leave_problem(dt.date(2026, 11, 1), dt.date(2026, 11, 25), today=today) == (
        "status.leave.error.in_the_past"
    )
    assert leave_problem(dt.date(2026, 11, 1), dt.date(2026, 11, 26), today=today) is None
