"""The weekly status update as typed, its validation, and the rules around editing it.

Pure functions over plain values: no Slack, no database. Errors are catalog keys, every one
reported at once so the modal shows them all in a single round trip.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.goals import FieldError, read_number
from bot.domain.weeks import week_end, week_start

# Slack's modal inputs stop at 3,000 characters; text arriving by other paths (an import, the
# API) may be longer and is stored whole up to this much per field.
MODAL_TEXT_MAX = 3000
TEXT_MAX = 12_000
REASON_MAX = 300
BLOCKERS_MAX = 30
# Answers for a week are taken from its Monday until the end of the following week: late
# answers still count for the week they were asked for, but a long-closed week stays closed.
GRACE_DAYS_AFTER_WEEK = 7
LEAVE_MAX_DAYS = 366

# A bullet typed in front of a blocker line ("- ", "* ", "• ", "1. ") is formatting, not content.
_BULLET = re.compile(r"^\s*(?:[-*]\s+|[•·]\s*|\d{1,2}[.)]\s+|\d{1,2}、\s*)")


class Health(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class UpdateState(StrEnum):
    SUBMITTED = "submitted"
    SKIPPED = "skipped"


class TeamState(StrEnum):
    """Where one PM stands for a week, as the team table shows it."""

    SUBMITTED = "submitted"
    SKIPPED = "skipped"
    ON_LEAVE = "on_leave"
    MISSING = "missing"


@dataclass(frozen=True)
class StatusForm:
    """The status modal as typed, before validation (all text; KPI values by goal ID)."""

    progress: str = ""
    plans: str = ""
    blockers: str = ""
    health: str | None = None
    health_reason: str = ""
    kpis: Mapping[int, str] = field(default_factory=dict)
    topic: str = ""
    risk: str = ""


@dataclass(frozen=True)
class ValidStatus:
    progress: str
    plans: str
    blockers: tuple[str, ...]
    health: Health
    health_reason: str
    kpis: Mapping[int, float]  # only the goals a value was given for
    topic: str
    risk: str


def kpi_field(goal_id: int) -> str:
    """The field name of one goal's KPI input, as FieldError.field carries it."""
    return f"kpi:{goal_id}"


def blocker_lines(text: str) -> tuple[str, ...]:
    """One blocker per line; blank lines and bullet markers dropped."""
    lines = (_BULLET.sub("", line).strip() for line in text.splitlines())
    return tuple(line for line in lines if line)


def one_line(text: str) -> str:
    """Collapse whitespace (newlines included) into single spaces."""
    return " ".join(text.split())


def _too_long(errors: list[FieldError], name: str, text: str, limit: int) -> None:
    if len(text) > limit:
        errors.append(FieldError(name, "error.too_long", (("max", limit),)))


def validate_status(form: StatusForm, *, goal_ids: Collection[int]) -> ValidStatus | list[FieldError]:
    """Check a form against the PM's open goals; the update, or every field error at once.

    KPI values for goals that are not (or no longer) open are ignored: the modal may be older
    than a goal's closing.
    """
    errors: list[FieldError] = []
    progress, plans = form.progress.strip(), form.plans.strip()
    topic, risk = form.topic.strip(), form.risk.strip()
    reason = one_line(form.health_reason)

    if not progress and not plans:
        errors.append(FieldError("progress", "status.error.progress_or_plans"))
    for name, text in (("progress", progress), ("plans", plans), ("topic", topic), ("risk", risk)):
        _too_long(errors, name, text, TEXT_MAX)
    _too_long(errors, "blockers", form.blockers, TEXT_MAX)
    blockers = blocker_lines(form.blockers)
    if len(blockers) > BLOCKERS_MAX:
        errors.append(FieldError("blockers", "status.error.too_many_blockers", (("max", BLOCKERS_MAX),)))

    health: Health | None = None
    if form.health not in tuple(Health):
        errors.append(FieldError("health", "status.error.health_required"))
    else:
        health = Health(form.health)
    if health is not None and health is not Health.GREEN and not reason:
        errors.append(FieldError("health_reason", "status.error.reason_required"))
    _too_long(errors, "health_reason", reason, REASON_MAX)

    kpis: dict[int, float] = {}
    for goal_id in goal_ids:
        text = form.kpis.get(goal_id, "").strip()
        if not text:
            continue  # not reported this week
        value = read_number(text, kpi_field(goal_id))
        if isinstance(value, FieldError):
            errors.append(value)
        else:
            kpis[goal_id] = value

    if errors:
        return errors
    assert health is not None
    return ValidStatus(
        progress=progress,
        plans=plans,
        blockers=blockers,
        health=health,
        health_reason=reason if health is not Health.GREEN else "",
        kpis=kpis,
        topic=topic,
        risk=risk,
    )


def modal_prefill(text: str) -> str:
    """What of a stored text fits the modal's input when the update is edited."""
    return text[:MODAL_TEXT_MAX]


def keep_long_text(*, stored: str, submitted: str) -> str:
    """A stored text longer than the modal can hold survives an edit that left it untouched."""
    if len(stored) > MODAL_TEXT_MAX and submitted.strip() == modal_prefill(stored).strip():
        return stored
    return submitted


def merge_blockers(previous: Sequence[tuple[str, bool]], new: Sequence[str]) -> list[tuple[str, int | None]]:
    """Pair each new blocker line with the previous blocker it repeats (by index), if any.

    An edit replaces the list, but a line left unchanged keeps its resolved mark: each previous
    blocker is matched at most once, first by identical text.
    """
    unused = list(range(len(previous)))
    merged: list[tuple[str, int | None]] = []
    for text in new:
        match = next((i for i in unused if previous[i][0] == text), None)
        if match is not None:
            unused.remove(match)
        merged.append((text, match))
    return merged


def late_edit_key(team: str, user: str, week: str, revision: int) -> str:
    """The outbox delivery key of the note about one late version: one note per version, ever."""
    return f"status-late-edit:{team}:{user}:{week}:{revision}"


def week_is_open(week: str, *, today: dt.date) -> bool:
    """Whether answers for `week` are taken on `today` (the member's local date)."""
    return week_start(week) <= today <= week_end(week) + dt.timedelta(days=GRACE_DAYS_AFTER_WEEK)


def team_state(*, update_state: str | None, on_leave: bool) -> TeamState:
    """An answer wins over leave: a PM who wrote while away shows as submitted."""
    if update_state == UpdateState.SUBMITTED:
        return TeamState.SUBMITTED
    if update_state == UpdateState.SKIPPED:
        return TeamState.SKIPPED
    return TeamState.ON_LEAVE if on_leave else TeamState.MISSING


@dataclass(frozen=True)
class LeaveRange:
    start: dt.date
    end: dt.date  # inclusive


def leave_problem(start: dt.date, end: dt.date, *, today: dt.date) -> str | None:
    """The catalog key of what is wrong with a leave range, or None when it is fine."""
    if end < start:
        return "status.leave.error.end_before_start"
    if (end - start).days + 1 > LEAVE_MAX_DAYS:
        return "status.leave.error.too_long"
    if end < today:
        return "status.leave.error.in_the_past"
    return None


def parse_leave(args: Sequence[str]) -> LeaveRange | None:
    """`YYYY-MM-DD YYYY-MM-DD` from `/pm leave`; None when the text does not fit."""
    if len(args) != 2:
        return None
    try:
        return LeaveRange(dt.date.fromisoformat(args[0]), dt.date.fromisoformat(args[1]))
    except ValueError:
        return None
