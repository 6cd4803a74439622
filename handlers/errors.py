"""The one place listener errors are handled: log with context, apologise in the user's language.

Why a wrapper and not only `@app.error`: Bolt runs a listener on a worker thread while the HTTP
request waits for its acknowledgement. When a listener raises after `ack()`, Bolt (1.30,
`ThreadListenerRunner`) hands the error to `@app.error` and then resets the acknowledgement, so
Slack may get `404 unhandled request` after 3 seconds, next to the apology. So every listener is
registered through `guarded(...)`: whatever it raises stops there, is logged with the request's
context (type, team, user, command, action, callback, event), counted, and answered:

- not acknowledged yet: the apology is the acknowledgement (a command's ephemeral answer, an
  error on a modal's first input so the typed text survives), or a plain ack and then as below;
- acknowledged: ephemeral through the response URL when the request has one, else a DM.

Sending the apology can fail too (Slack down): that is logged and never raised. `@app.error`
keeps what fails outside listeners (global middleware) and answers it the same way.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Args, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.i18n import DEFAULT_LOCALE, resolve_locale, t
from bot.metrics import LISTENER_ERRORS
from bot.services import roster
from handlers.context import DEPS, WORKSPACE, deps_of, locale_for, workspace_of

log = logging.getLogger(__name__)

# The attribute a guarded listener carries (the listener it runs): a test checks every
# listener the app registers has it.
GUARDED = "pmpulse_guarded_listener"


def register(app: App) -> None:
    app.error(handle_error)


def guarded(listener: Callable[..., object]) -> Callable[[Args], None]:
    """`listener`, with any exception it raises logged and apologised for, never re-raised.

    Bolt injects the arguments a listener names; the wrapper takes them all (`args`) and passes
    on the ones `listener` names, so listeners keep their ordinary signatures.
    """
    names = inspect.getfullargspec(listener).args

    def run(args: Args) -> None:
        try:
            listener(**{name: getattr(args, name) for name in names})
        except Exception as error:
            recover(
                error,
                body=args.body,
                context=args.context,
                ack=args.ack,
                respond=args.respond,
                client=args.client,
            )

    # Bolt names listeners in its logs by __name__; __wrapped__ is left unset on purpose, since
    # Bolt would then read the inner signature and inject arguments `run` does not take.
    run.__name__ = getattr(listener, "__name__", run.__name__)
    run.__qualname__ = getattr(listener, "__qualname__", run.__qualname__)
    run.__doc__ = listener.__doc__
    setattr(run, GUARDED, listener)
    return run


def recover(
    error: Exception,
    *,
    body: dict[str, Any],
    context: BoltContext,
    ack: Ack | None,
    respond: Respond | None,
    client: WebClient,
) -> None:
    """Log `error` with the request's context and apologise; never raises."""
    LISTENER_ERRORS.inc()
    log.error("listener failed: %s", describe(body, context), exc_info=error)
    user_id = context.user_id or _user_of(body)
    message = t(_apology_locale(context, user_id), "error.generic")
    try:
        if ack is not None and ack.response is None:
            if _apologise_in_ack(ack, body, message):
                return
            ack()
        _apologise(body, respond, client, user_id, message)
    except Exception:
        log.exception("the apology could not be sent either: %s", describe(body, context))


def handle_error(
    error: Exception,
    body: dict[str, Any],
    context: BoltContext,
    respond: Respond | None,
    client: WebClient,
) -> None:
    """`@app.error`: what failed outside a guarded listener (global middleware)."""
    recover(error, body=body, context=context, ack=None, respond=respond, client=client)


def describe(body: dict[str, Any], context: BoltContext) -> str:
    """The request in one log line: what kind, from whom, for which command, action or callback."""
    kind = body.get("type") or ("command" if body.get("command") else "unknown")
    event = _dict(body.get("event"))
    view = _dict(body.get("view"))
    actions = body.get("actions")
    if not isinstance(actions, list):
        actions = []
    command = body.get("command")
    if command:
        # The subcommand only: the rest is what the user typed and may be personal.
        words = str(body.get("text") or "").split()
        command = f"{command} {words[0][:20]}" if words else command
    fields = {
        "type": kind,
        "event": event.get("type"),
        "team": context.team_id or _team_of(body),
        "user": context.user_id or _user_of(body),
        "command": command,
        "action": [a.get("action_id") for a in actions if isinstance(a, dict)] or None,
        "callback": view.get("callback_id") or body.get("callback_id"),
    }
    return " ".join(f"{key}={value!r}" for key, value in fields.items() if value is not None)


def _apologise_in_ack(ack: Ack, body: dict[str, Any], message: str) -> bool:
    """Answer with the apology in the acknowledgement itself, where Slack shows one."""
    if body.get("command"):
        ack(response_type="ephemeral", text=message)
        return True
    if body.get("type") == "view_submission":
        block_id = _first_input(body.get("view") or {})
        if block_id is not None:
            # An error under a field keeps the modal open with what the user typed.
            ack(response_action="errors", errors={block_id: message})
            return True
    return False


def _apologise(
    body: dict[str, Any], respond: Respond | None, client: WebClient, user_id: str | None, message: str
) -> None:
    if respond is not None and (body.get("response_url") or body.get("response_urls")):
        respond(text=message, response_type="ephemeral", replace_original=False)
    elif user_id:
        client.chat_postMessage(channel=user_id, text=message)


def _apology_locale(context: BoltContext, user_id: str | None) -> str:
    """The user's language from the roster alone: Slack may be what failed, so it is not asked."""
    try:
        if WORKSPACE not in context:
            return DEFAULT_LOCALE
        workspace = workspace_of(context)
        if DEPS not in context or not user_id:
            return locale_for(None, workspace)
        stored = roster.stored_locale(deps_of(context).uow, workspace_id=workspace.id, slack_user_id=user_id)
        return resolve_locale(stored, workspace.locale)
    except Exception:  # the apology must go out even when the database is what failed
        log.exception("could not resolve the user's locale for the apology")
        return DEFAULT_LOCALE


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _first_input(view: dict[str, Any]) -> str | None:
    for block in view.get("blocks") or []:
        if isinstance(block, dict) and block.get("type") == "input" and block.get("block_id"):
            return str(block["block_id"])
    return None


def _user_of(body: dict[str, Any]) -> str | None:
    user = body.get("user")
    if isinstance(user, dict):
        return user.get("id")
    event = body.get("event")
    if isinstance(event, dict) and isinstance(event.get("user"), str):
        return str(event["user"])
    return body.get("user_id")


def _team_of(body: dict[str, Any]) -> str | None:
    team = body.get("team")
    if isinstance(team, dict):
        return team.get("id")
    return body.get("team_id")
