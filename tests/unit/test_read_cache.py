"""The short-lived read cache: expiry, forgetting a workspace, one load at a time."""

from __future__ import annotations

import threading
import time

from bot.read_cache import ReadCache


def test_values_expire_and_none_is_a_cached_answer() -> None:
    cache = ReadCache(ttl=0.05)
    cache.put(("actor", 1, "U1"), None)
    assert cache.get(("actor", 1, "U1")) == (True, None)
    time.sleep(0.06)
    assert cache.get(("actor", 1, "U1")) == (False, None)


def test_forget_workspace_drops_only_that_workspace() -> None:
    cache = ReadCache()
    cache.put(("actor", 1, "U1"), "a")
    cache.put(("roster", 1, "en"), "r")
    cache.put(("actor", 2, "U1"), "b")
    cache.forget_workspace(1)
    assert cache.get(("actor", 1, "U1"))[0] is False and cache.get(("roster", 1, "en"))[0] is False
    assert cache.get(("actor", 2, "U1")) == (True, "b")


def test_concurrent_misses_load_once() -> None:
    cache = ReadCache()
    calls: list[int] = []

    def load() -> str:
        calls.append(1)
        time.sleep(0.05)
        return "roster"

    results: list[object] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_load(("roster", 1), load)))
        for _ in range(10)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1] and results == ["roster"] * 10


def test_an_expired_value_is_served_while_one_thread_reloads() -> None:
    cache = ReadCache(ttl=0.01)
    cache.put(("roster", 1), "old")
    time.sleep(0.02)
    cache.ttl = 60.0  # the reloaded value must outlive a loaded machine's pause before the check
    started, release = threading.Event(), threading.Event()

    def slow_load() -> str:
        started.set()
        release.wait(2)
        return "new"

    loader = threading.Thread(target=lambda: cache.get_or_load(("roster", 1), slow_load))
    loader.start()
    started.wait(2)
    assert cache.get_or_load(("roster", 1), lambda: "never") == "old"
    release.set()
    loader.join()
    assert cache.get(("roster", 1)) == (True, "new")
