"""Read-side queries of the weekly cadence: who is due a prompt, and everything a digest shows.

Column selects rather than ORM objects: a digest reads a whole team's week at once (thousands of
rows), and plain rows load several times faster than mapped instances. Each query is scoped to
one workspace and stays a handful of round trips whatever the team size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Executable, Result, Row, or_, select
from sqlalchemy.orm import aliased

from storage.base import WorkspaceScoped
from storage.goals import Goal
from storage.leave import Leave
from storage.outbox import OutboxMessage
from storage.roster import Member, MemberProductLine, ProductLine
from storage.status import Blocker, KpiValue, StatusUpdate

# Bound parameters per IN (...) list: well under SQLite's and PostgreSQL's limits.
_CHUNK = 500

# A result row of any shape; the columns are named in each query's docstring.
AnyRow = Row[*tuple[Any, ...]]


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


class WeeklyQueries(WorkspaceScoped):
    """Queries of one workspace for prompts, reminders and the digest. They never write."""

    def _rows(self, statement: Executable) -> Result[*tuple[Any, ...]]:
        # Core execution on the session's connection: plain rows without the ORM's per-row loading.
        return self.core().execute(statement)

    def active_members(self) -> Sequence[AnyRow]:
        """id, slack_user_id, name, role, timezone, locale, manager_id, previous_timezone,
        timezone_changed_at of every active member."""
        return self._rows(
            select(
                Member.id,
                Member.slack_user_id,
                Member.name,
                Member.role,
                Member.timezone,
                Member.locale,
                Member.manager_id,
                Member.previous_timezone,
                Member.timezone_changed_at,
            )
            .where(Member.workspace_id == self.workspace_id, Member.active.is_(True))
            .order_by(Member.slack_user_id)
        ).all()

    def former_members_who_answered(self, week: str) -> Sequence[AnyRow]:
        """id, slack_user_id, name, role of inactive members with an update of `week`: their
        history stays in the digest though they are no longer on the roster."""
        return self._rows(
            select(Member.id, Member.slack_user_id, Member.name, Member.role)
            .join(StatusUpdate, StatusUpdate.member_id == Member.id)
            .where(
                Member.workspace_id == self.workspace_id,
                Member.active.is_(False),
                StatusUpdate.workspace_id == self.workspace_id,
                StatusUpdate.week == week,
            )
            .order_by(Member.slack_user_id)
        ).all()

    def answered(self, weeks: Iterable[str]) -> set[tuple[int, str]]:
        """(member_id, week) of every update, submitted or skipped, in `weeks`."""
        rows = self._rows(
            select(StatusUpdate.member_id, StatusUpdate.week).where(
                StatusUpdate.workspace_id == self.workspace_id, StatusUpdate.week.in_(list(weeks))
            )
        )
        return {(member_id, week) for member_id, week in rows}

    def leaves(self, start: dt.date, end: dt.date) -> Sequence[AnyRow]:
        """member_id, start_date, end_date of leaves touching any day from `start` to `end`."""
        return self._rows(
            select(Leave.member_id, Leave.start_date, Leave.end_date).where(
                Leave.workspace_id == self.workspace_id, Leave.start_date <= end, Leave.end_date >= start
            )
        ).all()

    def existing_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of `keys` are already in the outbox, whatever their state."""
        found: set[str] = set()
        for chunk in _chunks(keys):
            found.update(
                self.session.scalars(
                    select(OutboxMessage.delivery_key).where(
                        OutboxMessage.workspace_id == self.workspace_id,
                        OutboxMessage.delivery_key.in_(list(chunk)),
                    )
                )
            )
        return found

    # -- the digest -------------------------------------------------------------------------------

    def product_lines(self) -> Sequence[AnyRow]:
        """member_id, product line name."""
        return self._rows(
            select(MemberProductLine.member_id, ProductLine.name)
            .join(ProductLine, ProductLine.id == MemberProductLine.product_line_id)
            .where(MemberProductLine.workspace_id == self.workspace_id)
            .order_by(ProductLine.name)
        ).all()

    def updates(self, week: str) -> Sequence[AnyRow]:
        """Every update of `week`, full text included: member_id, state, progress, plans, health,
        health_reason, topic, risk, revision, late."""
        return self._rows(
            select(
                StatusUpdate.member_id,
                StatusUpdate.state,
                StatusUpdate.progress,
                StatusUpdate.plans,
                StatusUpdate.health,
                StatusUpdate.health_reason,
                StatusUpdate.topic,
                StatusUpdate.risk,
                StatusUpdate.revision,
                StatusUpdate.late,
            ).where(StatusUpdate.workspace_id == self.workspace_id, StatusUpdate.week == week)
        ).all()

    def answers(self, week: str) -> Sequence[AnyRow]:
        """member_id, state, health of every update of `week`: the figures without the text."""
        return self._rows(
            select(StatusUpdate.member_id, StatusUpdate.state, StatusUpdate.health).where(
                StatusUpdate.workspace_id == self.workspace_id, StatusUpdate.week == week
            )
        ).all()

    def blockers(self, week: str, earlier_weeks: Sequence[str]) -> Sequence[AnyRow]:
        """member_id, week, text, resolved: all of `week`'s blockers, and the unresolved ones of
        `earlier_weeks`."""
        # Scoped through the update (a blocker's workspace is its update's), so the planner walks
        # the team's weeks on ix_status_update_workspace_week rather than every blocker of the team.
        return self._rows(
            select(StatusUpdate.member_id, StatusUpdate.week, Blocker.text, Blocker.resolved)
            .select_from(StatusUpdate)
            .join(Blocker, Blocker.update_id == StatusUpdate.id)
            .where(
                StatusUpdate.workspace_id == self.workspace_id,
                StatusUpdate.week.in_([week, *earlier_weeks]),
                or_(StatusUpdate.week == week, Blocker.resolved.is_(False)),
            )
            .order_by(StatusUpdate.week, Blocker.update_id, Blocker.position, Blocker.id)
        ).all()

    def open_goals(self) -> Sequence[AnyRow]:
        """Open goals of active members: id, owner's Slack ID, owner's name, title, metric, unit,
        baseline, target, start_date, due_date, direction."""
        owner = aliased(Member)
        return self._rows(
            select(
                Goal.id,
                owner.slack_user_id,
                owner.name,
                Goal.title,
                Goal.metric,
                Goal.unit,
                Goal.baseline,
                Goal.target,
                Goal.start_date,
                Goal.due_date,
                Goal.direction,
            )
            .join(owner, owner.id == Goal.owner_id)
            .where(Goal.workspace_id == self.workspace_id, Goal.status == "open", owner.active.is_(True))
            .order_by(Goal.id)
        ).all()

    def kpi_values(self, weeks: Iterable[str]) -> Sequence[AnyRow]:
        """goal_id, week, value for the open goals in `weeks`."""
        return self._rows(
            select(KpiValue.goal_id, KpiValue.week, KpiValue.value)
            .join(Goal, Goal.id == KpiValue.goal_id)
            .where(
                KpiValue.workspace_id == self.workspace_id,
                Goal.workspace_id == self.workspace_id,
                Goal.status == "open",
                KpiValue.week.in_(list(weeks)),
            )
        ).all()
