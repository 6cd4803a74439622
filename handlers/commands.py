"""`/pm`: route the subcommand; quick reads answer in the ack, everything else is acknowledged first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.i18n import t
from bot.ids import COMMAND, NOT_YET_AVAILABLE
from bot.ids import Subcommand as SubcommandName
from bot.services.errors import ServiceError
from bot.ui.help import build_help
from bot.ui.mrkdwn import mention
from handlers import digest, goals, status, team
from handlers.command_call import CommandCall
from handlers.context import deps_of, find_actor, guest_locale, locale_for, workspace_of
from handlers.errors import guarded

Subcommand = Callable[[CommandCall], None]


def register(app: App) -> None:
    app.command(COMMAND)(guarded(pm_command))


SUBCOMMANDS: dict[str, Subcommand] = {
    SubcommandName.TEAM: team.handle_team,
    SubcommandName.GOAL: goals.handle_goal,
    SubcommandName.GOALS: goals.handle_goals,
    SubcommandName.DIGEST: digest.handle_digest,
    SubcommandName.STATUS: status.handle_status,
    SubcommandName.LEAVE: status.handle_leave,
}


# Subcommands that only read the database answer inside the acknowledgement; every other
# subcommand is acknowledged before it runs, so Slack calls and slow work come after the ack.
ANSWERED_IN_ACK = frozenset({"team", "goals"})


def pm_command(
    ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    deps, workspace = deps_of(context), workspace_of(context)
    args = (command.get("text") or "").split()
    name = args[0].lower() if args else "help"
    user_id = command["user_id"]
    actor = find_actor(deps, workspace, user_id, client)

    if actor is None:
        # Someone off the roster: their language comes from Slack, so acknowledge first.
        ack()
        locale = guest_locale(client, workspace, user_id)
        if name == "help":
            respond(response_type="ephemeral", **build_help(locale))
        else:
            respond(response_type="ephemeral", text=t(locale, "common.not_on_roster"))
        return
    locale = locale_for(actor, workspace)
    if name == "help" or (name not in SUBCOMMANDS and name not in NOT_YET_AVAILABLE):
        unknown = None if name == "help" else args[0]
        ack(response_type="ephemeral", **build_help(locale, unknown=unknown))
        return
    if name in NOT_YET_AVAILABLE:
        ack(response_type="ephemeral", text=t(locale, "common.not_available_yet", command=name))
        return
    call = CommandCall(deps, workspace, actor, locale, args[1:], command, respond, client, ack)
    if name not in ANSWERED_IN_ACK:
        call.acknowledge()
    try:
        SUBCOMMANDS[name](call)
    except ServiceError as exc:
        params = {k: mention(str(v)) if k == "user" else v for k, v in exc.params.items()}
        call.say_key(exc.key, **params)
    finally:
        call.acknowledge()
