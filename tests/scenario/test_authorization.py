"""Authorization beyond the role matrix: configured admins, what a roster change says it changed,
forged goal submissions, and single-token mode serving only the token's own workspace."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.fakeslack import SlackRequestSender
from bot.ids import GoalBlock
from bot.jobs import run_job
from tests.support.factories import add_member, add_workspace
from tests.support.harness import SIGNING_SECRET, Harness, seed_team
from tests.support.slack import goal_values, open_goal_modal


def _set_member(h: Harness, user_id: str, **values: Any) -> None:
    """Change a stored roster row behind pmpulse's back, as an old bug or a hand edit could."""
    with h.deps.uow(1) as uow:
        member = uow.members.get_by_slack_id(user_id)
        assert member is not None
        for name, value in values.items():
            setattr(member, name, value)
        uow.commit()
    h.deps.read_cache.forget_workspace(1)


def test_configured_admin_is_admin_on_every_request_whatever_the_row_says(harness: Harness) -> None:
    seed_team(harness)
    _set_member(harness, "UADMIN", role="pm")  # what a manager's demotion used to leave behind

    body = harness.command("UADMIN", "team add <@UOUT|out> admin")

    assert "<@UOUT>" in body["text"] and "Admin" in body["text"], body
    admin, added = harness.member("UADMIN"), harness.member("UOUT")
    assert admin is not None and (admin.role, admin.active) == ("admin", True)
    assert added is not None and added.role == "admin"


def test_configured_admin_removed_in_the_database_is_back_on_their_next_request(harness: Harness) -> None:
    seed_team(harness)
    _set_member(harness, "UADMIN", active=False, role="manager")

    body = harness.command("UADMIN", "team remove <@UMGR|mei>")

    assert "<@UMGR>" in body["text"], body
    admin, manager = harness.member("UADMIN"), harness.member("UMGR")
    assert admin is not None and (admin.role, admin.active) == ("admin", True)
    assert manager is not None and not manager.active


def test_nobody_demotes_or_removes_a_configured_admin_and_is_told_why(harness: Harness) -> None:
    seed_team(harness)
    harness.command("UADMIN", "team add <@UPM3|jo> admin")

    by_manager = harness.command("UMGR", "team add <@UADMIN|ada> pm")
    by_admin = harness.command("UPM3", "team remove <@UADMIN|ada>")

    assert "管理员" in by_manager["text"] and "PMPULSE_ADMINS" in by_manager["text"]
    assert "PMPULSE_ADMINS" in by_admin["text"]
    admin = harness.member("UADMIN")
    assert admin is not None and (admin.role, admin.active) == ("admin", True)


def test_manager_cannot_demote_then_remove_an_admin(harness: Harness) -> None:
    seed_team(harness)
    harness.command("UADMIN", "team add <@UPM3|jo> admin")

    demoted = harness.command("UMGR", "team add <@UPM3|jo> pm")
    removed = harness.command("UMGR", "team remove <@UPM3|jo>")

    assert "只有管理员可以变更或移除主管和管理员" in demoted["text"]
    assert "只有管理员" in removed["text"]
    member = harness.member("UPM3")
    assert member is not None and (member.role, member.active) == ("admin", True)


def test_manager_cannot_take_another_managers_report(harness: Harness) -> None:
    seed_team(harness)
    harness.fake.add_user("UMGR2", name="max", real_name="Max Manager", tz="UTC", locale="en-US")
    harness.command("UADMIN", "team add <@UMGR2|max> manager")

    body = harness.command("UMGR2", "team add <@UPM1|li> pm Payments")

    assert "<@UPM1> is another manager's report" in body["text"], body
    with harness.deps.uow(1) as uow:
        pm = uow.members.get_by_slack_id("UPM1")
        assert pm is not None and pm.manager is not None
        assert pm.manager.slack_user_id == "UMGR"
        assert [line.name for line in pm.product_lines] == ["Credit Cards"]


def test_a_roster_change_says_what_changed(harness: Harness) -> None:
    seed_team(harness)
    harness.fake.add_user("UMGR2", name="max", real_name="Max Manager", tz="UTC", locale="en-US")
    harness.command("UADMIN", "team add <@UMGR2|max> manager")
    harness.command("UADMIN", "team add <@UPM3|jo> pm Loans")  # an admin adds a PM: no manager yet

    taken = harness.command("UMGR2", "team add <@UPM3|jo> pm Cards & Co")
    promoted = harness.command("UADMIN", "team add <@UPM2|sam> manager")
    again = harness.command("UMGR", "team add <@UPM1|li> pm Credit Cards")

    assert taken["text"] == (
        ":white_check_mark: <@UPM3> updated: manager none → <@UMGR2>; "
        "product lines Loans → Cards &amp; Co, Loans."
    )
    assert promoted["text"] == ":white_check_mark: <@UPM2> updated: role PM → Manager."
    assert "已以产品经理身份在团队名单中" in again["text"] and "未作任何更改" in again["text"], again


def test_forged_goal_submission_for_someone_elses_report_is_refused(harness: Harness) -> None:
    seed_team(harness)
    harness.fake.add_user("UMGR2", name="max", real_name="Max Manager", tz="UTC", locale="en-US")
    harness.command("UADMIN", "team add <@UMGR2|max> manager")
    view = open_goal_modal(harness, "UMGR2")  # a manager's modal has the owner picker

    forged = {GoalBlock.OWNER: {"value": {"type": "users_select", "selected_user": "UPM1"}}}
    reply = harness.sender.view_submission(user_id="UMGR2", view=view, values=goal_values(**forged))
    by_pm = harness.sender.view_submission(user_id="UPM2", view=view, values=goal_values(**forged))

    for answer in (reply, by_pm):
        body = answer.json()
        assert body["response_action"] == "errors"
        assert set(body["errors"]) == {GoalBlock.OWNER}
    with harness.deps.uow(1) as uow:
        pm = uow.members.get_by_slack_id("UPM1")
        assert pm is not None and list(uow.goals.for_owners([pm.id])) == []


def test_single_token_mode_ignores_requests_for_another_stored_workspace(harness: Harness) -> None:
    seed_team(harness)
    other = add_workspace(harness.session_factory, "T0002", name="Other Bank")
    with harness.deps.uow(other.id) as uow:
        add_member(uow, "UOTHER", name="Other Admin", role="admin")
        uow.commit()
    sender = SlackRequestSender(
        app_url=harness.sender.app_url, signing_secret=SIGNING_SECRET, team_id="T0002", fake=harness.fake
    )
    harness.fake.clear_calls()

    replies = [
        sender.slash_command(user_id="UADMIN", text="team add <@UOUT|out> pm"),
        sender.slash_command(user_id="UOTHER", text="team add <@UOUT|out> pm"),
        sender.event({"type": "app_home_opened", "user": "UOTHER", "tab": "home", "channel": "D1"}),
        sender.block_action("UOTHER", action_id="home_help", value=""),
        sender.view_submission(
            user_id="UOTHER",
            view={"id": "V1", "type": "modal", "callback_id": "goal_add"},
            values=goal_values(),
        ),
    ]

    assert [(r.status_code, r.text) for r in replies] == [(200, "")] * len(replies)
    # The fake answers nothing on the other team's behalf; only the requests themselves were seen.
    assert [c.method for c in harness.fake.calls if c.method != "response_url"] == []
    assert harness.fake.calls_to("response_url") == []
    with harness.deps.uow(other.id) as uow:
        assert [m.slack_user_id for m in uow.members.list()] == ["UOTHER"]
    assert harness.member("UOUT") is None
    # The token's own workspace is served as before.
    assert "<@UOUT>" in harness.command("UADMIN", "team add <@UOUT|out> pm")["text"]


def test_single_token_mode_jobs_leave_another_stored_workspace_alone(harness: Harness) -> None:
    other = add_workspace(harness.session_factory, "T0002", name="Other Bank", timezone="Asia/Shanghai")
    with harness.deps.uow(other.id) as uow:
        add_member(uow, "UOTHER", name="Other PM", role="pm", timezone="Asia/Shanghai")
        uow.commit()
    thursday_4pm_shanghai = dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC)

    summary = run_job("tick", harness.deps, thursday_4pm_shanghai)
    refreshed = run_job("refresh-profiles", harness.deps, thursday_4pm_shanghai)

    assert summary.startswith("queued 0 prompts"), summary
    assert refreshed == "refreshed 0 member profiles"
    with harness.deps.uow(other.id) as uow:
        assert uow.outbox.list() == []
    assert [c.params.get("user") for c in harness.fake.calls_to("users.info")] == []
