"""What pmpulse sends to Slack outside a request: rendered here, one module per feature, and queued.

Nobody is waiting on these messages (prompts, reminders, managers' missing lists, the digest and
its thread), so none is posted directly: each becomes an outbox row under a delivery key that
names it, in the caller's unit of work. The key makes a second scheduler or a catch-up run
harmless, and the sender (`bot.delivery.sender`) posts each row exactly once, retrying what
Slack refused for a while. Listeners answer the person in front of them themselves (ack,
respond, views); what must not be lost or repeated comes through here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.delivery.outbox import enqueue, member_channel
from storage.uow import UnitOfWork

POST_MESSAGE = "chat.postMessage"


def queue_dm(
    uow: UnitOfWork, *, key: str, slack_user_id: str, message: dict[str, Any], now: dt.datetime
) -> bool:
    """Queue `message` into a member's DM (opened by the sender); False if `key` was queued before."""
    return enqueue(
        uow,
        now=now,
        key=key,
        method=POST_MESSAGE,
        payload={"channel": member_channel(slack_user_id), **message},
    )
