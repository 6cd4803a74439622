"""`/pm status team [WEEK]` and `/pm leave`, over signed HTTP."""

from __future__ import annotations

from sqlalchemy import select

from bot.fakeslack import SlackRequestSender as S
from bot.ids import StatusAction, StatusBlock
from storage.audit import AuditEntry
from storage.leave import Leave
from tests.support.harness import WEEK, Harness, seed_team
from tests.support.slack import click, confirmation, open_from_prompt, post_prompt, submit, values


def pm1_submits_red(h: Harness) -> None:
    state = values(
        **{
            StatusBlock.HEALTH: {"value": S.select("red")},
            StatusBlock.HEALTH_REASON: {"value": S.plain("Regulator paused the launch")},
        }
    )
    submit(h, "UPM1", open_from_prompt(h, "UPM1"), state)
    confirmation(h)


def test_manager_sees_their_reports_missing_first(harness: Harness) -> None:
    seed_team(harness)
    harness.command("UADMIN", "team add <@UPM3|jo> pm Loans")  # reports to nobody
    pm1_submits_red(harness)

    body = harness.command("UMGR", "status team")

    table = str(body["blocks"])
    assert body["response_type"] == "ephemeral"
    assert "2026年第48周（11月23日—29日）团队周报情况" in table
    assert "2 人中 1 人已回复 · 已提交 1 · 已跳过 0 · 休假 0 · 未提交 1" in table
    assert table.index("<@UPM2> · :hourglass: 未提交") < table.index("<@UPM1> · :white_check_mark: 已提交")
    assert ":red_circle: 红色：严重滞后 · 2 项未解决阻碍 · 更新于 2026-11-26 17:00" in table
    assert "UPM3" not in table
    with harness.deps.uow(1) as uow:
        (audit,) = uow.session.scalars(select(AuditEntry).where(AuditEntry.entity == "status_team")).all()
        assert (audit.actor, audit.action, audit.entity_id) == ("UMGR", "view", WEEK)


def test_admin_sees_every_pm_and_a_past_week(harness: Harness) -> None:
    seed_team(harness)
    harness.command("UADMIN", "team add <@UPM3|jo> pm Loans")
    pm1_submits_red(harness)
    click(harness, "UPM2", StatusAction.SKIP, WEEK, where=post_prompt(harness, "UPM2"))
    harness.fake.wait_for("chat.update")

    this_week = harness.command("UADMIN", "status team")
    last_week = harness.command("UADMIN", "status team 2026-W47")

    table = str(this_week["blocks"])
    assert (
        "3 of 3" not in table
        and "2 of 3 answered · 1 submitted · 1 skipped · 0 on leave · 1 missing" in table
    )
    assert "<@UPM3> · :hourglass: Missing" in table
    assert "<@UPM2> · :fast_forward: Skipped" in table
    assert "Times are in Asia/Shanghai." in table
    assert "0 of 3 answered" in str(last_week["blocks"]) and "Team status for 2026-W47" in str(
        last_week["blocks"]
    )


def test_a_pm_is_refused_and_sees_no_colleagues_data(harness: Harness) -> None:
    seed_team(harness)
    pm1_submits_red(harness)

    body = harness.command("UPM2", "status team")

    assert body["text"].startswith(":lock: Only managers and admins can see the team's status.")
    assert "UPM1" not in str(body) and "Regulator" not in str(body) and "red_circle" not in str(body)


def test_bad_week_gets_the_usage(harness: Harness) -> None:
    seed_team(harness)
    body = harness.command("UMGR", "status team last-week")
    assert "`/pm status team [2026-W48]`" in body["text"]


def test_leave_is_recorded_listed_and_shown_in_the_team_table(harness: Harness) -> None:
    seed_team(harness)

    saved = harness.command("UPM2", "leave 2026-11-24 2026-12-04")
    listed = harness.command("UPM2", "leave")
    table = harness.command("UMGR", "status team")

    assert saved["text"].startswith(":palm_tree: Leave recorded from 2026-11-24 to 2026-12-04")
    assert "• 2026-11-24 to 2026-12-04" in listed["text"]
    assert "<@UPM2> · :palm_tree: 休假中" in str(table["blocks"])
    with harness.deps.uow(1) as uow:
        (leave,) = uow.session.scalars(select(Leave)).all()
        assert (str(leave.start_date), str(leave.end_date), leave.created_by) == (
            "2026-11-24",
            "2026-12-04",
            "UPM2",
        )


def test_leave_outside_the_status_window_does_not_excuse_the_week(harness: Harness) -> None:
    seed_team(harness)
    harness.command("UPM2", "leave 2026-11-23 2026-11-24")  # Monday and Tuesday only

    table = harness.command("UMGR", "status team")

    assert "<@UPM2> · :hourglass: 未提交" in str(table["blocks"])


def test_bad_leave_is_explained(harness: Harness) -> None:
    seed_team(harness)

    backwards = harness.command("UPM2", "leave 2026-12-10 2026-12-01")
    too_long = harness.command("UPM2", "leave 2026-12-01 2028-01-01")
    over = harness.command("UPM2", "leave 2026-01-01 2026-01-05")
    garbled = harness.command("UPM2", "leave next week")
    nothing = harness.command("UPM1", "leave")

    assert backwards["text"] == "The last day must be on or after the first day."
    assert too_long["text"] == "Leave can be recorded for at most a year at a time."
    assert over["text"] == "That leave is already over; nothing to record."
    assert "`/pm leave YYYY-MM-DD YYYY-MM-DD`" in garbled["text"]
    assert nothing["text"].startswith("暂无即将到来的休假")
    with harness.deps.uow(1) as uow:
        assert uow.session.scalars(select(Leave)).all() == []
