"""Repositories: queries and inserts scoped to one workspace. They never commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, joinedload, lazyload

from storage.models import (
    AuditEntry,
    Blocker,
    DigestPost,
    Goal,
    KpiValue,
    Leave,
    Member,
    MemberProductLine,
    ProcessedEvent,
    ProductLine,
    StatusRevision,
    StatusUpdate,
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
        # One round trip: the product lines come in the same query (this runs on every request).
        return (
            self.session.execute(
                select(Member)
                .where(Member.workspace_id == self.workspace_id, Member.slack_user_id == slack_user_id)
                .options(joinedload(Member.product_lines))
            )
            .unique()
            .scalar_one_or_none()
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

    def roster_rows(self) -> Sequence[tuple[Member, str | None, str | None, tuple[str, ...]]]:
        """Active members, and members Slack deactivated (shown as such), with their manager's
        Slack ID and name and their product lines.

        Two column queries instead of loading Member graphs: the roster is read on every
        `/pm team` and can hold hundreds of people.
        """
        manager = aliased(Member)
        rows = self.session.execute(
            select(Member, manager.slack_user_id, manager.name)
            .outerjoin(manager, Member.manager_id == manager.id)
            .where(
                Member.workspace_id == self.workspace_id,
                or_(Member.active.is_(True), Member.deactivated_in_slack.is_(True)),
            )
            .order_by(Member.name, Member.slack_user_id)
            .options(lazyload(Member.manager), lazyload(Member.product_lines))
        ).all()
        lines: dict[int, list[str]] = {}
        for member_id, name in self.session.execute(
            select(MemberProductLine.member_id, ProductLine.name)
            .join(ProductLine, ProductLine.id == MemberProductLine.product_line_id)
            .where(MemberProductLine.workspace_id == self.workspace_id)
            .order_by(ProductLine.name)
        ):
            lines.setdefault(member_id, []).append(name)
        return [(m, mgr_id, mgr_name, tuple(lines.get(m.id, ()))) for m, mgr_id, mgr_name in rows]

    def roster_version(self) -> tuple[int, str]:
        """Changes whenever the roster does (members touched on every change): a cache key."""
        count, latest = self.session.execute(
            select(func.count(Member.id), func.max(Member.updated_at)).where(
                Member.workspace_id == self.workspace_id
            )
        ).one()
        return int(count), str(latest)

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

    def assign(self, member: Member, line: ProductLine, *, now: dt.datetime) -> None:
        """Make `member` an owner of `line` (idempotent)."""
        if any(owned.id == line.id for owned in member.product_lines):
            return
        self.session.add(
            MemberProductLine(workspace_id=self.workspace_id, member_id=member.id, product_line_id=line.id)
        )
        # A roster change: bumps the roster version, even when the caller's clock stands still.
        member.updated_at = max(now, member.updated_at + dt.timedelta(microseconds=1))
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


class StatusRepository(_Scoped):
    """Weekly status updates, their history, blockers, KPI values and posted digests."""

    def get(self, member_id: int, week: str) -> StatusUpdate | None:
        return self.session.scalar(
            select(StatusUpdate).where(
                StatusUpdate.workspace_id == self.workspace_id,
                StatusUpdate.member_id == member_id,
                StatusUpdate.week == week,
            )
        )

    def for_week(self, week: str, member_ids: Iterable[int] | None = None) -> Sequence[StatusUpdate]:
        query = select(StatusUpdate).where(
            StatusUpdate.workspace_id == self.workspace_id, StatusUpdate.week == week
        )
        if member_ids is not None:
            query = query.where(StatusUpdate.member_id.in_(list(member_ids)))
        return self.session.scalars(query.order_by(StatusUpdate.id)).unique().all()

    def for_weeks(self, weeks: Iterable[str]) -> Sequence[StatusUpdate]:
        return (
            self.session.scalars(
                select(StatusUpdate)
                .where(StatusUpdate.workspace_id == self.workspace_id, StatusUpdate.week.in_(list(weeks)))
                .order_by(StatusUpdate.week, StatusUpdate.id)
            )
            .unique()
            .all()
        )

    def add(self, update: StatusUpdate) -> StatusUpdate:
        update.workspace_id = self.workspace_id
        self.session.add(update)
        self.session.flush()
        return update

    def _insert_empty(
        self, member_id: int, week: str, *, state: str, late: bool, now: dt.datetime
    ) -> Any:
        """An INSERT of an empty revision-1 update, in the dialect's form that takes ON CONFLICT."""
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        return insert(StatusUpdate).values(
            workspace_id=self.workspace_id,
            member_id=member_id,
            week=week,
            state=state,
            progress="",
            plans="",
            health_reason="",
            topic="",
            risk="",
            revision=1,
            late=late,
            submitted_at=now,
            updated_at=now,
        )

    def claim_revision(
        self, member_id: int, week: str, *, state: str, now: dt.datetime
    ) -> tuple[StatusUpdate, bool]:
        """Take the next revision of `member_id`'s update for `week`, creating the update (as
        revision 1, in `state`) when there is none; True as the second value when it was created.

        One INSERT ... ON CONFLICT DO UPDATE both creates and bumps, so it also takes the row's
        write lock (PostgreSQL: the row; SQLite: the database) until the transaction ends. A
        submission racing this one waits on it, then takes the revision after it; two first
        submissions never collide on the unique key. Call it before reading what the row holds:
        the row returned is read after the lock, never a stale copy.
        """
        statement = (
            self._insert_empty(member_id, week, state=state, late=False, now=now)
            .on_conflict_do_update(
                index_elements=["workspace_id", "member_id", "week"],
                set_={"revision": StatusUpdate.revision + 1},
            )
            .returning(StatusUpdate.id, StatusUpdate.revision)
        )
        update_id, revision = self.session.execute(statement).one()
        update = self.session.scalars(
            select(StatusUpdate).where(StatusUpdate.id == update_id).execution_options(populate_existing=True)
        ).one()
        return update, revision == 1

    def add_if_absent(
        self, member_id: int, week: str, *, state: str, late: bool, now: dt.datetime
    ) -> StatusUpdate | None:
        """Create `member_id`'s update for `week` (revision 1, in `state`, empty) unless one
        exists; None when one does.

        INSERT ... ON CONFLICT DO NOTHING: an update racing this one (a skip, a submission)
        that commits first wins, and this one yields to it rather than failing on the unique key.
        """
        statement = (
            self._insert_empty(member_id, week, state=state, late=late, now=now)
            .on_conflict_do_nothing(index_elements=["workspace_id", "member_id", "week"])
            .returning(StatusUpdate.id)
        )
        added = self.session.execute(statement).scalar()
        return None if added is None else self.session.get_one(StatusUpdate, added)

    def add_revision(self, revision: StatusRevision) -> None:
        revision.workspace_id = self.workspace_id
        self.session.add(revision)

    def revisions(self, update_id: int) -> Sequence[StatusRevision]:
        return self.session.scalars(
            select(StatusRevision)
            .where(StatusRevision.workspace_id == self.workspace_id, StatusRevision.update_id == update_id)
            .order_by(StatusRevision.revision)
        ).all()

    def blocker(self, blocker_id: int) -> Blocker | None:
        found = self.session.get(Blocker, blocker_id)
        return found if found is not None and found.workspace_id == self.workspace_id else None

    def open_blockers(self) -> Sequence[Blocker]:
        return self.session.scalars(
            select(Blocker)
            .where(Blocker.workspace_id == self.workspace_id, Blocker.resolved.is_(False))
            .order_by(Blocker.created_at, Blocker.id)
        ).all()

    def set_kpi(self, goal_id: int, week: str, value: float) -> None:
        existing = self.session.scalar(
            select(KpiValue).where(
                KpiValue.workspace_id == self.workspace_id, KpiValue.goal_id == goal_id, KpiValue.week == week
            )
        )
        if existing is None:
            self.session.add(
                KpiValue(workspace_id=self.workspace_id, goal_id=goal_id, week=week, value=value)
            )
        else:
            existing.value = value

    def kpi_values(self, goal_ids: Iterable[int], weeks: Iterable[str]) -> Sequence[KpiValue]:
        return self.session.scalars(
            select(KpiValue).where(
                KpiValue.workspace_id == self.workspace_id,
                KpiValue.goal_id.in_(list(goal_ids)),
                KpiValue.week.in_(list(weeks)),
            )
        ).all()

    def digest_post(self, week: str) -> DigestPost | None:
        return self.session.scalar(
            select(DigestPost).where(DigestPost.workspace_id == self.workspace_id, DigestPost.week == week)
        )

    def add_digest_post(self, week: str, delivery_key: str) -> DigestPost:
        post = DigestPost(workspace_id=self.workspace_id, week=week, delivery_key=delivery_key)
        self.session.add(post)
        self.session.flush()
        return post


class LeaveRepository(_Scoped):
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
