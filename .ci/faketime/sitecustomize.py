"""Loaded (through PYTHONPATH) only by .ci/run's legs under libfaketime.

libfaketime 0.9.10 (Debian's) with FAKETIME_DONT_FAKE_MONOTONIC=1 fails CPython's
`time.sleep`, which waits with clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME): EINVAL.
Monotonic time must stay real there, or every timed lock wait (sem_clockwait, which
libfaketime does not translate) would wait for years. So sleep as select() does instead.
"""

from __future__ import annotations

import errno
import select
import time

_sleep = time.sleep


def _sleep_under_faketime(seconds: float) -> None:
    try:
        _sleep(seconds)
    except OSError as exc:
        if exc.errno != errno.EINVAL:
            raise
        select.select([], [], [], seconds)


time.sleep = _sleep_under_faketime
