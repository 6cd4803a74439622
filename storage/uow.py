"""Unit of work: one session, the workspace's repositories, one commit."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from storage.outbox import OutboxRepository
from storage.repositories import (
    AuditRepository,
    GoalRepository,
    LeaveRepository,
    MemberRepository,
    ProcessedEventRepository,
    ProductLineRepository,
    StatusRepository,
    TeamSettingsRepository,
    WorkspaceRepository,
)
from storage.seen_requests import SeenRequestRepository


class UnitOfWork:
    """Opens a session; `scope(workspace_id)` binds the tenant repositories to one workspace."""

    session: Session
    members: MemberRepository
    product_lines: ProductLineRepository
    goals: GoalRepository
    team_settings: TeamSettingsRepository
    audit: AuditRepository
    events: ProcessedEventRepository
    outbox: OutboxRepository
    status: StatusRepository
    leaves: LeaveRepository
    seen_requests: SeenRequestRepository

    def __init__(self, session_factory: sessionmaker[Session], workspace_id: int | None = None) -> None:
        self._session_factory = session_factory
        self.workspace_id = workspace_id

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.workspaces = WorkspaceRepository(self.session)
        self.outbox = OutboxRepository(self.session, None)
        self.seen_requests = SeenRequestRepository(self.session)
        if self.workspace_id is not None:
            self.scope(self.workspace_id)
        return self

    def scope(self, workspace_id: int) -> None:
        self.workspace_id = workspace_id
        self.members = MemberRepository(self.session, workspace_id)
        self.product_lines = ProductLineRepository(self.session, workspace_id)
        self.goals = GoalRepository(self.session, workspace_id)
        self.team_settings = TeamSettingsRepository(self.session, workspace_id)
        self.audit = AuditRepository(self.session, workspace_id)
        self.events = ProcessedEventRepository(self.session, workspace_id)
        self.outbox = OutboxRepository(self.session, workspace_id)
        self.status = StatusRepository(self.session, workspace_id)
        self.leaves = LeaveRepository(self.session, workspace_id)

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Anything not committed explicitly is discarded: a half-done use case leaves no trace.
        # close() rolls the transaction back but, unlike rollback(), leaves loaded objects readable.
        self.session.close()
