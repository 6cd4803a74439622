"""Rate limits and fault injection for the fake Slack server.

Slack enforces per-method tiers (and per-channel limits for chat.postMessage) and
answers HTTP 429 with ``Retry-After``; it also occasionally fails with 5xx or drops
connections.  These helpers let tests and benchmarks reproduce both so the app's
retry and back-off code is exercised.  Not thread-safe on their own: the server
calls them under its lock.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Fault", "FaultInjector", "RateLimiter", "TokenBucket"]

FAULT_KINDS = ("http", "connection", "slack_error", "timeout")


@dataclass
class TokenBucket:
    """A classic token bucket: ``rate`` tokens per second, holding at most ``burst``."""

    rate: float
    burst: int
    tokens: float = field(init=False)
    updated: float | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.tokens = float(self.burst)

    def take(self, now: float) -> float:
        """Consume one token; return 0 on success or the seconds until one is available."""
        if self.updated is not None:
            self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


@dataclass(frozen=True)
class _Rule:
    rate: float
    burst: int
    per_channel: bool


class RateLimiter:
    """Per-method token buckets.

    Rules are keyed by an exact method name, a prefix pattern such as ``"views.*"``,
    or ``"*"`` for every other method; the most specific rule wins.
    """

    def __init__(self) -> None:
        self._rules: dict[str, _Rule] = {}
        self._buckets: dict[tuple[str, str, str], TokenBucket] = {}

    def set(
        self,
        method: str,
        *,
        per_minute: float | None,
        per_second: float | None,
        burst: int,
        per_channel: bool,
    ) -> None:
        """Install (or, with both rates None, remove) the rule for ``method``."""
        if per_minute is None and per_second is None:
            self._rules.pop(method, None)
        else:
            rate = per_second if per_second is not None else (per_minute or 0.0) / 60.0
            if rate <= 0 or burst < 1:
                raise ValueError("rate must be positive and burst >= 1")
            self._rules[method] = _Rule(rate, burst, per_channel)
        # Old buckets may belong to a replaced rule; start fresh.
        self._buckets = {k: v for k, v in self._buckets.items() if k[0] != method}

    def clear(self) -> None:
        self._rules.clear()
        self._buckets.clear()

    def _rule_for(self, method: str) -> tuple[str, _Rule] | None:
        if method in self._rules:
            return method, self._rules[method]
        best: tuple[str, _Rule] | None = None
        for pattern, rule in self._rules.items():
            if (
                pattern.endswith(".*")
                and method.startswith(pattern[:-1])
                and (best is None or len(pattern) > len(best[0]))
            ):
                best = (pattern, rule)
        if best is None and "*" in self._rules:
            best = ("*", self._rules["*"])
        return best

    def check(self, method: str, channel: str | None, now: float) -> int | None:
        """Return None when allowed, else the whole seconds for ``Retry-After`` (>= 1)."""
        found = self._rule_for(method)
        if found is None:
            return None
        pattern, rule = found
        # A pattern still gives each method its own bucket: Slack's tiers are per method.
        key = (pattern, method, (channel or "") if rule.per_channel else "")
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(rule.rate, rule.burst)
        wait = bucket.take(now)
        if wait <= 0:
            return None
        return max(1, math.ceil(wait))


@dataclass(frozen=True)
class Fault:
    """One injected failure: an HTTP status, a dropped connection, or a Slack error."""

    kind: str
    status: int = 500
    retry_after: int | None = None
    error: str = "internal_error"
    # The call takes effect (a message is posted...) before the failure is answered: Slack did
    # the work, the client hears an error or nothing.
    processed: bool = False
    delay: float = 0.0  # "timeout": seconds before the answer comes, or the socket closes


class FaultInjector:
    """Queued one-off faults per method plus optional random faults."""

    def __init__(self) -> None:
        self._queued: dict[str, deque[Fault]] = {}
        self._random: dict[str | None, tuple[float, tuple[int, ...], random.Random]] = {}

    def queue(self, method: str, fault: Fault, count: int) -> None:
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {FAULT_KINDS}")
        self._queued.setdefault(method, deque()).extend([fault] * count)

    def set_rate(self, method: str | None, rate: float, statuses: tuple[int, ...], seed: int | None) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be within [0, 1]")
        if rate == 0.0:
            self._random.pop(method, None)
        else:
            self._random[method] = (rate, statuses, random.Random(seed))

    def clear(self) -> None:
        self._queued.clear()
        self._random.clear()

    def next_fault(self, method: str) -> Fault | None:
        """Pop the queued fault for ``method`` or roll the dice for a random one."""
        queue = self._queued.get(method)
        if queue:
            return queue.popleft()
        entry = self._random.get(method) or self._random.get(None)
        if entry is None:
            return None
        rate, statuses, rng = entry
        if rng.random() >= rate:
            return None
        status = rng.choice(statuses)
        return Fault("http", status=status, retry_after=1 if status == 429 else None)


TimeSource = Callable[[], float]
