"""One scheduler per database: the lease elects a single holder, on SQLite and on PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine

from bot.scheduler import SchedulerLease
from storage.db import make_engine


def test_only_one_holder_until_it_lets_go(engine: Engine, database_url: str) -> None:
    other_process = make_engine(database_url)  # a second pool, as another worker or replica has
    first, second = SchedulerLease(engine), SchedulerLease(other_process)

    assert first.acquire() is True
    assert second.acquire() is False

    first.release()
    assert second.acquire() is True
    second.release()
    other_process.dispose()
