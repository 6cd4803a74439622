"""Unit of work: one session, the workspace's repositories, one commit.

Repositories never commit; the unit of work does, once, when its caller says so. Each feature's
repository is registered here by one line, as a `per_workspace` or `across_workspaces` slot,
and made on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Generic, TypeVar, overload

from sqlalchemy.orm import Session, sessionmaker

from storage.audit import AuditRepository
from storage.events import ProcessedEventRepository
from storage.goals import GoalRepository
from storage.leave import LeaveRepository
from storage.outbox import OutboxRepository
from storage.roster import MemberRepository, ProductLineRepository
from storage.seen_requests import SeenRequestRepository
from storage.status import StatusRepository
from storage.weekly import WeeklyQueries
from storage.workspaces import TeamSettingsRepository, WorkspaceRepository

R = TypeVar("R")


class _Slot(Generic[R]):
    """A repository attribute of the unit of work, made from its session on first use.

    `make` gets the session and the workspace the unit of work is scoped to (None before
    `scope`); a slot that needs a workspace refuses to be used before there is one.
    """

    def __init__(self, make: Callable[[Session, int | None], R], *, needs_workspace: bool) -> None:
        self._make = make
        self._needs_workspace = needs_workspace
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, uow: None, owner: type) -> _Slot[R]: ...
    @overload
    def __get__(self, uow: UnitOfWork, owner: type) -> R: ...
    def __get__(self, uow: UnitOfWork | None, owner: type) -> _Slot[R] | R:
        if uow is None:
            return self
        made = uow._repositories.get(self._name)
        if made is None:
            if self._needs_workspace and uow.workspace_id is None:
                raise RuntimeError(f"uow.{self._name} needs a workspace: call uow.scope(workspace_id) first")
            made = uow._repositories[self._name] = self._make(uow.session, uow.workspace_id)
        return made


def per_workspace(make: Callable[[Session, int], R]) -> _Slot[R]:
    """A repository of one workspace's rows, rebound by each `scope`."""
    return _Slot(lambda session, workspace_id: make(session, _bound(workspace_id)), needs_workspace=True)


def _bound(workspace_id: int | None) -> int:
    assert workspace_id is not None, "checked by the slot"
    return workspace_id


def across_workspaces(make: Callable[[Session], R]) -> _Slot[R]:
    """A repository of rows looked up before (or regardless of) a workspace."""
    return _Slot(lambda session, _workspace_id: make(session), needs_workspace=False)


def all_until_scoped(make: Callable[[Session, int | None], R]) -> _Slot[R]:
    """A repository of all workspaces until `scope`, then of the one workspace."""
    return _Slot(make, needs_workspace=False)


class UnitOfWork:
    """Opens a session; `scope(workspace_id)` binds the tenant repositories to one workspace."""

    session: Session

    # One line per feature: its repository, and whether it needs a workspace.
    workspaces = across_workspaces(WorkspaceRepository)
    seen_requests = across_workspaces(SeenRequestRepository)
    outbox = all_until_scoped(OutboxRepository)
    members = per_workspace(MemberRepository)
    product_lines = per_workspace(ProductLineRepository)
    goals = per_workspace(GoalRepository)
    team_settings = per_workspace(TeamSettingsRepository)
    audit = per_workspace(AuditRepository)
    events = per_workspace(ProcessedEventRepository)
    status = per_workspace(StatusRepository)
    leaves = per_workspace(LeaveRepository)
    weekly = per_workspace(WeeklyQueries)  # read-only queries of the weekly cadence

    def __init__(self, session_factory: sessionmaker[Session], workspace_id: int | None = None) -> None:
        self._session_factory = session_factory
        self.workspace_id = workspace_id
        self._repositories: dict[str, Any] = {}

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self._repositories.clear()
        return self

    def scope(self, workspace_id: int) -> None:
        self.workspace_id = workspace_id
        # Made again on next use, bound to this workspace.
        self._repositories.clear()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def flush(self) -> None:
        """Write pending changes without committing: new rows get their IDs, constraints are checked."""
        self.session.flush()

    def refresh(self, row: object, attributes: list[str] | None = None) -> None:
        """Read `row` (or some of its attributes, relationships too) again from the transaction."""
        self.session.refresh(row, attributes)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Anything not committed explicitly is discarded: a half-done use case leaves no trace.
        # close() rolls the transaction back but, unlike rollback(), leaves loaded objects readable.
        self.session.close()
