"""The audit log: who created, changed or viewed a sensitive record, and when."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import JSON, ForeignKey, String, Table, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime, WorkspaceScoped
from storage.clock import system_now


class AuditEntry(Base):
    """Who created, changed or viewed a sensitive record, and when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id"), index=True)
    actor: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now, index=True)


_RECORD = insert(cast(Table, AuditEntry.__table__))  # one statement, compiled once


class AuditRepository(WorkspaceScoped):
    def record(
        self,
        *,
        actor: str,
        action: str,
        entity: str,
        entity_id: str | int,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Written at once, in the caller's transaction (a Core insert: no ORM object to flush)."""
        self.core().execute(
            _RECORD,
            {
                "workspace_id": self.workspace_id,
                "actor": actor,
                "action": action,
                "entity": entity,
                "entity_id": str(entity_id),
                "detail": detail or {},
            },  # `at`: the column's default, as for the ORM's rows
        )

    def recent(self, limit: int = 50) -> Sequence[AuditEntry]:
        return self.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.workspace_id == self.workspace_id)
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        ).all()
