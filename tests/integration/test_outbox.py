"""The outbox table's queries on SQLite and PostgreSQL: enqueue once, claim once, in thread order."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.outbox import enqueue
from storage.outbox_state import OutboxState
from storage.uow import UnitOfWork
from tests.support.factories import add_workspace

# Rows are enqueued a minute before NOW, so they are due at NOW.
NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
QUEUED_AT = NOW - dt.timedelta(minutes=1)
LEASE = NOW + dt.timedelta(minutes=2)
LONG_AGO = NOW - dt.timedelta(days=1)


def workspace(session_factory: sessionmaker[Session]) -> int:
    return add_workspace(session_factory, "T1", name="Acme", bot_user_id="UB").id


def post(uow: UnitOfWork, key: str, *, thread_of: str | None = None, channel: str = "C1") -> bool:
    return enqueue(
        uow,
        key=key,
        method="chat.postMessage",
        payload={"channel": channel, "text": key},
        now=QUEUED_AT,
        thread_of=thread_of,
    )


def claim(
    session_factory: sessionmaker[Session], *, now: dt.datetime = NOW, lease: dt.datetime = LEASE
) -> list[str]:
    with UnitOfWork(session_factory) as uow:
        rows = uow.outbox.claim_due(now=now, lease_until=lease, limit=100, orphan_before=LONG_AGO)
        keys = [row.delivery_key for row, _ in rows]
        uow.commit()
    return keys


def settle(session_factory: sessionmaker[Session], key: str, state: OutboxState, **values: object) -> None:
    with UnitOfWork(session_factory) as uow:
        row = uow.outbox.by_key(key)
        assert row is not None
        row.state = state
        for name, value in values.items():
            setattr(row, name, value)
        uow.commit()


def test_enqueueing_a_key_twice_is_a_no_op(session_factory: sessionmaker[Session]) -> None:
    ws = workspace(session_factory)
    with UnitOfWork(session_factory, ws) as uow:
        assert post(uow, "status-prompt:T1:U1:2026-W48") is True
        assert post(uow, "status-prompt:T1:U1:2026-W48", channel="C2") is False
        uow.commit()
    with UnitOfWork(session_factory, ws) as uow:
        assert post(uow, "status-prompt:T1:U1:2026-W48") is False
        uow.commit()
        rows = uow.outbox.list()
    assert len(rows) == 1 and rows[0].payload["channel"] == "C1" and rows[0].state == OutboxState.PENDING


def test_a_claimed_row_goes_to_one_claimer_and_is_changed_only_under_its_lease(
    session_factory: sessionmaker[Session],
) -> None:
    ws = workspace(session_factory)
    with UnitOfWork(session_factory, ws) as uow:
        post(uow, "a")
        post(uow, "later")
        uow.outbox.enqueue(
            key="not-yet",
            method="chat.postMessage",
            payload={"channel": "C1", "text": "x"},
            now=QUEUED_AT,
            not_before=NOW + dt.timedelta(hours=1),
        )
        uow.commit()

    assert claim(session_factory) == ["a", "later"]
    assert claim(session_factory, lease=LEASE + dt.timedelta(seconds=1)) == []

    with UnitOfWork(session_factory) as uow:
        row = uow.outbox.by_key("a")
        assert row is not None and row.state == OutboxState.SENDING and row.next_attempt_at == LEASE
        assert (
            uow.outbox.update_leased(
                row.id, lease=LEASE + dt.timedelta(microseconds=1), state=OutboxState.SENT
            )
            is False
        )
        assert uow.outbox.update_leased(row.id, lease=LEASE, state=OutboxState.SENT, ts="1.0") is True
        uow.commit()
        assert uow.outbox.depth() == {OutboxState.SENT: 1, OutboxState.SENDING: 1, OutboxState.PENDING: 1}

    # Once the lease has run out (its sender died), the row is due again: the recovery path.
    with UnitOfWork(session_factory) as uow:
        rows = uow.outbox.claim_due(
            now=LEASE + dt.timedelta(seconds=1),
            lease_until=LEASE + dt.timedelta(minutes=5),
            limit=10,
            orphan_before=LONG_AGO,
        )
        assert [(row.delivery_key, prior) for row, prior in rows] == [("later", OutboxState.SENDING)]


def test_thread_replies_wait_for_their_parent_and_for_earlier_replies(
    session_factory: sessionmaker[Session],
) -> None:
    ws = workspace(session_factory)
    with UnitOfWork(session_factory, ws) as uow:
        post(uow, "digest")
        post(uow, "reply-1", thread_of="digest")
        post(uow, "reply-2", thread_of="digest")
        post(uow, "orphan", thread_of="never-queued")
        uow.commit()

    assert claim(session_factory) == ["digest"]  # the orphan is young: its parent may still come
    settle(session_factory, "digest", OutboxState.SENT, ts="1.0", channel="C1")
    assert claim(session_factory, lease=LEASE + dt.timedelta(seconds=1)) == ["reply-1", "reply-2"]

    # reply-1 is rescheduled: reply-2 must not overtake it.
    settle(session_factory, "reply-1", OutboxState.PENDING, next_attempt_at=NOW + dt.timedelta(minutes=1))
    settle(session_factory, "reply-2", OutboxState.PENDING, next_attempt_at=NOW)
    assert claim(session_factory, lease=LEASE + dt.timedelta(seconds=2)) == []

    with UnitOfWork(session_factory) as uow:
        old = uow.outbox.claim_due(
            now=NOW, lease_until=LEASE, limit=10, orphan_before=NOW + dt.timedelta(hours=2)
        )
        assert [row.delivery_key for row, _ in old] == ["orphan"]


def test_only_failed_rows_are_requeued(session_factory: sessionmaker[Session]) -> None:
    ws = workspace(session_factory)
    with UnitOfWork(session_factory, ws) as uow:
        post(uow, "bad")
        uow.commit()
    settle(session_factory, "bad", OutboxState.FAILED, attempts=6, last_error="channel_not_found")
    with UnitOfWork(session_factory) as uow:
        row = uow.outbox.by_key("bad")
        assert row is not None
        again = uow.outbox.requeue(row.id, now=NOW)
        uow.commit()
    assert again is not None and (again.state, again.attempts, again.next_attempt_at) == (
        OutboxState.PENDING,
        0,
        NOW,
    )


def test_concurrent_claimers_on_postgresql_skip_each_others_rows(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("FOR UPDATE SKIP LOCKED is PostgreSQL's; SQLite has one process")
    ws = workspace(session_factory)
    with UnitOfWork(session_factory, ws) as uow:
        for i in range(400):
            post(uow, f"k{i:03d}", channel=f"D{i:03d}")
        uow.commit()

    results: list[list[str]] = [[] for _ in range(4)]
    start = threading.Barrier(4)

    def claimer(index: int) -> None:
        start.wait()
        while True:
            with UnitOfWork(session_factory) as uow:
                rows = uow.outbox.claim_due(
                    now=NOW,
                    lease_until=LEASE + dt.timedelta(microseconds=index + 1),
                    limit=7,
                    orphan_before=LONG_AGO,
                )
                keys = [row.delivery_key for row, _ in rows]
                uow.commit()
            if not keys:
                return
            results[index].extend(keys)

    threads = [threading.Thread(target=claimer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    everything = [key for keys in results for key in keys]
    assert sorted(everything) == [f"k{i:03d}" for i in range(400)]
    assert sum(1 for keys in results if keys) >= 2


def test_the_state_is_stored_as_its_plain_string_and_read_back_as_the_enum(
    session_factory: sessionmaker[Session],
) -> None:
    ws = workspace(session_factory)
    with UnitOfWork(session_factory, ws) as uow:
        post(uow, "plain")
        uow.commit()
    settle(session_factory, "plain", OutboxState.FAILED)

    with UnitOfWork(session_factory) as uow:
        stored = uow.session.execute(text("SELECT state FROM outbox WHERE delivery_key = 'plain'")).scalar()
        row = uow.outbox.by_key("plain")
        listed = uow.outbox.list(state=OutboxState.FAILED)
        depth = uow.outbox.depth()
    # The same strings as before the enum: rows written by an older version read the same.
    assert stored == "failed" and type(stored) is str
    assert row is not None and row.state is OutboxState.FAILED
    assert [r.delivery_key for r in listed] == ["plain"]
    assert depth == {OutboxState.FAILED: 1} and all(type(state) is OutboxState for state in depth)


def test_a_state_outside_the_enum_is_refused_before_it_is_written(
    session_factory: sessionmaker[Session],
) -> None:
    ws = workspace(session_factory)
    with UnitOfWork(session_factory, ws) as uow:
        post(uow, "odd")
        uow.commit()
    with pytest.raises(StatementError, match="'delivered' is not a valid OutboxState"):
        settle(session_factory, "odd", "delivered")  # type: ignore[arg-type]
    with UnitOfWork(session_factory) as uow:
        row = uow.outbox.by_key("odd")
    assert row is not None and row.state is OutboxState.PENDING
