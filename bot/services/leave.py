"""Leave: date ranges when a member gets no status prompt and is not counted missing."""

from __future__ import annotations

import datetime as dt

from bot.domain.schedule import zone
from bot.domain.status import LeaveRange, leave_problem
from bot.services.errors import ServiceError
from bot.services.unit import UowFactory, member_of
from bot.services.workspaces import WorkspaceRef
from storage.leave import Leave
from storage.roster import Member
from storage.uow import UnitOfWork


def _today(member: Member, workspace: WorkspaceRef, now: dt.datetime) -> dt.date:
    """The date on the member's own wall clock."""
    return now.astimezone(zone(member.timezone, workspace.timezone)).date()


def set_leave(
    uow_factory: UowFactory,
    *,
    workspace: WorkspaceRef,
    user_id: str,
    start: dt.date,
    end: dt.date,
    now: dt.datetime,
) -> LeaveRange:
    """Record the requester away from `start` to `end` (inclusive), after checking the range."""
    with uow_factory(workspace.id) as uow:
        member = member_of(uow, user_id)
        problem = leave_problem(start, end, today=_today(member, workspace, now))
        if problem is not None:
            raise ServiceError(problem)
        return _store(uow, member=member, start=start, end=end)


def _store(uow: UnitOfWork, *, member: Member, start: dt.date, end: dt.date) -> LeaveRange:
    leave = uow.leaves.add(
        Leave(member_id=member.id, start_date=start, end_date=end, created_by=member.slack_user_id)
    )
    uow.audit.record(
        actor=member.slack_user_id,
        action="create",
        entity="leave",
        entity_id=leave.id,
        detail={"start": start.isoformat(), "end": end.isoformat()},
    )
    uow.commit()
    return LeaveRange(start, end)


def upcoming_leave(
    uow_factory: UowFactory, *, workspace: WorkspaceRef, user_id: str, now: dt.datetime
) -> list[LeaveRange]:
    """The requester's leave that has not ended yet (on their own clock), soonest first."""
    with uow_factory(workspace.id) as uow:
        member = member_of(uow, user_id)
        today = _today(member, workspace, now)
        return [
            LeaveRange(leave.start_date, leave.end_date)
            for leave in uow.leaves.for_member(member.id)
            if leave.end_date >= today
        ]


def leaves_by_member(uow: UnitOfWork, *, start: dt.date, end: dt.date) -> dict[int, list[LeaveRange]]:
    """Every leave touching `start`..`end`, grouped by member ID."""
    grouped: dict[int, list[LeaveRange]] = {}
    for leave in uow.leaves.overlapping(start, end):
        grouped.setdefault(leave.member_id, []).append(LeaveRange(leave.start_date, leave.end_date))
    return grouped
