"""The Block Kit blocks every builder uses, as slack_sdk models, each made one way.

Builders compose these and call `.to_dict()` once at the end; text that goes in here is already
escaped mrkdwn (or plain text for headers and buttons), see `bot.ui.mrkdwn`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.ui.mrkdwn import HEADER_TEXT_MAX, cut


def header(text: str, *, emoji: bool | None = True) -> HeaderBlock:
    """A header, cut to Slack's 150 characters. `emoji=None` leaves the flag out of the JSON
    (Slack's default is the same), as the digest has always sent it."""
    return HeaderBlock(text=PlainTextObject(text=cut(text, HEADER_TEXT_MAX), emoji=emoji))


def section(text: str, *, accessory: ButtonElement | None = None) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text), accessory=accessory)


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def divider() -> DividerBlock:
    return DividerBlock()


def button(action_id: str, text: str, *, value: str | None = None, style: str | None = None) -> ButtonElement:
    return ButtonElement(action_id=action_id, text=text, value=value, style=style)


def to_dicts(blocks: Iterable[Block]) -> list[dict[str, Any]]:
    return [block.to_dict() for block in blocks]
