"""Skip, App Home, `/pm status`, blocker resolution and closed weeks, over signed HTTP."""

from __future__ import annotations

import datetime as dt
import json

from bot.fakeslack import SlackRequestSender as S
from bot.fakeslack.blockkit import validate_view
from bot.ids import StatusAction, StatusBlock
from tests.support.harness import WEEK, Harness, seed_team
from tests.support.slack import (
    click,
    confirmation,
    open_from_prompt,
    opened_view,
    post_prompt,
    saved,
    submit,
    values,
)


def test_skip_counts_the_week_answered_and_rewrites_the_prompt(harness: Harness) -> None:
    seed_team(harness)
    prompt = post_prompt(harness, "UPM2")

    click(harness, "UPM2", StatusAction.SKIP, WEEK, where=prompt)

    update = harness.fake.wait_for("chat.update")
    assert update.response["ok"], update.response
    assert (update.params["channel"], update.params["ts"]) == prompt
    assert "You skipped 2026-W48" in update.params["text"]
    (message,) = [m for m in harness.fake.messages(prompt[0]) if m["ts"] == prompt[1]]
    write = message["blocks"][-1]["elements"][0]
    assert (write["action_id"], write["value"]) == (StatusAction.WRITE, WEEK)
    skipped = saved(harness, "UPM2")
    assert skipped is not None and skipped.state == "skipped"

    # Changed their mind: the Write button left on the skipped prompt still answers that week.
    click(harness, "UPM2", StatusAction.WRITE, WEEK, where=prompt)
    view = opened_view(harness)
    assert submit(harness, "UPM2", view, values()) == {}
    written = saved(harness, "UPM2")
    assert written is not None and written.state == "submitted" and written.revision == 2


def test_skip_after_submitting_keeps_the_update_and_says_so(harness: Harness) -> None:
    seed_team(harness)
    submit(harness, "UPM2", open_from_prompt(harness, "UPM2"), values())
    confirmation(harness)
    prompt = post_prompt(harness, "UPM2")

    click(harness, "UPM2", StatusAction.SKIP, WEEK, where=prompt)

    answer = harness.fake.wait_for("response_url")
    assert "You already submitted your update for 2026-W48" in answer.params["text"]
    assert answer.params["response_type"] == "ephemeral"
    update = saved(harness, "UPM2")
    assert update is not None and update.state == "submitted"
    assert harness.fake.calls_to("chat.update") == []


def test_slash_status_opens_this_weeks_modal_on_the_members_clock(harness: Harness) -> None:
    seed_team(harness)
    # Sunday 20:00 in London is already Monday 04:00 of the next ISO week in Shanghai.
    harness.clock.now = dt.datetime(2026, 11, 29, 20, 0, tzinfo=dt.UTC)

    harness.sender.slash_command(user_id="UPM1", text="status")
    shanghai = opened_view(harness)
    harness.sender.slash_command(user_id="UPM2", text="status")
    london = opened_view(harness, count=2)

    assert json.loads(shanghai["private_metadata"]) == {"week": "2026-W49"}
    assert json.loads(london["private_metadata"]) == {"week": "2026-W48"}
    assert validate_view(shanghai) == [] and validate_view(london) == []


def test_slash_status_for_a_named_week_and_bad_arguments(harness: Harness) -> None:
    seed_team(harness)

    harness.sender.slash_command(user_id="UPM2", text="status 2026-w47")
    assert json.loads(opened_view(harness)["private_metadata"]) == {"week": "2026-W47"}
    usage = harness.command("UPM2", "status soon")
    closed = harness.command("UPM2", "status 2026-W40")

    assert "/pm status team [2026-W48]" in usage["text"]
    assert closed["text"] == "Updates for 2026-W40 are closed."


def test_a_closed_weeks_button_is_refused_politely(harness: Harness) -> None:
    seed_team(harness)
    harness.clock.now = dt.datetime(2026, 12, 20, 9, 0, tzinfo=dt.UTC)

    click(harness, "UPM1", StatusAction.WRITE, WEEK, where=post_prompt(harness, "UPM1"))

    answer = harness.fake.wait_for("response_url")
    assert answer.params["text"] == "2026-W48 的周报已截止。"
    assert harness.fake.calls_to("views.open") == []


def test_app_home_has_a_write_button_that_opens_this_weeks_modal(harness: Harness) -> None:
    seed_team(harness)
    harness.sender.event({"type": "app_home_opened", "user": "UPM1", "tab": "home"})
    home = harness.fake.wait_for("views.publish").params["view"]
    actions = next(b for b in home["blocks"] if b["type"] == "actions")
    button = actions["elements"][0]
    assert (button["action_id"], button["text"]["text"]) == (StatusAction.HOME_WRITE, "填写周报")

    harness.sender.block_action(
        "UPM1", action_id=StatusAction.HOME_WRITE, container={"type": "view", "view_id": "VHOME"}
    )

    view = opened_view(harness)
    assert json.loads(view["private_metadata"]) == {"week": WEEK, "home": True}


def test_blockers_are_resolved_by_their_owner_or_manager_only(harness: Harness) -> None:
    seed_team(harness)
    submit(harness, "UPM1", open_from_prompt(harness, "UPM1"), values())
    confirmation(harness)
    update = saved(harness, "UPM1")
    assert update is not None
    first, second = update.blockers

    colleague, manager = post_prompt(harness, "UPM2"), post_prompt(harness, "UMGR")

    click(harness, "UPM2", StatusAction.RESOLVE_BLOCKER, str(first.id), where=colleague)
    refused = harness.fake.wait_for("response_url")
    click(harness, "UMGR", StatusAction.RESOLVE_BLOCKER, str(second.id), where=manager)
    accepted = harness.fake.wait_for("response_url", count=2)

    assert "Only the PM who reported a blocker, or their manager" in refused.params["text"]
    assert accepted.params["text"] == ":white_check_mark: 已标记为已解决：Vendor API quota"
    after = saved(harness, "UPM1")
    assert after is not None
    assert [b.resolved for b in after.blockers] == [False, True]
    assert harness.fake.calls_to("chat.update") == []  # nobody's messages were rewritten


def test_kpi_values_accept_what_people_type(harness: Harness) -> None:
    seed_team(harness)
    goal_id = harness.add_goal("UPM1", unit="%")
    view = open_from_prompt(harness, "UPM1")

    body = submit(
        harness,
        "UPM1",
        view,
        values(goal_id, **{f"{StatusBlock.KPI_PREFIX}{goal_id}": {"value": S.plain("１,234.5%")}}),
    )

    assert body == {}
    with harness.deps.uow(1) as uow:
        (kpi,) = uow.status.kpi_values([goal_id], [WEEK])
        assert kpi.value == 1234.5
