"""The one clock: the only module of pmpulse that reads the time of day.

Behaviour takes its time from an injected clock, `AppDeps.clock`: the scheduler's ticks, the
listeners, `pmpulse jobs run --at` and the tests set it, and services and repositories are handed
`now` by their callers. Only three things read the system clock, through `system_now` here:
the default `AppDeps.clock` of a running bot, `pmpulse doctor`'s skew check against Slack, and
the column defaults of the tables in `storage`, a fallback for rows written without a time.
tests/unit/test_clock.py fails when anything else in bot/, handlers/ or storage/ reads it.

It lives in storage, the lowest layer, so that storage and bot can both import it.
Durations (`time.monotonic`, `time.perf_counter`) are not times of day and may be read anywhere.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

Clock = Callable[[], dt.datetime]


def system_now() -> dt.datetime:
    """The system's time, in UTC."""
    return dt.datetime.now(dt.UTC)


def starting_at(at: dt.datetime) -> Clock:
    """A clock that reads `at` now and runs on from there at real speed: "as if it were then".

    Time keeps passing, so retries scheduled a few seconds ahead still come due.
    """
    start = time.monotonic()
    return lambda: at + dt.timedelta(seconds=time.monotonic() - start)
