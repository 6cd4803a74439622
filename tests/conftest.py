"""Shared fixtures: a fresh migrated database per test, on SQLite or on PostgreSQL.

Set PMPULSE_TEST_DATABASE_URL (a PostgreSQL URL) to run the suite against PostgreSQL;
each test then gets a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from storage.db import make_engine, make_session_factory, upgrade

PG_URL = os.environ.get("PMPULSE_TEST_DATABASE_URL")


def pytest_report_header() -> str:
    return f"pmpulse database: {'PostgreSQL ' + make_url(PG_URL).render_as_string() if PG_URL else 'SQLite'}"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh schema on the test PostgreSQL server."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'pmpulse.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    base = make_url(PG_URL).set(drivername="postgresql+psycopg")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per run: copying it is much faster than migrating per test."""
    path = tmp_path_factory.mktemp("template") / "pmpulse.db"
    template = make_engine(f"sqlite:///{path}")
    upgrade(template)
    with template.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    template.dispose()
    return path


@pytest.fixture
def engine(database_url: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """The test database, migrated to head (the migrations themselves run on every PostgreSQL test,
    and once per run on SQLite, whose per-test copy is taken from a migrated template)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        template: Path = request.getfixturevalue("migrated_sqlite_template")
        shutil.copyfile(template, url.database)
        engine = make_engine(database_url)
    else:
        engine = make_engine(database_url)
        upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)
