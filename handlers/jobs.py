"""Scheduled jobs: what runs on a timer, as functions of the app's dependencies and `now`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from bot.deps import AppDeps
from bot.metrics import JOB_RUNS
from bot.services import roster
from handlers.context import profile_lookup
from handlers.status_jobs import status_digest, status_prompts, status_reminders, tick


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    cron: dict[str, str] | None  # APScheduler cron fields, UTC; None: not on a timer of its own
    run: Callable[[AppDeps, dt.datetime], str]


def refresh_profiles(deps: AppDeps, now: dt.datetime) -> str:
    """Names, timezones and locales from users.info, once a day per member."""
    lookup = profile_lookup(deps.client)
    total = 0
    with deps.uow() as uow:
        workspace_ids = [w.id for w in uow.workspaces.list() if w.active]
    for workspace_id in workspace_ids:
        with deps.uow(workspace_id) as uow:
            total += roster.refresh_profiles(uow, lookup, now=now, older_than=now - dt.timedelta(hours=20))
    return f"refreshed {total} member profiles"


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job(
            "refresh-profiles",
            "refresh members' names, timezones and locales from Slack",
            {"hour": "3", "minute": "17"},
            refresh_profiles,
        ),
        Job("tick", "queue what the weekly status cadence owes now", {"minute": "*"}, tick),
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
