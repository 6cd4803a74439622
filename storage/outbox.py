"""The outbox table's queries: enqueue once per delivery key, claim due rows, record outcomes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import OutboxMessage, utcnow


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
        thread_of: str | None = None,
        not_before: dt.datetime | None = None,
    ) -> bool:
        """Add a message unless its delivery key is already there; True when it was added."""
        assert self.workspace_id is not None, "enqueue needs a workspace"
        values = {
            "workspace_id": self.workspace_id,
            "delivery_key": key,
            "method": method,
            "payload": payload,
            "thread_of": thread_of,
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": not_before or utcnow(),
            "created_at": utcnow(),
        }
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            insert(OutboxMessage)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["workspace_id", "delivery_key"])
        )
        result = self.session.execute(statement)
        return bool(getattr(result, "rowcount", 0))

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

    def list(self, *, state: str | None = None, limit: int = 200) -> Sequence[OutboxMessage]:
        query = select(OutboxMessage)
        if self.workspace_id is not None:
            query = query.where(OutboxMessage.workspace_id == self.workspace_id)
        if state is not None:
            query = query.where(OutboxMessage.state == state)
        return self.session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit)).all()

    def depth(self) -> dict[str, int]:
        """How many rows are in each state."""
        query = select(OutboxMessage.state, func.count(OutboxMessage.id)).group_by(OutboxMessage.state)
        if self.workspace_id is not None:
            query = query.where(OutboxMessage.workspace_id == self.workspace_id)
        return {state: count for state, count in self.session.execute(query).tuples()}
