"""Scheduled jobs: what runs on a timer, as functions of the app's dependencies and `now`.

Jobs are not listeners: nobody is waiting for an answer, so they sit below `handlers` (which only
the app factory imports) and are reached by the scheduler, `pmpulse jobs run` and the demo alike.
Each feature's jobs live in a module of their own here; what they send to Slack goes through
that feature's `bot.notifications` module into the outbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.deps import AppDeps
from bot.jobs.members import refresh_profiles
from bot.jobs.status import status_digest, status_prompts, status_reminders, tick
from bot.metrics import JOB_RUNS


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    cron: dict[str, str] | None  # APScheduler cron fields, UTC; None: not on a timer of its own
    run: Callable[[AppDeps, dt.datetime], str]


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job(
            "refresh-profiles",
            "refresh members' names, timezones and locales from Slack",
            {"hour": "3", "minute": "17"},
            refresh_profiles,
        ),
        Job(
            "tick",
            "queue what the weekly status cadence owes now, late edits' notes included",
            {"minute": "*"},
            tick,
        ),
        Job("status-prompts", "weekly prompts at each PM's local prompt time", None, status_prompts),
        Job("status-reminders", "reminders to PMs who have not answered", None, status_reminders),
        Job("status-digest", "the weekly digest and managers' missing lists", None, status_digest),
    )
}


def run_job(name: str, deps: AppDeps, now: dt.datetime) -> str:
    """Run one job as if it were `now`; counted in the metrics."""
    job = JOBS[name]
    try:
        summary = job.run(deps, now)
    except Exception:
        JOB_RUNS.labels(name, "error").inc()
        raise
    JOB_RUNS.labels(name, "ok").inc()
    return summary


def describe_jobs() -> list[dict[str, Any]]:
    """Each job's name, schedule and description, for `pmpulse jobs list` (without the scheduler)."""
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
        return "by tick"
    if cron == {"minute": "*"}:
        return "every minute"
    return " ".join(f"{k}={v}" for k, v in cron.items()) + " UTC"
