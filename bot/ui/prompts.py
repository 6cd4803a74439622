"""The weekly prompt DM, the reminder DM, and a manager's list of reports still missing.

The prompt's and the reminder's buttons carry the ISO week as their value: whenever the PM
answers, the answer counts for the week they were asked about.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
)

from bot.i18n import t
from bot.i18n.dates import format_week
from bot.ids import StatusAction
from bot.ui.blocks import button, context, section
from bot.ui.mrkdwn import escape, fit_lines, mention

# Room left for the intro and the closing hint in a 50-block message.
_MISSING_CHUNKS_MAX = 45


def _buttons(locale: str, week: str) -> ActionsBlock:
    return ActionsBlock(
        block_id=f"status_prompt_{week}",
        elements=[
            button(StatusAction.WRITE, t(locale, "prompt.button.write"), value=week, style="primary"),
            button(StatusAction.SKIP, t(locale, "prompt.button.skip"), value=week),
        ],
    )


def build_prompt(locale: str, *, week: str, name: str) -> dict[str, Any]:
    """The weekly prompt: a short greeting naming the week, and the two buttons."""
    shown = format_week(locale, week)
    greeting = t(locale, "prompt.greeting", name=escape(name), week=shown)
    blocks: list[Block] = [
        section(greeting),
        _buttons(locale, week),
        context(t(locale, "prompt.hint", week=shown)),
    ]
    return {"text": t(locale, "prompt.text", week=shown), "blocks": [b.to_dict() for b in blocks]}


def build_reminder(locale: str, *, week: str, name: str) -> dict[str, Any]:
    """The nudge for PMs who have neither answered nor skipped: the same buttons."""
    shown = format_week(locale, week)
    body = t(locale, "prompt.reminder", name=escape(name), week=shown)
    blocks: list[Block] = [section(body), _buttons(locale, week)]
    return {"text": t(locale, "prompt.reminder_text", week=shown), "blocks": [b.to_dict() for b in blocks]}


def build_missing_list(locale: str, *, week: str, missing: Sequence[str]) -> dict[str, Any]:
    """To a manager at digest time: their reports (Slack IDs) who have not answered for `week`."""
    intro = t(locale, "prompt.missing.intro", count=len(missing), week=format_week(locale, week))
    chunks, _ = fit_lines([f"• {mention(user)}" for user in missing], max_pieces=_MISSING_CHUNKS_MAX)
    blocks: list[Block] = [section(intro)]
    blocks += [section(chunk) for chunk in chunks]
    blocks.append(context(t(locale, "prompt.missing.hint", week=week)))
    return {"text": intro, "blocks": [b.to_dict() for b in blocks]}
