"""Coalesced refreshes: a burst of requests for one key becomes one run now and one at the window's end.

Used for App Home: every status save, skip and goal republishes its person's tab, and a PM who
edits three times in ten seconds would otherwise cost three dashboard queries and three
`views.publish` calls. The guarantees, per key (one person in one workspace):

- **Leading edge.** The first request runs at once, in the caller's thread, so a single edit
  shows on the tab as soon as it is saved.
- **One trailing run.** Further requests within `window` seconds of it are merged into one run
  at the window's end. The run is the latest request's and reads the database then, so it shows
  the latest state. That run opens a new window, so a person who keeps editing costs one
  refresh per window, never more, and never loses the last edit.
- **Never two at once.** A key's trailing run waits until its previous run has finished, so an
  older read cannot overwrite a newer one on the tab.
- **Independent keys.** Different people have separate windows; one person's burst delays nobody.
- **Failures stay here.** A run that raises is logged; the caller, the timer and later runs go on.

One daemon timer thread per process keeps a heap of the windows that close; there is no thread
per request. It is started by the first request that needs it, so in a server that forks worker
processes it starts in the worker, after the fork (a process that forked after starting it gets
its own). Trailing runs are handed to `run_in` (the app passes its listener pool, so one person's
slow Slack call does not hold up the others' refreshes); without it they run on the timer thread.

`stop()` drops the runs still waiting for their window (the database has the data; the person
sees it on their next edit or when they open the tab, which always publishes at once) rather
than draining them: a stopping process should let go quickly, not make Slack calls that a slow
Slack could hold past the server's graceful timeout. Runs already started get `timeout` seconds
to finish; the timer thread, a daemon, never keeps the process alive.
"""

from __future__ import annotations

import heapq
import logging
import os
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
Run = Callable[[], None]

# Long enough to take in the edits a person makes in a row (save, reopen, fix a typo, save) and
# the three refreshes a goal set for someone else makes (theirs and the setter's); short enough
# that the tab is current by the time they look at it again.
HOME_PUBLISH_WINDOW_SECONDS = 3.0

STOP_TIMEOUT_SECONDS = 5.0


@dataclass
class _Key:
    """One key's window: when it closes, the run owed at its end, runs under way."""

    window_ends: float
    owed: Run | None = None
    running: int = 0
    due: float | None = None  # the heap entry that stands for this key, if any


@dataclass(order=True)
class _Due:
    at: float
    seq: int
    key: Any = field(compare=False)


class Coalescer(Generic[K]):
    def __init__(
        self,
        *,
        window: float = HOME_PUBLISH_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        run_in: Callable[[Run], object] | None = None,
        background: bool = True,
        name: str = "pmpulse-coalescer",
    ) -> None:
        """`clock` measures durations (monotonic seconds). `background=False` starts no thread:
        the owner calls `run_due()` itself (tests do, with a clock they move)."""
        self.window = window
        self._clock = clock
        self._run_in = run_in
        self._background = background
        self._name = name
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._keys: dict[K, _Key] = {}
        self._heap: list[_Due] = []
        self._seq = 0
        self._running = 0
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._thread_pid = 0

    # -- requests ---------------------------------------------------------------------------------

    def request(self, key: K, run: Run) -> None:
        """Run `run` now if `key` is quiet, else once at the end of its window (the latest `run`)."""
        with self._lock:
            if self._stopped:
                now = True  # nothing is owed after a stop: run as if coalescing were off
            else:
                state = self._keys.get(key)
                now = state is None
                if state is None:
                    ends = self._clock() + self.window
                    self._keys[key] = _Key(window_ends=ends, running=1)
                    self._schedule(key, ends)
                else:
                    state.owed = run
            if now:
                self._running += 1
        if now:
            self._run(key, run)

    def run_due(self) -> float | None:
        """Start the trailing runs whose window has closed; seconds until the next one (None: none)."""
        starting: list[tuple[K, Run]] = []
        with self._lock:
            now = self._clock()
            while self._heap and self._heap[0].at <= now:
                entry = heapq.heappop(self._heap)
                state = self._keys.get(entry.key)
                if state is None or state.due != entry.at:
                    continue  # superseded
                state.due = None
                if state.running:
                    continue  # re-armed when the run under way finishes
                if state.owed is None:
                    del self._keys[entry.key]  # a quiet window: the next request leads again
                    continue
                run, state.owed = state.owed, None
                state.running += 1
                self._running += 1
                state.window_ends = now + self.window
                self._schedule(entry.key, state.window_ends)
                starting.append((entry.key, run))
            wait = self._heap[0].at - now if self._heap else None
        for key, run in starting:
            self._start(key, run)
        return wait

    # -- state, for tests and shutdown --------------------------------------------------------------

    def owed(self, key: K) -> bool:
        """Whether a trailing run is waiting for `key`'s window to close."""
        with self._lock:
            state = self._keys.get(key)
            return state is not None and state.owed is not None

    def quiet(self, key: K) -> bool:
        """Whether `key` has no open window: its next request runs at once."""
        with self._lock:
            return key not in self._keys

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> int:
        """Drop what is waiting for its window, wait up to `timeout` for runs under way and for the
        timer thread; the number of runs dropped."""
        deadline = time.monotonic() + timeout
        with self._lock:
            self._stopped = True
            dropped = sum(1 for state in self._keys.values() if state.owed is not None)
            self._keys.clear()
            self._heap.clear()
            self._changed.notify_all()
            while self._running:
                left = deadline - time.monotonic()
                if left <= 0:
                    log.warning("stopping with %d App Home refreshes still running", self._running)
                    break
                self._changed.wait(left)
            thread = self._thread if self._thread_pid == os.getpid() else None
        if thread is not None and thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))
        if dropped:
            log.info("stopping: %d owed refreshes dropped (the next request shows the data)", dropped)
        return dropped

    # -- internals --------------------------------------------------------------------------------

    def _schedule(self, key: K, at: float) -> None:
        """Under the lock: make the entry for `key` fall due at `at`, and wake the timer."""
        state = self._keys[key]
        state.due = at
        self._seq += 1
        heapq.heappush(self._heap, _Due(at, self._seq, key))
        if self._background:
            self._ensure_timer()
            self._changed.notify_all()

    def _ensure_timer(self) -> None:
        pid = os.getpid()
        if self._thread is not None and self._thread_pid == pid:
            return
        # None yet, or one started by the process this one was forked from (threads do not
        # survive a fork): start this process's own.
        self._thread_pid = pid
        self._thread = threading.Thread(target=self._timer, name=self._name, daemon=True)
        self._thread.start()

    def _timer(self) -> None:
        while True:
            try:
                self.run_due()
            except Exception:  # the timer must outlive any bug in one round
                log.exception("coalescer round failed")
            with self._lock:
                if self._stopped:
                    return
                wait = self._heap[0].at - self._clock() if self._heap else None
                if wait is None or wait > 0:
                    self._changed.wait(wait)
                if self._stopped:
                    return

    def _start(self, key: K, run: Run) -> None:
        if self._run_in is None:
            self._run(key, run)
            return
        try:
            self._run_in(lambda: self._run(key, run))
        except Exception:  # e.g. the pool is shutting down: this run is dropped, the key freed
            log.exception("could not start a coalesced refresh for %s", key)
            self._finished(key)

    def _run(self, key: K, run: Run) -> None:
        try:
            run()
        except Exception:
            log.exception("coalesced refresh failed for %s", key)
        finally:
            self._finished(key)

    def _finished(self, key: K) -> None:
        with self._lock:
            self._running -= 1
            state = self._keys.get(key)
            if state is not None:
                state.running -= 1
                if not state.running and state.due is None:
                    # Its window closed while the run was under way: settle it now.
                    self._schedule(key, max(self._clock(), state.window_ends))
            self._changed.notify_all()
