"""A short-lived, thread-safe cache for what nearly every request reads and rarely changes.

Each request needs its workspace and who sent it; `/pm team` needs the roster. Reading them
from the database on every request costs more than the rest of the acknowledgement under
load. Entries live a few seconds: a change made in this process forgets its workspace's
entries at once; a change made elsewhere (another replica, the CLI) shows within `ttl`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

DEFAULT_TTL_SECONDS = 5.0
MAX_ENTRIES = 10_000


class ReadCache:
    """Keys are tuples `(kind, workspace, ...)`; values are treated as read-only by callers."""

    def __init__(self, ttl: float = DEFAULT_TTL_SECONDS) -> None:
        self.ttl = ttl
        self._entries: dict[tuple[Hashable, ...], tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._loading: dict[tuple[Hashable, ...], threading.Lock] = {}

    def get_or_load(self, key: tuple[Hashable, ...], load: Callable[[], Any]) -> Any:
        """The cached value, loading it when missing or expired.

        One thread loads a key at a time; while it does, others get the expired value if
        there is one (a stampede of identical reloads is what made the roster slow under
        load), or wait for the load when there is none.
        """
        with self._lock:
            entry = self._entries.get(key)
            loading = self._loading.setdefault(key, threading.Lock())
        if entry is not None and entry[0] >= time.monotonic():
            return entry[1]
        if entry is not None and not loading.acquire(blocking=False):
            return entry[1]  # someone is reloading it: the value of a moment ago will do
        if entry is None:
            loading.acquire()
        try:
            found, value = self.get(key)
            if not found:
                value = load()
                self.put(key, value)
            return value
        finally:
            loading.release()

    def get(self, key: tuple[Hashable, ...]) -> tuple[bool, Any]:
        """(found, value): a cached None is a real answer (e.g. "not on the roster")."""
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return False, None
        return True, entry[1]

    def put(self, key: tuple[Hashable, ...], value: Any) -> None:
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                now = time.monotonic()
                self._entries = {k: v for k, v in self._entries.items() if v[0] >= now}
                if len(self._entries) >= MAX_ENTRIES:
                    self._entries.clear()
            self._entries[key] = (time.monotonic() + self.ttl, value)

    def forget_workspace(self, workspace: Hashable) -> None:
        """Drop every entry of one workspace (after a roster or settings change here)."""
        with self._lock:
            self._entries = {k: v for k, v in self._entries.items() if len(k) < 2 or k[1] != workspace}
