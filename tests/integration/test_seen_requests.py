"""Replay records on SQLite and PostgreSQL: one winner per signed request, expired ones forgotten."""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.services.replay import KEEP_FOR, ReplayGuard
from storage.seen_requests import SeenRequest

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


def ts(at: dt.datetime) -> str:
    return str(int(at.timestamp()))


def rows(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(SeenRequest)) or 0)


def test_a_signed_request_is_first_once_even_across_processes(session_factory: sessionmaker[Session]) -> None:
    guards = [ReplayGuard(session_factory) for _ in range(4)]  # as if in four workers
    results: list[bool] = []
    barrier = threading.Barrier(len(guards))

    def race(guard: ReplayGuard) -> None:
        barrier.wait()
        results.append(guard.first_time(signature="v0=abc", timestamp=ts(NOW), now=NOW))

    threads = [threading.Thread(target=race, args=(g,)) for g in guards]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == [False, False, False, True]
    assert guards[0].first_time(signature="v0=abc", timestamp=ts(NOW) + "0", now=NOW) is True  # new timestamp
    assert guards[0].first_time(signature="v0=abd", timestamp=ts(NOW), now=NOW) is True  # new signature


def test_records_past_the_signature_window_are_forgotten(session_factory: sessionmaker[Session]) -> None:
    guard = ReplayGuard(session_factory)
    assert guard.first_time(signature="v0=old", timestamp=ts(NOW), now=NOW)
    later = NOW + KEEP_FOR + dt.timedelta(seconds=1)
    # Within the window the record stays, however many requests come in between.
    assert guard.first_time(signature="v0=mid", timestamp=ts(NOW), now=NOW + dt.timedelta(minutes=2))
    assert rows(session_factory) == 2

    assert guard.first_time(signature="v0=new", timestamp=ts(later), now=later)

    assert rows(session_factory) == 1
