"""What the delivery scenarios share: a settable clock, queueing rows, reading what Slack received."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.outbox import enqueue
from bot.delivery.sender import OutboxSender
from bot.fakeslack import FakeSlack
from storage.outbox import OutboxMessage
from storage.uow import UnitOfWork


@dataclass
class Clock:
    """A day ahead of the wall clock (so it, not the wall, decides when retries come due)."""

    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC) + dt.timedelta(days=1))

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def bare_client(fake: FakeSlack) -> WebClient:
    """No slack_sdk retry handlers: every failure reaches the sender's own retry logic."""
    return WebClient(token="xoxb-test", base_url=fake.api_url, timeout=5, retry_handlers=[])


def sender(
    session_factory: sessionmaker[Session], client: WebClient, clock: Clock, **options: Any
) -> OutboxSender:
    return OutboxSender(session_factory=session_factory, client=client, clock=clock, **options)


def queue(
    session_factory: sessionmaker[Session],
    workspace_id: int,
    *messages: tuple[str, str],
    thread_of: str | None = None,
    method: str = "chat.postMessage",
) -> None:
    """Enqueue (key, channel) pairs, each with its key as the text."""
    with UnitOfWork(session_factory, workspace_id) as uow:
        for key, channel in messages:
            enqueue(
                uow,
                key=key,
                method=method,
                payload={"channel": channel, "text": key},
                # The wall clock's now: due for a `Clock()` and for a `pmpulse outbox drain` process.
                now=dt.datetime.now(dt.UTC),
                thread_of=thread_of,
            )
        uow.commit()


def row(session_factory: sessionmaker[Session], key: str) -> OutboxMessage:
    with UnitOfWork(session_factory) as uow:
        found = uow.outbox.by_key(key)
    assert found is not None, key
    return found


def force(session_factory: sessionmaker[Session], key: str, **values: Any) -> None:
    """Put a row in the state a crashed sender would have left it in."""
    with UnitOfWork(session_factory) as uow:
        found = uow.outbox.by_key(key)
        assert found is not None, key
        for name, value in values.items():
            setattr(found, name, value)
        uow.commit()


def posts_by_key(fake: FakeSlack) -> Counter[str]:
    """How many chat.postMessage calls Slack accepted per delivery key (read from the metadata)."""
    counts: Counter[str] = Counter()
    for call in fake.calls_to("chat.postMessage"):
        if call.status == 200 and call.response.get("ok"):
            metadata = call.params.get("metadata") or {}
            counts[(metadata.get("event_payload") or {}).get("key", "?")] += 1
    return counts
