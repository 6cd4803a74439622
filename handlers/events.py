"""Events API listeners."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.ids import EventType
from bot.services import roster
from handlers.context import deps_of, profile_of, workspace_of
from handlers.errors import guarded
from handlers.home import publish_home

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.event(EventType.APP_HOME_OPENED)(guarded(app_home_opened))
    app.event(EventType.USER_CHANGE)(guarded(user_change))


def app_home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab", "home") != "home":
        return
    publish_home(deps_of(context), workspace_of(context), client, event["user"])


def user_change(event: dict[str, Any], context: BoltContext) -> None:
    """Slack deactivated, reactivated or edited someone: follow it on the roster at once."""
    user = event.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        return
    deps = deps_of(context)
    workspace = workspace_of(context)
    if user.get("team_id") not in (None, workspace.slack_team_id):
        return  # a user of another workspace (shared channels): not this roster
    with deps.uow(workspace.id) as uow:
        change = roster.apply_user_change(uow, profile_of(user["id"], user), now=deps.clock())
    if change is not None:
        log.info("member %s: %s in Slack", user["id"], change)
