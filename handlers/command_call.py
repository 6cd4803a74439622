"""A resolved `/pm` invocation, handed to each subcommand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.deps import AppDeps
from bot.i18n import t
from bot.services.workspaces import WorkspaceRef
from storage.models import Member


@dataclass(frozen=True)
class CommandCall:
    """One `/pm` invocation, resolved: who, where, in which language, with what arguments."""

    deps: AppDeps
    workspace: WorkspaceRef
    actor: Member
    locale: str
    args: list[str]
    payload: dict[str, Any]
    respond: Respond
    client: WebClient

    def reply(self, message: dict[str, Any] | str) -> None:
        """An ephemeral answer only the requester sees."""
        if isinstance(message, str):
            message = {"text": message}
        self.respond(response_type="ephemeral", replace_original=False, **message)

    def say_key(self, key: str, **params: object) -> None:
        self.reply(t(self.locale, key, **params))
