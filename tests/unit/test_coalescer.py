"""The coalescer's timing, on a clock the test moves (bot/coalescer.py).

`background=False`: no timer thread; the test calls `run_due()` where the thread would wake.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from bot.coalescer import HOME_PUBLISH_WINDOW_SECONDS, Coalescer

WINDOW = 3.0


@dataclass
class Ticks:
    now: float = 100.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Runs:
    """What ran, in order: each run records the key and the data it read when it ran."""

    data: dict[str, int] = field(default_factory=dict)
    seen: list[tuple[str, int]] = field(default_factory=list)

    def of(self, key: str) -> Callable[[], None]:
        return lambda: self.seen.append((key, self.data.get(key, 0)))


def coalescer(clock: Ticks, run_in: Callable[[Callable[[], None]], object] | None = None) -> Coalescer[str]:
    return Coalescer(window=WINDOW, clock=clock, background=False, run_in=run_in)


def test_the_window_is_a_few_seconds() -> None:
    assert 1.0 <= HOME_PUBLISH_WINDOW_SECONDS <= 5.0


def test_a_single_request_runs_at_once_and_nothing_follows() -> None:
    clock, runs = Ticks(), Runs()
    c = coalescer(clock)

    c.request("U1", runs.of("U1"))

    assert runs.seen == [("U1", 0)]
    clock.now += WINDOW
    c.run_due()
    assert runs.seen == [("U1", 0)] and c.quiet("U1")


def test_a_burst_is_one_run_now_and_one_at_the_windows_end_with_the_latest_data() -> None:
    clock, runs = Ticks(), Runs()
    c = coalescer(clock)

    for edit in (1, 2, 3):
        runs.data["U1"] = edit
        c.request("U1", runs.of("U1"))
        clock.now += 0.5

    assert runs.seen == [("U1", 1)]
    assert c.run_due() == pytest.approx(WINDOW - 1.5)  # the timer sleeps until the window closes
    assert runs.seen == [("U1", 1)]
    runs.data["U1"] = 4  # saved after the last request: the trailing run reads it when it runs
    clock.now = 100.0 + WINDOW
    c.run_due()
    assert runs.seen == [("U1", 1), ("U1", 4)]
    # The trailing run opened a window of its own; it closes quietly, and the next request leads.
    clock.now += WINDOW
    c.run_due()
    assert runs.seen == [("U1", 1), ("U1", 4)] and c.quiet("U1")
    c.request("U1", runs.of("U1"))
    assert runs.seen[-1] == ("U1", 4) and len(runs.seen) == 3


def test_someone_who_keeps_editing_gets_one_run_per_window_and_the_last_edit_shows() -> None:
    clock, runs = Ticks(), Runs()
    c = coalescer(clock)

    for edit in range(1, 21):  # an edit every half second for ten seconds
        runs.data["U1"] = edit
        c.request("U1", runs.of("U1"))
        clock.now += 0.5
        c.run_due()
    clock.now += WINDOW
    c.run_due()

    assert len(runs.seen) <= 10 / WINDOW + 2
    assert runs.seen[-1] == ("U1", 20)


def test_people_are_independent() -> None:
    clock, runs = Ticks(), Runs()
    c = coalescer(clock)

    c.request("U1", runs.of("U1"))
    clock.now += 1
    c.request("U2", runs.of("U2"))  # U1's window does not hold U2 back
    c.request("U1", runs.of("U1"))
    c.request("U2", runs.of("U2"))

    assert runs.seen == [("U1", 0), ("U2", 0)]
    clock.now = 100.0 + WINDOW
    c.run_due()
    assert runs.seen == [("U1", 0), ("U2", 0), ("U1", 0)]  # U1's window closed, U2's not yet
    clock.now = 101.0 + WINDOW
    c.run_due()
    assert runs.seen[-1] == ("U2", 0) and len(runs.seen) == 4


def test_a_failing_run_is_logged_and_later_runs_go_on(caplog: pytest.LogCaptureFixture) -> None:
    clock, runs = Ticks(), Runs()
    c = coalescer(clock)

    def fails() -> None:
        raise RuntimeError("Slack said no")

    with caplog.at_level(logging.ERROR, logger="bot.coalescer"):
        c.request("U1", fails)  # the caller's thread: nothing escapes to it
        c.request("U1", fails)
        clock.now += WINDOW
        c.run_due()  # the timer's round: nothing escapes either
    assert [r.getMessage() for r in caplog.records] == ["coalesced refresh failed for U1"] * 2

    c.request("U1", runs.of("U1"))
    clock.now += WINDOW
    c.run_due()
    assert runs.seen == [("U1", 0)]  # owed after the failed trailing run's window, and run


def test_a_trailing_run_waits_for_the_run_under_way() -> None:
    """Slack slower than the window: the older read must not land after the newer one."""
    clock, runs = Ticks(), Runs()
    started: list[Callable[[], None]] = []
    c = coalescer(clock, run_in=started.append)  # a pool that starts nothing until told
    release = threading.Event()
    entered = threading.Event()

    def slow() -> None:
        entered.set()
        release.wait(5)

    leading = threading.Thread(target=c.request, args=("U1", slow))
    leading.start()
    assert entered.wait(5)
    c.request("U1", runs.of("U1"))
    clock.now += WINDOW + 1
    c.run_due()
    assert started == [] and c.owed("U1")  # the leading run is still under way

    release.set()
    leading.join(5)
    c.run_due()  # its end re-armed the closed window
    assert len(started) == 1
    started[0]()
    assert runs.seen == [("U1", 0)]


def test_a_pool_that_refuses_the_run_frees_the_person(caplog: pytest.LogCaptureFixture) -> None:
    clock, runs = Ticks(), Runs()

    def closed(_run: Callable[[], None]) -> None:
        raise RuntimeError("cannot schedule new futures after shutdown")

    c = coalescer(clock, run_in=closed)
    c.request("U1", runs.of("U1"))
    c.request("U1", runs.of("U1"))
    with caplog.at_level(logging.ERROR, logger="bot.coalescer"):
        clock.now += WINDOW
        c.run_due()
    assert "could not start a coalesced refresh for U1" in caplog.text
    clock.now += WINDOW
    c.run_due()
    assert c.quiet("U1")


def test_stop_drops_what_waits_and_later_requests_run_at_once() -> None:
    clock, runs = Ticks(), Runs()
    c = coalescer(clock)
    c.request("U1", runs.of("U1"))
    c.request("U1", runs.of("U1"))

    assert c.stop() == 1
    clock.now += WINDOW
    c.run_due()
    assert runs.seen == [("U1", 0)]
    c.request("U1", runs.of("U1"))
    c.request("U1", runs.of("U1"))
    assert len(runs.seen) == 3


def test_the_timer_thread_starts_on_demand_and_runs_the_trailing_edge() -> None:
    ran = threading.Event()
    c: Coalescer[str] = Coalescer(window=0.05, name="test-coalescer-edge")
    assert not [t for t in threading.enumerate() if t.name == "test-coalescer-edge"]

    c.request("U1", lambda: None)
    c.request("U1", ran.set)

    assert ran.wait(5)
    (timer,) = [t for t in threading.enumerate() if t.name == "test-coalescer-edge"]
    assert timer.daemon  # never keeps the process alive
    c.stop()
    assert not timer.is_alive()


def test_stopping_with_a_run_owed_does_not_wait_for_its_window() -> None:
    c: Coalescer[str] = Coalescer(window=60, name="test-coalescer-stop")
    c.request("U1", lambda: None)
    c.request("U1", lambda: time.sleep(60))  # owed for a minute, then dropped: never started
    (timer,) = [t for t in threading.enumerate() if t.name == "test-coalescer-stop"]

    started = time.monotonic()
    assert c.stop(timeout=5) == 1
    assert time.monotonic() - started < 1
    assert not timer.is_alive()
