"""Delivery metrics: what the sender did (counters) and how deep the outbox is (read at scrape time)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from bot.metrics import REGISTRY
from storage.outbox_state import OutboxState
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

DELIVERIES = Counter(
    "pmpulse_outbox_deliveries_total",
    "Outbox rows settled or rescheduled by this process's sender, per Slack method and outcome",
    ["method", "outcome"],
    registry=REGISTRY,
)


class OutboxDepthCollector(Collector):
    """Counts outbox rows per state when Prometheus scrapes, so the gauge is never stale."""

    def __init__(self, session_factory: sessionmaker[Session], *, clock: Callable[[], dt.datetime]) -> None:
        self._session_factory = session_factory
        self._clock = clock

    def collect(self) -> Iterable[Metric]:
        try:
            now = self._clock()
            with UnitOfWork(self._session_factory) as uow:
                depth = uow.outbox.depth()
                oldest = uow.outbox.oldest_due_at(now)
        except Exception as exc:  # a scrape must answer even when the database does not
            log.warning("outbox depth unavailable: %s", exc)
            return
        messages = GaugeMetricFamily(
            "pmpulse_outbox_messages", "Outbox rows per state, all workspaces", labels=["state"]
        )
        for state in sorted(set(OutboxState) | set(depth)):
            messages.add_metric([state], depth.get(state, 0))
        yield messages
        yield GaugeMetricFamily(
            "pmpulse_outbox_oldest_due_seconds",
            "How long the longest-waiting due pending row has been due (0 when none)",
            value=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        )


def outbox_metrics(
    session_factory: sessionmaker[Session], *, clock: Callable[[], dt.datetime]
) -> Callable[[], bytes]:
    """A renderer for the outbox gauges of one database, appended to GET /metrics.

    A registry per app (not the process-wide one) since each app has its own database.
    """
    registry = CollectorRegistry(auto_describe=False)
    registry.register(OutboxDepthCollector(session_factory, clock=clock))
    return lambda: generate_latest(registry)
