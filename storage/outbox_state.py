"""The states of an outbox row, apart from the table so that `pmpulse --help` can name them
without loading SQLAlchemy.

Stored as these plain strings (storage.outbox.OutboxMessage.state is a VARCHAR).
"""

from __future__ import annotations

from enum import StrEnum


class OutboxState(StrEnum):
    PENDING = "pending"  # waiting for its turn (`next_attempt_at`)
    # Claimed by a sender, the call maybe under way; a row left there past its lease is checked
    # against Slack before it is sent again (bot.delivery.sender).
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # given up on; `pmpulse outbox retry` queues it again


# States a row can still leave: waiting for its turn, or claimed by a sender (maybe mid-call).
UNSETTLED = (OutboxState.PENDING, OutboxState.SENDING)
SETTLED = (OutboxState.SENT, OutboxState.FAILED)
