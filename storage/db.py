"""Engine and session factory, and applying migrations."""

from __future__ import annotations

import fcntl
import os
import re
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from storage.deadline import TooLate, bound_by_deadlines, milliseconds, time_left

# Alembic (with Mako and Pygments behind it) is imported only when there is migrating to do:
# every command opens the database, and nearly always it is at the newest revision already.
if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"

# Tables other libraries own and create themselves: APScheduler's job store and
# slack_sdk's OAuth installation and state stores. Migrations leave them alone.
EXTERNAL_TABLES = frozenset({"apscheduler_jobs", "slack_installations", "slack_bots", "slack_oauth_states"})

POSTGRES_POOL_SIZE = 16
PING_AFTER_IDLE_SECONDS = 2.0  # a pooled PostgreSQL connection unused this long is pinged before use
_RETURNED_AT = "pmpulse.returned_at"  # in a pool record's info: when its connection came back


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


def make_engine(url: str, *, ping_after_idle: float = PING_AFTER_IDLE_SECONDS, **kwargs: Any) -> Engine:
    """An engine tuned per backend: SQLite gets WAL, foreign keys and a busy timeout; PostgreSQL
    a pool of `POSTGRES_POOL_SIZE` whose connections are pinged after `ping_after_idle` seconds
    unused (`_ping_when_idle`)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_file(parsed.database, parsed.query)
        if path is not None:
            _prepare_sqlite_file(path)
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT, "check_same_thread": False}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            if parsed.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT * 1000)}")
            # WAL with NORMAL syncs at checkpoints, not at each commit: a commit survives a crash of
            # the process, and may be lost only with the machine's power.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        # In this order: the wait for the turn, then SQLite's, are bounded by a thread's deadline.
        event.listen(engine, "before_cursor_execute", _turn_within_deadline)
        OneWriterAtATime(engine, None if path is None else path + WRITER_LOCK_SUFFIX)
        event.listen(engine, "before_cursor_execute", _sqlite_wait_within_deadline)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # psycopg 3 is the driver the project installs; plain URLs would pick psycopg2.
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    # Connections kept open per process: one per request thread of a worker (16 by default).
    # SQLAlchemy's default of 5 made a burst of submissions open and close a PostgreSQL
    # connection for about one request in five.
    kwargs.setdefault("pool_size", POSTGRES_POOL_SIZE)
    engine = create_engine(url, **kwargs)
    _ping_when_idle(engine, ping_after_idle)
    return engine


def _ping_when_idle(engine: Engine, idle: float) -> None:
    """Check a pooled connection with a round trip before use only when it has been back in
    the pool for `idle` seconds or more; a dead one is replaced (the pool retries the checkout).

    SQLAlchemy's `pool_pre_ping` pings on every checkout: under a burst that was a round trip
    per transaction for connections used a few milliseconds earlier. A connection that dies
    within `idle` of its last use (the server restarted just then) fails its next statement
    instead, and SQLAlchemy then drops every connection of the pool, so one request fails, as
    it would have had it been running at the restart anyway.
    """

    @event.listens_for(engine.pool, "checkin")
    def _returned(dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _checked(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is None or time.monotonic() - returned_at < idle:
            return  # just connected, or used a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi_connection, None):
                raise DisconnectionError("idle connection found dead; replaced") from exc
            raise


SQLITE_BUSY_TIMEOUT = 30.0  # seconds a SQLite write waits for another connection's to end
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT", "BEGIN")
_HOLDS_WRITER = "pmpulse.holds_writer"
WRITER_LOCK_SUFFIX = "-writer"  # the file beside the database whose lock is the turn to write
# A connection whose busy timeout was shortened records it here (in `Connection.info`, in
# seconds), so the wait for the lock below is no longer than SQLite's own would be.
BUSY_TIMEOUT_KEY = "pmpulse.busy_timeout"
_BOUNDED_BUSY = "pmpulse.busy_timeout_bounded"  # SQLite's busy timeout is a deadline's, not the default


class OneWriterAtATime:
    """One writer at a time on a SQLite database file, queued in arrival order, not in SQLite's
    busy handler.

    SQLite lets one connection write at a time; the others wait in its busy handler, which polls
    with sleeps growing to 100 ms. Under a burst of saves those sleeps, not the work, made the
    slowest answers. Here a connection takes the turn before its transaction's first write and
    gives it back when the transaction ends (commit, rollback, or the connection going back to the
    pool): the threads of a process queue on a lock, and the processes sharing the file (HTTP
    workers, a standby) on a POSIX record lock on a file beside it, polled every millisecond. A
    turn is waited for no longer than the busy timeout; after that SQLite's own handler decides,
    as it would without any of this.
    """

    def __init__(self, engine: Engine, lock_file: str | None) -> None:
        self._threads = threading.Lock()
        self._owner: int | None = None  # the thread whose turn it is
        self._lock_file = lock_file
        self._fd: int | None = None
        self._fd_pid = 0  # a child forked with the descriptor opens its own: record locks are per process
        event.listen(engine, "before_cursor_execute", self._before_execute)
        event.listen(engine, "commit", self._transaction_ended)
        event.listen(engine, "rollback", self._transaction_ended)
        event.listen(engine.pool, "checkin", self._returned)
        event.listen(engine.pool, "invalidate", self._invalidated)

    def _before_execute(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        info = conn.info
        if info.get(_HOLDS_WRITER) or not _is_write(statement):
            return
        if self._owner == threading.get_ident():
            return  # this thread writes on another connection already: SQLite decides between them
        deadline = time.monotonic() + info.get(BUSY_TIMEOUT_KEY, SQLITE_BUSY_TIMEOUT)
        if not self._threads.acquire(timeout=max(0.0, deadline - time.monotonic())):
            return
        if not self._lock_other_processes(deadline):
            self._threads.release()
            return
        self._owner = threading.get_ident()
        info[_HOLDS_WRITER] = True

    def _lock_other_processes(self, deadline: float) -> bool:
        fd = self._file()
        if fd is None:
            return True
        while True:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except OSError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.001)

    def _file(self) -> int | None:
        if self._lock_file is None:
            return None
        if self._fd is None or self._fd_pid != os.getpid():
            try:
                self._fd = create_private_file(self._lock_file)
            except OSError:
                self._lock_file = None  # nowhere to put it: threads still queue, processes meet in SQLite
                return None
            self._fd_pid = os.getpid()
        return self._fd

    def _release(self, info: dict[str, Any]) -> None:
        if not info.pop(_HOLDS_WRITER, False):
            return
        if self._fd is not None and self._fd_pid == os.getpid():
            fcntl.lockf(self._fd, fcntl.LOCK_UN)
        self._owner = None
        self._threads.release()

    def _transaction_ended(self, conn: Any) -> None:
        if not conn.invalidated:  # an invalidated one gave its turn back when it was invalidated
            self._release(conn.info)

    def _returned(self, _dbapi_connection: Any, record: Any) -> None:
        self._release(record.info)

    def _invalidated(self, _dbapi_connection: Any, record: Any, _exception: Any) -> None:
        self._release(record.info)


def _is_write(statement: str) -> bool:
    return statement.lstrip()[:9].upper().startswith(_WRITES)


def _turn_within_deadline(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    """Before `OneWriterAtATime`: a write waits for its turn no longer than the thread's deadline
    (`storage.deadline`)."""
    info = conn.info
    if info.get(_HOLDS_WRITER) or not _is_write(statement):
        return
    left = time_left()
    if left is None:
        info.pop(BUSY_TIMEOUT_KEY, None)
        return
    if left <= 0:
        raise TooLate("the deadline passed before the write could start")
    info[BUSY_TIMEOUT_KEY] = left


def _sqlite_wait_within_deadline(conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
    """After `OneWriterAtATime` (the turn taken, or waited for until the deadline): SQLite's own
    wait is bounded by what is left; a connection bounded before gets the default back."""
    if not _is_write(statement):
        return
    info = conn.info
    left = time_left()
    if left is None:
        if info.pop(_BOUNDED_BUSY, False):
            cursor.connection.execute(f"PRAGMA busy_timeout={milliseconds(SQLITE_BUSY_TIMEOUT)}")
        return
    if left <= 0:
        raise TooLate("the deadline passed waiting for the turn to write")
    info[_BOUNDED_BUSY] = True
    cursor.connection.execute(f"PRAGMA busy_timeout={milliseconds(left)}")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that do not expire what they loaded on commit, and honour a thread's deadline."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    bound_by_deadlines(factory)
    return factory


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision` (idempotent)."""
    if revision == "head" and _is_at_head(engine):
        return
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


# `revision = "0005"` and `down_revision = "0004"` (or None), as Alembic's template writes them,
# with or without a type annotation.
_REVISION = re.compile(r"""^revision\s*(?::[^=\n]*)?=\s*["']([^"'\n]+)["']\s*$""", re.MULTILINE)
_DOWN_REVISION = re.compile(
    r"""^down_revision\s*(?::[^=\n]*)?=\s*(?:None|["']([^"'\n]+)["'])\s*$""", re.MULTILINE
)


def script_head(versions: Path = MIGRATIONS / "versions") -> str | None:
    """The newest migration's revision, read from the version files without importing Alembic.

    None when the files are not one plain chain this can read (a merge, a tuple, an unusual
    layout): then Alembic itself decides.
    """
    parents: dict[str, str | None] = {}
    for path in versions.glob("*.py"):
        if path.name == "__init__.py":
            continue
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.findall(source), _DOWN_REVISION.findall(source)
        if len(revision) != 1 or len(down) != 1:
            return None
        parents[revision[0]] = down[0] or None
    heads = set(parents) - set(parents.values())
    return heads.pop() if len(heads) == 1 and len(parents) > 0 else None


def _is_at_head(engine: Engine) -> bool:
    """Whether the database's one recorded revision is the newest migration (False when unsure)."""
    head = script_head()
    if head is None:
        return False
    try:
        with engine.connect() as connection:
            current = connection.scalars(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:
        return False  # no version table yet: a new database
    return current == [head]


def pending_migrations(engine: Engine) -> list[str]:
    """Revisions not yet applied to this database, oldest first."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    pending = []
    for rev in script.walk_revisions():
        if rev.revision in current:
            break
        pending.append(rev.revision)
    return list(reversed(pending)) if current or pending else []
