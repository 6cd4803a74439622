"""APScheduler with its job store in pmpulse's database; one scheduler per database."""

from __future__ import annotations

import fcntl
import logging
import os
from typing import IO, Any

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Connection, Engine, text

from bot.delivery.sender import drain_now
from bot.deps import AppDeps
from handlers.jobs import JOBS, run_job
from storage.db import create_private_file

log = logging.getLogger(__name__)

TICK = "tick"

# How often the outbox is drained besides right after a job enqueues (retries come due, listeners enqueue).
OUTBOX_DRAIN_SECONDS = 5

# Arbitrary but fixed: the PostgreSQL advisory lock that elects the scheduler replica.
SCHEDULER_LOCK_KEY = 0x706D7075  # "pmpu"

_deps: AppDeps | None = None


def _run(name: str) -> None:
    """The job store keeps a reference to this function by name; the dependencies are per process."""
    assert _deps is not None, "scheduler started without dependencies"
    log.info("job %s: %s", name, run_job(name, _deps, _deps.clock()))


def _drain_outbox() -> None:
    assert _deps is not None, "scheduler started without dependencies"
    report = drain_now(_deps)
    if report.sent or report.failed or report.retried:
        log.info("outbox: %s", report)


class SchedulerLease:
    """Elects the one process per database that runs the scheduler, for as long as it lives.

    PostgreSQL: a session advisory lock held on a dedicated connection. SQLite: an exclusive
    lock on a file beside the database (the processes sharing a SQLite file share a machine).
    Either is released by the operating system or the server when the process dies.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None
        self._lock_file: IO[bytes] | None = None

    def acquire(self) -> bool:
        if self.engine.dialect.name == "sqlite":
            return self._acquire_file()
        connection = self.engine.connect()
        got = bool(
            connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": SCHEDULER_LOCK_KEY}).scalar()
        )
        connection.commit()
        if got:
            self._connection = connection
        else:
            connection.close()
        return got

    def _acquire_file(self) -> bool:
        database = self.engine.url.database
        if not database or database == ":memory:":
            return True  # a private in-memory database: this process is the only one
        # Created owner-only like the database beside it; held open while this process leads.
        handle = os.fdopen(create_private_file(f"{database}.scheduler-lock"), "ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._lock_file = handle
        return True

    def release(self) -> None:
        if self._connection is not None:
            self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SCHEDULER_LOCK_KEY})
            self._connection.close()
            self._connection = None
        if self._lock_file is not None:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None


def start_scheduler(deps: AppDeps, engine: Engine) -> tuple[BackgroundScheduler, SchedulerLease] | None:
    """Start the scheduler if this process wins the lease; None when another replica holds it."""
    global _deps
    lease = SchedulerLease(engine)
    if not lease.acquire():
        log.info("another process holds the scheduler; this one only serves requests")
        return None
    _deps = deps
    scheduler = BackgroundScheduler(
        # The outbox drain needs no catch-up after a restart, so it lives in memory, not the database.
        jobstores={"default": SQLAlchemyJobStore(engine=engine), "memory": MemoryJobStore()},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        timezone="UTC",
    )
    for job in JOBS.values():
        if job.cron is None:
            continue  # run by the tick
        scheduler.add_job(
            _run,
            CronTrigger(timezone="UTC", **job.cron),
            args=[job.name],
            id=job.name,
            name=job.description,
            replace_existing=True,
        )
    # Catch up at once what was missed while no process held the scheduler: the tick's rules keep
    # an event due for the rest of its local day, and delivery keys stop anything going out twice.
    scheduler.add_job(_run, args=[TICK], id="tick-at-start", name="catch-up tick", replace_existing=True)
    scheduler.add_job(
        _drain_outbox,
        IntervalTrigger(seconds=OUTBOX_DRAIN_SECONDS),
        id="outbox-drain",
        name="send what the outbox holds",
        jobstore="memory",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=OUTBOX_DRAIN_SECONDS,
        replace_existing=True,
    )
    scheduler.start()
    return scheduler, lease


def describe_jobs() -> list[dict[str, Any]]:
    return [
        {
            "name": job.name,
            "description": job.description,
            "schedule": _schedule_text(job.cron),
        }
        for job in JOBS.values()
    ]


def _schedule_text(cron: dict[str, str] | None) -> str:
    if cron is None:
        return f"by {TICK}"
    if cron == {"minute": "*"}:
        return "every minute"
    return " ".join(f"{k}={v}" for k, v in cron.items()) + " UTC"
