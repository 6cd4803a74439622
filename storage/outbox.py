"""The outbox: Slack calls to make exactly once. Enqueue once per delivery key, claim due rows,
record outcomes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from storage.base import Base, StrEnumType, UTCDateTime, dialect_insert
from storage.clock import system_now
from storage.outbox_state import SETTLED, UNSETTLED, OutboxState
from storage.roster import Member
from storage.workspaces import Workspace


class OutboxMessage(Base):
    """A Slack call to make exactly once, identified by its delivery key.

    `channel` may name a member instead of a channel ("@U123"): the sender opens the
    DM once and stores it. `thread_of` names the delivery key of a parent message;
    the reply is sent after the parent, into its thread.
    """

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("workspace_id", "delivery_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id"), index=True)
    delivery_key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    thread_of: Mapped[str | None] = mapped_column(String(255))
    state: Mapped[OutboxState] = mapped_column(
        StrEnumType(OutboxState, 16), default=OutboxState.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class OutboxRepository:
    """Outbox rows of one workspace (enqueue) or of all workspaces (the sender drains them all)."""

    def __init__(self, session: Session, workspace_id: int | None) -> None:
        self.session = session
        self.workspace_id = workspace_id

    def enqueue(
        self,
        *,
        key: str,
        method: str,
        payload: dict[str, Any],
        now: dt.datetime,
        thread_of: str | None = None,
        not_before: dt.datetime | None = None,
    ) -> bool:
        """Add a message, due from `not_before` (else `now`), unless its delivery key is already there.

        True when it was added. `now` is the caller's clock, so a job run as if at another time
        queues rows its sender, on the same clock, finds due.
        """
        assert self.workspace_id is not None, "enqueue needs a workspace"
        values = {
            "workspace_id": self.workspace_id,
            "delivery_key": key,
            "method": method,
            "payload": payload,
            "thread_of": thread_of,
            "state": OutboxState.PENDING,
            "attempts": 0,
            "next_attempt_at": not_before or now,
            "created_at": now,
        }
        statement = (
            dialect_insert(self.session)(OutboxMessage)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["workspace_id", "delivery_key"])
            .returning(OutboxMessage.id)
        )
        # RETURNING, not rowcount: psycopg reports -1 for a conflict skipped inside a transaction.
        return self.session.execute(statement).first() is not None

    def get(self, message_id: int) -> OutboxMessage | None:
        row = self.session.get(OutboxMessage, message_id)
        if row is None or (self.workspace_id is not None and row.workspace_id != self.workspace_id):
            return None
        return row

    def by_key(self, key: str) -> OutboxMessage | None:
        query = select(OutboxMessage).where(OutboxMessage.delivery_key == key)
        if self.workspace_id is not None:
            query = query.where(OutboxMessage.workspace_id == self.workspace_id)
        return self.session.scalar(query)

    def list(self, *, state: OutboxState | None = None, limit: int = 200) -> Sequence[OutboxMessage]:
        query = select(OutboxMessage)
        if self.workspace_id is not None:
            query = query.where(OutboxMessage.workspace_id == self.workspace_id)
        if state is not None:
            query = query.where(OutboxMessage.state == state)
        return self.session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit)).all()

    def depth(self) -> dict[OutboxState, int]:
        """How many rows are in each state."""
        query = select(OutboxMessage.state, func.count(OutboxMessage.id)).group_by(OutboxMessage.state)
        if self.workspace_id is not None:
            query = query.where(OutboxMessage.workspace_id == self.workspace_id)
        return {state: count for state, count in self.session.execute(query)}

    # -- the sender's queries (across workspaces) ----------------------------------------------

    def claim_due(
        self, *, now: dt.datetime, lease_until: dt.datetime, limit: int, orphan_before: dt.datetime
    ) -> Sequence[tuple[OutboxMessage, OutboxState]]:
        """Mark up to `limit` due rows `sending` until `lease_until`; each with the state it had.

        Due means pending (or sending with an expired lease: its sender died) and
        `next_attempt_at <= now`. A thread reply is due once its parent is settled (or was
        never queued and `orphan_before` has passed) and no earlier reply of the same thread
        is waiting, so replies keep their order. On PostgreSQL `FOR UPDATE SKIP LOCKED` lets
        several processes claim side by side; the conditional UPDATE and the lease value,
        unique per claim, make a row go to one claimer on SQLite too. The caller commits.
        """
        due = self._due(now, orphan_before)
        ids = list(
            self.session.scalars(
                select(OutboxMessage.id)
                .where(due)
                .order_by(OutboxMessage.id)
                .limit(limit)
                .with_for_update(skip_locked=True, of=OutboxMessage)
            )
        )
        if not ids:
            return []
        before = {
            message_id: state
            for message_id, state in self.session.execute(
                select(OutboxMessage.id, OutboxMessage.state).where(OutboxMessage.id.in_(ids))
            )
        }
        # Re-check only what another claimer changes (state, lease): a row it took is no longer due.
        self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(ids),
                OutboxMessage.state.in_(UNSETTLED),
                OutboxMessage.next_attempt_at <= now,
            )
            .values(state=OutboxState.SENDING, next_attempt_at=lease_until)
            .execution_options(synchronize_session=False)
        )
        claimed = self.session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.id.in_(ids),
                OutboxMessage.state == OutboxState.SENDING,
                OutboxMessage.next_attempt_at == lease_until,
            )
            .order_by(OutboxMessage.id)
            .execution_options(populate_existing=True)
        ).all()
        return [(row, before[row.id]) for row in claimed]

    def _due(self, now: dt.datetime, orphan_before: dt.datetime) -> ColumnElement[bool]:
        parent = aliased(OutboxMessage)
        sibling = aliased(OutboxMessage)
        same_thread_parent = and_(
            parent.workspace_id == OutboxMessage.workspace_id,
            parent.delivery_key == OutboxMessage.thread_of,
        )
        parent_settled = exists().where(same_thread_parent, parent.state.in_(SETTLED))
        parent_missing = ~exists().where(same_thread_parent)
        earlier_reply_waiting = exists().where(
            sibling.workspace_id == OutboxMessage.workspace_id,
            sibling.thread_of == OutboxMessage.thread_of,
            sibling.id < OutboxMessage.id,
            sibling.state.in_(UNSETTLED),
            sibling.next_attempt_at > now,
        )
        query = and_(
            OutboxMessage.state.in_(UNSETTLED),
            OutboxMessage.next_attempt_at <= now,
            _of_active_workspace(),
            or_(
                OutboxMessage.thread_of.is_(None),
                and_(
                    or_(parent_settled, and_(parent_missing, OutboxMessage.created_at <= orphan_before)),
                    ~earlier_reply_waiting,
                ),
            ),
        )
        if self.workspace_id is not None:
            query = and_(query, OutboxMessage.workspace_id == self.workspace_id)
        return query

    def update_leased(self, message_id: int, *, lease: dt.datetime, **values: Any) -> bool:
        """Change a row only while this claimer's lease holds; False when another sender took it over."""
        result = self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.state == OutboxState.SENDING,
                OutboxMessage.next_attempt_at == lease,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    def parent(self, workspace_id: int, key: str) -> OutboxMessage | None:
        """The row a thread reply hangs under."""
        return self.session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.workspace_id == workspace_id, OutboxMessage.delivery_key == key
            )
        )

    def next_due_at(self) -> dt.datetime | None:
        """When the earliest unsettled row comes due (or its lease runs out)."""
        query = select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.state.in_(UNSETTLED), _of_active_workspace()
        )
        if self.workspace_id is not None:
            query = query.where(OutboxMessage.workspace_id == self.workspace_id)
        return self.session.scalar(query)

    def oldest_due_at(self, now: dt.datetime) -> dt.datetime | None:
        """When the longest-waiting due pending row was first due (for the backlog-age gauge)."""
        query = select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.state == OutboxState.PENDING,
            OutboxMessage.next_attempt_at <= now,
            _of_active_workspace(),
        )
        if self.workspace_id is not None:
            query = query.where(OutboxMessage.workspace_id == self.workspace_id)
        return self.session.scalar(query)

    def requeue(self, message_id: int, *, now: dt.datetime) -> OutboxMessage | None:
        """Send a failed row again from scratch: pending, no attempts, due now."""
        row = self.get(message_id)
        if row is None or row.state != OutboxState.FAILED:
            return row
        row.state, row.attempts, row.next_attempt_at = OutboxState.PENDING, 0, now
        self.session.flush()
        return row

    def known_dm_channels(self, workspace_id: int, slack_user_ids: Sequence[str]) -> dict[str, str]:
        """Stored DM channels of these members, so a fan-out skips conversations.open."""
        if not slack_user_ids:
            return {}
        rows = self.session.execute(
            select(Member.slack_user_id, Member.dm_channel_id).where(
                Member.workspace_id == workspace_id,
                Member.slack_user_id.in_(tuple(slack_user_ids)),
                Member.dm_channel_id.is_not(None),
            )
        )
        return {user: channel for user, channel in rows if channel}

    def remember_dm_channel(self, workspace_id: int, slack_user_id: str, channel: str) -> None:
        """Store a member's DM channel (members not on the roster have nowhere to keep it)."""
        self.session.execute(
            update(Member)
            .where(Member.workspace_id == workspace_id, Member.slack_user_id == slack_user_id)
            .values(dm_channel_id=channel)
            .execution_options(synchronize_session=False)
        )


def _of_active_workspace() -> ColumnElement[bool]:
    """The row's workspace is served. One that uninstalled pmpulse keeps its rows `pending`,
    unsent (and out of the backlog age), until it is installed again."""
    return exists().where(Workspace.id == OutboxMessage.workspace_id, Workspace.active.is_(True))
