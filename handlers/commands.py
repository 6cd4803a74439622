"""`/pm`: route the subcommand; quick reads answer in the ack, everything else is acknowledged first.

The routes come from the features (`Listeners.subcommand`); `help` and the names of features not
built yet (`bot.ids.NOT_YET_AVAILABLE`) are answered here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.i18n import t
from bot.ids import COMMAND, NOT_YET_AVAILABLE
from bot.services.errors import ServiceError
from bot.ui.help import build_help
from handlers.call import shown
from handlers.command_call import CommandCall
from handlers.context import deps_of, find_actor, guest_locale, locale_for, workspace_of
from handlers.errors import guarded
from handlers.registry import Listeners, Route


def register(app: Listeners) -> None:
    """`/pm` itself, routing to what the features registered (so it is registered after them)."""
    app.bolt.command(COMMAND)(guarded(pm_command(app.subcommands)))


def pm_command(routes: Mapping[str, Route]) -> Callable[..., None]:
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
        route = routes.get(name)
        if name in NOT_YET_AVAILABLE and route is None:
            ack(response_type="ephemeral", text=t(locale, "common.not_available_yet", command=name))
            return
        if route is None:
            unknown = None if name == "help" else args[0]
            ack(response_type="ephemeral", **build_help(locale, unknown=unknown))
            return
        call = CommandCall(deps, workspace, actor, locale, args[1:], command, respond, client, ack)
        if not route.in_ack:
            call.acknowledge()
        try:
            route.handle(call)
        except ServiceError as exc:
            call.say_key(exc.key, **shown(exc.params))
        finally:
            call.acknowledge()

    return pm_command
