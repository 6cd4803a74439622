"""The weekly digest: one channel message with the figures, and each PM's full update in its thread.

Slack refuses a message over 50 blocks, a section over 3,000 characters or a message over
40,000; the parent keeps to a budget and points to the thread for the rest, and a long update
is split over several thread replies rather than cut, so every word typed reaches the channel.
User text (updates, blockers, goal titles, names) is escaped: `<!channel>` typed in an update
shows as text and pings no one.

The parent and each reply are built from slack_sdk models like every other message; the replies
are built one PM at a time as the sender consumes them, so a big team never holds them all.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain.digest import Digest, KpiLine, OpenBlocker, PMWeek
from bot.domain.status import Health
from bot.i18n import t
from bot.i18n.dates import format_week
from bot.ui.blocks import context, divider, header, section, to_dicts
from bot.ui.mrkdwn import SECTION_TEXT_MAX, clip, cut, escape, fit_lines, number, one_line, split_lines

MESSAGE_BLOCKS_MAX = 50
MESSAGE_CHARS_MAX = 40_000
# The parent stays far inside the limits (under 10 blocks and 15,000 characters): it is read on
# phones, and the thread holds the detail.
LIST_SECTIONS_MAX = 2
LINE_MAX = 400  # one blocker or KPI line in the parent
NAMES_SHOWN_MAX = 30

Json = dict[str, Any]

HEALTH_EMOJI = {
    Health.GREEN: ":large_green_circle:",
    Health.AMBER: ":large_orange_circle:",
    Health.RED: ":red_circle:",
}

HEALTH_LABELS = {
    Health.GREEN: "digest.health.green",
    Health.AMBER: "digest.health.amber",
    Health.RED: "digest.health.red",
}


@dataclass(frozen=True)
class DigestReply:
    """One PM's update as thread replies (several when it is long)."""

    slack_user_id: str
    parts: list[Json]


@dataclass(frozen=True)
class DigestMessages:
    parent: Json
    replies: Iterator[DigestReply]


def _clip_line(locale: str, text: str, limit: int) -> str:
    """User text as one escaped line showing at most `limit` characters (the budget is what the
    reader sees; escaped, the line is at most five times as long, well inside a section)."""
    return escape(clip(one_line(text), limit, locale=locale, inline=True))


def _signed(value: float) -> str:
    if value > 0:
        return f"▲ +{number(value)}"
    if value < 0:
        return f"▼ −{number(-value)}"
    return "±0"


def _names(locale: str, names: Sequence[str]) -> str:
    shown = [escape(n) for n in names[:NAMES_SHOWN_MAX]]
    text = t(locale, "common.list_separator").join(shown)
    if len(names) > NAMES_SHOWN_MAX:
        text += " " + t(locale, "digest.and_more", count=len(names) - NAMES_SHOWN_MAX)
    return text


# -- the channel message ---------------------------------------------------------------------------


def _submission_lines(locale: str, digest: Digest) -> str:
    counts = digest.counts
    if counts.rate is None:
        line = t(locale, "digest.submitted_nobody_due", submitted=counts.submitted)
    else:
        line = t(
            locale,
            "digest.submitted",
            submitted=counts.submitted,
            expected=counts.expected,
            rate=f"{counts.rate:.0%}",
        )
    if digest.rate_change is not None:
        line += "  " + t(locale, "digest.vs_last_week", change=_signed(round(digest.rate_change)))
    lines = [line, t(locale, "digest.skipped_on_leave", skipped=counts.skipped, on_leave=counts.on_leave)]
    if digest.missing:
        lines.append(
            t(
                locale,
                "digest.missing",
                count=len(digest.missing),
                names=_names(locale, [m.name for m in digest.missing]),
            )
        )
    return "\n".join(lines)


def _health_lines(locale: str, digest: Digest) -> str:
    parts = []
    for health in Health:
        label = t(locale, HEALTH_LABELS[health])
        part = f"{HEALTH_EMOJI[health]} {label} *{digest.counts.health.get(health, 0)}*"
        change = digest.health_change(health)
        if change is not None:
            part += f" ({_signed(change)})"
        parts.append(part)
    lines = [t(locale, "digest.health.title") + "  " + "   ".join(parts)]
    for health in (Health.AMBER, Health.RED):
        names = digest.names_by_health.get(health, [])
        if names:
            lines.append(f"{HEALTH_EMOJI[health]} {_names(locale, names)}")
    return "\n".join(lines)


def _blocker_line(locale: str, item: OpenBlocker, week: str) -> str:
    line = t(
        locale,
        "digest.blocker_line",
        name=escape(item.name),
        text=_clip_line(locale, item.blocker.text, LINE_MAX),
    )
    if item.blocker.week != week:
        line += " " + t(locale, "digest.blocker_since", week=format_week(locale, item.blocker.week))
    return line


def kpi_text(locale: str, line: KpiLine, *, with_owner: bool) -> str:
    goal = line.goal
    unit = f" {escape(goal.unit)}" if goal.unit else ""  # "834 USD m", "41 hours", "126 万户"
    text = t(
        locale,
        "digest.kpi_line",
        title=_clip_line(locale, goal.title, 120),
        value=f"{number(goal.value)}{unit}" if goal.value is not None else "–",
        target=f"{number(goal.target)}{unit}",
        expected=f"{number(round(line.expected, 2))}{unit}",
    )
    if with_owner:
        text = f"{escape(goal.owner_name)} · {text}"
    if line.gap_pct is not None:
        gap = round(abs(line.gap_pct))
        if line.off_track:
            text += " · " + t(locale, "digest.kpi_behind", pct=gap)
        else:
            text += " · " + t(locale, "digest.kpi_on_track")
    if line.change is not None:
        text += " · " + t(locale, "digest.kpi_change", change=_signed(round(line.change, 2)))
    return "• " + text


def _list_sections(locale: str, title: str, lines: Iterable[str], total: int) -> list[Json]:
    """A titled list of `total` lines in at most LIST_SECTIONS_MAX sections; what does not fit is
    counted, not shown (and not even formatted: a team of thousands has thousands of lines)."""
    more_room = len(t(locale, "digest.more_in_thread", count=total)) + 1
    sections, shown = fit_lines(
        itertools.chain([title], lines), SECTION_TEXT_MAX - more_room, max_pieces=LIST_SECTIONS_MAX
    )
    shown -= 1  # the title
    if shown < total:
        sections[-1] += "\n" + t(locale, "digest.more_in_thread", count=total - shown)
    return [section(text).to_dict() for text in sections]


def build_parent(locale: str, digest: Digest) -> Json:
    """The channel message: the week's figures, a few sections long whatever the team size."""
    title = t(locale, "digest.title", week=format_week(locale, digest.week))
    blocks: list[Json] = to_dicts(
        [
            header(title, emoji=None),
            section(cut(_submission_lines(locale, digest), SECTION_TEXT_MAX)),
            section(cut(_health_lines(locale, digest), SECTION_TEXT_MAX)),
            divider(),
        ]
    )
    count = len(digest.open_blockers)
    heading = t(locale, "digest.blockers.title", count=count)
    if count:
        lines = (_blocker_line(locale, item, digest.week) for item in digest.open_blockers)
        blocks += _list_sections(locale, heading, lines, count)
    else:
        blocks.append(section(f"{heading}\n{t(locale, 'digest.blockers.none')}").to_dict())
    count = len(digest.kpis)
    heading = t(locale, "digest.kpis.title", count=count)
    if count:
        lines = (kpi_text(locale, line, with_owner=True) for line in digest.kpis)
        blocks += _list_sections(locale, heading, lines, count)
    else:
        blocks.append(section(f"{heading}\n{t(locale, 'digest.kpis.none')}").to_dict())
    blocks.append(
        context(t(locale, "digest.thread_hint" if digest.updates else "digest.no_updates")).to_dict()
    )
    summary = t(
        locale,
        "digest.text",
        week=format_week(locale, digest.week),
        submitted=digest.counts.submitted,
        pms=digest.counts.pms,
    )
    return {"text": summary, "blocks": blocks}


# -- the thread: one PM's whole update -------------------------------------------------------------


def _update_blocks(locale: str, pm: PMWeek, kpis: Sequence[KpiLine]) -> list[tuple[Json, int]]:
    """Every block of one PM's update with its text length, in reading order."""
    out: list[tuple[Json, int]] = []

    def add(block: Json, text: str) -> None:
        out.append((block, len(text)))

    heading = f"*{escape(pm.name)}*"
    if pm.product_lines:
        heading += " · " + escape(t(locale, "common.list_separator").join(pm.product_lines))
    if pm.health in tuple(Health):
        health = Health(pm.health)
        heading += f"\n{HEALTH_EMOJI[health]} {t(locale, HEALTH_LABELS[health])}"
        if pm.health_reason:
            heading += " — " + _clip_line(locale, pm.health_reason, 500)
    heading = cut(heading, SECTION_TEXT_MAX)
    add(section(heading).to_dict(), heading)
    if pm.late:
        note = t(locale, "digest.reply.late")
        add(context(note).to_dict(), note)

    for key, text in (("digest.reply.progress", pm.progress), ("digest.reply.plans", pm.plans)):
        if text.strip():
            _long_text(add, t(locale, key), [escape(line) for line in text.split("\n")])
    if pm.blockers:
        lines = []
        for blocker in pm.blockers:
            escaped = escape(blocker.text)
            lines.append(
                t(locale, "digest.reply.blocker_resolved", text=escaped)
                if blocker.resolved
                else f"• {escaped}"
            )
        _long_text(add, t(locale, "digest.reply.blockers"), lines)
    if kpis:
        lines = [kpi_text(locale, line, with_owner=False) for line in kpis]
        _long_text(add, t(locale, "digest.reply.kpis"), lines)
    for key, text in (("digest.reply.topic", pm.topic), ("digest.reply.risk", pm.risk)):
        if text.strip():
            _long_text(add, t(locale, key), [escape(line) for line in text.split("\n")])
    return out


def _long_text(add: Callable[[Json, str], None], title: str, lines: Sequence[str]) -> None:
    """A titled text (escaped lines) over as many sections as it needs."""
    title_line = f"*{title}*"
    for i, piece in enumerate(split_lines(lines, SECTION_TEXT_MAX - len(title_line) - 1)):
        body = f"{title_line}\n{piece}" if i == 0 else piece
        add(section(body).to_dict(), body)


def build_reply_parts(locale: str, pm: PMWeek, *, week: str, kpis: Sequence[KpiLine] = ()) -> list[Json]:
    """One PM's update (and their goals) as one thread reply, or several when it would break a limit."""
    blocks = _update_blocks(locale, pm, kpis)
    # Reserve a block and some characters for the "continued" line of later parts.
    groups: list[list[Json]] = [[]]
    chars = 0
    for block, size in blocks:
        if groups[-1] and (
            len(groups[-1]) >= MESSAGE_BLOCKS_MAX - 1 or chars + size > MESSAGE_CHARS_MAX - 500
        ):
            groups.append([])
            chars = 0
        groups[-1].append(block)
        chars += size
    text = t(locale, "digest.reply.text", name=escape(pm.name), week=format_week(locale, week))
    if len(groups) == 1:
        return [{"text": text, "blocks": groups[0]}]
    parts = []
    for number_, group in enumerate(groups, start=1):
        note = t(locale, "digest.reply.part", part=number_, parts=len(groups))
        parts.append(
            {"text": f"{text} ({number_}/{len(groups)})", "blocks": [*group, context(note).to_dict()]}
        )
    return parts


def build_digest(locale: str, digest: Digest) -> DigestMessages:
    """The parent message, and every submitted update's thread replies built as they are consumed:
    a big team's replies need not all be held in memory at once."""
    replies = (
        DigestReply(
            pm.slack_user_id,
            build_reply_parts(locale, pm, week=digest.week, kpis=digest.goals_of.get(pm.slack_user_id, ())),
        )
        for pm in digest.updates
    )
    return DigestMessages(parent=build_parent(locale, digest), replies=replies)
