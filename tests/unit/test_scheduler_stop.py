"""A run falling due while the scheduler stops is skipped quietly, not logged as a traceback."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from bot.scheduler import _StoppingPool


def _job_of(scheduler: BackgroundScheduler) -> object:
    return scheduler.add_job(lambda: None, "interval", seconds=3600, name="probe")


def test_a_run_submitted_after_the_pool_closed_is_skipped_and_said_in_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pool = _StoppingPool()
    scheduler = BackgroundScheduler(executors={"default": pool}, timezone="UTC")
    scheduler.start(paused=True)
    job = _job_of(scheduler)
    pool.shutdown(wait=True)  # as BackgroundScheduler.shutdown does before its loop sees the stop
    with caplog.at_level(logging.INFO, logger="bot.scheduler"):
        pool.submit_job(job, [dt.datetime.now(dt.UTC)])
    assert "scheduler stopping: probe not started" in caplog.text
    scheduler.shutdown(wait=False)


def test_an_open_pool_still_runs_jobs_and_still_raises_what_is_not_a_stop() -> None:
    pool = _StoppingPool()
    scheduler = BackgroundScheduler(executors={"default": pool}, timezone="UTC")
    scheduler.start(paused=True)
    ran = threading.Event()
    job = scheduler.add_job(ran.set, "interval", seconds=3600, name="probe")
    pool.submit_job(job, [dt.datetime.now(dt.UTC)])
    assert ran.wait(5)
    # A pool closed behind the executor's back (not through shutdown) is a bug: it still raises.
    pool._pool.shutdown(wait=True)
    with pytest.raises(RuntimeError):
        pool.submit_job(job, [dt.datetime.now(dt.UTC)])
    scheduler.shutdown(wait=False)
