"""Slack events already handled: the record that makes a redelivered event run once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UTCDateTime, WorkspaceScoped
from storage.clock import system_now


class ProcessedEvent(Base):
    """Slack event IDs already handled, so a redelivered event runs once."""

    __tablename__ = "processed_event"

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id"), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=system_now, index=True)


class ProcessedEventRepository(WorkspaceScoped):
    def claim(self, event_id: str) -> bool:
        """Record an event ID; False when it was handled already (a Slack redelivery)."""
        try:
            with self.session.begin_nested():
                self.session.add(ProcessedEvent(workspace_id=self.workspace_id, event_id=event_id))
        except IntegrityError:
            return False
        return True
