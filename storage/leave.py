"""Leave: a member away for some days, neither prompted nor counted missing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Date, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime, WorkspaceScoped
from storage.clock import system_now


class Leave(Base):
    """A member away from `start_date` to `end_date` (inclusive): no prompts, not counted missing."""

    __tablename__ = "leave"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now)


class LeaveRepository(WorkspaceScoped):
    def add(self, leave: Leave) -> Leave:
        leave.workspace_id = self.workspace_id
        self.session.add(leave)
        self.session.flush()
        return leave

    def overlapping(self, start: dt.date, end: dt.date) -> Sequence[Leave]:
        """Leaves that cover any day from `start` to `end` (inclusive)."""
        return self.session.scalars(
            select(Leave).where(
                Leave.workspace_id == self.workspace_id, Leave.start_date <= end, Leave.end_date >= start
            )
        ).all()

    def for_member(self, member_id: int) -> Sequence[Leave]:
        return self.session.scalars(
            select(Leave)
            .where(Leave.workspace_id == self.workspace_id, Leave.member_id == member_id)
            .order_by(Leave.start_date)
        ).all()
