"""Enqueueing Slack calls. A delivery key names each message; the same key twice is a no-op.

Keys read like `status-prompt:T1:U1:2026-W48`. A payload's `channel` may be a member,
written `@U123`: the sender opens (once) and stores that member's DM channel.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from storage.uow import UnitOfWork


def member_channel(slack_user_id: str) -> str:
    """The payload channel meaning "this member's DM"."""
    return f"@{slack_user_id}"


def enqueue(
    uow: UnitOfWork,
    *,
    key: str,
    method: str,
    payload: dict[str, Any],
    now: dt.datetime,
    thread_of: str | None = None,
    not_before: dt.datetime | None = None,
) -> bool:
    """Queue one Slack call in the caller's unit of work (the caller commits); False if the key exists."""
    return uow.outbox.enqueue(
        key=key, method=method, payload=payload, now=now, thread_of=thread_of, not_before=not_before
    )
