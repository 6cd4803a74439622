"""Roster messages."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    Block,
)

from bot.domain.goals import PRODUCT_LINE_MAX
from bot.i18n import t
from bot.services.roster import MemberView
from bot.ui.blocks import context, header, section
from bot.ui.mrkdwn import clip, escape, fit_lines, mention

MESSAGE_BLOCKS_MAX = 50
GROUP_ORDER = ("admin", "manager", "pm")
# A member's product lines as shown in one line of text (escaped, that is at most 5x as long).
PRODUCTS_SHOWN_MAX = 500


def products_text(locale: str, member: MemberView) -> str:
    """A member's product lines; names stored before their length was checked are shortened."""
    if not member.product_lines:
        return t(locale, "team.no_products")
    names = [clip(name, PRODUCT_LINE_MAX, locale=locale, inline=True) for name in member.product_lines]
    joined = t(locale, "common.list_separator").join(names)
    return escape(clip(joined, PRODUCTS_SHOWN_MAX, locale=locale, inline=True))


def build_team(locale: str, members: list[MemberView]) -> dict[str, Any]:
    """The roster grouped by role, within Slack's block limits."""
    summary = t(locale, "team.summary", count=sum(1 for m in members if m.active))
    if not members:
        return {
            "text": t(locale, "team.empty"),
            "blocks": [section(t(locale, "team.empty")).to_dict()],
        }
    blocks: list[Block] = [
        header(t(locale, "team.title")),
        context(summary),
    ]
    shown = 0
    for role in GROUP_ORDER:
        group = [m for m in members if m.role == role]
        if not group:
            continue
        lines = []
        for member in group:
            line = t(
                locale,
                "team.member_line",
                user=mention(member.slack_user_id),
                products=products_text(locale, member),
            )
            if member.manager_slack_id:
                line += " · " + t(locale, "team.reports_to", manager=mention(member.manager_slack_id))
            if member.deactivated_in_slack:
                line += " · _" + t(locale, "team.deactivated") + "_"
            lines.append(line)
        room = MESSAGE_BLOCKS_MAX - len(blocks) - 2
        if room <= 1:
            break
        blocks.append(section(f"*{t(locale, f'team.group.{role}')}* ({len(group)})"))
        chunks, shown_here = fit_lines(lines, max_pieces=room - 1)
        blocks += [section(chunk) for chunk in chunks]
        shown += shown_here
    if shown < len(members):
        blocks.append(context(t(locale, "team.more", count=len(members) - shown)))
    return {"text": summary, "blocks": [block.to_dict() for block in blocks]}


def role_name(locale: str, role: str) -> str:
    return t(locale, f"role.{role}")
