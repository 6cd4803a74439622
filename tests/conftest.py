"""Shared fixtures: a migrated database per test, on SQLite or on PostgreSQL.

Set PMPULSE_TEST_DATABASE_URL (a PostgreSQL URL) to run the suite against PostgreSQL instead
of SQLite; in a parallel run each worker makes a database of its own on that server, named
after the URL's with the worker's name appended, and drops it at the end.

On SQLite each test gets its own file, copied from a template migrated once per run.
On PostgreSQL the tests take turns on one migrated schema, emptied before each test (DELETE in
foreign-key order and sequences restarted: TRUNCATE makes new files for every table, ten times
slower on tables this small); a test that changed the schema itself (a trigger, a dropped
table) leaves it behind and the next one gets a newly migrated schema. Tests of the migrations
take `fresh_database_url`, an empty schema of their own.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from storage.db import make_engine, make_session_factory, upgrade
from tests.support.database import PG_URL
from tests.support.order import waiting_first
from tests.support.warm import share_with_children

log = logging.getLogger(__name__)


def pytest_configure(config: pytest.Config) -> None:
    """The run's main process (xdist's controller, or the only process) names where the warm
    pmpulse servers go (tests/support/warm.py): its workers share them, and they end once the
    main process has."""
    if hasattr(config, "workerinput"):
        return  # a worker: it inherited the controller's
    config.add_cleanup(share_with_children())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a parallel run the tests that spend seconds waiting (marked `slow` or `waits`) start
    first, spread over the workers: otherwise one may start late and the run waits for it alone.

    pytest-xdist's worksteal scheduler hands each worker an equal run of the list, in order (the
    first len // workers to one, an equal part of what remains to the next, and so on); each of
    those runs here starts with its share of the waiting tests. Every worker sorts alike.
    """
    workers = int(getattr(config, "workerinput", {}).get("workercount", 0))
    if workers < 2:
        return
    waiting = sorted(
        (item for item in items if item.get_closest_marker("slow") or item.get_closest_marker("waits")),
        key=lambda item: item.get_closest_marker("slow") is None,  # the longest, `slow`, first
    )
    ordered = waiting_first(items, waiting, workers)
    assert sorted(map(id, ordered)) == sorted(map(id, items))
    items[:] = ordered


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """Three workers per core: many tests spend seconds waiting (servers starting and stopping,
    App Home windows, save deadlines, Slack client timeouts), and other workers fill those waits.
    On 2 cores, 6 workers ran the suite fastest: 4 left a core idle a third of the time, and
    each worker beyond 6 cost more (its start and its collection, about 2 s of CPU) than it filled."""
    return 3 * (os.cpu_count() or 1)


def pytest_report_header() -> str:
    return f"pmpulse database: {'PostgreSQL ' + make_url(PG_URL).render_as_string() if PG_URL else 'SQLite'}"


class PostgresSchemas:
    """Schemas on the test server: made per run, dropped at its end."""

    def __init__(self, url: str, worker: str | None = None) -> None:
        self.server: URL = make_url(url).set(drivername="postgresql+psycopg")
        self.base = self.server
        self.database: str | None = None
        if worker:  # a parallel run: each worker its own database, its advisory locks its own
            self.database = f"{self.server.database}_{worker}"
            self._drop_database()
            self._on_server(f'CREATE DATABASE "{self.database}"')
            self.base = self.server.set(database=self.database)
        self.admin = create_engine(self.base, isolation_level="AUTOCOMMIT")
        self.made: list[str] = []
        self.shared: str | None = None
        self.shared_shape: tuple[int, ...] = ()

    def url(self, schema: str) -> str:
        return self.base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )

    def new(self) -> str:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        self.made.append(schema)
        return schema

    def drop(self, schema: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))

    def migrated(self) -> str:
        """The shared migrated schema, emptied; a new one when the last test changed its shape."""
        if self.shared is not None and not self._empty(self.shared):
            self.shared = None
        if self.shared is None:
            schema = self.new()
            engine = make_engine(self.url(schema))
            upgrade(engine)
            engine.dispose()
            with self.admin.connect() as connection:
                self.shared_shape = self._shape(connection, schema)
            self.shared = schema
        return self.shared

    def _empty(self, schema: str) -> bool:
        try:
            with self.admin.connect() as connection:
                connection.execute(text("SET lock_timeout = '5s'"))
                shape = self._shape(connection, schema)
                if shape != self.shared_shape:
                    return False
                order = self._delete_order(connection, schema)
                emptying = [f'DELETE FROM "{schema}"."{name}"' for name in order]
                emptying.append(
                    "SELECT setval(s.oid, 1, false) FROM pg_class s JOIN pg_namespace n"
                    f" ON n.oid = s.relnamespace WHERE s.relkind = 'S' AND n.nspname = '{schema}'"
                )
                connection.exec_driver_sql("; ".join(emptying))  # one message: one transaction
        except DBAPIError as exc:  # a connection a test left open holds a lock: start afresh
            log.warning("test schema %s could not be emptied (%s); migrating a new one", schema, exc.orig)
            return False
        return True

    @staticmethod
    def _delete_order(connection: Connection, schema: str) -> list[str]:
        """The schema's tables (those the app makes as it runs too), each after those referring to it."""
        tables = connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :s AND tablename <> 'alembic_version'"),
            {"s": schema},
        ).scalars()
        sorter: TopologicalSorter[str] = TopologicalSorter({name: () for name in tables})
        references = connection.execute(
            text(
                "SELECT child.relname, parent.relname FROM pg_constraint c"
                " JOIN pg_class child ON child.oid = c.conrelid"
                " JOIN pg_class parent ON parent.oid = c.confrelid"
                " JOIN pg_namespace n ON n.oid = child.relnamespace WHERE c.contype = 'f' AND n.nspname = :s"
            ),
            {"s": schema},
        )
        for child, parent in references:
            if child != parent:  # a table referring to itself is emptied by one statement
                sorter.add(parent, child)
        return list(sorter.static_order())

    @staticmethod
    def _shape(connection: Connection, schema: str) -> tuple[int, ...]:
        """What migrations made, counted: tables, columns, indexes, triggers, functions."""
        row = connection.execute(
            text(
                """
                SELECT
                  (SELECT count(*) FROM pg_tables WHERE schemaname = :s
                     AND tablename NOT LIKE 'apscheduler%' AND tablename NOT LIKE 'slack_%'),
                  (SELECT count(*) FROM information_schema.columns WHERE table_schema = :s
                     AND table_name NOT LIKE 'apscheduler%' AND table_name NOT LIKE 'slack_%'),
                  (SELECT count(*) FROM pg_indexes WHERE schemaname = :s
                     AND tablename NOT LIKE 'apscheduler%' AND tablename NOT LIKE 'slack_%'),
                  (SELECT count(*) FROM information_schema.triggers WHERE trigger_schema = :s),
                  (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                     WHERE n.nspname = :s)
                """
            ),
            {"s": schema},
        ).one()
        return tuple(int(v) for v in row)

    def close(self) -> None:
        for schema in self.made:
            self.drop(schema)
        self.admin.dispose()
        if self.database:
            self._drop_database()

    def _drop_database(self) -> None:
        self._on_server(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def _on_server(self, statement: str) -> None:
        """A statement outside any transaction, on the database the URL names."""
        server = create_engine(self.server, isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            connection.execute(text(statement))
        server.dispose()


@pytest.fixture(scope="session")
def postgres_schemas() -> Iterator[PostgresSchemas]:
    assert PG_URL is not None
    schemas = PostgresSchemas(PG_URL, worker=os.environ.get("PYTEST_XDIST_WORKER"))
    yield schemas
    schemas.close()


@pytest.fixture
def fresh_database_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database with no tables at all: a new SQLite file, or a new PostgreSQL schema."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'pmpulse.db'}"
        return
    schemas: PostgresSchemas = request.getfixturevalue("postgres_schemas")
    yield schemas.url(schemas.new())


@pytest.fixture
def database_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A database for one test: a SQLite file not yet created (the `engine` fixture, or the
    process under test, creates and migrates it), or the shared PostgreSQL schema, migrated
    and emptied."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'pmpulse.db'}"
        return
    schemas: PostgresSchemas = request.getfixturevalue("postgres_schemas")
    yield schemas.url(schemas.migrated())


@dataclass(frozen=True)
class SqliteTemplate:
    """A SQLite file migrated once per run (copying it is much faster than migrating per test),
    and what the per-test engines share to compile each statement once per run.

    SQLAlchemy caches compiled SQL per engine, keyed by the dialect object; a new engine per
    test would compile every statement again in every test, which was most of the CPU a test
    spent on its database. The dialect was initialized by the template's connection, and every
    copy has the same SQLite behind it.
    """

    path: Path
    dialect: Dialect
    compiled_cache: dict[Any, Any] = field(default_factory=dict)

    def engine(self, url: str) -> Engine:
        engine = make_engine(url, execution_options={"compiled_cache": self.compiled_cache})
        engine.dialect = self.dialect
        return engine


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    path = tmp_path_factory.mktemp("template") / "pmpulse.db"
    template = make_engine(f"sqlite:///{path}")
    upgrade(template)
    with template.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    template.dispose()
    return SqliteTemplate(path, template.dialect)


@pytest.fixture
def engine(database_url: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """The test database, migrated to head (the migrations themselves run on every PostgreSQL test,
    and once per run on SQLite, whose per-test copy is taken from a migrated template)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        template: SqliteTemplate = request.getfixturevalue("migrated_sqlite_template")
        shutil.copyfile(template.path, url.database)
        engine = template.engine(database_url)
    else:
        engine = make_engine(database_url)
        upgrade(engine)  # a no-op on the shared PostgreSQL schema, migrated already
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)
