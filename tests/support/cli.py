"""The `pmpulse` console script, run as a process in a shell prepared for the fake Slack."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from bot.fakeslack import FakeSlack
from tests.support.harness import SIGNING_SECRET
from tests.support.warm import METRICS_DIR, WarmProcess, WarmStarter

PMPULSE = str(Path(sys.executable).parent / "pmpulse")
# What `pmpulse doctor` checks besides the channels, each on a line of its own.
DOCTOR_CHECKS = (
    "configuration",
    "database",
    "migrations",
    "slack token",
    "scopes",
    "clock",
    "request verification",
)


def cli_environment(fake: FakeSlack, database_url: str, **settings: str) -> dict[str, str]:
    """The shell `pmpulse` runs in: the fake Slack, the test database and `settings`.

    Nothing pmpulse reads is inherited from the shell running the tests, so a developer's own
    SLACK_ or PMPULSE_ variables cannot change what a test sees.
    """
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PMPULSE_", "DATABASE_URL"))}
    return {
        **clean,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.api_url,
        "DATABASE_URL": database_url,
        **settings,
    }


_warm = WarmStarter()
_warm_for_run = WarmStarter(for_run=True)


def _starter(args: tuple[str, ...], env: dict[str, str]) -> WarmStarter:
    return _warm_for_run if args[:1] == ("run",) or env.get(METRICS_DIR) else _warm


def pmpulse(
    env: dict[str, str], *args: str, timeout: float = 120, umask: int = -1
) -> subprocess.CompletedProcess[str]:
    """`pmpulse args` run to its end, in a process of its own forked with pmpulse already imported
    (tests/support/warm.py); `umask` is the process's (-1: the test runner's)."""
    return _starter(args, env).run([PMPULSE, *args], env=env, timeout=timeout, umask=umask)


def pmpulse_started(
    env: dict[str, str],
    *args: str,
    stdout: Any = None,
    stderr: Any = None,
    umask: int = -1,
    start_new_session: bool = False,
) -> WarmProcess:
    """`pmpulse args` started and left running, forked like `pmpulse()`'s commands; it answers as
    `subprocess.Popen(…, text=True)` does (pid, poll, wait, signals, communicate)."""
    return _starter(args, env).popen(
        [PMPULSE, *args],
        env=env,
        stdout=stdout,
        stderr=stderr,
        umask=umask,
        start_new_session=start_new_session,
    )


def pmpulse_cold(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`pmpulse args` started as the shell starts it, for what is about the interpreter's start-up."""
    return subprocess.run([PMPULSE, *args], env=env, capture_output=True, text=True, timeout=timeout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class HttpServer:
    url: str
    process: WarmProcess
    output: str = ""  # what it printed, once stopped


@contextmanager
def run_http(env: dict[str, str], *args: str) -> Iterator[HttpServer]:
    """`pmpulse run --http [args]` on a free port, answering /healthz; stopped with SIGTERM on leaving."""
    port = free_port()
    process = pmpulse_started(
        {**env, "PORT": str(port)}, "run", "--http", *args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    server = HttpServer(f"http://127.0.0.1:{port}", process)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{server.url}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or the worker is still booting
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"server did not start: {process.communicate(timeout=5)[0]}")
            time.sleep(0.1)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            server.output = process.communicate(timeout=15)[0]
        except subprocess.TimeoutExpired:
            process.kill()
            server.output = process.communicate()[0]
