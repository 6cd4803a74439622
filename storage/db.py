"""Engine and session factory, and applying migrations."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"

# Tables other libraries own and create themselves: APScheduler's job store and
# slack_sdk's OAuth installation and state stores. Migrations leave them alone.
EXTERNAL_TABLES = frozenset({"apscheduler_jobs", "slack_installations", "slack_bots", "slack_oauth_states"})


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic filter: compare and migrate only pmpulse's own tables."""
    return not (type_ == "table" and name in EXTERNAL_TABLES)


# The SQLite file holds bot tokens in OAuth mode and private notes: its owner alone may read it.
PRIVATE_FILE_MODE = 0o600


def create_private_file(path: str | os.PathLike[str]) -> int:
    """Open `path` for appending, creating it readable and writable by its owner only.

    The mode is given to open(2) itself, so there is no moment when the file is world-readable
    and the process-wide umask is never touched (other threads may be creating files). A file
    that already exists with wider permissions is narrowed. Returns the open descriptor.
    """
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, PRIVATE_FILE_MODE)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, PRIVATE_FILE_MODE)
    except OSError:
        os.close(fd)
        raise
    return fd


def _sqlite_file(database: str | None, query: Any) -> str | None:
    """The file a SQLite URL names, or None for an in-memory or URI-style database."""
    if database in (None, "", ":memory:") or str(query.get("uri", "")).lower() in ("true", "1"):
        return None
    assert database is not None
    return None if database.startswith("file:") else database


def _prepare_sqlite_file(path: str) -> None:
    """Create the database (and narrow its WAL and shared-memory files) before SQLite opens them.

    SQLite creates `-wal` and `-shm` with the permissions of the main file, so a private main file
    is enough for new ones; files left by an older version are narrowed here too.
    """
    try:
        os.close(create_private_file(path))
    except OSError:
        return  # a missing directory or no permission: SQLite reports it when it connects
    for suffix in ("-wal", "-shm", "-journal"):
        sidecar = path + suffix
        try:
            if os.stat(sidecar).st_mode & 0o077:
                os.chmod(sidecar, PRIVATE_FILE_MODE)
        except OSError:
            continue


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine tuned per backend: SQLite gets WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_file(parsed.database, parsed.query)
        if path is not None:
            _prepare_sqlite_file(path)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            if parsed.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # psycopg 3 is the driver the project installs; plain URLs would pick psycopg2.
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision` (idempotent)."""
    command.upgrade(alembic_config(engine), revision)


def pending_migrations(engine: Engine) -> list[str]:
    """Revisions not yet applied to this database, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    pending = []
    for rev in script.walk_revisions():
        if rev.revision in current:
            break
        pending.append(rev.revision)
    return list(reversed(pending)) if current or pending else []
