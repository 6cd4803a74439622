"""Leave: date ranges when a member gets no status prompt and is not counted missing."""

from __future__ import annotations

import datetime as dt

from bot.domain.status import LeaveRange, leave_problem
from bot.services.errors import ServiceError
from storage.models import Leave, Member
from storage.uow import UnitOfWork


def set_leave(uow: UnitOfWork, *, member: Member, start: dt.date, end: dt.date, today: dt.date) -> LeaveRange:
    """Record `member` away from `start` to `end` (inclusive), after checking the range."""
    problem = leave_problem(start, end, today=today)
    if problem is not None:
        raise ServiceError(problem)
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


def upcoming_leave(uow: UnitOfWork, *, member: Member, today: dt.date) -> list[LeaveRange]:
    """`member`'s leave that has not ended yet, soonest first."""
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
