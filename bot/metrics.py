"""Prometheus metrics served on GET /metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

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


def render() -> bytes:
    return generate_latest(REGISTRY)
