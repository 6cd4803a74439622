"""`/pm goal add` (opens the modal), `/pm goals [@user]`, and the modal's submission."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.deps import AppDeps
from bot.domain.roster import can_manage, parse_user
from bot.i18n import t
from bot.ids import GoalBlock
from bot.services import goals as goal_service
from bot.services.workspaces import WorkspaceRef
from bot.ui.goals import (
    build_goal_list,
    build_goal_modal,
    field_errors,
    goal_saved_text,
    parse_goal_state,
)
from handlers.command_call import CommandCall
from handlers.context import deps_of, find_actor, locale_for, open_dm, today_in, workspace_of
from handlers.home import publish_home
from storage.models import Member

log = logging.getLogger(__name__)


def handle_goal(call: CommandCall) -> None:
    if [a.lower() for a in call.args] != ["add"]:
        call.say_key("common.usage", usage=t(call.locale, "goal.usage"))
        return
    open_goal_modal(
        call.deps, call.workspace, call.actor, call.client, call.payload["trigger_id"], call.locale
    )


def open_goal_modal(
    deps: AppDeps,
    workspace: WorkspaceRef,
    actor: Member,
    client: WebClient,
    trigger_id: str,
    locale: str,
) -> None:
    view = build_goal_modal(
        locale,
        actor_id=actor.slack_user_id,
        can_assign_others=can_manage(actor.role),
        default_product_line=actor.product_lines[0].name if actor.product_lines else None,
        today=today_in(workspace, deps.clock()),
    )
    client.views_open(trigger_id=trigger_id, view=view)


def handle_goals(call: CommandCall) -> None:
    subject_id = None
    if call.args:
        subject_id = parse_user(call.args[0])
        if subject_id is None or len(call.args) > 1:
            call.say_key("common.usage", usage=t(call.locale, "goal.usage"))
            return
    with call.deps.uow(call.workspace.id) as uow:
        actor = uow.members.get_by_slack_id(call.actor.slack_user_id) or call.actor
        subject, goals = goal_service.list_goals(
            uow,
            actor=actor,
            subject_slack_id=subject_id,
            today=today_in(call.workspace, call.deps.clock()),
        )
        if subject.id != actor.id:
            uow.audit.record(
                actor=actor.slack_user_id,
                action="view",
                entity="goals",
                entity_id=subject.slack_user_id,
            )
            uow.commit()
        name = subject.name
    call.reply(build_goal_list(call.locale, owner_name=name, goals=goals))


def goal_add_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Validate before acknowledging, so field errors come back in the open modal."""
    deps, workspace = deps_of(context), workspace_of(context)
    user_id = body["user"]["id"]
    actor = find_actor(deps, workspace, user_id, client)
    locale = locale_for(actor, workspace)
    if actor is None:
        ack(response_action="errors", errors={GoalBlock.TITLE: t(locale, "common.not_on_roster")})
        return
    owner_id, draft = parse_goal_state(view["state"]["values"])
    today = today_in(workspace, deps.clock())
    try:
        with deps.uow(workspace.id) as uow:
            me = uow.members.get_by_slack_id(user_id)
            assert me is not None
            result = goal_service.add_goal(uow, actor=me, owner_slack_id=owner_id, draft=draft, today=today)
    except SQLAlchemyError:
        log.exception("saving a goal failed")
        ack(response_action="errors", errors={GoalBlock.TITLE: t(locale, "error.generic")})
        return
    if isinstance(result, list):
        ack(response_action="errors", errors=field_errors(locale, result))
        return
    ack()
    channel = open_dm(deps, workspace, client, user_id)
    client.chat_postMessage(channel=channel, text=goal_saved_text(locale, result))
    publish_home(deps, workspace, client, user_id)
    if result.owner_slack_id != user_id:
        with deps.uow(workspace.id) as uow:
            owner = uow.members.get_by_slack_id(result.owner_slack_id)
            owner_locale = locale_for(owner, workspace)
        owner_channel = open_dm(deps, workspace, client, result.owner_slack_id)
        client.chat_postMessage(channel=owner_channel, text=goal_saved_text(owner_locale, result))
        publish_home(deps, workspace, client, result.owner_slack_id)
