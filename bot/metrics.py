"""Prometheus metrics served on GET /metrics."""

from __future__ import annotations

import os
from enum import StrEnum

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from bot.config import METRICS_DIR

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "pmpulse_requests_total",
    "Slack requests handled, per listener",
    ["kind", "name"],
    registry=REGISTRY,
)
REQUEST_SECONDS = Histogram(
    "pmpulse_request_seconds",
    "Time from receiving a Slack request to acknowledging it, per listener",
    ["kind", "name"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
LISTENER_ERRORS = Counter(
    "pmpulse_listener_errors_total",
    "Listener errors answered with an apology",
    registry=REGISTRY,
)
JOB_RUNS = Counter(
    "pmpulse_job_runs_total",
    "Scheduled job runs, per job and outcome",
    ["job", "outcome"],
    registry=REGISTRY,
)


class FailureScope(StrEnum):
    """What a scheduled job skipped when part of its work failed (the `scope` label's only values)."""

    WORKSPACE = "workspace"  # everything a job owed one workspace, or one workspace-wide message
    MEMBER = "member"  # one member's message


JOB_FAILURES = Counter(
    "pmpulse_job_failures_total",
    "Parts of scheduled jobs that failed and were skipped while the rest ran, per job and scope",
    ["job", "scope"],
    registry=REGISTRY,
)


def count_job_failure(job: str, scope: FailureScope) -> None:
    """`job` is a scheduled job's name (bot.jobs.JOBS), so both labels come from closed sets."""
    JOB_FAILURES.labels(job, scope.value).inc()


def render() -> bytes:
    """This process's counts; with several HTTP workers, all of theirs summed (see bot/cli.py)."""
    if not os.environ.get(METRICS_DIR):
        return generate_latest(REGISTRY)
    from prometheus_client import multiprocess

    summed = CollectorRegistry()
    multiprocess.MultiProcessCollector(summed)  # type: ignore[no-untyped-call]
    return generate_latest(summed)
