"""Shortcuts."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.i18n import t
from bot.ids import CallbackId
from handlers.context import deps_of, find_actor, locale_for, workspace_of
from handlers.errors import guarded


def register(app: App) -> None:
    # A message shortcut (manifest.yml): a global one of that name has no message, nor a
    # response_url to answer on, and is left unmatched.
    app.message_shortcut(CallbackId.FEEDBACK_SHORTCUT)(guarded(log_customer_feedback))


def log_customer_feedback(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    """Customer-feedback logging arrives with its own feature; until then, say so honestly."""
    ack()
    workspace = workspace_of(context)
    actor = find_actor(deps_of(context), workspace, body["user"]["id"], client)
    locale = locale_for(actor, workspace)
    respond(
        response_type="ephemeral",
        replace_original=False,
        text=t(locale, "common.not_available_yet", command="feedback"),
    )
