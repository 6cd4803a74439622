"""The one opening every button and modal listener shares (`handlers.call`), attacked over signed
HTTP: forged modal metadata, a member removed while their modal was open, an old button of
someone no longer on the roster, a database write failing under a goal submission.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, select

from bot.i18n import t
from bot.ids import GoalBlock, StatusAction, StatusBlock
from storage.goals import Goal
from storage.status import StatusUpdate
from tests.support.database import fail_inserts
from tests.support.harness import WEEK, Harness, seed_team
from tests.support.slack import click, goal_values, open_from_prompt, open_goal_modal, saved, submit, values


@pytest.mark.parametrize("metadata", ['{"week": "2026-W99"}', "not json", '{"week": "2026-W48 "}', ""])
def test_forged_status_metadata_is_refused_under_the_first_field_and_nothing_is_saved(
    harness: Harness, metadata: str
) -> None:
    seed_team(harness)
    view = {**open_from_prompt(harness, "UPM2"), "private_metadata": metadata}
    harness.fake.clear_calls()

    body = submit(harness, "UPM2", view, values())

    assert body == {"response_action": "errors", "errors": {StatusBlock.PROGRESS: t("en", "error.generic")}}
    assert saved(harness, "UPM2") is None
    assert harness.fake.calls_to("chat.postMessage") == []


def test_metadata_naming_a_closed_week_gets_the_closed_week_message_in_the_modal(harness: Harness) -> None:
    seed_team(harness)
    view = {**open_from_prompt(harness, "UPM2"), "private_metadata": json.dumps({"week": "2026-W40"})}

    body = submit(harness, "UPM2", view, values())

    assert body == {
        "response_action": "errors",
        "errors": {StatusBlock.PROGRESS: t("en", "status.error.week_closed", week="2026-W40")},
    }
    assert saved(harness, "UPM2", "2026-W40") is None


def test_someone_removed_while_their_modals_were_open_is_told_in_each_modal(harness: Harness) -> None:
    seed_team(harness)
    goal_view = open_goal_modal(harness, "UPM2")
    harness.fake.clear_calls()
    status_view = open_from_prompt(harness, "UPM2")
    harness.command("UMGR", "team remove <@UPM2>")

    status_body = submit(harness, "UPM2", status_view, values())
    goal_reply = harness.sender.view_submission(user_id="UPM2", view=goal_view, values=goal_values())

    not_on_roster = t("en", "common.not_on_roster")
    assert status_body == {"response_action": "errors", "errors": {StatusBlock.PROGRESS: not_on_roster}}
    assert goal_reply.json() == {"response_action": "errors", "errors": {GoalBlock.TITLE: not_on_roster}}
    assert saved(harness, "UPM2") is None
    with harness.deps.uow(1) as uow:
        assert uow.session.scalars(select(Goal)).all() == []


def test_an_old_button_of_someone_off_the_roster_changes_nothing(harness: Harness) -> None:
    seed_team(harness)
    harness.command("UMGR", "team remove <@UPM2>")
    harness.fake.clear_calls()

    click(harness, "UPM2", StatusAction.SKIP, WEEK)
    click(harness, "UPM2", StatusAction.WRITE, WEEK)

    assert saved(harness, "UPM2") is None
    assert harness.fake.calls_to("views.open") == []
    assert harness.fake.calls_to("response_url") == []


def test_a_goal_whose_write_fails_keeps_the_modal_open_and_tells_nobody(
    harness: Harness, engine: Engine
) -> None:
    seed_team(harness)
    view = open_goal_modal(harness, "UMGR")
    harness.fake.clear_calls()
    fail_inserts(engine, "goal")

    reply = harness.sender.view_submission(
        user_id="UMGR",
        view=view,
        values=goal_values(**{GoalBlock.OWNER: {"value": {"type": "users_select", "selected_user": "UPM1"}}}),
    )

    assert reply.json() == {
        "response_action": "errors",
        "errors": {GoalBlock.TITLE: t("zh-CN", "error.generic")},
    }
    with harness.deps.uow(1) as uow:
        assert uow.session.scalars(select(Goal)).all() == []
    assert harness.fake.calls_to("chat.postMessage") == []
    assert harness.fake.calls_to("views.publish") == []


def test_a_status_update_is_still_saved_and_confirmed_through_the_shared_opening(harness: Harness) -> None:
    seed_team(harness)
    body = submit(harness, "UPM2", open_from_prompt(harness, "UPM2"), values())
    assert body == {}
    update = saved(harness, "UPM2")
    assert isinstance(update, StatusUpdate) and update.revision == 1
    assert harness.fake.wait_for("chat.postMessage").params["channel"]
