"""The one place listener errors are handled: log with context, apologise in the user's language."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.i18n import t
from bot.metrics import LISTENER_ERRORS
from handlers.context import DEPS, WORKSPACE, deps_of, find_actor, locale_for, workspace_of

log = logging.getLogger(__name__)


def register(app: App) -> None:
    app.error(handle_error)


def handle_error(
    error: Exception,
    body: dict[str, Any],
    context: BoltContext,
    respond: Respond | None,
    client: WebClient,
) -> None:
    LISTENER_ERRORS.inc()
    user_id = context.user_id
    log.error(
        "listener failed: type=%s team=%s user=%s command=%s action=%s callback=%s",
        body.get("type") or "command",
        context.team_id,
        user_id,
        body.get("command"),
        [a.get("action_id") for a in body.get("actions", [])],
        (body.get("view") or {}).get("callback_id"),
        exc_info=error,
    )
    locale = "en"
    try:
        if DEPS in context and WORKSPACE in context and user_id:
            workspace = workspace_of(context)
            locale = locale_for(find_actor(deps_of(context), workspace, user_id, client), workspace)
    except Exception:  # the apology must go out even when the database is what failed
        log.exception("could not resolve the user's locale for the apology")
    message = t(locale, "error.generic")
    if respond is not None and body.get("response_url"):
        respond(text=message, response_type="ephemeral", replace_original=False)
    elif user_id:
        client.chat_postMessage(channel=user_id, text=message)
