"""`/pm help`."""

from __future__ import annotations

import copy
import functools
from typing import Any

from slack_sdk.models.views import View

from bot.i18n import t
from bot.ui.blocks import context, header, section
from bot.ui.mrkdwn import cut, escape

# (usage, catalog key, managers only), in the order users meet them.
HELP_LINES: tuple[tuple[str, str, bool], ...] = (
    ("/pm help", "help.cmd.help", False),
    ("/pm status", "help.cmd.status", False),
    ("/pm status team [2026-W48]", "help.cmd.status_team", True),
    ("/pm leave YYYY-MM-DD YYYY-MM-DD", "help.cmd.leave", False),
    ("/pm agenda", "help.cmd.agenda", False),
    ("/pm agenda add TEXT", "help.cmd.agenda_add", False),
    ("/pm agenda post", "help.cmd.agenda_post", True),
    ("/pm action add @user YYYY-MM-DD TEXT", "help.cmd.action_add", False),
    ("/pm actions [@user]", "help.cmd.actions", False),
    ("/pm 1on1 @user", "help.cmd.one_on_one", False),
    ("/pm feedback", "help.cmd.feedback", False),
    ("/pm risk | /pm risk add | /pm risk close ID", "help.cmd.risk", False),
    ("/pm goal add", "help.cmd.goal_add", False),
    ("/pm goals [@user]", "help.cmd.goals", False),
    ("/pm team", "help.cmd.team", False),
    ("/pm team add @user pm|manager [PRODUCT]", "help.cmd.team_add", True),
    ("/pm team remove @user", "help.cmd.team_remove", True),
    ("/pm settings", "help.cmd.settings", True),
    ("/pm digest now", "help.cmd.digest_now", True),
    ("/pm review @user [2026-Q4]", "help.cmd.review", True),
    ("/pm export KIND", "help.cmd.export", True),
)


def build_help(locale: str, *, unknown: str | None = None) -> dict[str, Any]:
    """The help message; `unknown` is a subcommand we did not recognise."""
    if unknown is None:
        return copy.deepcopy(_plain_help(locale))
    return _build_help(locale, unknown)


@functools.cache
def _plain_help(locale: str) -> dict[str, Any]:
    # `/pm help` is the most frequent command and its text never changes: build it once.
    return _build_help(locale, None)


def _build_help(locale: str, unknown: str | None) -> dict[str, Any]:
    lines = [
        f"`{usage}`{' :lock:' if managers_only else ''}  {t(locale, key)}"
        for usage, key, managers_only in HELP_LINES
    ]
    intro = t(locale, "help.unknown", sub=escape(cut(unknown, 50))) if unknown else t(locale, "help.intro")
    blocks = [
        header(t(locale, "help.title")),
        section(intro),
        section("\n".join(lines)),
        context(t(locale, "help.managers_note")),
    ]
    return {"text": intro, "blocks": [block.to_dict() for block in blocks]}


def build_dm_reply(locale: str) -> dict[str, Any]:
    """The short answer to someone who writes to pmpulse in a direct message."""
    text = t(locale, "help.dm_reply")
    return {"text": text, "blocks": [section(text).to_dict()]}


def build_help_modal(locale: str) -> dict[str, Any]:
    """The same help, as a modal opened from the App Home."""
    return View(
        type="modal",
        title=t(locale, "help.modal.title"),
        close=t(locale, "help.modal.close"),
        blocks=build_help(locale)["blocks"],
    ).to_dict()
