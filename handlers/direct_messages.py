"""Direct messages to pmpulse: answered with a pointer to `/pm help`."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.i18n import resolve_locale
from bot.ids import EventType
from bot.notifications import dm_help
from bot.services import roster
from handlers.context import deps_of, guest_locale, workspace_of
from handlers.registry import Listeners


def register(app: Listeners) -> None:
    app.event(EventType.MESSAGE, direct_message)


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
    if not dm_help.help_due(deps.uow, workspace=workspace, user_id=user_id, now=now):
        return
    member_locale = roster.stored_locale(deps.uow, workspace_id=workspace.id, slack_user_id=user_id)
    if member_locale:
        locale = resolve_locale(member_locale, workspace.locale)
    else:
        locale = guest_locale(client, workspace, user_id)
    dm_help.queue_help(
        deps.uow,
        workspace=workspace,
        user_id=user_id,
        channel=event["channel"],
        locale=locale,
        now=now,
    )
