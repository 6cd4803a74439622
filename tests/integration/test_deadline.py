"""A thread's deadline bounds its transactions on the real database: a transaction with time left
commits as it would without one, a lock held past the deadline ends the wait at the deadline (not
after SQLite's 30 s or PostgreSQL's forever), and what cannot commit in time is rolled back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import nullcontext
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.services.deadline import ANSWER_WITHIN, answer_deadline
from storage.db import SQLITE_BUSY_TIMEOUT
from storage.deadline import TooLate, ending_by, lift, ran_out_of_time, time_left
from storage.seen_requests import SeenRequest
from tests.support.database import PG_URL, writes_held

SHORT = 0.5  # seconds: the deadline of these tests
ENDED_PROMPTLY = SHORT + 0.5  # far below what a wait without a deadline would take


def insert(connection: Session | Connection, digest: str) -> None:
    connection.execute(
        text("INSERT INTO seen_request (digest, signed_at) VALUES (:d, CURRENT_TIMESTAMP)"), {"d": digest}
    )


def count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(SeenRequest)) or 0)


def in_transaction(connection: Session | Connection, setting: str) -> str:
    return str(connection.scalar(text(f"SHOW {setting}")))


def test_a_deadline_is_kept_per_thread_and_lifted() -> None:
    assert time_left() is None
    with ending_by(time.monotonic() + 10):
        left = time_left()
        assert left is not None and 9 < left <= 10
        seen: list[float | None] = []
        other = threading.Thread(target=lambda: seen.append(time_left()))
        other.start()
        other.join()
        assert seen == [None]  # another thread's work has no deadline
        lift()
        assert time_left() is None
    assert time_left() is None


def test_the_answer_deadline_counts_from_when_the_request_arrived() -> None:
    assert answer_deadline(100.0) == 100.0 + ANSWER_WITHIN
    assert 0 < answer_deadline(None) - time.monotonic() <= ANSWER_WITHIN
    assert ANSWER_WITHIN < 3  # Slack's


def test_a_transaction_with_time_left_commits(session_factory: sessionmaker[Session], engine: Engine) -> None:
    with ending_by(time.monotonic() + 5), session_factory() as session:
        insert(session, "a")
        if PG_URL:
            for setting in ("lock_timeout", "statement_timeout"):
                bound = in_transaction(session, setting)
                assert bound.endswith("ms") and 0 < int(bound.removesuffix("ms")) <= 5000, bound
        session.commit()
    assert count(engine) == 1
    if PG_URL:
        with session_factory() as session:  # SET LOCAL: nothing carries over to the next transaction
            assert in_transaction(session, "lock_timeout") == "0"
            assert in_transaction(session, "statement_timeout") == "0"


@pytest.mark.skipif(PG_URL is not None, reason="SQLite's busy timeout")
def test_a_sqlite_connection_gets_its_busy_timeout_back_after_a_deadline(engine: Engine) -> None:
    with engine.connect() as connection:
        with ending_by(time.monotonic() + 5):
            insert(connection, "a")
            assert 0 < int(connection.scalar(text("PRAGMA busy_timeout")) or 0) <= 5000
            connection.commit()
        insert(connection, "b")
        assert connection.scalar(text("PRAGMA busy_timeout")) == int(SQLITE_BUSY_TIMEOUT * 1000)
        connection.commit()
    assert count(engine) == 2


def test_a_transaction_still_open_at_the_deadline_is_rolled_back(
    session_factory: sessionmaker[Session], engine: Engine
) -> None:
    with ending_by(time.monotonic() + SHORT), session_factory() as session:
        insert(session, "a")
        time.sleep(SHORT + 0.1)
        with pytest.raises(TooLate) as failed:
            session.commit()
    assert ran_out_of_time(failed.value)
    assert count(engine) == 0


def test_no_transaction_begins_after_the_deadline(session_factory: sessionmaker[Session]) -> None:
    with ending_by(time.monotonic() - 0.1), session_factory() as session, pytest.raises(TooLate):
        session.execute(text("SELECT 1"))


def test_a_lock_held_past_the_deadline_ends_the_wait_at_the_deadline(
    session_factory: sessionmaker[Session], engine: Engine
) -> None:
    with writes_held(engine, "seen_request"):
        started = time.monotonic()
        with (
            ending_by(started + SHORT),
            session_factory() as session,
            pytest.raises((TooLate, OperationalError)) as failed,
        ):
            insert(session, "a")
            session.commit()
        waited = time.monotonic() - started
    assert ran_out_of_time(failed.value), failed.value
    assert SHORT - 0.1 < waited < ENDED_PROMPTLY
    with session_factory() as session:  # released: the next writer, with no deadline, writes
        insert(session, "b")
        session.commit()
    assert count(engine) == 1


@pytest.fixture
def turn_held(engine: Engine) -> Iterator[None]:
    """Another thread of this process writes, and so holds the writer's turn, until the block ends."""
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with engine.connect() as connection:
            insert(connection, "held")
            holding.set()
            release.wait(30)
            connection.rollback()

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10)
    yield
    release.set()
    holder.join()


@pytest.mark.skipif(PG_URL is not None, reason="the writer's turn is SQLite's")
def test_the_wait_for_the_writers_turn_ends_at_the_deadline(
    session_factory: sessionmaker[Session], engine: Engine, turn_held: None
) -> None:
    started = time.monotonic()
    with ending_by(started + SHORT), session_factory() as session, pytest.raises(TooLate) as failed:
        insert(session, "a")
    assert ran_out_of_time(failed.value)
    assert SHORT - 0.1 < time.monotonic() - started < ENDED_PROMPTLY


def test_a_failure_that_is_not_a_timeout_is_told_apart(session_factory: sessionmaker[Session]) -> None:
    with ending_by(time.monotonic() + 5), session_factory() as session:
        insert(session, "a")
        with pytest.raises(IntegrityError) as failed:
            insert(session, "a")
    assert not ran_out_of_time(failed.value)


def test_a_deadline_costs_one_statement_on_postgresql_and_none_on_sqlite(
    session_factory: sessionmaker[Session], engine: Engine
) -> None:
    """Both timeouts in one `set_config` when the transaction begins; SQLite's wait is set on the
    driver's connection, not as a statement (see tests/integration/test_statement_budget.py)."""

    def statements_of_a_save(digest: str, deadline: float | None) -> int:
        sent: list[str] = []

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            sent.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            with ending_by(deadline) if deadline else nullcontext(), session_factory() as session:
                insert(session, digest)
                session.commit()
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(sent)

    without = statements_of_a_save("a", None)
    assert statements_of_a_save("b", time.monotonic() + 5) == without + (1 if PG_URL else 0)
