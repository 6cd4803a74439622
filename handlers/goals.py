"""`/pm goal add` (opens the modal), `/pm goals [@user]`, and the modal's submission."""

from __future__ import annotations

from bot.delivery.dm_channels import DmChannels
from bot.domain.roster import can_manage, parse_user
from bot.i18n import t
from bot.ids import ActionId, CallbackId, GoalBlock, Subcommand
from bot.notifications.goals import queue_goal_notice
from bot.services import goals as goal_service
from bot.ui.goals import (
    build_goal_list,
    build_goal_modal,
    field_errors,
    goal_saved_text,
    parse_goal_state,
)
from handlers.call import ActionCall, ViewCall, action_listener, view_listener
from handlers.command_call import CommandCall
from handlers.context import today_in
from handlers.home import refresh_home
from handlers.registry import Listeners


def register(app: Listeners) -> None:
    app.subcommand(Subcommand.GOAL, handle_goal)
    app.subcommand(Subcommand.GOALS, handle_goals, in_ack=True)
    app.action(ActionId.HOME_ADD_GOAL, home_add_goal)
    app.view(CallbackId.GOAL_ADD, goal_add_submission)


def handle_goal(call: CommandCall) -> None:
    if [a.lower() for a in call.args] != ["add"]:
        call.say_key("common.usage", usage=t(call.locale, "goal.usage"))
        return
    open_goal_modal(call, call.payload["trigger_id"])


@action_listener
def home_add_goal(call: ActionCall) -> None:
    """*New goal* on App Home."""
    open_goal_modal(call, call.trigger_id)


def open_goal_modal(call: CommandCall | ActionCall, trigger_id: str) -> None:
    actor = call.actor
    view = build_goal_modal(
        call.locale,
        actor_id=actor.slack_user_id,
        can_assign_others=can_manage(actor.role),
        default_product_line=actor.product_lines[0] if actor.product_lines else None,
        today=today_in(call.workspace, call.deps.clock()),
    )
    call.client.views_open(trigger_id=trigger_id, view=view)


def handle_goals(call: CommandCall) -> None:
    subject_id = None
    if call.args:
        subject_id = parse_user(call.args[0])
        if subject_id is None or len(call.args) > 1:
            call.say_key("common.usage", usage=t(call.locale, "goal.usage"))
            return
    listed = goal_service.list_goals(
        call.deps.uow,
        workspace_id=call.workspace.id,
        user_id=call.actor.slack_user_id,
        subject_slack_id=subject_id,
        today=today_in(call.workspace, call.deps.clock()),
    )
    call.reply(build_goal_list(call.locale, owner_name=listed.owner_name, goals=listed.goals))


@view_listener(first_block=GoalBlock.TITLE, field_errors=field_errors)
def goal_add_submission(call: ViewCall) -> None:
    """Validate before acknowledging, so field errors come back in the open modal."""
    owner_id, draft = parse_goal_state(call.values)
    deps, workspace, client = call.deps, call.workspace, call.client
    now = deps.clock()
    added = goal_service.add_goal(
        deps.uow,
        workspace=workspace,
        user_id=call.user_id,
        owner_slack_id=owner_id,
        draft=draft,
        today=today_in(workspace, now),
    )
    call.acknowledge()
    queue_goal_notice(deps.uow, workspace=workspace, added=added, now=now)
    # The submitter is answered here; the owner's notice, when someone else set the goal, goes
    # out through the outbox (queued above).
    dms = DmChannels(session_factory=deps.session_factory, client=client, cache=deps.dm_channels)
    channel = dms.channel_of(workspace.id, call.user_id)
    client.chat_postMessage(channel=channel, text=goal_saved_text(call.locale, added.goal))
    refresh_home(deps, workspace, client, call.user_id)
    if added.owner.slack_user_id != call.user_id:
        refresh_home(deps, workspace, client, added.owner.slack_user_id)
