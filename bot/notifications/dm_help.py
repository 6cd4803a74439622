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

from bot.delivery.outbox import enqueue
from bot.notifications import POST_MESSAGE
from bot.services.unit import UowFactory
from bot.services.workspaces import WorkspaceRef
from bot.ui.help import build_dm_reply
from storage.uow import UnitOfWork

HELP_INTERVAL = dt.timedelta(minutes=10)


def _window(now: dt.datetime) -> int:
    return int(now.timestamp() // HELP_INTERVAL.total_seconds())


def _key(team_id: str, user_id: str, window: int) -> str:
    return f"dm-help:{team_id}:{user_id}:{window}"


def help_due(uow_factory: UowFactory, *, workspace: WorkspaceRef, user_id: str, now: dt.datetime) -> bool:
    """Whether `user_id` may have an answer now: none queued in the last 10 minutes."""
    with uow_factory(workspace.id) as uow:
        return _due(uow, team_id=workspace.slack_team_id, user_id=user_id, now=now)


def _due(uow: UnitOfWork, *, team_id: str, user_id: str, now: dt.datetime) -> bool:
    window = _window(now)
    if uow.outbox.by_key(_key(team_id, user_id, window)) is not None:
        return False
    previous = uow.outbox.by_key(_key(team_id, user_id, window - 1))
    return previous is None or previous.created_at <= now - HELP_INTERVAL


def queue_help(
    uow_factory: UowFactory,
    *,
    workspace: WorkspaceRef,
    user_id: str,
    channel: str,
    locale: str,
    now: dt.datetime,
) -> bool:
    """Queue the answer, in `locale`, into the DM `channel` unless one is due no more; commits.
    False: held back."""
    team_id = workspace.slack_team_id
    with uow_factory(workspace.id) as uow:
        if not _due(uow, team_id=team_id, user_id=user_id, now=now):
            return False
        queued = enqueue(
            uow,
            key=_key(team_id, user_id, _window(now)),
            method=POST_MESSAGE,
            payload={"channel": channel, **build_dm_reply(locale)},
            now=now,
        )
        uow.commit()
        return queued
