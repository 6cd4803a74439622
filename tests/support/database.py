"""The database under test, seen from outside pmpulse: which one it is, faults put into it, its locks."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event, text

from bot.scheduler import SCHEDULER_LOCK_KEY

PG_URL = os.environ.get("PMPULSE_TEST_DATABASE_URL")  # set: the suite runs on PostgreSQL, else SQLite


def fail_inserts(engine: Engine, table: str) -> None:
    """Make every insert into `table` fail inside the database, as a full disk or lost lock would."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(
                text(
                    "CREATE FUNCTION pmpulse_refuse() RETURNS trigger AS $$ "
                    "BEGIN RAISE EXCEPTION 'simulated write failure'; END; $$ LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text(
                    f"CREATE TRIGGER refuse BEFORE INSERT ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION pmpulse_refuse()"
                )
            )
        else:
            connection.execute(
                text(
                    f"CREATE TRIGGER refuse BEFORE INSERT ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END"
                )
            )


def allow_inserts(engine: Engine, table: str) -> None:
    """Undo `fail_inserts` on `table`."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"DROP TRIGGER refuse ON {table}"))
            connection.execute(text("DROP FUNCTION pmpulse_refuse()"))
        else:
            connection.execute(text("DROP TRIGGER refuse"))


def scheduler_lock_holders(engine: Engine) -> list[int]:
    """The PostgreSQL backends holding the scheduler's advisory lock."""
    with engine.connect() as connection:
        return list(
            connection.scalars(
                text(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND classid = 0 AND objid::bigint = :k AND database = ("
                    " SELECT oid FROM pg_database WHERE datname = current_database())"
                ),
                {"k": SCHEDULER_LOCK_KEY},
            )
        )


@contextmanager
def writes_held(engine: Engine, *tables: str) -> Iterator[None]:
    """Another client of the database holds a write lock until the block ends: on SQLite the
    database's (a connection of its own, outside pmpulse's turns), on PostgreSQL `tables`' (in
    EXCLUSIVE mode: reads go on, writes wait)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text(f"LOCK TABLE {', '.join(tables)} IN EXCLUSIVE MODE"))
            yield
            connection.rollback()
        return
    assert engine.url.database is not None
    holder = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        yield
        holder.execute("ROLLBACK")
    finally:
        holder.close()


@contextmanager
def slow_inserts(engine: Engine, table: str, seconds: float) -> Iterator[None]:
    """Every insert into `table` takes `seconds` longer until the block ends: inside PostgreSQL (a
    trigger that sleeps), on SQLite in its driver's layer (SQLite runs in the process itself)."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(
                text(
                    "CREATE FUNCTION pmpulse_slow() RETURNS trigger AS $$ "
                    f"BEGIN PERFORM pg_sleep({seconds}); RETURN NEW; END; $$ LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text(
                    f"CREATE TRIGGER slow BEFORE INSERT ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION pmpulse_slow()"
                )
            )
        try:
            yield
        finally:
            with engine.begin() as connection:
                connection.execute(text(f"DROP TRIGGER slow ON {table}"))
                connection.execute(text("DROP FUNCTION pmpulse_slow()"))
        return

    def sleep(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()} "):
            time.sleep(seconds)

    event.listen(engine, "before_cursor_execute", sleep)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", sleep)
