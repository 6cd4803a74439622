"""The customer-feedback message shortcut."""

from __future__ import annotations

from bot.ids import CallbackId
from handlers.call import GuestCall, action_listener
from handlers.registry import Listeners


def register(app: Listeners) -> None:
    # A message shortcut (manifest.yml): a global one of that name has no message, nor a
    # response_url to answer on, and is left unmatched.
    app.message_shortcut(CallbackId.FEEDBACK_SHORTCUT, log_customer_feedback)


@action_listener(guests=True)
def log_customer_feedback(call: GuestCall) -> None:
    """Customer-feedback logging arrives with its own feature; until then, say so honestly."""
    call.tell("common.not_available_yet", command="feedback")
