"""One claimed outbox row as a sender thread owns it, and what became of it."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from storage.outbox import OutboxMessage
from storage.outbox_state import OutboxState

# Calls that post a new message each time: found again by key rather than blindly repeated.
RECONCILED_METHODS = frozenset({"chat.postMessage"})


class Outcome(StrEnum):
    SENT = "sent"
    FAILED = "failed"
    RETRIED = "retried"
    DEFERRED = "deferred"  # put back untouched behind a row of its lane that must wait
    LOST = "lost"  # another sender took the row over after this one's lease ran out


@dataclass
class Attempt:
    """A claimed row, copied out of its session so a worker thread can own it."""

    id: int
    workspace_id: int
    key: str
    method: str
    payload: dict[str, Any]
    thread_of: str | None
    attempts: int
    channel: str | None
    created_at: dt.datetime
    last_error: str | None
    recovered: bool  # claimed from `sending`: its sender stopped, or its last answer was lost
    unverified: bool  # a call may have posted it and nobody has checked Slack since
    lease: dt.datetime
    began: bool = False
    retry_at: dt.datetime | None = None

    @classmethod
    def of(cls, row: OutboxMessage, prior_state: OutboxState, lease: dt.datetime) -> Attempt:
        recovered = prior_state == OutboxState.SENDING
        return cls(
            id=row.id,
            workspace_id=row.workspace_id,
            key=row.delivery_key,
            method=row.method,
            payload=copy.deepcopy(row.payload),
            thread_of=row.thread_of,
            attempts=row.attempts,
            channel=row.channel,
            created_at=row.created_at,
            last_error=row.last_error,
            recovered=recovered,
            unverified=(
                recovered and row.attempts > 0 and row.method in RECONCILED_METHODS and bool(row.channel)
            ),
            lease=lease,
        )

    @property
    def lane(self) -> str:
        """Rows of one lane go out in order: one thread, or one channel (or member's DM)."""
        if self.thread_of:
            return f"{self.workspace_id}:thread:{self.thread_of}"
        target = self.payload.get("channel") or self.payload.get("user_id") or self.key
        return f"{self.workspace_id}:{target}"
