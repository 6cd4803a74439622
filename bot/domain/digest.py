"""The weekly digest's figures: who answered, health, open blockers, KPIs against goals, week on week.

Pure: the service hands in plain records of one week (and the week before) and gets back the
figures the digest message shows. Nothing here knows about Slack or the database.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.domain.goals import Direction, expected_value
from bot.domain.status import Health
from bot.domain.status import TeamState as Answer

# A goal more than this far off its straight line is flagged (docs/product.md#the-digest).
OFF_TRACK_PCT = 20.0
# Unresolved blockers reported up to this many weeks back still count as open.
BLOCKER_LOOKBACK_WEEKS = 8


@dataclass(frozen=True, slots=True)
class BlockerItem:
    text: str
    resolved: bool
    week: str  # the week it was first reported


@dataclass(frozen=True, slots=True)
class PMWeek:
    """One PM's answer for one week (or the lack of one), with the full text of their update."""

    slack_user_id: str
    name: str
    answer: Answer
    product_lines: tuple[str, ...] = ()
    health: str | None = None
    health_reason: str = ""
    progress: str = ""
    plans: str = ""
    topic: str = ""
    risk: str = ""
    late: bool = False
    revision: int = 1
    blockers: tuple[BlockerItem, ...] = ()


@dataclass(frozen=True, slots=True)
class GoalWeek:
    """A PM's open goal and the values reported for it this week and the week before."""

    goal_id: int
    owner_slack_id: str
    owner_name: str
    title: str
    metric: str
    unit: str
    baseline: float
    target: float
    start: dt.date
    due: dt.date
    direction: str
    value: float | None
    previous: float | None


@dataclass(frozen=True, slots=True)
class KpiLine:
    """A goal's value set against where its straight line says it should be."""

    goal: GoalWeek
    expected: float
    gap_pct: float | None  # + ahead of the line, - behind it; None without a value
    off_track: bool
    change: float | None  # this week minus last week


@dataclass(frozen=True, slots=True)
class Counts:
    pms: int
    submitted: int
    skipped: int
    on_leave: int
    missing: int
    health: dict[str, int]

    @property
    def expected(self) -> int:
        """PMs who owed an update: everyone not on leave and not skipping."""
        return self.pms - self.skipped - self.on_leave

    @property
    def rate(self) -> float | None:
        return self.submitted / self.expected if self.expected else None


@dataclass(frozen=True, slots=True)
class OpenBlocker:
    slack_user_id: str
    name: str
    blocker: BlockerItem


@dataclass(frozen=True, slots=True)
class Digest:
    week: str
    counts: Counts
    previous: Counts | None
    names_by_health: dict[str, list[str]]  # amber and red: who
    missing: list[PMWeek]
    open_blockers: list[OpenBlocker]
    kpis: list[KpiLine]
    updates: list[PMWeek] = field(default_factory=list)  # submitted
    goals_of: dict[str, list[KpiLine]] = field(default_factory=dict)  # every open goal, by owner

    @property
    def rate_change(self) -> float | None:
        """Submission rate change in percentage points against last week."""
        if self.previous is None or self.previous.rate is None or self.counts.rate is None:
            return None
        return (self.counts.rate - self.previous.rate) * 100

    def health_change(self, health: str) -> int | None:
        if self.previous is None:
            return None
        return self.counts.health.get(health, 0) - self.previous.health.get(health, 0)


def count(pms: Sequence[PMWeek]) -> Counts:
    by_answer = {answer: 0 for answer in Answer}
    health = {h.value: 0 for h in Health}
    for pm in pms:
        by_answer[pm.answer] += 1
        if pm.answer is Answer.SUBMITTED and pm.health in health:
            health[pm.health] += 1
    return Counts(
        pms=len(pms),
        submitted=by_answer[Answer.SUBMITTED],
        skipped=by_answer[Answer.SKIPPED],
        on_leave=by_answer[Answer.ON_LEAVE],
        missing=by_answer[Answer.MISSING],
        health=health,
    )


def kpi_line(goal: GoalWeek, *, on: dt.date, off_track_pct: float = OFF_TRACK_PCT) -> KpiLine:
    """Where the goal stands on `on` against its straight line from baseline to target."""
    expected = expected_value(
        baseline=goal.baseline, target=goal.target, start=goal.start, due=goal.due, on=on
    )
    gap: float | None = None
    if goal.value is not None:
        # Measured against the whole planned move, so a goal near its baseline is not flagged for noise.
        span = abs(goal.target - goal.baseline) or abs(expected) or 1.0
        better = goal.value - expected if goal.direction != Direction.DOWN else expected - goal.value
        gap = better / span * 100
    change = None if goal.value is None or goal.previous is None else goal.value - goal.previous
    # Rows stored before numbers were bounded may be infinite or overflow here: no gap, no change,
    # rather than NaN in the sort below or a traceback in the message.
    gap = gap if gap is not None and math.isfinite(gap) else None
    change = change if change is not None and math.isfinite(change) else None
    return KpiLine(
        goal=goal,
        expected=expected,
        gap_pct=gap,
        off_track=gap is not None and gap < -off_track_pct,
        change=change,
    )


def open_blockers(pms: Sequence[PMWeek], carried: Sequence[tuple[str, BlockerItem]]) -> list[OpenBlocker]:
    """This week's unresolved blockers and older ones still open, once per PM and text, oldest first."""
    names = {pm.slack_user_id: pm.name for pm in pms}
    seen: dict[tuple[str, str], OpenBlocker] = {}
    candidates = [(user, b) for user, b in carried if not b.resolved]
    candidates += [(pm.slack_user_id, b) for pm in pms for b in pm.blockers if not b.resolved]
    for user, blocker in sorted(candidates, key=lambda c: c[1].week):
        if user not in names:
            continue  # no longer an active PM
        same_text = " ".join(blocker.text.lower().split())
        seen.setdefault((user, same_text), OpenBlocker(user, names[user], blocker))
    return sorted(seen.values(), key=lambda o: (o.blocker.week, o.name.lower(), o.slack_user_id))


def _previous_counts(previous: Sequence[PMWeek] | None) -> Counts | None:
    """Last week's figures, or None when there was no last week to compare with.

    A week in which nobody submitted or skipped is the team's first week with pmpulse (or a week
    before it was installed): comparing against it would report "+75 pts" and a rise in every
    health colour on day one, which is noise, not news.
    """
    if previous is None:
        return None
    counts = count(previous)
    if counts.submitted == 0 and counts.skipped == 0:
        return None
    return counts


def summarize(
    week: str,
    pms: Sequence[PMWeek],
    *,
    previous: Sequence[PMWeek] | None,
    goals: Sequence[GoalWeek],
    carried_blockers: Sequence[tuple[str, BlockerItem]] = (),
    on: dt.date,
    off_track_pct: float = OFF_TRACK_PCT,
) -> Digest:
    """The digest of `week` as of `on` (the day it is posted)."""
    ordered = sorted(pms, key=lambda pm: (pm.name.lower(), pm.slack_user_id))
    lines = [kpi_line(goal, on=on, off_track_pct=off_track_pct) for goal in goals]
    by_owner: dict[str, list[KpiLine]] = {}
    for line in lines:  # goals come in ID order
        by_owner.setdefault(line.goal.owner_slack_id, []).append(line)
    updates = [pm for pm in ordered if pm.answer is Answer.SUBMITTED]
    names_by_health = {
        health: [pm.name for pm in updates if pm.health == health] for health in (Health.AMBER, Health.RED)
    }
    # Off-track goals first, then the furthest behind, so the top of a long list is what matters.
    lines.sort(key=lambda k: (not k.off_track, k.gap_pct if k.gap_pct is not None else 0.0, k.goal.goal_id))
    return Digest(
        week=week,
        counts=count(ordered),
        previous=_previous_counts(previous),
        names_by_health={str(k): v for k, v in names_by_health.items()},
        missing=[pm for pm in ordered if pm.answer is Answer.MISSING],
        open_blockers=open_blockers(ordered, carried_blockers),
        kpis=[line for line in lines if line.goal.value is not None],
        updates=updates,
        goals_of=by_owner,
    )
