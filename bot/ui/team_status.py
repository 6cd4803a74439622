"""`/pm status team` as an ephemeral table, and `/pm leave` answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from bot.domain.status import LeaveRange, TeamState
from bot.i18n import t
from bot.i18n.dates import format_week
from bot.services.team_status import TeamRow, TeamStatus
from bot.ui.blocks import context, header, section
from bot.ui.mrkdwn import fit_lines, mention
from bot.ui.status import health_label

MESSAGE_BLOCKS_MAX = 50
STATE_KEYS = {
    TeamState.SUBMITTED: "status.team.state.submitted",
    TeamState.SKIPPED: "status.team.state.skipped",
    TeamState.ON_LEAVE: "status.team.state.on_leave",
    TeamState.MISSING: "status.team.state.missing",
}


def team_line(locale: str, row: TeamRow, *, tz: ZoneInfo) -> str:
    parts = answer_parts(
        locale,
        state=row.state,
        health=row.health,
        open_blockers=row.open_blockers,
        updated_at=row.updated_at,
        tz=tz,
    )
    return " · ".join([mention(row.slack_user_id), *parts])


def answer_parts(
    locale: str,
    *,
    state: TeamState,
    health: str | None,
    open_blockers: int,
    updated_at: dt.datetime | None,
    tz: ZoneInfo,
) -> list[str]:
    """One week's answer as the team table and App Home show it: its state, health, open
    blockers and when it was saved (in `tz`)."""
    parts = [t(locale, STATE_KEYS[state])]
    if health:
        parts.append(health_label(locale, health))
    if open_blockers:
        parts.append(t(locale, "status.team.blockers", count=open_blockers))
    if updated_at is not None:
        parts.append(t(locale, "status.team.updated", time=_local(updated_at, tz)))
    return parts


def _local(moment: dt.datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def build_team_status(locale: str, status: TeamStatus, *, timezone: str) -> dict[str, Any]:
    """The table, missing first, split into sections within one message's block limit."""
    counts = status.counts
    summary = t(
        locale,
        "status.team.summary",
        answered=status.answered,
        total=len(status.rows),
        submitted=counts[TeamState.SUBMITTED],
        skipped=counts[TeamState.SKIPPED],
        on_leave=counts[TeamState.ON_LEAVE],
        missing=counts[TeamState.MISSING],
    )
    title = t(locale, "status.team.title", week=format_week(locale, status.week))
    if not status.rows:
        empty = t(locale, "status.team.empty")
        return {"text": empty, "blocks": [section(empty).to_dict()]}
    tz = ZoneInfo(timezone)
    blocks: list[Block] = [
        header(title),
        context(summary),
    ]
    lines = [team_line(locale, row, tz=tz) for row in status.rows]
    room = MESSAGE_BLOCKS_MAX - len(blocks) - 1
    chunks, shown = fit_lines(lines, max_pieces=room)
    if shown < len(lines):  # an overflowing table has always kept one block spare
        chunks, shown = fit_lines(lines, max_pieces=room - 1)
    blocks += [section(chunk) for chunk in chunks]
    hidden = len(lines) - shown
    footer = t(locale, "status.team.times", tz=timezone)
    if hidden > 0:
        footer = t(locale, "status.team.more", count=hidden) + "  " + footer
    blocks.append(context(footer))
    return {"text": f"{title}: {summary}", "blocks": [b.to_dict() for b in blocks]}


def leave_list_text(locale: str, leaves: Sequence[LeaveRange]) -> str:
    if not leaves:
        return t(locale, "status.leave.none")
    lines = "\n".join(
        t(locale, "status.leave.line", start=leave.start.isoformat(), end=leave.end.isoformat())
        for leave in leaves
    )
    return t(locale, "status.leave.list", lines=lines)
