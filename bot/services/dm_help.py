"""The answer to a direct message: a short pointer to `/pm help`, at most once per person per 10 minutes.

The limit is kept in the outbox itself, not in a table of its own nor in the read cache (which
lives a few seconds, in one process): each answer is an outbox row whose delivery key names the
person and the 10-minute window it was queued in, so

- the same window never queues twice (the key is unique, also between processes and replicas);
- an answer from the previous window that is less than 10 minutes old holds the next one back;
- the sender posts it exactly once, and holds it while the workspace is uninstalled.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.delivery.outbox import enqueue
from storage.uow import UnitOfWork

HELP_INTERVAL = dt.timedelta(minutes=10)
POST_MESSAGE = "chat.postMessage"


def _window(now: dt.datetime) -> int:
    return int(now.timestamp() // HELP_INTERVAL.total_seconds())


def _key(team_id: str, user_id: str, window: int) -> str:
    return f"dm-help:{team_id}:{user_id}:{window}"


def help_due(uow: UnitOfWork, *, team_id: str, user_id: str, now: dt.datetime) -> bool:
    """Whether `user_id` may have an answer now: none queued in the last 10 minutes."""
    window = _window(now)
    if uow.outbox.by_key(_key(team_id, user_id, window)) is not None:
        return False
    previous = uow.outbox.by_key(_key(team_id, user_id, window - 1))
    return previous is None or previous.created_at <= now - HELP_INTERVAL


def queue_help(
    uow: UnitOfWork, *, team_id: str, user_id: str, channel: str, message: dict[str, Any], now: dt.datetime
) -> bool:
    """Queue the answer into the DM `channel` unless one is due no more; commits. False: held back."""
    if not help_due(uow, team_id=team_id, user_id=user_id, now=now):
        return False
    queued = enqueue(
        uow,
        key=_key(team_id, user_id, _window(now)),
        method=POST_MESSAGE,
        payload={"channel": channel, **message},
        now=now,
    )
    uow.commit()
    return queued
