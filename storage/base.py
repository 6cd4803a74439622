"""What every feature's tables and repositories share: the declarative base, its naming
convention, the column types, and the base of repositories scoped to one workspace.

A feature's tables and repositories live together in one module (`storage/<feature>.py`);
`storage.schema` gathers every table for the migrations.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import Connection, DateTime, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


E = TypeVar("E", bound=StrEnum)


class StrEnumType(TypeDecorator[E]):
    """A `StrEnum` kept as its plain string value in a VARCHAR column, read back as the enum.

    A plain string column in the schema (no database enum type or CHECK constraint), so a state
    added later needs no migration; a value outside the enum is refused before it is written.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Any) -> E | None:
        return None if value is None else self.enum(value)


class WorkspaceScoped:
    """A repository of one workspace's rows: every query it makes is filtered by `workspace_id`."""

    def __init__(self, session: Session, workspace_id: int) -> None:
        self.session = session
        self.workspace_id = workspace_id

    def core(self) -> Connection:
        """The session's connection, in its transaction: for the hot paths' Core statements."""
        return self.session.connection()


def dialect_insert(session: Session) -> Any:
    """The session's dialect's `insert`, the form that takes ON CONFLICT clauses."""
    return insert_of(session.get_bind().dialect.name)


def insert_of(dialect: str) -> Any:
    """The `insert` of the dialect named `dialect`, the form that takes ON CONFLICT clauses."""
    # Imported here: the PostgreSQL dialect package (with its asyncpg and psycopg2 modules) is
    # loaded only by the processes that talk to PostgreSQL.
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert
