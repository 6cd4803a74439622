"""A value worked out once per test run and shared by pytest-xdist's workers.

A module-scoped fixture runs once in every worker that runs one of the module's tests, so an
expensive one (a whole `pmpulse demo`) ran several times per run. The first worker to ask
works it out under a lock, in the directory the run's workers share; the others read it.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable
from typing import Any

import pytest


def once_per_run(tmp_path_factory: pytest.TempPathFactory, name: str, compute: Callable[[], Any]) -> Any:
    """`compute()`'s value (anything JSON holds), computed by one worker of this run."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return compute()  # one process: nothing to share, and no directory private to this run
    shared = tmp_path_factory.getbasetemp().parent  # this run's; each worker's basetemp is in it
    path = shared / f"{name}.json"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return json.loads(path.read_text("utf-8"))
        value = compute()
        path.write_text(json.dumps(value), "utf-8")
        return value
