"""Weeks and dates typed at the edges of the calendar get a clear answer, never an apology or a 404.

`/pm status team 9999-W52` used to raise OverflowError in the week arithmetic (its Sunday is past
year 9999) after the command was acknowledged.
"""

from __future__ import annotations

import pytest

from bot.fakeslack import SlackRequestSender as S
from bot.i18n import t
from bot.ids import GoalBlock, StatusAction
from tests.support.harness import Harness, seed_team
from tests.support.slack import click, goal_values, open_goal_modal, opened_view, post_prompt


def bad_week(locale: str) -> str:
    usage = t(locale, "status.usage")
    return t(locale, "status.error.bad_week", first="2000-W01", last="2099-W53", usage=usage)


@pytest.mark.parametrize(
    ("user", "text", "locale"),
    [
        ("UMGR", "status team 9999-W52", "zh-CN"),
        ("UADMIN", "status team 9999-W52", "en"),
        ("UMGR", "status team 0001-W01", "zh-CN"),
        ("UMGR", "status team 0000-W01", "zh-CN"),
        ("UPM2", "status 9999-W52", "en"),
        ("UPM2", "status 0001-W01", "en"),
        ("UPM2", "status 0000-W01", "en"),
        ("UPM1", "status 2100-W01", "zh-CN"),
        ("UPM2", "status soon", "en"),
    ],
)
def test_a_week_outside_the_calendar_gets_the_week_format_and_range(
    harness: Harness, user: str, text: str, locale: str
) -> None:
    seed_team(harness)

    body = harness.command(user, text)

    assert body["text"] == bad_week(locale)
    assert "2000-W01" in body["text"] and "2099-W53" in body["text"]
    assert "/pm status team [2026-W48]" in body["text"]
    assert harness.fake.calls_to("views.open") == []


def test_the_last_week_in_range_is_shown(harness: Harness) -> None:
    seed_team(harness)

    body = harness.command("UADMIN", "status team 2099-W53")

    assert "2099-W53" in body["text"] and body["text"] != t("en", "error.generic")


def test_a_forged_week_on_a_button_opens_the_current_week(harness: Harness) -> None:
    seed_team(harness)

    click(harness, "UPM2", StatusAction.WRITE, "9999-W52", where=post_prompt(harness, "UPM2"))

    assert '"week": "2026-W48"' in opened_view(harness)["private_metadata"]
    assert harness.fake.calls_to("response_url") == []


def test_leave_at_the_end_of_the_calendar_is_answered(harness: Harness) -> None:
    seed_team(harness)

    saved = harness.command("UPM2", "leave 9999-12-30 9999-12-31")
    listed = harness.command("UPM2", "leave")
    past = harness.command("UPM2", "leave 0001-01-01 0001-01-02")
    beyond = harness.command("UPM2", "leave 9999-12-31 10000-01-01")
    team = harness.command("UMGR", "status team")

    assert "9999-12-30" in saved["text"] and "9999-12-31" in saved["text"]
    assert "9999-12-30" in listed["text"]
    assert past["text"] == t("en", "status.leave.error.in_the_past")
    assert beyond["text"] == t("en", "common.usage", usage=t("en", "status.leave.usage"))
    apology = (t("en", "error.generic"), t("zh-CN", "error.generic"))
    assert all(b["text"] not in apology for b in (saved, listed, past, beyond, team))


def test_a_goal_due_at_the_end_of_the_calendar_is_saved_and_shown(harness: Harness) -> None:
    seed_team(harness)
    view = open_goal_modal(harness, "UPM2")

    reply = harness.sender.view_submission(
        user_id="UPM2",
        view=view,
        values=goal_values(**{GoalBlock.DUE_DATE: {"value": S.datepicker("9999-12-31")}}),
    )
    goals = harness.command("UPM2", "goals")

    assert reply.status_code == 200 and reply.text == ""
    assert "by 31 Dec 9999" in str(goals["blocks"])
    home = harness.fake.wait_for("views.publish")
    assert home.response["ok"] and "31 Dec 9999" in str(home.params["view"])
