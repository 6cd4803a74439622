"""Button and select listeners."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.ids import ActionId, StatusAction
from bot.ui.help import build_help_modal
from handlers import status
from handlers.context import deps_of, find_actor, locale_for, workspace_of
from handlers.errors import guarded
from handlers.goals import open_goal_modal


def register(app: App) -> None:
    app.action(ActionId.HOME_ADD_GOAL)(guarded(home_add_goal))
    app.action(ActionId.HOME_HELP)(guarded(home_help))
    app.action(StatusAction.WRITE)(guarded(status.write_clicked))
    app.action(StatusAction.EDIT)(guarded(status.write_clicked))
    app.action(StatusAction.HOME_WRITE)(guarded(status.home_write_clicked))
    app.action(StatusAction.SKIP)(guarded(status.skip_clicked))
    app.action(StatusAction.RESOLVE_BLOCKER)(guarded(status.resolve_clicked))


def home_add_goal(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    deps, workspace = deps_of(context), workspace_of(context)
    actor = find_actor(deps, workspace, body["user"]["id"], client)
    if actor is None:
        return
    open_goal_modal(deps, workspace, actor, client, body["trigger_id"], locale_for(actor, workspace))


def home_help(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    deps, workspace = deps_of(context), workspace_of(context)
    locale = locale_for(find_actor(deps, workspace, body["user"]["id"], client), workspace)
    client.views_open(trigger_id=body["trigger_id"], view=build_help_modal(locale))
