"""Transactions that must end by a deadline: a save whose answer is due (a modal's, which Slack
waits 3 seconds for) waits for locks no longer than the time left, and commits only in time.

A deadline holds for the database work of one thread (a context variable), set by `ending_by`
and lifted by `lift` (once the answer is sent, work after it has no deadline). Every session
transaction that begins under it is bounded by the time left:

- SQLite: before each write, the wait for the writer's turn (`storage.db.OneWriterAtATime`,
  through `BUSY_TIMEOUT_KEY`) and then SQLite's busy timeout are bounded by the time left; a
  write with no time left raises `TooLate` (in `storage.db`, beside the turn).
- PostgreSQL: `lock_timeout` and `statement_timeout` are set for the transaction (SET LOCAL)
  to the time left when it begins.
- Both: a transaction that would begin, or commit, after the deadline raises `TooLate` instead.
  Its unit of work then rolls it back: a save is never committed once its answer can no longer
  arrive in time, and nothing of it is kept.

`ran_out_of_time(exc)` tells these failures (and any lock wait that timed out) from others: the
first are "busy, try again", the second a fault.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import Connection, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

_deadline: ContextVar[float | None] = ContextVar("pmpulse_transaction_deadline", default=None)

# PostgreSQL's SQLSTATEs for a lock wait over lock_timeout and a statement over statement_timeout.
_PG_TIMEOUTS = frozenset({"55P03", "57014"})
_SQLITE_BUSY = ("database is locked", "database is busy", "database table is locked")

_SET_TIMEOUTS = text(
    "SELECT set_config('lock_timeout', :ms, true), set_config('statement_timeout', :ms, true)"
)


class TooLate(Exception):
    """The deadline passed before a transaction could begin or commit; nothing was committed."""


@contextmanager
def ending_by(deadline: float) -> Iterator[None]:
    """Bound the transactions this thread begins inside the block by `deadline` (`time.monotonic`)."""
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)


def lift() -> None:
    """No deadline for what this thread does next inside `ending_by` (its answer has been sent)."""
    _deadline.set(None)


def time_left() -> float | None:
    """Seconds until this thread's deadline (negative once passed), or None without one."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


def ran_out_of_time(exc: BaseException) -> bool:
    """Whether `exc` means the database was too busy in the time there was, not a fault."""
    if isinstance(exc, TooLate):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    if isinstance(orig, sqlite3.OperationalError):
        return str(orig).startswith(_SQLITE_BUSY)
    return getattr(orig, "sqlstate", None) in _PG_TIMEOUTS


def milliseconds(left: float) -> int:
    """`left` seconds as a timeout in whole milliseconds, never 0."""
    return max(1, int(left * 1000))  # 0 would mean "wait forever" to PostgreSQL


def _bound_transaction(_session: Session, _transaction: SessionTransaction, connection: Connection) -> None:
    left = time_left()
    if left is None:
        return
    if left <= 0:
        raise TooLate("the deadline passed before the transaction began")
    if connection.dialect.name == "postgresql":
        connection.execute(_SET_TIMEOUTS, {"ms": f"{milliseconds(left)}ms"})


def _commit_in_time(_session: Session) -> None:
    left = time_left()
    if left is not None and left <= 0:
        raise TooLate("the deadline passed before the commit")


def bound_by_deadlines(factory: sessionmaker[Session]) -> None:
    """Make the sessions of `factory` honour the deadline of the thread that uses them."""
    event.listen(factory, "after_begin", _bound_transaction)
    event.listen(factory, "before_commit", _commit_in_time)
