"""Repositories: queries and inserts scoped to one workspace. They never commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import (
    AuditEntry,
    Goal,
    Member,
    MemberProductLine,
    ProcessedEvent,
    ProductLine,
    TeamSettings,
    Workspace,
)


class WorkspaceRepository:
    """Workspaces are the one table looked up across tenants: by Slack team ID."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get_by_team_id(self, slack_team_id: str) -> Workspace | None:
        return self.session.scalar(select(Workspace).where(Workspace.slack_team_id == slack_team_id))

    def list(self) -> Sequence[Workspace]:
        return self.session.scalars(select(Workspace).order_by(Workspace.id)).all()

    def add(self, workspace: Workspace) -> Workspace:
        self.session.add(workspace)
        self.session.flush()
        return workspace


class _Scoped:
    def __init__(self, session: Session, workspace_id: int) -> None:
        self.session = session
        self.workspace_id = workspace_id


class MemberRepository(_Scoped):
    def get(self, member_id: int) -> Member | None:
        member = self.session.get(Member, member_id)
        return member if member is not None and member.workspace_id == self.workspace_id else None

    def get_by_slack_id(self, slack_user_id: str) -> Member | None:
        return self.session.scalar(
            select(Member).where(
                Member.workspace_id == self.workspace_id, Member.slack_user_id == slack_user_id
            )
        )

    def list(self, *, active_only: bool = True, roles: Iterable[str] | None = None) -> Sequence[Member]:
        query = select(Member).where(Member.workspace_id == self.workspace_id)
        if active_only:
            query = query.where(Member.active.is_(True))
        if roles is not None:
            query = query.where(Member.role.in_(list(roles)))
        return self.session.scalars(query.order_by(Member.name, Member.slack_user_id)).unique().all()

    def reports_of(self, manager_id: int) -> Sequence[Member]:
        return (
            self.session.scalars(
                select(Member)
                .where(
                    Member.workspace_id == self.workspace_id,
                    Member.manager_id == manager_id,
                    Member.active.is_(True),
                )
                .order_by(Member.name)
            )
            .unique()
            .all()
        )

    def count_active(self) -> int:
        return (
            self.session.scalar(
                select(func.count(Member.id)).where(
                    Member.workspace_id == self.workspace_id, Member.active.is_(True)
                )
            )
            or 0
        )

    def add(self, member: Member) -> Member:
        member.workspace_id = self.workspace_id
        self.session.add(member)
        self.session.flush()
        return member


class ProductLineRepository(_Scoped):
    def get_or_create(self, name: str) -> ProductLine:
        existing = self.session.scalar(
            select(ProductLine).where(
                ProductLine.workspace_id == self.workspace_id,
                func.lower(ProductLine.name) == name.lower(),
            )
        )
        if existing is not None:
            return existing
        line = ProductLine(workspace_id=self.workspace_id, name=name)
        self.session.add(line)
        self.session.flush()
        return line

    def assign(self, member: Member, line: ProductLine) -> None:
        """Make `member` an owner of `line` (idempotent)."""
        if any(owned.id == line.id for owned in member.product_lines):
            return
        self.session.add(
            MemberProductLine(workspace_id=self.workspace_id, member_id=member.id, product_line_id=line.id)
        )
        self.session.flush()
        self.session.expire(member, ["product_lines"])

    def list(self) -> Sequence[ProductLine]:
        return self.session.scalars(
            select(ProductLine)
            .where(ProductLine.workspace_id == self.workspace_id)
            .order_by(ProductLine.name)
        ).all()


class GoalRepository(_Scoped):
    def add(self, goal: Goal) -> Goal:
        goal.workspace_id = self.workspace_id
        self.session.add(goal)
        self.session.flush()
        return goal

    def for_owners(self, owner_ids: Iterable[int], *, status: str | None = "open") -> Sequence[Goal]:
        query = select(Goal).where(Goal.workspace_id == self.workspace_id, Goal.owner_id.in_(list(owner_ids)))
        if status is not None:
            query = query.where(Goal.status == status)
        return self.session.scalars(query.order_by(Goal.due_date, Goal.id)).unique().all()


class TeamSettingsRepository(_Scoped):
    def get(self) -> TeamSettings | None:
        return self.session.get(TeamSettings, self.workspace_id)

    def add(self, settings: TeamSettings) -> TeamSettings:
        settings.workspace_id = self.workspace_id
        self.session.add(settings)
        self.session.flush()
        return settings


class AuditRepository(_Scoped):
    def record(
        self,
        *,
        actor: str,
        action: str,
        entity: str,
        entity_id: str | int,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.session.add(
            AuditEntry(
                workspace_id=self.workspace_id,
                actor=actor,
                action=action,
                entity=entity,
                entity_id=str(entity_id),
                detail=detail or {},
            )
        )

    def recent(self, limit: int = 50) -> Sequence[AuditEntry]:
        return self.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.workspace_id == self.workspace_id)
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        ).all()


class ProcessedEventRepository(_Scoped):
    def claim(self, event_id: str) -> bool:
        """Record an event ID; False when it was handled already (a Slack redelivery)."""
        try:
            with self.session.begin_nested():
                self.session.add(ProcessedEvent(workspace_id=self.workspace_id, event_id=event_id))
        except IntegrityError:
            return False
        return True
