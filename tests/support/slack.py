"""What people do in Slack, as scenario tests do it: open the modals, fill them in, press buttons.

Each helper sends what Slack would send to the app under test and returns what the fake Slack got.
"""

from __future__ import annotations

from typing import Any

from bot.fakeslack import SlackRequestSender as S
from bot.fakeslack.blockkit import validate_message_blocks
from bot.ids import GoalBlock, SettingsBlock, StatusAction, StatusBlock
from storage.status import StatusUpdate
from tests.support.harness import WEEK, Harness

# -- goals -----------------------------------------------------------------------------------------


def open_goal_modal(h: Harness, user_id: str) -> dict[str, Any]:
    reply = h.sender.slash_command(user_id=user_id, text="goal add")
    assert reply.status_code == 200
    call = h.fake.wait_for("views.open")
    assert call.response["ok"], call.response
    view: dict[str, Any] = call.response["view"]
    return view


def goal_values(**overrides: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        GoalBlock.TITLE: {"value": S.plain("Grow active cardholders")},
        GoalBlock.PRODUCT_LINE: {"value": S.plain("Credit Cards")},
        GoalBlock.METRIC: {"value": S.plain("Monthly active cardholders")},
        GoalBlock.UNIT: {"value": S.plain("k")},
        GoalBlock.BASELINE: {"value": S.plain("120")},
        GoalBlock.TARGET: {"value": S.plain("150")},
        GoalBlock.DUE_DATE: {"value": S.datepicker("2027-03-31")},
        GoalBlock.DIRECTION: {"value": S.select("up")},
    }
    values.update(overrides)
    return {str(k): v for k, v in values.items()}


# -- the weekly status ----------------------------------------------------------------------------


def post_prompt(h: Harness, user_id: str) -> tuple[str, str]:
    """A message in the PM's DM standing in for the weekly prompt the buttons sit on."""
    posted = h.deps.client.chat_postMessage(channel=user_id, text="prompt")
    h.fake.clear_calls()
    return str(posted["channel"]), str(posted["ts"])


def click(h: Harness, user_id: str, action: str, value: str, *, where: tuple[str, str] | None = None) -> None:
    reply = h.sender.block_action(
        user_id,
        action_id=action,
        value=value,
        channel_id=where[0] if where else None,
        message_ts=where[1] if where else None,
    )
    assert reply.status_code == 200


def opened_view(h: Harness, count: int = 1) -> dict[str, Any]:
    call = h.fake.wait_for("views.open", count=count)
    assert call.response["ok"], call.response
    view: dict[str, Any] = call.response["view"]
    return view


def open_from_prompt(h: Harness, user_id: str, week: str = WEEK) -> dict[str, Any]:
    click(h, user_id, StatusAction.WRITE, week, where=post_prompt(h, user_id))
    return opened_view(h)


def open_from_home(h: Harness, user_id: str) -> dict[str, Any]:
    """*Write my update* on App Home: the modal of this week, marked as opened from the tab."""
    h.fake.clear_calls()
    reply = h.sender.block_action(
        user_id, action_id=StatusAction.HOME_WRITE, container={"type": "view", "view_id": "VHOME"}
    )
    assert reply.status_code == 200
    return opened_view(h)


def values(goal_id: int | None = None, **overrides: Any) -> dict[str, Any]:
    state: dict[str, Any] = {
        StatusBlock.PROGRESS: {"value": S.plain("Launched the travel card pilot")},
        StatusBlock.PLANS: {"value": S.plain("Roll out to two more branches")},
        StatusBlock.BLOCKERS: {"value": S.plain("- Waiting on risk sign-off\n\n• Vendor API quota")},
        StatusBlock.HEALTH: {"value": S.select("amber")},
        StatusBlock.HEALTH_REASON: {"value": S.plain("Sign-off is two weeks late")},
        StatusBlock.TOPIC: {"value": S.plain("")},
        StatusBlock.RISK: {"value": S.plain("")},
    }
    if goal_id is not None:
        state[f"{StatusBlock.KPI_PREFIX}{goal_id}"] = {"value": S.plain("131.5")}
    state.update(overrides)
    return {str(k): v for k, v in state.items()}


def submit(h: Harness, user_id: str, view: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    reply = h.sender.view_submission(user_id=user_id, view=view, values=state)
    assert reply.status_code == 200
    return reply.json() if reply.text else {}


def saved(h: Harness, user_id: str, week: str = WEEK) -> StatusUpdate | None:
    with h.deps.uow(1) as uow:
        member = uow.members.get_by_slack_id(user_id)
        assert member is not None
        update = uow.status.get(member.id, week)
        if update is not None:
            _ = update.blockers  # loaded before the session closes
        return update


def confirmation(h: Harness, count: int = 1) -> dict[str, Any]:
    call = h.fake.wait_for("chat.postMessage", count=count)
    assert call.response["ok"], call.response
    assert validate_message_blocks(call.params["blocks"]) == []
    return call.response


# -- App Home -------------------------------------------------------------------------------------


def home_opened(user_id: str) -> dict[str, str]:
    return {
        "type": "app_home_opened",
        "user": user_id,
        "channel": "D0HOME",
        "tab": "home",
        "event_ts": "1700000000.000100",
    }


# -- the settings modal -------------------------------------------------------------------------


def block(key: str) -> str:
    return f"{SettingsBlock.FIELD_PREFIX}{key}"


def values_of(view: dict[str, Any], **changes: dict[str, Any]) -> dict[str, Any]:
    """The state Slack sends when the person changes `changes` and leaves the rest as shown."""
    values: dict[str, Any] = {}
    for b in view["blocks"]:
        if b.get("type") != "input" or b["block_id"] == SettingsBlock.CLEAR_CHANNELS:
            continue
        el = b["element"]
        kind = el["type"]
        if kind == "external_select":
            state = S.external(el.get("initial_option", {}).get("value"))
        elif kind == "static_select":
            state = S.select(el.get("initial_option", {}).get("value"))
        elif kind == "conversations_select":
            state = S.conversation(el.get("initial_conversation"))
        elif kind == "timepicker":
            state = S.timepicker(el.get("initial_time"))
        else:
            state = S.number(el.get("initial_value"))
        values[b["block_id"]] = {el["action_id"]: state}
    for key, state in changes.items():
        values[block(key) if key != "clear" else SettingsBlock.CLEAR_CHANNELS] = {"value": state}
    return values
