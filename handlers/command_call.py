"""A resolved `/pm` invocation, handed to each subcommand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.deps import AppDeps
from bot.i18n import t
from bot.services.roster import MemberView
from bot.services.workspaces import WorkspaceRef


@dataclass
class CommandCall:
    """One `/pm` invocation, resolved: who, where, in which language, with what arguments.

    A quick subcommand (a database read) answers in the acknowledgement itself: no second
    HTTP round trip. Anything that calls Slack or does slow work must `acknowledge()` first.
    """

    deps: AppDeps
    workspace: WorkspaceRef
    actor: MemberView
    locale: str
    args: list[str]
    payload: dict[str, Any]
    respond: Respond
    client: WebClient
    ack: Ack
    acked: bool = False

    def acknowledge(self) -> None:
        """Acknowledge now (once); later replies go through the response URL."""
        if not self.acked:
            self.ack()
            self.acked = True

    def reply(self, message: dict[str, Any] | str) -> None:
        """An ephemeral answer only the requester sees: in the ack if not yet sent, else via response_url."""
        if isinstance(message, str):
            message = {"text": message}
        if not self.acked:
            self.acked = True
            self.ack(response_type="ephemeral", **message)
        else:
            self.respond(response_type="ephemeral", replace_original=False, **message)

    def say_key(self, key: str, **params: object) -> None:
        self.reply(t(self.locale, key, **params))
