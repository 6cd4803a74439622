"""Goals: `/pm goal add` opens the modal, submissions are validated per field, `/pm goals` lists."""

from __future__ import annotations

from sqlalchemy import select

from bot.delivery.sender import drain_now
from bot.fakeslack import SlackRequestSender as S
from bot.ids import GoalBlock
from storage.outbox import OutboxMessage
from tests.support.harness import TEAM_ID, Harness, seed_team
from tests.support.slack import goal_values, open_goal_modal


def _goal_ids(h: Harness, owner: str) -> list[int]:
    with h.deps.uow(1) as uow:
        member = uow.members.get_by_slack_id(owner)
        assert member is not None
        return [g.id for g in uow.goals.for_owners([member.id])]


def queued_notices(h: Harness) -> dict[str, str]:
    """Goal notices in the outbox: delivery key -> the DM they go to."""
    with h.session_factory() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.delivery_key.like("goal-set:%")))
        return {row.delivery_key: row.payload["channel"] for row in rows}




def test_goal_add_opens_modal_in_the_users_language(harness: Harness) -> None:
    seed_team(harness)

    view = open_goal_modal(harness, "UPM1")

    assert view["title"]["text"] == "新建目标"
    block_ids = [b.get("block_id") for b in view["blocks"]]
    assert GoalBlock.OWNER not in block_ids  # a PM sets goals for themself only
    product = next(b for b in view["blocks"] if b.get("block_id") == GoalBlock.PRODUCT_LINE)
    assert product["element"]["initial_value"] == "Credit Cards"


def test_bad_values_come_back_as_per_field_errors_and_nothing_is_saved(harness: Harness) -> None:
    seed_team(harness)
    view = open_goal_modal(harness, "UPM2")

    reply = harness.sender.view_submission(
        user_id="UPM2",
        view=view,
        values=goal_values(
            **{
                GoalBlock.TITLE: {"value": S.plain("  ")},
                GoalBlock.BASELINE: {"value": S.plain("lots")},
                GoalBlock.TARGET: {"value": S.plain("1,000")},
                GoalBlock.DUE_DATE: {"value": S.datepicker("2026-11-01")},
            }
        ),
    )

    assert reply.status_code == 200
    body = reply.json()
    assert body["response_action"] == "errors"
    assert body["errors"] == {
        GoalBlock.TITLE: "Please fill this in.",
        GoalBlock.BASELINE: "Please enter a number, e.g. 12.5",
        GoalBlock.DUE_DATE: "The due date must be in the future.",
    }
    with harness.deps.uow(1) as uow:
        member = uow.members.get_by_slack_id("UPM2")
        assert member is not None
        assert list(uow.goals.for_owners([member.id])) == []


def test_target_on_the_wrong_side_of_the_baseline_is_explained(harness: Harness) -> None:
    seed_team(harness)
    view = open_goal_modal(harness, "UPM1")

    reply = harness.sender.view_submission(
        user_id="UPM1", view=view, values=goal_values(**{GoalBlock.TARGET: {"value": S.plain("100")}})
    )

    assert reply.json()["errors"] == {GoalBlock.TARGET: "该指标越高越好，目标值应高于基线值。"}


def test_good_goal_is_saved_confirmed_by_dm_and_shown_on_home(harness: Harness) -> None:
    seed_team(harness)
    view = open_goal_modal(harness, "UPM2")

    reply = harness.sender.view_submission(user_id="UPM2", view=view, values=goal_values())

    assert reply.status_code == 200 and reply.text == ""
    dm = harness.fake.wait_for("chat.postMessage")
    opened = harness.fake.calls_to("conversations.open")
    assert dm.params["channel"] == opened[0].response["channel"]["id"]
    assert "Grow active cardholders" in dm.params["text"] and "120 k" in dm.params["text"]
    home = harness.fake.wait_for("views.publish")
    assert home.params["user_id"] == "UPM2"
    assert queued_notices(harness) == {}  # one's own goal needs no notice
    assert "Grow active cardholders" in str(home.params["view"])
    with harness.deps.uow(1) as uow:
        member = uow.members.get_by_slack_id("UPM2")
        assert member is not None and member.dm_channel_id == dm.params["channel"]
        (goal,) = uow.goals.for_owners([member.id])
        assert (goal.baseline, goal.target, goal.direction, goal.unit) == (120, 150, "up", "k")
        assert goal.product_line is not None and goal.product_line.name == "Credit Cards"
        assert str(goal.due_date) == "2027-03-31" and str(goal.start_date) == "2026-11-26"


def test_manager_sets_a_goal_for_a_report_who_is_told(harness: Harness) -> None:
    seed_team(harness)
    view = open_goal_modal(harness, "UMGR")
    owner_block = next(b for b in view["blocks"] if b.get("block_id") == GoalBlock.OWNER)
    assert owner_block["element"] == {"type": "users_select", "action_id": "value", "initial_user": "UMGR"}

    harness.sender.view_submission(
        user_id="UMGR",
        view=view,
        values=goal_values(
            **{
                GoalBlock.OWNER: {"value": {"type": "users_select", "selected_user": "UPM1"}},
                GoalBlock.DIRECTION: {"value": S.select("down")},
                GoalBlock.METRIC: {"value": S.plain("Complaint rate <!here>")},
                GoalBlock.BASELINE: {"value": S.plain("２.5")},
                GoalBlock.TARGET: {"value": S.plain("1.2%")},
            }
        ),
    )

    # The manager is answered at once; the report's notice waits in the outbox.
    harness.fake.wait_for("chat.postMessage")
    harness.settle()
    [mine] = [m["text"] for m in harness.fake.messages("UMGR")]
    assert "Complaint rate &lt;!here&gt;" in mine and "1.2" in mine
    assert harness.fake.messages("UPM1") == []
    [goal_id] = _goal_ids(harness, "UPM1")
    queued = queued_notices(harness)
    assert list(queued) == [f"goal-set:{TEAM_ID}:UPM1:{goal_id}"]

    assert drain_now(harness.deps, max_seconds=5).sent == 1
    assert drain_now(harness.deps, max_seconds=5).sent == 0  # sent once
    [theirs] = [m["text"] for m in harness.fake.messages("UPM1")]
    assert "Complaint rate &lt;!here&gt;" in theirs and "降至 1.2" in theirs  # in Chinese
    listing = harness.command("UMGR", "goals <@UPM1|li>")
    assert "Complaint rate &lt;!here&gt;" in str(listing["blocks"])


def test_pm_sees_own_goals_but_not_a_colleagues(harness: Harness) -> None:
    seed_team(harness)
    view = open_goal_modal(harness, "UPM1")
    harness.sender.view_submission(user_id="UPM1", view=view, values=goal_values())
    harness.fake.wait_for("views.publish")

    mine = harness.command("UPM1", "goals")
    theirs = harness.command("UPM2", "goals <@UPM1|li>")
    empty = harness.command("UPM2", "goals")

    assert "Grow active cardholders" in str(mine["blocks"])
    assert "你只能查看自己的目标" not in str(mine)
    assert "You can see your own goals" in theirs["text"]
    assert "Grow active cardholders" not in str(theirs)
    assert "No open goals" in str(empty["blocks"])


def test_goal_usage_for_unknown_goal_arguments(harness: Harness) -> None:
    seed_team(harness)
    body = harness.command("UPM2", "goal remove 3")
    assert "/pm goal add" in body["text"]


def test_manager_cannot_set_goals_for_someone_elses_report(harness: Harness) -> None:
    seed_team(harness)
    harness.command("UADMIN", "team add <@UPM3|jo> pm Loans")  # reports to nobody
    view = open_goal_modal(harness, "UMGR")

    outsider = harness.sender.view_submission(
        user_id="UMGR",
        view=view,
        values=goal_values(**{GoalBlock.OWNER: {"value": {"type": "users_select", "selected_user": "UPM3"}}}),
    )
    stranger = harness.sender.view_submission(
        user_id="UMGR",
        view=view,
        values=goal_values(**{GoalBlock.OWNER: {"value": {"type": "users_select", "selected_user": "UOUT"}}}),
    )

    assert outsider.json()["errors"] == {GoalBlock.OWNER: "你只能为自己和直接下属设定目标。"}
    assert stranger.json()["errors"] == {GoalBlock.OWNER: "此人还不在 pmpulse 团队名单中。"}
