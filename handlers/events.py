"""Events API listeners."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.i18n import resolve_locale
from bot.ids import EventType
from bot.services import dm_help, roster
from bot.services.workspaces import deactivate_workspace
from bot.ui.help import build_dm_reply
from handlers.context import deps_of, guest_locale, profile_of, workspace_of
from handlers.errors import guarded
from handlers.home import publish_home

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.event(EventType.APP_HOME_OPENED)(guarded(app_home_opened))
    app.event(EventType.USER_CHANGE)(guarded(user_change))
    app.event(EventType.MESSAGE)(guarded(direct_message))
    app.event(EventType.APP_UNINSTALLED)(guarded(app_uninstalled))
    app.event(EventType.TOKENS_REVOKED)(guarded(tokens_revoked))


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


def direct_message(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Someone wrote to pmpulse: point them to `/pm help`, in their language, at most every 10 minutes.

    Only a person's own new message in the DM is answered: not pmpulse's own messages nor
    another bot's, not edits or deletions (they come as subtypes), not replies in a thread.
    """
    user_id = event.get("user")
    if (
        event.get("channel_type") != "im"
        or event.get("subtype")
        or event.get("bot_id")
        or not isinstance(user_id, str)
        or user_id == context.bot_user_id
        or event.get("thread_ts") not in (None, event.get("ts"))
        or not isinstance(event.get("channel"), str)
    ):
        return
    deps = deps_of(context)
    workspace = workspace_of(context)
    now = deps.clock()
    with deps.uow(workspace.id) as uow:
        if not dm_help.help_due(uow, team_id=workspace.slack_team_id, user_id=user_id, now=now):
            return
        member = uow.members.get_by_slack_id(user_id)
        member_locale = member.locale if member is not None else None
    if member_locale:
        locale = resolve_locale(member_locale, workspace.locale)
    else:
        locale = guest_locale(client, workspace, user_id)
    with deps.uow(workspace.id) as uow:
        dm_help.queue_help(
            uow,
            team_id=workspace.slack_team_id,
            user_id=user_id,
            channel=event["channel"],
            message=build_dm_reply(locale),
            now=now,
        )


def app_uninstalled(context: BoltContext) -> None:
    """Slack says pmpulse was removed from the workspace (sent once; its token no longer works)."""
    _stop_serving(context, "pmpulse was uninstalled")


def tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
    """Revoked user tokens change nothing (pmpulse uses none); a revoked bot token is an uninstall."""
    tokens = event.get("tokens")
    if isinstance(tokens, dict) and tokens.get("bot"):
        _stop_serving(context, "its bot token was revoked")


def _stop_serving(context: BoltContext, reason: str) -> None:
    deps = deps_of(context)
    workspace = workspace_of(context)
    if deactivate_workspace(deps.session_factory, workspace.slack_team_id):
        log.warning(
            "workspace %s (team %s) is inactive: %s; its data is kept and its queued messages wait",
            workspace.id,
            workspace.slack_team_id,
            reason,
        )
    deps.read_cache.forget_workspace(workspace.id)
    deps.read_cache.forget_workspace(workspace.slack_team_id)
