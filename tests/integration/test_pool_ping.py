"""PostgreSQL's pool: a connection is pinged before use only after sitting idle (storage.db).

Each test kills the server backend of a pooled connection, as a server restart would, and looks
at what the next checkout does with it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from storage.db import make_engine

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture
def killer(database_url: str) -> Iterator[Engine]:
    if not database_url.startswith("postgresql"):
        pytest.skip("a pool of server connections: PostgreSQL only")
    engine = make_engine(database_url, pool_size=1)
    yield engine
    engine.dispose()


def backend_of(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def kill(killer: Engine, pid: int) -> None:
    with killer.connect() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
        connection.commit()


def test_an_idle_connection_found_dead_is_replaced_before_it_is_used(
    database_url: str, killer: Engine
) -> None:
    engine = make_engine(database_url, pool_size=1, max_overflow=0, ping_after_idle=0.0)
    try:
        first = backend_of(engine)
        kill(killer, first)

        second = backend_of(engine)  # pinged, found dead, replaced: the caller never sees it

        assert second != first
        assert backend_of(engine) == second  # the new one stays in the pool
    finally:
        engine.dispose()


def test_a_connection_back_a_moment_ago_is_used_without_a_ping(database_url: str, killer: Engine) -> None:
    """The trade: no round trip for a connection used within the idle window, so one that died
    in it fails its statement; SQLAlchemy then empties the pool and the next checkout is fresh."""
    engine = make_engine(database_url, pool_size=1, max_overflow=0, ping_after_idle=60.0)
    try:
        first = backend_of(engine)
        kill(killer, first)

        with pytest.raises(OperationalError) as failed:
            backend_of(engine)
        assert failed.value.connection_invalidated

        assert backend_of(engine) != first
    finally:
        engine.dispose()
