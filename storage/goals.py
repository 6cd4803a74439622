"""SMART goals: a metric moving from a baseline to a target by a due date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import NamedTuple, cast

from sqlalchemy import Date, Float, ForeignKey, String, Table, bindparam, select
from sqlalchemy.orm import Mapped, lazyload, mapped_column, relationship

from storage.base import Base, UTCDateTime, WorkspaceScoped
from storage.clock import system_now
from storage.roster import Member, ProductLine


class Goal(Base):
    """A SMART goal: a metric moving from a baseline to a target by a due date."""

    __tablename__ = "goal"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    product_line_id: Mapped[int | None] = mapped_column(ForeignKey("product_line.id"))
    title: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(32), default="")
    baseline: Mapped[float] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    start_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    direction: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now)

    owner: Mapped[Member] = relationship(lazy="joined")
    product_line: Mapped[ProductLine | None] = relationship(lazy="joined")


class KpiGoal(NamedTuple):
    """A goal as the status modal and its save need it: to ask for, validate and show its value."""

    id: int
    status: str
    title: str
    metric: str
    unit: str
    target: float


class GoalRow(NamedTuple):
    """A goal's columns as its view shows them, with its product line's name."""

    id: int
    title: str
    product_line: str | None
    metric: str
    unit: str
    baseline: float
    target: float
    start_date: dt.date
    due_date: dt.date
    direction: str


_goals = cast(Table, Goal.__table__)
_lines = cast(Table, ProductLine.__table__)
_OPEN_GOALS_OF = (
    select(
        _goals.c.id,
        _goals.c.title,
        _lines.c.name,
        _goals.c.metric,
        _goals.c.unit,
        _goals.c.baseline,
        _goals.c.target,
        _goals.c.start_date,
        _goals.c.due_date,
        _goals.c.direction,
    )
    .select_from(_goals)
    .outerjoin(_lines, _lines.c.id == _goals.c.product_line_id)
    .where(
        _goals.c.workspace_id == bindparam("b_workspace"),
        _goals.c.owner_id == bindparam("b_owner"),
        _goals.c.status == "open",
    )
    .order_by(_goals.c.due_date, _goals.c.id)
)
_KPI_GOALS = (
    select(*(_goals.c[name] for name in KpiGoal._fields))
    .where(_goals.c.workspace_id == bindparam("b_workspace"), _goals.c.owner_id == bindparam("b_owner"))
    .order_by(_goals.c.due_date, _goals.c.id)
)


class GoalRepository(WorkspaceScoped):
    def add(self, goal: Goal) -> Goal:
        goal.workspace_id = self.workspace_id
        self.session.add(goal)
        self.session.flush()
        return goal

    def for_owners(
        self, owner_ids: Iterable[int], *, status: str | None = "open", owners_loaded: bool = False
    ) -> Sequence[Goal]:
        """`owners_loaded`: the caller has the owners' rows in this session, so each goal's owner
        comes from the session instead of a join (and the owner's product lines are not loaded)."""
        query = select(Goal).where(Goal.workspace_id == self.workspace_id, Goal.owner_id.in_(list(owner_ids)))
        if owners_loaded:
            query = query.options(lazyload(Goal.owner))
        if status is not None:
            query = query.where(Goal.status == status)
        return self.session.scalars(query.order_by(Goal.due_date, Goal.id)).unique().all()

    def open_rows(self, owner_id: int) -> list[GoalRow]:
        """One owner's open goals, as `for_owners` orders them, in one Core statement."""
        rows = self.core().execute(_OPEN_GOALS_OF, {"b_workspace": self.workspace_id, "b_owner": owner_id})
        return [GoalRow._make(row) for row in rows]

    def kpi_goals(self, owner_id: int) -> list[KpiGoal]:
        """One owner's goals of every status (closed ones may hold a week's values), one Core
        statement: the goals a status save validates and shows."""
        rows = self.core().execute(_KPI_GOALS, {"b_workspace": self.workspace_id, "b_owner": owner_id})
        return [KpiGoal._make(row) for row in rows]
