"""SQLite writers take turns: threads of a process on a lock, processes on a lock file beside the
database; a turn ends with its transaction however it ends, so the next writer never waits on it.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import WRITER_LOCK_SUFFIX, make_engine, make_session_factory, upgrade
from storage.seen_requests import SeenRequest
from tests.support.database import PG_URL

pytestmark = pytest.mark.skipif(PG_URL is not None, reason="the turns are SQLite's; PostgreSQL locks rows")

THREADS = 6
WRITES = 20
PROMPTLY = 10.0  # seconds: far below the 30 s a writer would wait on a turn nobody gave back


def insert(connection: Session | Connection, digest: str) -> None:
    connection.execute(
        text("INSERT INTO seen_request (digest, signed_at) VALUES (:d, CURRENT_TIMESTAMP)"), {"d": digest}
    )


def write_rows(url: str, prefix: str) -> None:
    """THREADS threads, each WRITES transactions that read and then write, on one engine."""
    engine = make_engine(url)
    factory = make_session_factory(engine)
    failures: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(WRITES):
                with factory() as session:
                    session.scalar(select(func.count()).select_from(SeenRequest))
                    insert(session, f"{prefix}-{n}-{i}")
                    session.commit()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert not failures, failures


def count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(SeenRequest)) or 0)


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'pmpulse.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def test_threads_of_two_processes_write_in_turn_and_nothing_is_lost(url: str, tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")  # as gunicorn's workers: forked after the engine exists
    engine = make_engine(url)
    with engine.begin() as connection:
        insert(connection, "parent")
    child = context.Process(target=write_rows, args=(url, "child"))
    child.start()
    write_rows(url, "parent")
    child.join(timeout=120)

    assert child.exitcode == 0
    assert count(engine) == 1 + 2 * THREADS * WRITES
    lock_file = tmp_path / ("pmpulse.db" + WRITER_LOCK_SUFFIX)
    assert lock_file.exists() and lock_file.stat().st_mode & 0o077 == 0  # private, like the database
    engine.dispose()


def test_a_turn_ends_with_a_failed_or_abandoned_transaction(url: str) -> None:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:  # fails on its second write: rolled back
        insert(session, "a")
        with pytest.raises(IntegrityError):
            insert(session, "a")
    abandoned = factory()  # wrote, then closed without commit or rollback
    insert(abandoned, "b")
    abandoned.close()
    connection = engine.connect()  # wrote, then the connection was invalidated
    insert(connection, "c")
    connection.invalidate()
    connection.rollback()
    connection.close()

    done = threading.Event()

    def next_writer() -> None:
        with factory() as session:
            insert(session, "d")
            session.commit()
        done.set()

    started = time.monotonic()
    threading.Thread(target=next_writer, daemon=True).start()
    assert done.wait(PROMPTLY), "the next writer waited on a turn that was never given back"
    assert time.monotonic() - started < PROMPTLY
    assert count(engine) == 1
    engine.dispose()


def test_one_thread_writing_on_two_connections_is_left_to_sqlite(url: str) -> None:
    """A thread never waits on its own turn: its second connection meets the first in SQLite."""
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as first, factory() as second:
        insert(first, "x")
        started = time.monotonic()
        with pytest.raises(Exception, match="locked"):
            second.execute(text("PRAGMA busy_timeout=500"))
            insert(second, "y")
        assert time.monotonic() - started < PROMPTLY
        first.commit()
    assert count(engine) == 1
    assert os.path.exists(url.removeprefix("sqlite:///") + WRITER_LOCK_SUFFIX)
    engine.dispose()
