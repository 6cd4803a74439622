"""Weekly status updates, their history and blockers, the KPI values reported with them, and the
posted digests."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    delete,
    false,
    func,
    insert,
    select,
)
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.base import Base, UTCDateTime, WorkspaceScoped, dialect_insert, insert_of
from storage.clock import system_now
from storage.roster import Member


class StatusUpdate(Base):
    """A PM's answer for one ISO week: submitted, or skipped (leave, holiday)."""

    __tablename__ = "status_update"
    __table_args__ = (
        UniqueConstraint("workspace_id", "member_id", "week"),
        # A team's week at once (digest, reminders): SQLite picks it over the unique index above.
        Index("ix_status_update_workspace_week", "workspace_id", "week", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    week: Mapped[str] = mapped_column(String(8), index=True)
    state: Mapped[str] = mapped_column(String(16))
    progress: Mapped[str] = mapped_column(Text, default="")
    plans: Mapped[str] = mapped_column(Text, default="")
    health: Mapped[str | None] = mapped_column(String(8))
    health_reason: Mapped[str] = mapped_column(Text, default="")
    topic: Mapped[str] = mapped_column(Text, default="")
    risk: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now)

    member: Mapped[Member] = relationship(lazy="joined")
    blockers: Mapped[list[Blocker]] = relationship(
        lazy="selectin", order_by="Blocker.position", back_populates="update", cascade="all, delete-orphan"
    )


class StatusRevision(Base):
    """The history of an update: a snapshot of each version, kept when it is edited."""

    __tablename__ = "status_revision"
    # One row per version: two submissions racing must not both become "version 3".
    # The owed-note index lets the minute tick find the few versions still waiting for their note.
    __table_args__ = (
        UniqueConstraint("update_id", "revision"),
        Index("ix_status_revision_workspace_late_note_owed", "workspace_id", "late_note_owed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id"), index=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("status_update.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    # Saved after the week's digest and its note not yet queued into the digest's thread. Set with
    # the version, cleared in the transaction that queues the note: a note is never lost between them.
    late_note_owed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now)


class Blocker(Base):
    """One line of a status update's blockers; resolved later, from Slack."""

    __tablename__ = "blocker"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id"), index=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("status_update.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now)

    update: Mapped[StatusUpdate] = relationship(back_populates="blockers")


class KpiValue(Base):
    """A goal's metric as reported for one week."""

    __tablename__ = "kpi_value"
    __table_args__ = (
        UniqueConstraint("workspace_id", "goal_id", "week"),
        Index("ix_kpi_value_workspace_week", "workspace_id", "week", "goal_id"),  # a team's week at once
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id"), index=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id"), index=True)
    week: Mapped[str] = mapped_column(String(8))
    value: Mapped[float] = mapped_column(Float)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now)


class DigestPost(Base):
    """The weekly digest as posted: where, so late edits can be noted in its thread."""

    __tablename__ = "digest_post"
    __table_args__ = (UniqueConstraint("workspace_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id"), index=True)
    week: Mapped[str] = mapped_column(String(8))
    delivery_key: Mapped[str] = mapped_column(String(255))
    posted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now)


# -- the save's statements ---------------------------------------------------------------------------
# A status save is the write of the Friday burst. Its statements are Core, built once (per
# dialect where ON CONFLICT differs) and kept: each save binds values to SQL compiled once, and
# rows come back as tuples, without the ORM's identity map, loaders or unit-of-work flush.

_updates = cast(Table, StatusUpdate.__table__)
_blockers = cast(Table, Blocker.__table__)
_revisions = cast(Table, StatusRevision.__table__)
_kpi_values = cast(Table, KpiValue.__table__)
_digests = cast(Table, DigestPost.__table__)


class UpdateRow(NamedTuple):
    """A status update's row as the save reads it back."""

    id: int
    member_id: int
    week: str
    state: str
    progress: str
    plans: str
    health: str | None
    health_reason: str
    topic: str
    risk: str
    revision: int
    late: bool
    submitted_at: dt.datetime
    updated_at: dt.datetime


class WeekAnswer(NamedTuple):
    """A member's answer for a week as a team's table shows it."""

    member_id: int
    state: str
    health: str | None
    updated_at: dt.datetime
    open_blockers: int


class BlockerRow(NamedTuple):
    id: int
    text: str
    resolved: bool
    position: int


@functools.cache
def _claim_statement(dialect: str) -> Any:
    return (
        insert_of(dialect)(_updates)
        .on_conflict_do_update(
            index_elements=["workspace_id", "member_id", "week"],
            set_={"revision": _updates.c.revision + 1},
        )
        .returning(*(_updates.c[name] for name in UpdateRow._fields))
    )


@functools.cache
def _set_kpis_statement(dialect: str) -> Any:
    statement = insert_of(dialect)(_kpi_values)
    return statement.on_conflict_do_update(
        index_elements=["workspace_id", "goal_id", "week"], set_={"value": statement.excluded.value}
    )


_UPDATE_OF = select(*(_updates.c[name] for name in UpdateRow._fields)).where(
    _updates.c.workspace_id == bindparam("b_workspace"),
    _updates.c.member_id == bindparam("b_member"),
    _updates.c.week == bindparam("b_week"),
)
_BLOCKERS_OF = (
    select(*(_blockers.c[name] for name in BlockerRow._fields))
    .where(
        _blockers.c.workspace_id == bindparam("b_workspace"), _blockers.c.update_id == bindparam("b_update")
    )
    .order_by(_blockers.c.position, _blockers.c.id)
)
_DROP_BLOCKERS = delete(_blockers).where(
    _blockers.c.workspace_id == bindparam("b_workspace"),
    _blockers.c.id.in_(bindparam("b_ids", expanding=True)),
)
_MOVE_BLOCKER = sql_update(_blockers).where(
    _blockers.c.workspace_id == bindparam("b_workspace"), _blockers.c.id == bindparam("b_id")
)
_ADD_BLOCKERS = insert(_blockers).returning(_blockers.c.id, sort_by_parameter_order=True)
_KEPT_ON_WRITE = ("id", "member_id", "week", "revision")
_WRITE_UPDATE = sql_update(_updates).where(
    _updates.c.workspace_id == bindparam("b_workspace"), _updates.c.id == bindparam("b_id")
)
_ADD_REVISION = insert(_revisions)
_DIGEST_POSTED = select(_digests.c.id).where(
    _digests.c.workspace_id == bindparam("b_workspace"), _digests.c.week == bindparam("b_week")
)
_WEEK_ANSWERS = (
    select(
        _updates.c.member_id,
        _updates.c.state,
        _updates.c.health,
        _updates.c.updated_at,
        func.count(_blockers.c.id),
    )
    .select_from(_updates)
    .outerjoin(_blockers, and_(_blockers.c.update_id == _updates.c.id, _blockers.c.resolved.is_(False)))
    .where(
        _updates.c.workspace_id == bindparam("b_workspace"),
        _updates.c.week == bindparam("b_week"),
        _updates.c.member_id.in_(bindparam("b_members", expanding=True)),
    )
    .group_by(_updates.c.id, _updates.c.member_id, _updates.c.state, _updates.c.health, _updates.c.updated_at)
)
_WEEK_VALUES = select(_kpi_values.c.goal_id, _kpi_values.c.value).where(
    _kpi_values.c.workspace_id == bindparam("b_workspace"),
    _kpi_values.c.goal_id.in_(bindparam("b_goals", expanding=True)),
    _kpi_values.c.week == bindparam("b_week"),
)


class StatusRepository(WorkspaceScoped):
    """Weekly status updates, their history, blockers, KPI values and posted digests."""

    def get(self, member_id: int, week: str) -> StatusUpdate | None:
        return self.session.scalar(
            select(StatusUpdate).where(
                StatusUpdate.workspace_id == self.workspace_id,
                StatusUpdate.member_id == member_id,
                StatusUpdate.week == week,
            )
        )

    def week_answers(self, week: str, member_ids: Sequence[int]) -> dict[int, WeekAnswer]:
        """These members' answers for `week` with their open blockers counted, by member ID: one
        Core statement, for a team's table."""
        if not member_ids:
            return {}
        rows = self.core().execute(
            _WEEK_ANSWERS, {"b_workspace": self.workspace_id, "b_week": week, "b_members": list(member_ids)}
        )
        return {row[0]: WeekAnswer._make(row) for row in rows}

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

    def _insert_empty(self, member_id: int, week: str, *, state: str, late: bool, now: dt.datetime) -> Any:
        """An INSERT of an empty revision-1 update, in the dialect's form that takes ON CONFLICT."""
        return dialect_insert(self.session)(StatusUpdate).values(
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

    def claim_revision(self, member_id: int, week: str, *, state: str, now: dt.datetime) -> UpdateRow:
        """Take the next revision of `member_id`'s update for `week`, creating the update (as
        revision 1, in `state`, empty) when there is none; `revision == 1` says it was created.

        One INSERT ... ON CONFLICT DO UPDATE both creates and bumps, so it also takes the row's
        write lock (PostgreSQL: the row; SQLite: the database) until the transaction ends. A
        submission racing this one waits on it, then takes the revision after it; two first
        submissions never collide on the unique key. Call it before reading what the row holds:
        the row returned is read after the lock, never a stale copy.
        """
        row = (
            self.core()
            .execute(
                _claim_statement(self._dialect()),
                {
                    "workspace_id": self.workspace_id,
                    "member_id": member_id,
                    "week": week,
                    "state": state,
                    "progress": "",
                    "plans": "",
                    "health_reason": "",
                    "topic": "",
                    "risk": "",
                    "revision": 1,
                    "late": False,
                    "submitted_at": now,
                    "updated_at": now,
                },
            )
            .one()
        )
        return UpdateRow._make(row)

    def row(self, member_id: int, week: str) -> UpdateRow | None:
        """The member's update for `week` as a row, if there is one."""
        found = (
            self.core()
            .execute(_UPDATE_OF, {"b_workspace": self.workspace_id, "b_member": member_id, "b_week": week})
            .first()
        )
        return None if found is None else UpdateRow._make(found)

    def blocker_rows(self, update_id: int) -> list[BlockerRow]:
        """The update's blockers in position order."""
        rows = self.core().execute(_BLOCKERS_OF, {"b_workspace": self.workspace_id, "b_update": update_id})
        return [BlockerRow._make(row) for row in rows]

    def write_blockers(
        self,
        update_id: int,
        *,
        moved: Sequence[tuple[int, int]],
        added: Sequence[tuple[int, str]],
        dropped: Sequence[int],
        now: dt.datetime,
    ) -> dict[int, int]:
        """Apply one edit of the blocker list: `moved` (ID, new position) pairs, `added`
        (position, text) pairs, `dropped` IDs; the new blockers' IDs by position."""
        connection = self.core()
        if dropped:
            connection.execute(_DROP_BLOCKERS, {"b_workspace": self.workspace_id, "b_ids": list(dropped)})
        if moved:
            connection.execute(
                _MOVE_BLOCKER,
                [
                    {"b_workspace": self.workspace_id, "b_id": id_, "position": position}
                    for id_, position in moved
                ],
            )
        if not added:
            return {}
        rows = connection.execute(
            _ADD_BLOCKERS,
            [
                {
                    "workspace_id": self.workspace_id,
                    "update_id": update_id,
                    "position": position,
                    "text": text,
                    "resolved": False,
                    "created_at": now,
                }
                for position, text in added
            ],
        )
        return {position: id_ for (id_,), (position, _text) in zip(rows, added, strict=True)}

    def write_update(self, update: UpdateRow) -> None:
        """Store what a save changed: the update's text, health, state and times (its ID, owner,
        week and revision stay as claimed)."""
        values = update._asdict()
        for kept in _KEPT_ON_WRITE:
            del values[kept]
        self.core().execute(_WRITE_UPDATE, {"b_workspace": self.workspace_id, "b_id": update.id, **values})

    def add_revision_row(
        self,
        update_id: int,
        revision: int,
        *,
        snapshot: Mapping[str, Any],
        late: bool,
        now: dt.datetime,
    ) -> None:
        """Keep a version; one saved late owes the digest's thread a note."""
        self.core().execute(
            _ADD_REVISION,
            {
                "workspace_id": self.workspace_id,
                "update_id": update_id,
                "revision": revision,
                "snapshot": dict(snapshot),
                "late": late,
                "late_note_owed": late,
                "created_at": now,
            },
        )

    def has_digest(self, week: str) -> bool:
        """The week's digest went out: what is saved from now on is late."""
        found = self.core().execute(_DIGEST_POSTED, {"b_workspace": self.workspace_id, "b_week": week})
        return found.first() is not None

    def week_values(self, goal_ids: Sequence[int], week: str) -> dict[int, float]:
        """The values reported for `week` of these goals."""
        if not goal_ids:
            return {}
        rows = self.core().execute(
            _WEEK_VALUES, {"b_workspace": self.workspace_id, "b_goals": list(goal_ids), "b_week": week}
        )
        return {goal_id: value for goal_id, value in rows}

    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

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

    def late_notes_owed(self, limit: int = 100) -> Sequence[StatusRevision]:
        """Versions whose late note is not queued yet, oldest first."""
        return self.session.scalars(
            select(StatusRevision)
            .where(StatusRevision.workspace_id == self.workspace_id, StatusRevision.late_note_owed.is_(True))
            .order_by(StatusRevision.id)
            .limit(limit)
        ).all()

    def late_note_queued(self, revision_id: int) -> None:
        """The note of this version is in the outbox: no longer owed."""
        self.session.execute(
            sql_update(StatusRevision)
            .where(StatusRevision.workspace_id == self.workspace_id, StatusRevision.id == revision_id)
            .values(late_note_owed=False)
            .execution_options(synchronize_session=False)
        )

    def update_by_id(self, update_id: int) -> StatusUpdate | None:
        found = self.session.get(StatusUpdate, update_id)
        return found if found is not None and found.workspace_id == self.workspace_id else None

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
        self.set_kpis(week, {goal_id: value})

    def set_kpis(self, week: str, values: Mapping[int, float]) -> None:
        """Record the week's value of each goal, replacing one reported before, in one statement."""
        if not values:
            return
        self.core().execute(
            _set_kpis_statement(self._dialect()),
            [
                {"workspace_id": self.workspace_id, "goal_id": goal_id, "week": week, "value": value}
                for goal_id, value in values.items()
            ],
        )

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
