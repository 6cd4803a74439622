"""APScheduler with its job store in pmpulse's database; one scheduler per database.

Every process drains the outbox on a timer (claims keep two drains from sending a row twice). One
process per database holds the scheduler lease and runs the scheduler; the others are standbys that
retry the lease every few seconds, so one of them takes over when the holder dies, and its first act
is the catch-up tick. The holder checks its lease as often: a lock connection that died (the
database restarted, the session was killed) means the lease may be someone else's, so it stops its
scheduler at once and competes again. Between the lock dying and that check two schedulers may
tick; delivery keys make that harmless.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from typing import IO, Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from bot.delivery.sender import drain_now
from bot.deps import AppDeps
from bot.jobs import JOBS, run_job
from bot.jobs import describe_jobs as describe_jobs
from storage.db import create_private_file

log = logging.getLogger(__name__)

TICK = "tick"

# How often every process drains the outbox (retries come due, listeners and other processes enqueue).
OUTBOX_DRAIN_SECONDS = 5

# How often a standby retries the lease and the holder checks it still has it: a takeover comes
# this long after the holder's lock is released (at once when its process dies; see the keepalives).
LEASE_SECONDS = 5

# After the job store failed (the database went away for a moment), the scheduler looks again this soon.
JOB_STORE_RETRY_SECONDS = 10

# Arbitrary but fixed: the PostgreSQL advisory lock that elects the scheduler replica.
SCHEDULER_LOCK_KEY = 0x706D7075  # "pmpu"

# The lock connection's libpq settings: a holder whose server went silent finds out within seconds
# (a check that gets no answer fails instead of hanging), and nobody waits long to connect.
LOCK_CONNECT_ARGS: dict[str, Any] = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,  # milliseconds
}
# And the server's side: a holder whose machine vanished without closing its connection loses its
# session, and with it the lock, after about 11 s of silence (instead of the kernel's two hours).
SERVER_KEEPALIVES = (
    "SELECT set_config('tcp_keepalives_idle', '5', false),"
    " set_config('tcp_keepalives_interval', '2', false),"
    " set_config('tcp_keepalives_count', '3', false)"
)

_deps: AppDeps | None = None


def _run(name: str) -> None:
    """The job store keeps a reference to this function by name; the dependencies are per process."""
    assert _deps is not None, "scheduler started without dependencies"
    log.info("job %s: %s", name, run_job(name, _deps, _deps.clock()))


class SchedulerLease:
    """Elects the one process per database that runs the scheduler, for as long as it lives.

    PostgreSQL: a session advisory lock held on a dedicated connection. SQLite: an exclusive
    lock on a file beside the database (the processes sharing a SQLite file share a machine).
    Either is released by the operating system or the server when the process dies. `acquire`
    never waits; `check` tells the holder whether it still holds the lease.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.held = False
        self._lock_engine: Engine | None = None
        self._connection: Connection | None = None
        self._lock_file: IO[bytes] | None = None

    def acquire(self) -> bool:
        """Try once; True when this process holds the lease now."""
        if not self.held:
            self.held = self._acquire_file() if self.engine.dialect.name == "sqlite" else self._acquire_lock()
        return self.held

    def check(self) -> bool:
        """Whether the lease is still this process's; when it is lost, let go of what is left of it."""
        if not self.held:
            return False
        still = self._file_is_ours() if self.engine.dialect.name == "sqlite" else self._lock_is_ours()
        if not still:
            self._let_go()
        return still

    def release(self) -> None:
        if self._connection is not None:
            try:
                if self.held:
                    self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SCHEDULER_LOCK_KEY})
                    self._connection.commit()
            except DBAPIError:
                pass  # the connection is gone, and the lock with it
        self._let_go()
        if self._lock_engine is not None:
            self._lock_engine.dispose()
            self._lock_engine = None

    # -- PostgreSQL ---------------------------------------------------------------------------

    def _acquire_lock(self) -> bool:
        try:
            if self._connection is None:
                if self._lock_engine is None:
                    # Its own connection, outside the app's pool, with the keepalives above.
                    self._lock_engine = create_engine(
                        self.engine.url, poolclass=NullPool, connect_args=LOCK_CONNECT_ARGS
                    )
                self._connection = self._lock_engine.connect()
                self._connection.execute(text(SERVER_KEEPALIVES))
            got = bool(
                self._connection.execute(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": SCHEDULER_LOCK_KEY}
                ).scalar()
            )
            self._connection.commit()
        except DBAPIError as exc:
            log.warning("scheduler lease: the database did not answer (%s)", exc.orig)
            self._let_go()
            return False
        return got

    def _lock_is_ours(self) -> bool:
        assert self._connection is not None
        try:
            count = self._connection.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND pid = pg_backend_pid() AND classid = 0 AND objid::bigint = :k"
                ),
                {"k": SCHEDULER_LOCK_KEY},
            ).scalar()
            self._connection.commit()
        except DBAPIError as exc:
            log.warning("scheduler lease: the lock connection failed (%s)", exc.orig)
            return False
        return bool(count)

    # -- SQLite ---------------------------------------------------------------------------------

    def _lock_path(self) -> str | None:
        database = self.engine.url.database
        if not database or database == ":memory:":
            return None  # a private in-memory database: this process is the only one
        return f"{database}.scheduler-lock"

    def _acquire_file(self) -> bool:
        path = self._lock_path()
        if path is None:
            return True
        # Created owner-only like the database beside it; held open while this process leads.
        handle = os.fdopen(create_private_file(path), "ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._lock_file = handle
        return True

    def _file_is_ours(self) -> bool:
        """The locked file is still the one at the path (else another process may lock a new one)."""
        path = self._lock_path()
        if path is None or self._lock_file is None:
            return path is None
        try:
            held, current = os.fstat(self._lock_file.fileno()), os.stat(path)
        except OSError:
            return False
        return (held.st_dev, held.st_ino) == (current.st_dev, current.st_ino)

    # -- both -------------------------------------------------------------------------------------

    def _let_go(self) -> None:
        self.held = False
        if self._connection is not None:
            try:
                self._connection.close()
            except DBAPIError:
                self._connection.invalidate()
            self._connection = None
        if self._lock_file is not None:
            try:
                fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)
            finally:
                self._lock_file.close()
                self._lock_file = None


class _DatabaseScheduler(BackgroundScheduler):  # type: ignore[misc]
    """APScheduler's loop, kept alive when its job store fails.

    Upstream, an error while saving a job's next run (the database restarting) or a shutdown in the
    middle of a round (the lease lost, the process stopping) ends the scheduler's thread with a
    traceback, leaving a process that holds the lease but schedules nothing.
    """

    def _process_jobs(self) -> float | None:
        try:
            wait: float | None = super()._process_jobs()
        except Exception:
            if self.state == STATE_STOPPED:
                return None
            log.exception("scheduler: the job store failed; next try in %s s", JOB_STORE_RETRY_SECONDS)
            return JOB_STORE_RETRY_SECONDS
        return wait


class _StoppingPool(ThreadPoolExecutor):  # type: ignore[misc]
    """APScheduler's thread pool, quiet about a run due at the very moment the scheduler stops.

    APScheduler shuts its executors down before its loop has seen the stop, so a run falling due
    in between is submitted to a closed pool and logged as a traceback. That run is not lost: the
    tick catches up what it owed, here or in the process that takes the lease over.
    """

    def __init__(self) -> None:
        super().__init__()
        self._closing = False

    def _do_submit_job(self, job: Any, run_times: Any) -> None:
        try:
            super()._do_submit_job(job, run_times)
        except RuntimeError:
            if not self._closing:
                raise
            log.info("scheduler stopping: %s not started", job.name)

    def shutdown(self, wait: bool = True) -> None:
        self._closing = True
        super().shutdown(wait)


def start_scheduler(
    deps: AppDeps, engine: Engine, *, tick_seconds: float | None = None
) -> BackgroundScheduler:
    """The scheduler itself, for the lease holder: cron jobs in the database, the catch-up tick first.

    `tick_seconds` replaces the tick's once-a-minute cron with that interval (tests and drills do
    not wait for the wall clock's next minute); every other job keeps its cron.
    """
    global _deps
    _deps = deps
    scheduler = _DatabaseScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine)},
        executors={"default": _StoppingPool()},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        timezone="UTC",
    )
    for job in JOBS.values():
        if job.cron is None:
            continue  # run by the tick
        trigger = (
            IntervalTrigger(seconds=tick_seconds)
            if job.name == TICK and tick_seconds is not None
            else CronTrigger(timezone="UTC", **job.cron)
        )
        scheduler.add_job(
            _run,
            trigger,
            args=[job.name],
            id=job.name,
            name=job.description,
            replace_existing=True,
        )
    # Catch up at once what was missed while no process held the scheduler: the tick's rules keep
    # an event due for the rest of its local day, and delivery keys stop anything going out twice.
    scheduler.add_job(_run, args=[TICK], id="tick-at-start", name="catch-up tick", replace_existing=True)
    scheduler.start()
    return scheduler


class BackgroundWork:
    """Besides answering Slack, a process drains the outbox, and runs the scheduler while it holds the lease.

    Both timers run on one daemon thread (plus APScheduler's job threads), so they never keep a
    process alive; `stop` ends them and lets go of the lease, for the next holder to take over.
    """

    def __init__(
        self,
        deps: AppDeps,
        engine: Engine,
        *,
        lease_seconds: float = LEASE_SECONDS,
        drain_seconds: float = OUTBOX_DRAIN_SECONDS,
        tick_seconds: float | None = None,
    ) -> None:
        self.deps = deps
        self.engine = engine
        self.lease = SchedulerLease(engine)
        self.scheduler: BackgroundScheduler | None = None
        self._lease_seconds = lease_seconds
        self._drain_seconds = drain_seconds
        self._tick_seconds = tick_seconds  # None: the tick runs on each wall-clock minute
        self._timers: BackgroundScheduler | None = None
        self._guard = threading.Lock()
        self._stopped = False

    def start(self) -> None:
        """Compete for the lease once now (the holder starts at once), then keep the timers running."""
        self._keep_lease()
        if self.scheduler is None:
            log.info("another process holds the scheduler; this one is on standby and drains the outbox")
        timers = BackgroundScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": _StoppingPool()},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone="UTC",
        )
        timers.add_job(
            self._keep_lease,
            IntervalTrigger(seconds=self._lease_seconds),
            id="scheduler-lease",
            name="hold or take over the scheduler",
            misfire_grace_time=max(1, int(self._lease_seconds)),
        )
        timers.add_job(
            self._drain_outbox,
            IntervalTrigger(seconds=self._drain_seconds),
            id="outbox-drain",
            name="send what the outbox holds",
            misfire_grace_time=max(1, int(self._drain_seconds)),
        )
        timers.start()
        self._timers = timers

    def stop(self) -> None:
        """Stop both timers and the scheduler, and release the lease (idempotent)."""
        with self._guard:
            self._stopped = True
        if self._timers is not None:
            self._timers.shutdown(wait=True)
            self._timers = None
        with self._guard:
            self._stop_scheduler()
            self.lease.release()

    def _keep_lease(self) -> None:
        with self._guard:
            if self._stopped:
                return
            if self.scheduler is not None:
                if self.lease.check():
                    return
                log.warning("this process lost the scheduler lease; its scheduler stops")
                self._stop_scheduler()
            if self.lease.acquire():
                log.info("this process holds the scheduler (pid %s)", os.getpid())
                self.scheduler = start_scheduler(self.deps, self.engine, tick_seconds=self._tick_seconds)

    def _stop_scheduler(self) -> None:
        if self.scheduler is not None:
            # A job already running finishes on its own thread; delivery keys cover the overlap.
            self.scheduler.shutdown(wait=False)
            self.scheduler = None

    def _drain_outbox(self) -> None:
        report = drain_now(self.deps)
        if report.sent or report.failed or report.retried:
            log.info("outbox: %s", report)
