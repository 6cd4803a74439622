"""A holder finds out when its lease is gone: its lock connection killed, its lock file replaced."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.scheduler import SchedulerLease
from storage.db import make_engine
from tests.support.database import scheduler_lock_holders


def kill_backends(engine: Engine, pids: list[int]) -> None:
    with engine.connect() as connection:
        for pid in pids:
            connection.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        connection.commit()


def test_a_holder_whose_lock_connection_is_killed_knows_it_lost_the_lease(
    engine: Engine, database_url: str
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the advisory lock lives in a PostgreSQL session")
    other_process = make_engine(database_url)
    holder, standby = SchedulerLease(engine), SchedulerLease(other_process)
    try:
        assert holder.acquire() is True
        assert holder.check() is True
        assert standby.acquire() is False

        [pid] = scheduler_lock_holders(engine)
        kill_backends(engine, [pid])  # what a database restart or an operator's kill does

        assert holder.check() is False and holder.held is False
        assert standby.acquire() is True  # the lock died with the session
        assert holder.acquire() is False  # competing again, on a new connection
        assert standby.check() is True
        standby.release()
        assert holder.acquire() is True and holder.check() is True
    finally:
        holder.release()
        standby.release()
        other_process.dispose()


def test_a_lock_file_deleted_under_the_holder_is_a_lost_lease(engine: Engine, database_url: str) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the lock file is SQLite's lease")
    other_process = make_engine(database_url)
    holder, standby = SchedulerLease(engine), SchedulerLease(other_process)
    try:
        assert holder.acquire() is True
        lock_file = Path(f"{engine.url.database}.scheduler-lock")
        os.unlink(lock_file)  # a clean-up script, say: a new file would let a second holder in
        assert standby.acquire() is True

        assert holder.check() is False and holder.held is False
        assert holder.acquire() is False
        assert standby.check() is True
    finally:
        holder.release()
        standby.release()
        other_process.dispose()
