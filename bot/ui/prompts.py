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
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.i18n import t
from bot.ids import StatusAction
from bot.ui.mrkdwn import chunk_lines, escape, mention

# Room left for the intro and the closing hint in a 50-block message.
_MISSING_CHUNKS_MAX = 45


def _buttons(locale: str, week: str) -> ActionsBlock:
    return ActionsBlock(
        block_id=f"status_prompt_{week}",
        elements=[
            ButtonElement(
                action_id=StatusAction.WRITE,
                text=t(locale, "prompt.button.write"),
                value=week,
                style="primary",
            ),
            ButtonElement(action_id=StatusAction.SKIP, text=t(locale, "prompt.button.skip"), value=week),
        ],
    )


def build_prompt(locale: str, *, week: str, name: str) -> dict[str, Any]:
    """The weekly prompt: a short greeting naming the week, and the two buttons."""
    greeting = t(locale, "prompt.greeting", name=escape(name), week=week)
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=greeting)),
        _buttons(locale, week),
        ContextBlock(elements=[MarkdownTextObject(text=t(locale, "prompt.hint", week=week))]),
    ]
    return {"text": t(locale, "prompt.text", week=week), "blocks": [b.to_dict() for b in blocks]}


def build_reminder(locale: str, *, week: str, name: str) -> dict[str, Any]:
    """The nudge for PMs who have neither answered nor skipped: the same buttons."""
    body = t(locale, "prompt.reminder", name=escape(name), week=week)
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=body)), _buttons(locale, week)]
    return {"text": t(locale, "prompt.reminder_text", week=week), "blocks": [b.to_dict() for b in blocks]}


def build_missing_list(locale: str, *, week: str, missing: Sequence[str]) -> dict[str, Any]:
    """To a manager at digest time: their reports (Slack IDs) who have not answered for `week`."""
    intro = t(locale, "prompt.missing.intro", count=len(missing), week=week)
    chunks = chunk_lines([f"• {mention(user)}" for user in missing])
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=intro))]
    blocks += [SectionBlock(text=MarkdownTextObject(text=chunk)) for chunk in chunks[:_MISSING_CHUNKS_MAX]]
    blocks.append(
        ContextBlock(elements=[MarkdownTextObject(text=t(locale, "prompt.missing.hint", week=week))])
    )
    return {"text": intro, "blocks": [b.to_dict() for b in blocks]}
